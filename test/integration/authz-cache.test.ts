// The server memoises RBAC decisions; every RBAC change must take effect on the very next request.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
let token: string;
const RBAC = "/apis/rbac.authorization.k8s.io/v1";

before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "memo" } });
  await c.admin("POST", "/api/v1/namespaces/memo/serviceaccounts", { metadata: { name: "app" } });
  for (const name of ["a", "b"])
    await c.admin("POST", "/api/v1/namespaces/memo/configmaps", { metadata: { name } });
  token = (await c.admin("POST", "/api/v1/namespaces/memo/serviceaccounts/app/token", { spec: {} })).json
    .status.token;
});
after(() => c.stop());

const bind = (name: string, kind: string, role: string) => ({
  metadata: { name },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind, name: role },
  subjects: [{ kind: "ServiceAccount", name: "app", namespace: "memo" }],
});

test("a grant and a revoke take effect on the next request", async () => {
  const list = () => c.request("GET", "/api/v1/namespaces/memo/configmaps", { token });
  assert.equal((await list()).status, 403);
  assert.equal(
    (await c.admin("POST", `${RBAC}/namespaces/memo/rolebindings`, bind("view", "ClusterRole", "view")))
      .status,
    201,
  );
  assert.equal((await list()).status, 200);
  assert.equal((await list()).status, 200);
  assert.equal((await c.admin("DELETE", `${RBAC}/namespaces/memo/rolebindings/view`)).status, 200);
  assert.equal((await list()).status, 403);
});

test("resourceNames keep decisions per name, and a changed rule is seen at once", async () => {
  const role = {
    metadata: { name: "only-a" },
    rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"], resourceNames: ["a"] }],
  };
  await c.admin("POST", `${RBAC}/namespaces/memo/roles`, role);
  await c.admin("POST", `${RBAC}/namespaces/memo/rolebindings`, bind("only-a", "Role", "only-a"));
  const get = (name: string) => c.request("GET", `/api/v1/namespaces/memo/configmaps/${name}`, { token });
  assert.equal((await get("a")).status, 200);
  assert.equal((await get("b")).status, 403);
  role.rules[0].resourceNames = ["b"];
  assert.equal((await c.admin("PUT", `${RBAC}/namespaces/memo/roles/only-a`, role)).status, 200);
  assert.equal((await get("a")).status, 403);
  assert.equal((await get("b")).status, 200);
});
