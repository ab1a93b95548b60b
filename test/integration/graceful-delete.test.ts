// Graceful deletion of a Pod as k8s.io/apiserver's BeforeDelete does it: a second DELETE may only shorten the
// grace period (`kubectl delete --grace-period=0 --force` on a Pod stuck Terminating), a negative period
// counts as 1 s, and a huge one is a date (Go's int64 nanoseconds wrap), not a 500.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

const NS = "graceful";
let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: NS } });
});
after(() => c.stop());

/** A Pod bound to a node that nothing runs: it stays Terminating until its grace period is cut to 0. */
async function boundPod(name: string): Promise<void> {
  const r = await c.admin("POST", `/api/v1/namespaces/${NS}/pods`, {
    metadata: { name },
    spec: { nodeName: "nowhere", containers: [{ name: "c", image: "busybox" }] },
  });
  assert.equal(r.status, 201, r.text);
}
const del = (name: string, query = "") => c.admin("DELETE", `/api/v1/namespaces/${NS}/pods/${name}${query}`);
const seconds = (rfc3339: string) => Date.parse(rfc3339) / 1000;

test("a second DELETE only shortens the grace period; --grace-period=0 then deletes the Pod", async () => {
  await boundPod("stuck");
  const first = await del("stuck");
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.metadata.deletionGracePeriodSeconds, 30);
  const deadline = seconds(first.json.metadata.deletionTimestamp);
  assert.ok(Math.abs(deadline - (Date.now() / 1000 + 30)) < 10, first.json.metadata.deletionTimestamp);

  const longer = await del("stuck", "?gracePeriodSeconds=60");
  assert.equal(longer.status, 200, longer.text);
  assert.equal(longer.json.metadata.deletionGracePeriodSeconds, 30, "a longer period changes nothing");
  assert.equal(longer.json.metadata.deletionTimestamp, first.json.metadata.deletionTimestamp);

  const shorter = await del("stuck", "?gracePeriodSeconds=10");
  assert.equal(shorter.status, 200, shorter.text);
  assert.equal(shorter.json.metadata.deletionGracePeriodSeconds, 10);
  assert.equal(seconds(shorter.json.metadata.deletionTimestamp), deadline - 20, "moved back by 30 − 10 s");

  const forced = await del("stuck", "?gracePeriodSeconds=0");
  assert.equal(forced.status, 200, forced.text);
  assert.equal((await c.admin("GET", `/api/v1/namespaces/${NS}/pods/stuck`)).status, 404);
});

test("a negative grace period counts as 1 s", async () => {
  await boundPod("negative");
  const r = await del("negative", "?gracePeriodSeconds=-5");
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.metadata.deletionGracePeriodSeconds, 1);
  await del("negative", "?gracePeriodSeconds=0");
});

test("a grace period of 99999999999999 s is a deletion date, not a 500", async () => {
  await boundPod("forever");
  const r = await del("forever", "?gracePeriodSeconds=99999999999999");
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.metadata.deletionGracePeriodSeconds, 99999999999999);
  const at = Date.parse(r.json.metadata.deletionTimestamp);
  assert.ok(Number.isFinite(at), r.json.metadata.deletionTimestamp);
  // Go's time.Duration is int64 nanoseconds: the product wraps to within about 292 years of now.
  assert.ok(Math.abs(at - Date.now()) < 293 * 365.25 * 86_400_000, r.json.metadata.deletionTimestamp);
  assert.equal((await del("forever", "?gracePeriodSeconds=0")).status, 200);
  assert.equal((await c.admin("GET", `/api/v1/namespaces/${NS}/pods/forever`)).status, 404);
});
