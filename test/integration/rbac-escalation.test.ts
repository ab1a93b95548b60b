// Privilege-escalation prevention on role and binding writes, as kube-apiserver enforces it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
let token: string;
const RBAC = "/apis/rbac.authorization.k8s.io/v1";

before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "esc" } });
  await c.admin("POST", "/api/v1/namespaces/esc/serviceaccounts", { metadata: { name: "dev" } });
  // `admin` in the namespace: may write roles and rolebindings there, but holds nothing cluster-wide.
  await c.admin("POST", `${RBAC}/namespaces/esc/rolebindings`, {
    metadata: { name: "dev-admin" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
    subjects: [{ kind: "ServiceAccount", name: "dev", namespace: "esc" }],
  });
  const tr = await c.admin("POST", "/api/v1/namespaces/esc/serviceaccounts/dev/token", { spec: {} });
  token = tr.json.status.token;
});
after(() => c.stop());

const binding = (name: string, role: string) => ({
  metadata: { name },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
  subjects: [{ kind: "User", name: "someone" }],
});

test("binding a role whose permissions the user holds is allowed; binding cluster-admin is not", async () => {
  const ok = await c.request("POST", `${RBAC}/namespaces/esc/rolebindings`, {
    token,
    body: binding("view-someone", "view"),
  });
  assert.equal(ok.status, 201, ok.text);
  const denied = await c.request("POST", `${RBAC}/namespaces/esc/rolebindings`, {
    token,
    body: binding("root", "cluster-admin"),
  });
  assert.equal(denied.status, 403);
  assert.equal(denied.json.reason, "Forbidden");
  assert.match(
    denied.json.message,
    /^rolebindings\.rbac\.authorization\.k8s\.io "root" is forbidden: user "system:serviceaccount:esc:dev" \(groups=\["system:serviceaccounts" "system:serviceaccounts:esc" "system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n/,
  );
});

test("a Role with rules the user lacks is refused until it holds `escalate`", async () => {
  const role = {
    metadata: { name: "everything" },
    rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
  };
  const denied = await c.request("POST", `${RBAC}/namespaces/esc/roles`, { token, body: role });
  assert.equal(denied.status, 403, denied.text);
  assert.match(
    denied.json.message,
    /^roles\.rbac\.authorization\.k8s\.io "everything" is forbidden: user "system:serviceaccount:esc:dev"/,
  );

  const narrow = {
    metadata: { name: "read-cm" },
    rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }],
  };
  assert.equal(
    (await c.request("POST", `${RBAC}/namespaces/esc/roles`, { token, body: narrow })).status,
    201,
  );

  await c.admin("POST", `${RBAC}/clusterroles`, {
    metadata: { name: "role-escalator" },
    rules: [{ apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["escalate"] }],
  });
  await c.admin("POST", `${RBAC}/namespaces/esc/rolebindings`, {
    metadata: { name: "dev-escalate" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "role-escalator" },
    subjects: [{ kind: "ServiceAccount", name: "dev", namespace: "esc" }],
  });
  const allowed = await c.request("POST", `${RBAC}/namespaces/esc/roles`, { token, body: role });
  assert.equal(allowed.status, 201, allowed.text);
});
