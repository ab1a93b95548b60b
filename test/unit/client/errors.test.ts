import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import {
  ApiError,
  errorFromResponse,
  errorFromStatus,
  ForbiddenError,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  isTooManyRequests,
  isUnauthorized,
  UnauthorizedError,
} from "../../../src/client/errors.ts";
import { loadForbiddenFix } from "../../../src/client/explain-forbidden.ts";

const context = { method: "GET", path: "/api/v1/namespaces/default/pods" };

function status(code: number, reason: string, message: string, details?: object): string {
  return JSON.stringify({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  });
}

function jwt(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "RS256", kid: "k1" })}.${part(claims)}.${Buffer.from("signature").toString("base64url")}`;
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const NOW = new Date("2026-06-01T12:00:00Z");

function boundClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: "https://kubernetes.default.svc.cluster.local",
    sub: "system:serviceaccount:shop:web",
    aud: ["https://kubernetes.default.svc.cluster.local"],
    iat: seconds(NOW) - 600,
    nbf: seconds(NOW) - 600,
    exp: seconds(NOW) + 3000,
    "kubernetes.io": {
      namespace: "shop",
      serviceaccount: { name: "web", uid: "sa-uid" },
      pod: { name: "web-7d9f", uid: "pod-uid" },
    },
    ...overrides,
  };
}

function unauthorized(token: string | undefined, extra: object = {}): UnauthorizedError {
  const error = errorFromResponse(401, status(401, "Unauthorized", "Unauthorized"), {
    ...context,
    token,
    credentialsSent: token !== undefined,
    credentialsDescription: "token file /var/run/secrets/kubernetes.io/serviceaccount/token (eyJ…(redacted))",
    now: NOW,
    ...extra,
  });
  assert.ok(error instanceof UnauthorizedError);
  return error;
}

describe("Status parsing and guards", () => {
  const cases: {
    name: string;
    code: number;
    body: string;
    guard: (e: unknown) => boolean;
    reason: string;
  }[] = [
    {
      name: "401",
      code: 401,
      body: status(401, "Unauthorized", "Unauthorized"),
      guard: isUnauthorized,
      reason: "Unauthorized",
    },
    {
      name: "404",
      code: 404,
      body: status(404, "NotFound", 'pods "x" not found', { name: "x", kind: "pods" }),
      guard: isNotFound,
      reason: "NotFound",
    },
    {
      name: "409 exists",
      code: 409,
      body: status(409, "AlreadyExists", 'pods "x" already exists', { name: "x", kind: "pods" }),
      guard: isAlreadyExists,
      reason: "AlreadyExists",
    },
    {
      name: "409 conflict",
      code: 409,
      body: status(
        409,
        "Conflict",
        'Operation cannot be fulfilled on pods "x": the object has been modified; please apply your changes to the latest version and try again',
        { name: "x", kind: "pods" },
      ),
      guard: isConflict,
      reason: "Conflict",
    },
    {
      name: "410",
      code: 410,
      body: status(410, "Expired", "too old resource version: 123 (456)"),
      guard: isGone,
      reason: "Expired",
    },
    {
      name: "422",
      code: 422,
      body: status(422, "Invalid", 'Pod "x" is invalid: spec.containers[0].image: Required value', {
        name: "x",
        kind: "Pod",
        causes: [
          { reason: "FieldValueRequired", message: "Required value", field: "spec.containers[0].image" },
        ],
      }),
      guard: isInvalid,
      reason: "Invalid",
    },
    {
      name: "429",
      code: 429,
      body: status(429, "TooManyRequests", "Too many requests, please try again later.", {
        retryAfterSeconds: 1,
      }),
      guard: isTooManyRequests,
      reason: "TooManyRequests",
    },
    {
      name: "500",
      code: 500,
      body: status(500, "InternalError", "Internal error occurred: etcd is down"),
      guard: (e) => e instanceof ApiError && e.code === 500,
      reason: "InternalError",
    },
  ];
  for (const c of cases) {
    test(`${c.name}: typed, message is the Status message`, () => {
      const error = errorFromResponse(c.code, c.body, context);
      assert.ok(c.guard(error), `guard for ${c.name}`);
      assert.equal(error.code, c.code);
      assert.equal(error.reason, c.reason);
      assert.equal(error.message, JSON.parse(c.body).message);
      assert.equal(error.status.kind, "Status");
      assert.equal(error.method, "GET");
      assert.equal(error.path, context.path);
      assert.equal(error.rawBody, undefined);
      for (const other of cases.filter((o) => o.guard !== c.guard && o.code !== c.code)) {
        assert.equal(other.guard(error), false, `${other.name} guard must not match ${c.name}`);
      }
    });
  }

  test("409 AlreadyExists is not a Conflict", () => {
    assert.equal(isConflict(errorFromResponse(409, cases[2].body, context)), false);
  });

  test("retryAfterSeconds comes from the header, else from details", () => {
    assert.equal(errorFromResponse(429, cases[6].body, context).retryAfterSeconds, 1);
    assert.equal(
      errorFromResponse(429, cases[6].body, { ...context, retryAfterSeconds: 5 }).retryAfterSeconds,
      5,
    );
  });

  test("422 explain() lists the field causes", () => {
    assert.match(
      errorFromResponse(422, cases[5].body, context).explain(),
      /spec\.containers\[0\]\.image: Required value/,
    );
  });

  test("a non-JSON body gets a synthesised Status and keeps the raw text, truncated", () => {
    const error = errorFromResponse(
      503,
      "upstream connect error or disconnect/reset before headers",
      context,
    );
    assert.equal(error.status.kind, "Status");
    assert.equal(error.reason, "ServiceUnavailable");
    assert.equal(error.code, 503);
    assert.match(
      error.message,
      /^the server is currently unable to handle the request \(503 on GET .*: upstream connect error/,
    );
    assert.equal(error.rawBody, "upstream connect error or disconnect/reset before headers");

    const huge = errorFromResponse(500, "x".repeat(10_000), context);
    assert.ok(huge.rawBody!.length < 2100);
    assert.ok(huge.message.length < 400);
  });

  test("a JSON body that is not a Status is not mistaken for one", () => {
    const error = errorFromResponse(404, '{"error":"nope"}', context);
    assert.ok(isNotFound(error));
    assert.equal(error.message.startsWith("the server could not find the requested resource"), true);
  });

  test("an empty 404 body", () => {
    const error = errorFromResponse(404, "", context);
    assert.ok(isNotFound(error));
    assert.equal(error.rawBody, undefined);
  });

  test("watch ERROR event Status objects build the same errors", () => {
    const error = errorFromStatus(
      {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "too old resource version: 1 (5)",
        reason: "Expired",
        code: 410,
      },
      context,
    );
    assert.ok(isGone(error));
  });
});

test("403 explain() before the fix generator is loaded: the diagnosis, and how to get the fix", () => {
  const error = errorFromResponse(
    403,
    status(
      403,
      "Forbidden",
      'pods is forbidden: User "u" cannot list resource "pods" in API group "" at the cluster scope',
    ),
    context,
  );
  const text = error.explain();
  assert.match(text, /Tried: list pods/);
  assert.match(
    text,
    /Least-privilege fix: not generated \(await loadForbiddenFix\(\) from incluster\/client first\)/,
  );
  assert.doesNotMatch(text, /kind: ClusterRole/);
});

describe("403 explain()", () => {
  before(loadForbiddenFix);
  const forbidden = (message: string, details: object = {}, extra: object = {}) => {
    const error = errorFromResponse(403, status(403, "Forbidden", message, details), {
      ...context,
      ...extra,
    });
    assert.ok(isForbidden(error));
    assert.ok(error instanceof ForbiddenError);
    return error;
  };

  test("namespaced list: who, what, scope and a Role fix", () => {
    const error = forbidden(
      'pods is forbidden: User "system:serviceaccount:bluezero:default" cannot list resource "pods" in API group "" in the namespace "bluezero"',
      { kind: "pods" },
    );
    assert.equal(error.forbidden?.verb, "list");
    assert.deepEqual(error.forbidden?.serviceAccount, { namespace: "bluezero", name: "default" });
    const text = error.explain();
    assert.match(text, /Who: +ServiceAccount bluezero\/default/);
    assert.match(text, /Tried: list pods \(the core API group\)/);
    assert.match(text, /Scope: namespace "bluezero"/);
    assert.match(text, /kind: Role\n/);
    assert.match(text, /kind: RoleBinding/);
    assert.match(text, /- watch/, "an informer-style list also needs watch");
    assert.match(text, /kubectl create role/);
    assert.match(
      text,
      /kubectl auth can-i list pods -n bluezero --as=system:serviceaccount:bluezero:default/,
    );
  });

  test("cluster scope with a missing ClusterRole", () => {
    const error = forbidden(
      'deployments.apps is forbidden: User "system:serviceaccount:monitor:kube-state-metrics" cannot list resource "deployments" in API group "apps" at the cluster scope: RBAC: clusterrole.rbac.authorization.k8s.io "kube-state-metrics" not found',
    );
    assert.equal(error.forbidden?.namespace, undefined);
    const text = error.explain();
    assert.match(text, /Scope: cluster scope/);
    assert.match(text, /kind: ClusterRoleBinding/);
    assert.match(text, /ClusterRole "kube-state-metrics", which does not exist/);
  });

  test("named object in the apps group", () => {
    const error = forbidden(
      'deployments.apps "web" is forbidden: User "u" cannot get resource "deployments" in API group "apps" in the namespace "ns"',
      {
        name: "web",
        group: "apps",
        kind: "deployments",
      },
    );
    assert.equal(error.forbidden?.name, "web");
    assert.equal(error.details?.name, "web");
    const text = error.explain();
    assert.match(text, /Who: +user "u"/);
    assert.match(text, /get deployments named "web" \(API group "apps"\)/);
    assert.match(text, /resourceNames:\n\s+- web/);
  });

  test("subresource", () => {
    const error = forbidden(
      'serviceaccounts "web" is forbidden: User "system:serviceaccount:ns:ci" cannot create resource "serviceaccounts/token" in API group "" in the namespace "ns"',
      { name: "web", kind: "serviceaccounts" },
    );
    assert.equal(error.forbidden?.subresource, "token");
    assert.match(error.explain(), /serviceaccounts\/token/);
  });

  test("non-resource URL", () => {
    const error = forbidden(
      'forbidden: User "system:serviceaccount:ucp:airship" cannot get path "/version/"',
    );
    assert.equal(error.forbidden?.path, "/version/");
    const text = error.explain();
    assert.match(text, /non-resource URL \/version\//);
    assert.match(text, /nonResourceURLs/);
    assert.match(text, /kind: ClusterRole\n/);
  });

  test("anonymous: no credentials, not a missing Role", () => {
    const error = forbidden(
      'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"',
      {},
      {
        credentialsSent: false,
      },
    );
    assert.equal(error.forbidden?.anonymous, true);
    const text = error.explain();
    assert.match(text, /system:anonymous/);
    assert.match(text, /no credentials reached it/);
    assert.match(text, /The client sent no credentials/);
    assert.doesNotMatch(text, /kind: Role/);
  });

  test("admission 403 is not RBAC", () => {
    const error = forbidden(
      'pods "redis" is forbidden: error looking up service account default/default: serviceaccount "default" not found',
    );
    assert.equal(error.forbidden, null);
    const text = error.explain();
    assert.match(text, /Denied by admission, not RBAC/);
    assert.doesNotMatch(text, /kind: Role/);
  });

  test("RBAC escalation prevention is explained as such", () => {
    const error = forbidden(
      'roles.rbac.authorization.k8s.io "big" is forbidden: user "system:serviceaccount:ns:deployer" (groups=["system:serviceaccounts"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
    );
    assert.match(error.explain(), /escalation prevention/);
  });
});

describe("401 explain()", () => {
  test("no credentials at all", () => {
    const error = unauthorized(undefined);
    assert.equal(error.tokenDiagnosis.sent, false);
    assert.match(error.explain(), /1\. \[found\] No credentials were sent/);
  });

  test("expired token comes first", () => {
    const error = unauthorized(jwt(boundClaims({ exp: seconds(NOW) - 7200 })));
    const text = error.explain();
    assert.match(text, /1\. \[found\] The token expired at 2026-06-01T10:00:00\.000Z \(2h ago\)/);
    assert.match(text, /bound to Pod "web-7d9f"/);
    assert.doesNotMatch(text, /eyJ[A-Za-z0-9_-]{20,}/, "never prints the token");
  });

  test("a token issued in the future means clock skew", () => {
    const error = unauthorized(jwt(boundClaims({ iat: seconds(NOW) + 600, nbf: seconds(NOW) + 600 })));
    assert.match(error.explain(), /\[found\] The token is not valid yet.*Clock skew/);
  });

  test("a token for another audience", () => {
    const error = unauthorized(jwt(boundClaims({ aud: ["vault"] })));
    assert.match(error.explain(), /1\. \[likely\] The token's audience is "vault"/);
  });

  test("an API-server audience is not flagged", () => {
    assert.doesNotMatch(unauthorized(jwt(boundClaims())).explain(), /audience is/);
  });

  test("issuer and the bound ServiceAccount are named as possible causes", () => {
    const text = unauthorized(jwt(boundClaims())).explain();
    assert.match(
      text,
      /\[possible\] The token was issued by "https:\/\/kubernetes\.default\.svc\.cluster\.local"/,
    );
    assert.match(text, /ServiceAccount shop\/web \(uid sa-uid\) is deleted and re-created/);
    assert.match(text, /A newer token may be on disk/);
  });

  test("legacy Secret-based token", () => {
    const text = unauthorized(
      jwt({
        iss: "kubernetes/serviceaccount",
        sub: "system:serviceaccount:shop:web",
        "kubernetes.io/serviceaccount/namespace": "shop",
        "kubernetes.io/serviceaccount/secret.name": "web-token-abcde",
        "kubernetes.io/serviceaccount/service-account.name": "web",
        "kubernetes.io/serviceaccount/service-account.uid": "sa-uid",
      }),
    ).explain();
    assert.match(text, /legacy Secret-based token: it dies with Secret "web-token-abcde"/);
  });

  test("not a JWT", () => {
    assert.match(unauthorized("opaque-static-token").explain(), /\[likely\] The token is not a readable JWT/);
  });

  test("credentials re-read after the 401 and unchanged", () => {
    const text = unauthorized(jwt(boundClaims()), { credentialsRefreshed: false }).explain();
    assert.match(text, /re-read its credentials after the 401: they had not changed/);
    assert.doesNotMatch(text, /A newer token may be on disk/);
  });

  test("the error object holds claims, never the token", () => {
    const token = jwt(boundClaims());
    const error = unauthorized(token);
    assert.doesNotMatch(JSON.stringify(error), new RegExp(token.split(".")[1]));
    assert.equal(error.tokenDiagnosis.claims?.serviceAccount?.name, "web");
  });
});
