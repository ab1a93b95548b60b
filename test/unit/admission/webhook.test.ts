// Webhook dispatch pieces: rule matching (the tables of k8s.io/apiserver predicates/rules/rules_test.go),
// namespace and object selectors, AdmissionReview building and response checks, refusal Statuses.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { operationOptions } from "../../../src/server/admission/types.ts";
import { type Attributes, attributesOf } from "../../../src/server/admission/webhook/attributes.ts";
import { toStatusErr } from "../../../src/server/admission/webhook/dispatch.ts";
import {
  matchNamespaceSelector,
  matchObjectSelector,
  parseSelector,
} from "../../../src/server/admission/webhook/matchers.ts";
import { buildReview, verifyResponse } from "../../../src/server/admission/webhook/review.ts";
import { ruleMatches, rulePredicates } from "../../../src/server/admission/webhook/rules.ts";
import { Store } from "../../../src/server/storage/index.ts";

type Op = Attributes["operation"];

/** rules_test.go's a()/namespacedAttributes()/clusterScopedAttributes(). */
function attrs(
  group: string,
  version: string,
  resource: string,
  subresource: string,
  name: string,
  operation: Op,
  namespace = "ns",
): Attributes {
  return {
    operation,
    resource: { group, version, resource },
    subresource,
    kind: { group, version, kind: `k${resource}` },
    namespace,
    name,
    user: { username: "u", groups: [] },
    dryRun: false,
  };
}
const a = (g: string, v: string, r: string, sub: string, op: Op = "CREATE") =>
  attrs(g, v, r, sub, "name", op);
const cluster = (g: string, v: string, r: string, sub: string, name = "name") =>
  attrs(g, v, r, sub, name, "CREATE", "");
const namespaced = (g: string, v: string, r: string, sub: string, name = "name") =>
  attrs(g, v, r, sub, name, "CREATE", "ns");

type Case = { rule: Record<string, unknown>; match: Attributes[]; noMatch?: Attributes[] };

function run(predicate: keyof typeof rulePredicates, table: Record<string, Case>) {
  for (const [name, c] of Object.entries(table)) {
    test(`${predicate}: ${name}`, () => {
      for (const m of c.match)
        assert.ok(rulePredicates[predicate](c.rule, m), `expected match ${JSON.stringify(m.resource)}`);
      for (const m of c.noMatch ?? [])
        assert.ok(
          !rulePredicates[predicate](c.rule, m),
          `expected no match ${JSON.stringify(m.resource)} ${m.subresource}`,
        );
    });
  }
}

