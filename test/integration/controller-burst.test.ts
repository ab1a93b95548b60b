// Per-pass creation caps (src/server/controllers/slow-start.ts): a ReplicaSet or DaemonSet asking for
// 100,000 Pods gets at most a burst per sync, so scaling it back down takes effect at the next pass
// instead of after every Pod was created.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
});
after(() => c.stop());

const podCount = async (label: string) =>
  (await c.admin("GET", `/api/v1/namespaces/default/pods?labelSelector=${label}`)).json.items
    .length as number;

test("a ReplicaSet with replicas: 100000 creates a burst per sync and follows a scale-down", async () => {
  const rs = await c.admin("POST", "/apis/apps/v1/namespaces/default/replicasets", {
    metadata: { name: "huge" },
    spec: {
      replicas: 100_000,
      selector: { matchLabels: { app: "huge" } },
      template: {
        metadata: { labels: { app: "huge" } },
        spec: { containers: [{ name: "c", image: "busybox" }] },
      },
    },
  });
  assert.equal(rs.status, 201, rs.text);
  let most = 0;
  for (let n = 0; n < 50; n = await podCount("app=huge")) await new Promise((r) => setTimeout(r, 20));
  const scaled = await c.admin(
    "PATCH",
    "/apis/apps/v1/namespaces/default/replicasets/huge/scale",
    { spec: { replicas: 0 } },
    "application/merge-patch+json",
  );
  assert.equal(scaled.status, 200, scaled.text);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const n = await podCount("app=huge");
    most = Math.max(most, n);
    if (n === 0) break;
    assert.ok(Date.now() < deadline, `still ${n} Pods 30 s after scaling to 0`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // The pass running at the scale-down finishes its burst of 500; the next one deletes.
  assert.ok(most <= 1000, `at most two bursts were created (saw ${most})`);
});
