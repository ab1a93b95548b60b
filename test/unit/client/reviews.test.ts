import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CredentialProvider } from "../../../src/client/config.ts";
import { errorFromStatus } from "../../../src/client/errors.ts";
import { builtinRef, parseResourceRef, UnknownResourceError } from "../../../src/client/resources.ts";
import { canI, createToken, type ReviewContext, rules, whoami } from "../../../src/client/reviews.ts";
import type { RequestOptions, Transport } from "../../../src/client/transport.ts";

/** A transport double: records requests, answers from a script keyed by path. */
function context(answers: Record<string, unknown | Error>, token?: string) {
  const requests: RequestOptions[] = [];
  const transport = {
    async requestJson(options: RequestOptions) {
      requests.push(options);
      const answer = answers[options.path];
      if (answer === undefined) throw notFound(options.path);
      if (answer instanceof Error) throw answer;
      return typeof answer === "function" ? answer(options) : answer;
    },
  } as unknown as Transport;
  const credentials: CredentialProvider | undefined = token
    ? {
        header: async () => `Bearer ${token}`,
        refresh: async () => false,
        describe: () => "test",
        currentToken: () => token,
        close() {},
      }
    : undefined;
  const ctx: ReviewContext = {
    transport,
    namespace: "shop",
    credentials,
    async resolve(ref: string) {
      const found = builtinRef(parseResourceRef(ref));
      if (!found) throw new UnknownResourceError(`the server doesn't have a resource type "${ref}"`);
      return found;
    },
  };
  return { ctx, requests };
}

const statusError = (code: number, reason: string, path: string) =>
  errorFromStatus(
    { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason, message: reason, code },
    { method: "POST", path },
  );
const notFound = (path: string) => statusError(404, "NotFound", path);

const V1 = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
const V1BETA1 = "/apis/authentication.k8s.io/v1beta1/selfsubjectreviews";
const SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

