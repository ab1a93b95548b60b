// The seed documents' story, scripted against the real server with real kubectl:
// a namespace's default ServiceAccount is refused a cluster-wide pod list, then granted `view`.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
});
after(() => c.stop());

test("default SA is forbidden, then allowed after `kubectl create clusterrolebinding default-view`", async () => {
  const ns = await c.kubectl(["create", "namespace", "test-in-cluster"]);
  assert.equal(ns.code, 0, ns.stderr);
  assert.match(ns.stdout, /namespace\/test-in-cluster created/);

  await eventually(
    async () => (await c.kubectl(["get", "serviceaccount", "default", "-n", "test-in-cluster"])).code === 0,
    5000,
    "default SA",
  );
  const created = await c.kubectl(["create", "token", "default", "-n", "test-in-cluster"]);
  assert.equal(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  assert.match(token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);

  const denied = await c.request("GET", "/api/v1/pods", { token });
  assert.equal(denied.status, 403);
  assert.deepEqual(denied.json, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message:
      'pods is forbidden: User "system:serviceaccount:test-in-cluster:default" cannot list resource "pods" in API group "" at the cluster scope',
    reason: "Forbidden",
    details: { kind: "pods" },
    code: 403,
  });

  const binding = await c.kubectl([
    "create",
    "clusterrolebinding",
    "default-view",
    "--clusterrole=view",
    "--serviceaccount=test-in-cluster:default",
  ]);
  assert.equal(binding.code, 0, binding.stderr);

  const allowed = await c.request("GET", "/api/v1/pods", { token });
  assert.equal(allowed.status, 200, allowed.text);
  assert.equal(allowed.json.kind, "PodList");
  assert.ok(Array.isArray(allowed.json.items));
  // view still does not allow writes
  const write = await c.request("POST", "/api/v1/namespaces/test-in-cluster/configmaps", {
    token,
    body: { metadata: { name: "x" } },
  });
  assert.equal(write.status, 403);
});

test("a request without credentials is system:anonymous and a garbage token is a bare 401", async () => {
  const anonymous = await c.request("GET", "/api/v1/namespaces");
  assert.equal(anonymous.status, 403);
  assert.match(anonymous.json.message, /User "system:anonymous" cannot list resource "namespaces"/);
  const garbage = await c.request("GET", "/api/v1/namespaces", { token: "not-a-jwt" });
  assert.equal(garbage.status, 401);
  assert.deepEqual(garbage.json, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: "Unauthorized",
    reason: "Unauthorized",
    code: 401,
  });
  const health = await c.request("GET", "/healthz");
  assert.equal(health.status, 200);
  assert.equal(health.text, "ok");
});