describe("rules (upstream rules_test.go)", () => {
  run("group", {
    wildcard: { rule: { apiGroups: ["*"] }, match: [a("g", "v", "r", "")] },
    exact: {
      rule: { apiGroups: ["g1", "g2"] },
      match: [a("g1", "v", "r", ""), a("g2", "v2", "r3", "")],
      noMatch: [a("g3", "v", "r", ""), a("g4", "v", "r", "")],
    },
  });
  run("version", {
    wildcard: { rule: { apiVersions: ["*"] }, match: [a("g", "v", "r", "")] },
    exact: {
      rule: { apiVersions: ["v1", "v2"] },
      match: [a("g1", "v1", "r", ""), a("g2", "v2", "r", "")],
      noMatch: [a("g1", "v3", "r", ""), a("g2", "v4", "r", "")],
    },
  });
  const ops: Op[] = ["CREATE", "UPDATE", "DELETE", "CONNECT"];
  const opCase = (allowed: Op[]): Case => ({
    rule: { operations: allowed },
    match: ops.filter((o) => allowed.includes(o)).map((o) => a("g", "v", "r", "", o)),
    noMatch: ops.filter((o) => !allowed.includes(o)).map((o) => a("g", "v", "r", "", o)),
  });
  run("operation", {
    wildcard: { rule: { operations: ["*"] }, match: ops.map((o) => a("g", "v", "r", "", o)) },
    create: opCase(["CREATE"]),
    update: opCase(["UPDATE"]),
    delete: opCase(["DELETE"]),
    connect: opCase(["CONNECT"]),
    multiple: opCase(["UPDATE", "DELETE"]),
  });
  run("resource", {
    "no subresources": {
      rule: { resources: ["*"] },
      match: [a("g", "v", "r", ""), a("2", "v", "r2", "")],
      noMatch: [a("g", "v", "r", "exec"), a("2", "v", "r2", "proxy")],
    },
    "r & subresources": {
      rule: { resources: ["r/*"] },
      match: [a("g", "v", "r", ""), a("g", "v", "r", "exec")],
      noMatch: [a("2", "v", "r2", ""), a("2", "v", "r2", "proxy")],
    },
    "r & subresources or r2": {
      rule: { resources: ["r/*", "r2"] },
      match: [a("g", "v", "r", ""), a("g", "v", "r", "exec"), a("2", "v", "r2", "")],
      noMatch: [a("2", "v", "r2", "proxy")],
    },
    "proxy or exec": {
      rule: { resources: ["*/proxy", "*/exec"] },
      match: [a("g", "v", "r", "exec"), a("2", "v", "r2", "proxy"), a("2", "v", "r3", "proxy")],
      noMatch: [a("g", "v", "r", ""), a("2", "v", "r2", ""), a("2", "v", "r4", "scale")],
    },
  });
  run("scope", {
    "cluster scope": {
      rule: { resources: ["*"], scope: "Cluster" },
      match: [
        cluster("g", "v", "r", ""),
        cluster("g", "v", "r", "exec"),
        cluster("", "v1", "namespaces", "", "ns"),
        cluster("", "v1", "namespaces", "finalize", "ns"),
        namespaced("", "v1", "namespaces", "", "ns"),
        namespaced("", "v1", "namespaces", "finalize", "ns"),
      ],
      noMatch: [namespaced("g", "v", "r", ""), namespaced("g", "v", "r", "exec")],
    },
    "namespace scope": {
      rule: { resources: ["*"], scope: "Namespaced" },
      match: [namespaced("g", "v", "r", ""), namespaced("g", "v", "r", "exec")],
      noMatch: [
        cluster("", "v1", "namespaces", "", "ns"),
        cluster("", "v1", "namespaces", "finalize", "ns"),
        namespaced("", "v1", "namespaces", "", "ns"),
        namespaced("", "v1", "namespaces", "finalize", "ns"),
        cluster("g", "v", "r", ""),
        cluster("g", "v", "r", "exec"),
      ],
    },
    "all scopes": {
      rule: { resources: ["*"], scope: "*" },
      match: [
        namespaced("g", "v", "r", ""),
        namespaced("g", "v", "r", "exec"),
        cluster("g", "v", "r", ""),
        cluster("g", "v", "r", "exec"),
        cluster("", "v1", "namespaces", "", "ns"),
        namespaced("", "v1", "namespaces", "finalize", "ns"),
      ],
    },
  });

  test("a whole rule needs every part to match", () => {
    const rule = {
      operations: ["CREATE"],
      apiGroups: ["apps"],
      apiVersions: ["v1"],
      resources: ["deployments", "*/status"],
      scope: "*",
    };
    assert.ok(ruleMatches(rule, a("apps", "v1", "deployments", "")));
    assert.ok(ruleMatches(rule, a("apps", "v1", "replicasets", "status")));
    assert.ok(!ruleMatches(rule, a("apps", "v1", "deployments", "", "UPDATE")));
    assert.ok(!ruleMatches(rule, a("", "v1", "deployments", "")));
  });
});

describe("selectors", () => {
  test("namespaceSelector: cluster-scoped requests always match; others use the namespace's labels", async () => {
    const store = await Store.open();
    store.register("namespaces", { namespaced: false, fields: () => ({}) });
    await store.create("namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "prod", labels: { env: "prod" } },
    });
    const sel = parseSelector({ matchLabels: { env: "prod" } });
    assert.equal(
      matchNamespaceSelector(store, sel, attrs("", "v1", "pods", "", "p", "CREATE", "prod")).matches,
      true,
    );
    assert.equal(matchNamespaceSelector(store, sel, cluster("", "v1", "nodes", "")).matches, true);
    const missing = matchNamespaceSelector(store, sel, attrs("", "v1", "pods", "", "p", "CREATE", "gone"));
    assert.equal(missing.matches, false);
    assert.equal(missing.error?.message, 'namespaces "gone" not found');
    // A namespace being created is matched by its own labels.
    const ns = {
      ...cluster("", "v1", "namespaces", "", "dev"),
      namespace: "dev",
      object: { metadata: { name: "dev", labels: { env: "prod" } } },
    };
    assert.equal(matchNamespaceSelector(store, sel, ns).matches, true);
    assert.equal(
      matchNamespaceSelector(
        store,
        parseSelector({ matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }] }),
        attrs("", "v1", "pods", "", "p", "CREATE", "prod"),
      ).matches,
      false,
    );
    await store.close();
  });

  test("objectSelector: the new or the old object's labels", () => {
    const sel = parseSelector({ matchLabels: { team: "a" } });
    const base = a("", "v1", "pods", "");
    assert.equal(
      matchObjectSelector(sel, { ...base, object: { metadata: { labels: { team: "a" } } } }).matches,
      true,
    );
    assert.equal(
      matchObjectSelector(sel, {
        ...base,
        object: { metadata: {} },
        oldObject: { metadata: { labels: { team: "a" } } },
      }).matches,
      true,
    );
    assert.equal(
      matchObjectSelector(sel, { ...base, object: { metadata: { labels: { team: "b" } } } }).matches,
      false,
    );
    assert.equal(matchObjectSelector(parseSelector({}), base).matches, true);
  });
});

