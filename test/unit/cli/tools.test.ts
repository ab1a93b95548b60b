// Pure parts of the CLI tools: kubectl-compatible formatting, argument parsing, and learning RBAC from audit events.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { canILine, splitTypeName, whoamiRows } from "../../../src/cli/identity.ts";
import { formatTable } from "../../../src/cli/output.ts";
import { findDenials } from "../../../src/cli/rbac.ts";
import {
  type AuditEvent,
  compactAtoms,
  learnRbac,
  parseAuditLog,
  uncoveredRequests,
} from "../../../src/cli/rbac-learn.ts";
import { offlineUser } from "../../../src/cli/rbac-offline.ts";
import { rulesTableRows } from "../../../src/cli/rules-table.ts";
import { parseDuration, parseServiceAccountRef } from "../../../src/cli/token.ts";
import { needsFromText, parseNeed } from "../../../src/doctor/index.ts";

describe("kubectl formats", () => {
  test("tab-aligned table with 3 spaces of padding", () => {
    assert.equal(
      formatTable([
        ["A", "BB"],
        ["CCC", "D"],
      ]),
      "A     BB\nCCC   D\n",
    );
  });

  test("whoami rows are sorted by attribute like kubectl", () => {
    const rows = whoamiRows({
      username: "system:serviceaccount:web:app",
      uid: "u1",
      groups: ["g1", "g2"],
      extra: { "authentication.kubernetes.io/pod-name": ["web-0"] },
      source: "SelfSubjectReview/v1",
    });
    assert.deepEqual(
      rows.map((r) => r[0]),
      ["ATTRIBUTE", "Extra: authentication.kubernetes.io/pod-name", "Groups", "UID", "Username"],
    );
    assert.equal(rows[2][1], "[g1 g2]");
  });

  test("can-i lines", () => {
    assert.equal(canILine({ allowed: true, reason: "RBAC: allowed by …" }), "yes");
    assert.equal(canILine({ allowed: false }), "no");
    assert.equal(canILine({ allowed: false, reason: "r", evaluationError: "e" }), "no - r - e");
  });

  test("can-i --list: broken down, compacted by resource (verbs merged and sorted), sorted by the rule's Go string", () => {
    const rows = rulesTableRows([
      { verbs: ["watch", "list"], apiGroups: [""], resources: ["pods"] },
      { verbs: ["get"], apiGroups: [""], resources: ["pods", "configmaps"] },
      { verbs: ["get"], apiGroups: ["apps"], resources: ["deployments/scale"], resourceNames: ["web"] },
      { verbs: ["get"], nonResourceURLs: ["/healthz", "/api"] },
      { verbs: ["create"], apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews"] },
    ]);
    assert.deepEqual(rows, [
      ["selfsubjectaccessreviews.authorization.k8s.io", "[]", "[]", "[create]"],
      // "[get list watch]" < "[get]": Go compares bytes, and " " sorts before "]".
      ["pods", "[]", "[]", "[get list watch]"],
      ["", "[/api]", "[]", "[get]"],
      ["", "[/healthz]", "[]", "[get]"],
      ["configmaps", "[]", "[]", "[get]"],
      ["deployments.apps/scale", "[]", "[web]", "[get]"],
    ]);
  });
});

describe("arguments", () => {
  test("TYPE/NAME or TYPE NAME, never both", () => {
    assert.deepEqual(splitTypeName("pods/web-0", undefined), { resource: "pods", name: "web-0" });
    assert.deepEqual(splitTypeName("/healthz/etcd", undefined), { resource: "/healthz/etcd" });
    assert.throws(() => splitTypeName("pods/a", "b"), /not both/);
  });

  test("durations are Go durations in whole seconds", () => {
    assert.equal(parseDuration("1h30m"), 5400);
    assert.equal(parseDuration("600s"), 600);
    assert.throws(() => parseDuration("1d"), /invalid duration/);
    assert.throws(() => parseDuration(""), /invalid duration/);
  });

  test("ServiceAccount references", () => {
    assert.deepEqual(parseServiceAccountRef("web/app"), { namespace: "web", name: "app" });
    assert.deepEqual(parseServiceAccountRef("app", "dev"), { namespace: "dev", name: "app" });
    assert.throws(() => parseServiceAccountRef("app"), /NAMESPACE\/SERVICEACCOUNT/);
  });

  test("offline identities get the groups the API server would add", () => {
    assert.deepEqual(offlineUser("system:serviceaccount:web:app").groups, [
      "system:serviceaccounts",
      "system:serviceaccounts:web",
      "system:authenticated",
    ]);
    assert.deepEqual(offlineUser("system:serviceaccount:web:app", ["x"]).groups, [
      "x",
      "system:authenticated",
    ]);
    assert.deepEqual(offlineUser("alice").groups, ["system:authenticated"]);
    assert.deepEqual(offlineUser("system:anonymous").groups, ["system:unauthenticated"]);
  });
});

describe("doctor needs", () => {
  test("parse verb, resource, subresource, name and scope", () => {
    assert.deepEqual(parseNeed("watch endpointslices -n web"), {
      text: "watch endpointslices -n web",
      namespace: "web",
      verb: "watch",
      resource: "endpointslices",
    });
    assert.deepEqual(parseNeed("create pods/exec web-0 -A"), {
      text: "create pods/exec web-0 -A",
      allNamespaces: true,
      verb: "create",
      resource: "pods",
      subresource: "exec",
      name: "web-0",
    });
    assert.equal(parseNeed("get /healthz").resource, "/healthz");
    assert.throws(() => parseNeed("list"), /expected VERB RESOURCE/);
    assert.throws(() => parseNeed("list pods -n"), /expected VERB RESOURCE/);
    assert.throws(() => parseNeed("list pods -n a -A"), /not both/);
  });

  test("from a file: a list, `needs:`, or the app's Role manifests", () => {
    assert.deepEqual(
      needsFromText("- list pods -A\n- get /healthz\n").map((n) => n.text),
      ["list pods -A", "get /healthz"],
    );
    assert.deepEqual(
      needsFromText("needs: [list pods]").map((n) => n.text),
      ["list pods"],
    );
    const role =
      "kind: Role\nmetadata: {name: r, namespace: web}\nrules:\n- apiGroups: [apps]\n  resources: [deployments]\n  resourceNames: [api]\n  verbs: [get, patch]\n---\nkind: ClusterRole\nmetadata: {name: c}\nrules:\n- nonResourceURLs: [/metrics]\n  verbs: [get]\n";
    assert.deepEqual(
      needsFromText(role).map((n) => n.text),
      ["get deployments.apps api -n web", "patch deployments.apps api -n web", "get /metrics"],
    );
    assert.throws(() => needsFromText("kind: Pod\n"), /list of needs/);
  });
});

describe("rbac explain input", () => {
  test("one fix per distinct denial in a log; non-denials are ignored", () => {
    const message =
      'pods is forbidden: User "system:serviceaccount:a:b" cannot list resource "pods" in API group "" in the namespace "a"';
    const denials = findDenials(
      `x\n${message}\n${message}: RBAC: role.rbac.authorization.k8s.io "r" not found\nok\n`,
    );
    assert.equal(denials.length, 1);
    assert.equal(denials[0].namespace, "a");
    assert.deepEqual(findDenials("nothing here"), []);
  });
});

describe("rbac learn", () => {
  const sa = "system:serviceaccount:shop:cart";
  const event = (
    verb: string,
    objectRef: AuditEvent["objectRef"],
    requestURI = "/x",
    username = sa,
  ): AuditEvent => ({
    verb,
    requestURI,
    user: { username },
    objectRef,
    responseStatus: { code: 200 },
  });
  const events: AuditEvent[] = [
    event("list", { resource: "pods", namespace: "shop" }),
    event("watch", { resource: "pods", namespace: "shop" }),
    event("get", { resource: "configmaps", namespace: "shop", name: "settings" }),
    event("get", { resource: "configmaps", namespace: "shop", name: "flags" }),
    event("create", { resource: "configmaps", namespace: "shop", name: "ignored-name" }),
    event("list", { resource: "pods" }),
    event("get", undefined, "/metrics?x=1"),
    event("get", undefined, "/api/v1"),
    event("create", { resource: "selfsubjectaccessreviews", apiGroup: "authorization.k8s.io" }),
    event(
      "delete",
      { resource: "secrets", namespace: "shop", name: "s" },
      "/x",
      "system:serviceaccount:shop:other",
    ),
  ];
  const options = { namespace: "shop", serviceAccount: "cart" };

  test("parses JSON lines and skips garbage", () => {
    assert.equal(parseAuditLog(`${JSON.stringify(events[0])}\n\n{"truncated\n`).length, 1);
  });

  test("cluster-wide access covers the same namespaced access; defaults are skipped; names only where they can match", () => {
    const result = learnRbac(events, options);
    assert.equal(result.requests, 9);
    assert.equal(
      result.alreadyAllowed,
      2,
      "/api/v1 (system:discovery) and the access review (system:basic-user)",
    );
    const [clusterRole, , role] = result.objects as { kind: string; rules: unknown[] }[];
    assert.equal(clusterRole.kind, "ClusterRole");
    assert.deepEqual(clusterRole.rules, [
      { apiGroups: [""], resources: ["pods"], verbs: ["list"] },
      { nonResourceURLs: ["/metrics"], verbs: ["get"] },
    ]);
    assert.equal(role.kind, "Role");
    assert.deepEqual(role.rules, [
      { apiGroups: [""], resources: ["configmaps"], verbs: ["create"] },
      { apiGroups: [""], resources: ["pods"], verbs: ["watch"] },
      { apiGroups: [""], resources: ["configmaps"], resourceNames: ["flags", "settings"], verbs: ["get"] },
    ]);
    assert.deepEqual(uncoveredRequests(events, options, result.objects), []);
  });

  test("--namespace-scope keeps only namespaced grants and reports the rest", () => {
    const result = learnRbac(events, { ...options, namespaceScope: true });
    assert.deepEqual(
      result.objects.map((o) => o.kind),
      ["Role", "RoleBinding"],
    );
    assert.deepEqual(result.skipped.sort(), [
      "get /metrics: non-resource URLs need a ClusterRole",
      "list pods: it was done across all namespaces; do it per namespace instead",
    ]);
  });

  test("compaction merges resources with identical verbs in one group", () => {
    assert.deepEqual(
      compactAtoms([
        { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
        { apiGroups: [""], resources: ["services"], verbs: ["get"] },
        { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get"] },
      ]),
      [
        { apiGroups: [""], resources: ["pods", "services"], verbs: ["get"] },
        { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get"] },
      ],
    );
  });
});