function jwt(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "RS256" })}.${part(claims)}.c2ln`;
}

const saToken = jwt({
  iss: "https://kubernetes.default.svc",
  sub: "system:serviceaccount:shop:web",
  aud: ["https://kubernetes.default.svc"],
  exp: Math.floor(Date.now() / 1000) + 3600,
  iat: Math.floor(Date.now() / 1000),
  "kubernetes.io": {
    namespace: "shop",
    serviceaccount: { name: "web", uid: "sa-1" },
    pod: { name: "web-0", uid: "pod-1" },
  },
});

describe("whoami", () => {
  const review = (apiVersion: string) => ({
    apiVersion,
    kind: "SelfSubjectReview",
    status: {
      userInfo: {
        username: "system:serviceaccount:shop:web",
        uid: "sa-1",
        groups: ["system:serviceaccounts", "system:serviceaccounts:shop", "system:authenticated"],
        extra: { "authentication.kubernetes.io/pod-name": ["web-0"] },
      },
    },
  });

  test("asks the server with SelfSubjectReview v1", async () => {
    const { ctx, requests } = context({ [V1]: review("authentication.k8s.io/v1") });
    const identity = await whoami(ctx);
    assert.equal(identity.username, "system:serviceaccount:shop:web");
    assert.equal(identity.source, "SelfSubjectReview/v1");
    assert.deepEqual(identity.serviceAccount, { namespace: "shop", name: "web" });
    assert.deepEqual(identity.extra, { "authentication.kubernetes.io/pod-name": ["web-0"] });
    assert.equal(identity.note, undefined);
    assert.equal(requests[0].method, "POST");
    assert.deepEqual(requests[0].body, { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" });
    assert.equal(requests[0].idempotent, true);
  });

  test("falls back to v1beta1 on 404", async () => {
    const { ctx, requests } = context({ [V1BETA1]: review("authentication.k8s.io/v1beta1") });
    const identity = await whoami(ctx);
    assert.equal(identity.source, "SelfSubjectReview/v1beta1");
    assert.deepEqual(
      requests.map((r) => r.path),
      [V1, V1BETA1],
    );
  });

  test("then to the token's claims, with a note saying so", async () => {
    const { ctx } = context({}, saToken);
    const identity = await whoami(ctx);
    assert.equal(identity.source, "token");
    assert.equal(identity.username, "system:serviceaccount:shop:web");
    assert.deepEqual(identity.groups, [
      "system:serviceaccounts",
      "system:serviceaccounts:shop",
      "system:authenticated",
    ]);
    assert.deepEqual(identity.extra?.["authentication.kubernetes.io/pod-name"], ["web-0"]);
    assert.match(identity.note ?? "", /no SelfSubjectReview API.*not confirmed by the server/);
  });

  test("a forbidden SelfSubjectReview the server serves: the binding was changed", async () => {
    const { ctx, requests } = context(
      {
        [V1]: statusError(403, "Forbidden", V1),
        "/apis/authentication.k8s.io/v1": { resources: [{ name: "selfsubjectreviews" }] },
      },
      saToken,
    );
    const identity = await whoami(ctx);
    assert.equal(identity.source, "token");
    assert.match(identity.note ?? "", /forbidden \(the system:basic-user binding was changed\)/);
    assert.deepEqual(
      requests.map((r) => r.path),
      [V1, "/apis/authentication.k8s.io/v1"],
    );
  });

  test("a 403 from a server without the API (before 1.27): an old server, and the user it named", async () => {
    const message =
      'selfsubjectreviews.authentication.k8s.io is forbidden: User "system:serviceaccount:shop:web" cannot create resource "selfsubjectreviews" in API group "authentication.k8s.io" at the cluster scope';
    const forbidden = errorFromStatus(
      {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        reason: "Forbidden",
        message,
        code: 403,
      },
      { method: "POST", path: V1 },
    );
    const { ctx } = context(
      {
        [V1]: forbidden,
        "/apis/authentication.k8s.io/v1": { resources: [{ name: "tokenreviews" }] },
        "/apis/authentication.k8s.io/v1beta1": { resources: [{ name: "tokenreviews" }] },
      },
      saToken,
    );
    const identity = await whoami(ctx);
    assert.equal(identity.username, "system:serviceaccount:shop:web");
    assert.match(identity.note ?? "", /older than 1\.27 and has no SelfSubjectReview API/);
    assert.match(identity.note ?? "", /the server's 403 named the same user/);
    assert.doesNotMatch(identity.note ?? "", /basic-user/);
  });

  test("no API and no token: a clear error", async () => {
    const { ctx } = context({});
    await assert.rejects(whoami(ctx), /cannot tell who this client is/);
  });

  test("other errors propagate", async () => {
    const { ctx } = context({ [V1]: statusError(500, "InternalError", V1) }, saToken);
    await assert.rejects(whoami(ctx), { code: 500 });
  });
});

describe("canI", () => {
  const allowed = (options: RequestOptions) => ({
    ...(options.body as object),
    status: { allowed: true, reason: 'RBAC: allowed by RoleBinding "r/shop"' },
  });

  test("resource in the default namespace", async () => {
    const { ctx, requests } = context({ [SSAR]: allowed });
    const result = await canI(ctx, "list", "pods");
    assert.deepEqual(result, {
      allowed: true,
      denied: false,
      reason: 'RBAC: allowed by RoleBinding "r/shop"',
    });
    const body = requests[0].body as { spec: { resourceAttributes: object } };
    assert.deepEqual(body.spec.resourceAttributes, {
      verb: "list",
      group: "",
      resource: "pods",
      namespace: "shop",
    });
    assert.equal(requests[0].idempotent, true);
  });

  test("short names, groups, all namespaces, names and subresources", async () => {
    const { ctx, requests } = context({ [SSAR]: { status: { allowed: false } } });
    await canI(ctx, "get", "deploy", { allNamespaces: true, name: "web" });
    await canI(ctx, "get", "pods/log", { namespace: "other" });
    await canI(ctx, "create", "serviceaccounts", { subresource: "token", name: "ci" });
    await canI(ctx, "list", "nodes");
    const attrs = requests.map(
      (r) => (r.body as { spec: { resourceAttributes: object } }).spec.resourceAttributes,
    );
    assert.deepEqual(attrs, [
      { verb: "get", group: "apps", resource: "deployments", namespace: "", name: "web" },
      { verb: "get", group: "", resource: "pods", namespace: "other", subresource: "log" },
      {
        verb: "create",
        group: "",
        resource: "serviceaccounts",
        namespace: "shop",
        subresource: "token",
        name: "ci",
      },
      { verb: "list", group: "", resource: "nodes", namespace: "" },
    ]);
  });

  test("a resource unknown to discovery is asked about as written", async () => {
    const { ctx, requests } = context({
      [SSAR]: { status: { allowed: false, denied: true, evaluationError: "webhook down" } },
    });
    const result = await canI(ctx, "list", "widgets", { group: "example.com" });
    assert.deepEqual(result, { allowed: false, denied: true, evaluationError: "webhook down" });
    assert.deepEqual((requests[0].body as { spec: { resourceAttributes: object } }).spec.resourceAttributes, {
      verb: "list",
      group: "example.com",
      resource: "widgets",
      namespace: "shop",
    });
  });

  test("non-resource URLs", async () => {
    const { ctx, requests } = context({ [SSAR]: { status: { allowed: true } } });
    assert.equal((await canI(ctx, "get", "/healthz")).allowed, true);
    assert.deepEqual((requests[0].body as { spec: object }).spec, {
      nonResourceAttributes: { path: "/healthz", verb: "get" },
    });
  });
});

describe("rules and createToken", () => {
  test("rules() asks SelfSubjectRulesReview for the namespace", async () => {
    const { ctx, requests } = context({
      "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews": {
        status: {
          resourceRules: [{ verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] }],
          nonResourceRules: [{ verbs: ["get"], nonResourceURLs: ["/healthz"] }],
          incomplete: false,
        },
      },
    });
    const result = await rules(ctx);
    assert.equal(result.resourceRules[0].resources?.[0], "pods");
    assert.equal(result.nonResourceRules.length, 1);
    assert.equal(result.incomplete, false);
    assert.deepEqual((requests[0].body as { spec: object }).spec, { namespace: "shop" });
    await rules(ctx, "other");
    assert.deepEqual((requests[1].body as { spec: object }).spec, { namespace: "other" });
  });

  test("createToken posts a TokenRequest; the token is not enumerable", async () => {
    const path = "/api/v1/namespaces/shop/serviceaccounts/web/token";
    const { ctx, requests } = context({
      [path]: (options: RequestOptions) => ({
        ...(options.body as object),
        status: { token: "eyJ.secret.token", expirationTimestamp: "2030-01-01T00:00:00Z" },
      }),
    });
    const issued = await createToken(ctx, "shop", "web", {
      audiences: ["vault"],
      expirationSeconds: 600,
      boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "web-0", uid: "pod-1" },
    });
    assert.equal(issued.token, "eyJ.secret.token");
    assert.deepEqual(issued.expirationTimestamp, new Date("2030-01-01T00:00:00Z"));
    assert.deepEqual(issued.audiences, ["vault"]);
    assert.doesNotMatch(JSON.stringify(issued), /secret/);
    assert.deepEqual(requests[0].body, {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: {
        audiences: ["vault"],
        expirationSeconds: 600,
        boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "web-0", uid: "pod-1" },
      },
    });
  });
});
