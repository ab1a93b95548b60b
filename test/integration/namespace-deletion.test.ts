// A deleted namespace stays Terminating while content held by finalizers remains, says why, and goes
// once the last finalizer is removed.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
});
after(() => c.stop());

test("finalizer-held content keeps the namespace Terminating until released", async () => {
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "fin" } });
  await c.admin("POST", "/api/v1/namespaces/fin/configmaps", {
    metadata: { name: "held", finalizers: ["example.com/hold"] },
  });
  await c.admin("POST", "/api/v1/namespaces/fin/configmaps", { metadata: { name: "free" } });
  assert.equal((await c.admin("DELETE", "/api/v1/namespaces/fin")).status, 200);

  const ns = await eventually(
    async () => {
      const got = (await c.admin("GET", "/api/v1/namespaces/fin")).json;
      return got.status?.conditions?.some((x: any) => x.type === "NamespaceFinalizersRemaining") && got;
    },
    5000,
    "the finalizers condition",
  );
  assert.equal(ns.status.phase, "Terminating");
  const condition = ns.status.conditions.find((x: any) => x.type === "NamespaceFinalizersRemaining");
  assert.equal(
    condition.message,
    "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances",
  );
  assert.equal((await c.admin("GET", "/api/v1/namespaces/fin/configmaps/free")).status, 404);
  const held = await c.admin("GET", "/api/v1/namespaces/fin/configmaps/held");
  assert.ok(held.json.metadata.deletionTimestamp);

  const release = await c.admin(
    "PATCH",
    "/api/v1/namespaces/fin/configmaps/held",
    { metadata: { finalizers: null } },
    "application/merge-patch+json",
  );
  assert.equal(release.status, 200, release.text);
  await eventually(
    async () => (await c.admin("GET", "/api/v1/namespaces/fin")).status === 404,
    5000,
    "namespace gone",
  );
});