describe("AdmissionReview", () => {
  const attributes: Attributes = {
    ...attrs("apps", "v1", "deployments", "status", "web", "UPDATE", "default"),
    kind: { group: "apps", version: "v1", kind: "Deployment" },
    user: {
      username: "alice",
      uid: "42",
      groups: ["devs", "system:authenticated"],
      extra: { scopes: ["a"] },
    },
    object: { metadata: { name: "web" } },
    oldObject: { metadata: { name: "web", resourceVersion: "3" } },
    options: { kind: "UpdateOptions", apiVersion: "meta.k8s.io/v1" },
  };

  test("the request has kube-apiserver's fields, in its order", () => {
    const review = buildReview(attributes, ["v1beta1", "v1"], attributes.object);
    assert.equal(review.apiVersion, "admission.k8s.io/v1beta1");
    const request = review.body.request as Record<string, unknown>;
    assert.deepEqual(Object.keys(request), [
      "uid",
      "kind",
      "resource",
      "subResource",
      "requestKind",
      "requestResource",
      "requestSubResource",
      "name",
      "namespace",
      "operation",
      "userInfo",
      "object",
      "oldObject",
      "dryRun",
      "options",
    ]);
    assert.equal(request.uid, review.uid);
    assert.deepEqual(request.resource, { group: "apps", version: "v1", resource: "deployments" });
    assert.equal(request.subResource, "status");
    assert.deepEqual(request.userInfo, {
      username: "alice",
      uid: "42",
      groups: ["devs", "system:authenticated"],
      extra: { scopes: ["a"] },
    });
    assert.throws(
      () => buildReview(attributes, ["v2"], undefined),
      /does not accept known AdmissionReview versions/,
    );
  });

  test("responses are checked as VerifyAdmissionResponse does", () => {
    const sent = buildReview(attributes, ["v1"], attributes.object);
    const reply = (response: object, extra = {}) => ({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response,
      ...extra,
    });
    assert.throws(() => verifyResponse({}, sent, false), /^Error: webhook response was absent$/);
    assert.throws(() => verifyResponse(reply({ uid: "x", allowed: true }), sent, false), {
      message: `expected response.uid="${sent.uid}", got "x"`,
    });
    assert.throws(
      () =>
        verifyResponse(
          { ...reply({ uid: sent.uid, allowed: true }), apiVersion: "admission.k8s.io/v1beta1" },
          sent,
          false,
        ),
      {
        message:
          "expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got admission.k8s.io/v1beta1, Kind=AdmissionReview",
      },
    );
    assert.throws(() => verifyResponse(reply({ uid: sent.uid, allowed: true, patch: "W10=" }), sent, false), {
      message: "validating webhook may not return response.patch",
    });
    assert.throws(() => verifyResponse(reply({ uid: sent.uid, allowed: true, patch: "W10=" }), sent, true), {
      message: "webhook returned response.patch but not response.patchType",
    });
    const ok = verifyResponse(
      reply({ uid: sent.uid, allowed: true, warnings: ["w"], patch: "W10=", patchType: "JSONPatch" }),
      sent,
      true,
    );
    assert.deepEqual([ok.allowed, ok.warnings, ok.patchType], [true, ["w"], "JSONPatch"]);
  });

  test("a refusal is worded as ToStatusErr and never below 400", () => {
    assert.deepEqual(toStatusErr("h.example.com", { code: 200, message: "no" }), {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'admission webhook "h.example.com" denied the request: no',
      code: 400,
    });
    assert.equal(
      toStatusErr("h.example.com", { reason: "Because" }).message,
      'admission webhook "h.example.com" denied the request: Because',
    );
    assert.equal(
      toStatusErr("h.example.com", undefined).message,
      'admission webhook "h.example.com" denied the request without explanation',
    );
    assert.equal(toStatusErr("h.example.com", { code: 409, message: "x", reason: "Conflict" }).code, 409);
  });
});

describe("attributes", () => {
  const nsDef = { group: "", version: "v1", resource: "namespaces", kind: "Namespace" } as never;
  const base = {
    def: nsDef,
    subresource: "",
    namespace: "",
    user: { username: "u", groups: [] },
    store: undefined as never,
  };

  test("a namespace's request namespace is its name, except on create (as the request info has it)", () => {
    assert.equal(
      attributesOf({ ...base, operation: "CREATE", name: "dev", object: { metadata: { name: "dev" } } })
        .namespace,
      "",
    );
    assert.equal(attributesOf({ ...base, operation: "DELETE", name: "dev" }).namespace, "dev");
    assert.equal(attributesOf({ ...base, operation: "UPDATE", name: "dev" }).namespace, "dev");
  });

  test("options are Create/Update/DeleteOptions with what the request set", () => {
    assert.deepEqual(operationOptions("CREATE", { dryRun: true }), {
      kind: "CreateOptions",
      apiVersion: "meta.k8s.io/v1",
      dryRun: ["All"],
    });
    assert.deepEqual(operationOptions("DELETE", { gracePeriodSeconds: 0, propagationPolicy: "Foreground" }), {
      kind: "DeleteOptions",
      apiVersion: "meta.k8s.io/v1",
      gracePeriodSeconds: 0,
      propagationPolicy: "Foreground",
    });
  });
});
