// Impersonation (k8s.io/apiserver filters/impersonation): each requested attribute needs `impersonate`
// on its pseudo-resource; texts as kube-apiserver writes them. Real ServiceAccount tokens.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type HttpResult, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
let token: string;
const IMPERSONATOR = "system:serviceaccount:imp:impersonator";
const REVIEW = "/apis/authentication.k8s.io/v1/selfsubjectreviews";

async function admin(method: string, path: string, body?: unknown): Promise<HttpResult> {
  const r = await c.admin(method, path, body);
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
  return r;
}

before(async () => {
  c = await startTestCluster();
  await admin("POST", "/api/v1/namespaces", { metadata: { name: "imp" } });
  await admin("POST", "/api/v1/namespaces/imp/serviceaccounts", { metadata: { name: "impersonator" } });
  const impersonate = (apiGroups: string[], resources: string[], resourceNames: string[]) => ({
    apiGroups,
    resources,
    verbs: ["impersonate"],
    resourceNames,
  });
  await admin("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", {
    metadata: { name: "limited-impersonator" },
    rules: [
      impersonate([""], ["users"], ["alice"]),
      impersonate([""], ["groups"], ["team-a", "team-b"]),
      impersonate(["authentication.k8s.io"], ["userextras/scopes"], ["read", "write"]),
    ],
  });
  await admin("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
    metadata: { name: "limited-impersonator" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "limited-impersonator" },
    subjects: [{ kind: "ServiceAccount", name: "impersonator", namespace: "imp" }],
  });
  const tr = await admin("POST", "/api/v1/namespaces/imp/serviceaccounts/impersonator/token", { spec: {} });
  token = tr.json.status.token;
});
after(() => c.stop());

const whoAmI = (headers: Record<string, string | string[]>) =>
  c.request("POST", REVIEW, {
    token,
    headers,
    body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
  });

function assertForbidden(r: HttpResult, message: string, details: Record<string, string>) {
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json.reason, "Forbidden");
  assert.equal(r.json.message, message);
  assert.deepEqual(r.json.details, details);
}

test("a permitted user, groups and extras become the request's identity", async () => {
  const r = await whoAmI({
    "Impersonate-User": "alice",
    "Impersonate-Group": ["team-a", "team-b"],
    "Impersonate-Extra-Scopes": ["read", "write"],
  });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.status.userInfo, {
    username: "alice",
    groups: ["team-a", "team-b", "system:authenticated"],
    extra: { scopes: ["read", "write"] },
  });
});

test("impersonating system:masters needs `impersonate` on that group", async () => {
  const r = await whoAmI({ "Impersonate-User": "alice", "Impersonate-Group": ["team-a", "system:masters"] });
  assertForbidden(
    r,
    `groups "system:masters" is forbidden: User "${IMPERSONATOR}" cannot impersonate resource "groups" in API group "" at the cluster scope`,
    { name: "system:masters", kind: "groups" },
  );
});

test("one header line is one group, commas included", async () => {
  const r = await whoAmI({ "Impersonate-User": "alice", "Impersonate-Group": "team-a,team-b" });
  assertForbidden(
    r,
    `groups "team-a,team-b" is forbidden: User "${IMPERSONATOR}" cannot impersonate resource "groups" in API group "" at the cluster scope`,
    { name: "team-a,team-b", kind: "groups" },
  );
});

test("another user needs `impersonate` on that user name", async () => {
  const r = await whoAmI({ "Impersonate-User": "bob" });
  assertForbidden(
    r,
    `users "bob" is forbidden: User "${IMPERSONATOR}" cannot impersonate resource "users" in API group "" at the cluster scope`,
    { name: "bob", kind: "users" },
  );
});

test("a ServiceAccount username needs `impersonate` on serviceaccounts in its namespace", async () => {
  const r = await whoAmI({ "Impersonate-User": "system:serviceaccount:kube-system:default" });
  assertForbidden(
    r,
    `serviceaccounts "default" is forbidden: User "${IMPERSONATOR}" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "kube-system"`,
    { name: "default", kind: "serviceaccounts" },
  );
  // Not a valid ServiceAccount username: upstream asks about a user of that name.
  const odd = await whoAmI({ "Impersonate-User": "system:serviceaccount:a:b:c" });
  assertForbidden(
    odd,
    `users "system:serviceaccount:a:b:c" is forbidden: User "${IMPERSONATOR}" cannot impersonate resource "users" in API group "" at the cluster scope`,
    { name: "system:serviceaccount:a:b:c", kind: "users" },
  );
});

test("extras and the uid need `impersonate` on userextras/<key> and uids", async () => {
  const extra = await whoAmI({ "Impersonate-User": "alice", "Impersonate-Extra-Scopes": "admin" });
  assertForbidden(
    extra,
    `userextras.authentication.k8s.io "admin" is forbidden: User "${IMPERSONATOR}" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope`,
    { name: "admin", group: "authentication.k8s.io", kind: "userextras" },
  );
  // The key is percent-decoded after lowercasing: this is userextras/example.org/team.
  const encoded = await whoAmI({ "Impersonate-User": "alice", "Impersonate-Extra-Example.org%2fTeam": "x" });
  assertForbidden(
    encoded,
    `userextras.authentication.k8s.io "x" is forbidden: User "${IMPERSONATOR}" cannot impersonate resource "userextras/example.org/team" in API group "authentication.k8s.io" at the cluster scope`,
    { name: "x", group: "authentication.k8s.io", kind: "userextras" },
  );
  const uid = await whoAmI({ "Impersonate-User": "alice", "Impersonate-Uid": "1234" });
  assertForbidden(
    uid,
    `uids.authentication.k8s.io "1234" is forbidden: User "${IMPERSONATOR}" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope`,
    { name: "1234", group: "authentication.k8s.io", kind: "uids" },
  );
});

test("groups, extras or a uid without a user are a bad request", async () => {
  const r = await whoAmI({ "Impersonate-Group": "system:masters" });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.reason, "BadRequest");
  assert.equal(r.json.message, "requested [{Group  system:masters    }] without impersonating a user");
  const uid = await whoAmI({ "Impersonate-Uid": "1234" });
  assert.equal(uid.status, 400, uid.text);
  assert.equal(
    uid.json.message,
    "requested [{UID  1234  authentication.k8s.io/v1  }] without impersonating a user",
  );
});

test("the impersonated identity is what RBAC writes are checked against", async () => {
  // alice holds nothing: as alice, even the impersonator cannot bind anything.
  const r = await c.request("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
    token,
    headers: { "Impersonate-User": "alice" },
    body: {
      metadata: { name: "alice-root" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "User", name: "alice" }],
    },
  });
  assertForbidden(
    r,
    `clusterrolebindings.rbac.authorization.k8s.io is forbidden: User "alice" cannot create resource "clusterrolebindings" in API group "rbac.authorization.k8s.io" at the cluster scope`,
    { group: "rbac.authorization.k8s.io", kind: "clusterrolebindings" },
  );
});
