// A server restarted on its data dir serves what it stored from the index written with each record (no
// object parsed at start-up): label and field selectors, the garbage collector's owner index, quota usage.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const names = (r: { json: { items: { metadata: { name: string } }[] } }) =>
  r.json.items.map((i) => i.metadata.name).sort();

test("after a restart, selectors, garbage collection and quota usage work on the loaded objects", async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "incluster-restart-"));
  dirs.push(dataDir);
  let c: TestCluster = await startTestCluster({ dataDir });
  try {
    assert.equal((await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "r" } })).status, 201);
    const owner = await c.admin("POST", "/api/v1/namespaces/r/configmaps", { metadata: { name: "owner" } });
    assert.equal(owner.status, 201, owner.text);
    const ownerRef = { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.json.metadata.uid };
    for (const [name, tier] of [
      ["a", "web"],
      ["b", "db"],
      ["c", "web"],
    ]) {
      const r = await c.admin("POST", "/api/v1/namespaces/r/configmaps", {
        metadata: { name, labels: { tier, object: "x" }, ownerReferences: name === "c" ? [] : [ownerRef] },
      });
      assert.equal(r.status, 201, r.text);
    }
    const quota = await c.admin("POST", "/api/v1/namespaces/r/resourcequotas", {
      metadata: { name: "q" },
      spec: { hard: { configmaps: "20" } },
    });
    assert.equal(quota.status, 201, quota.text);
  } finally {
    await c.stop();
  }

  c = await startTestCluster({ dataDir });
  try {
    const web = await c.admin("GET", "/api/v1/namespaces/r/configmaps?labelSelector=tier%3Dweb");
    assert.deepEqual(names(web), ["a", "c"]);
    const byName = await c.admin("GET", "/api/v1/namespaces/r/configmaps?fieldSelector=metadata.name%3Db");
    assert.deepEqual(names(byName), ["b"]);
    // Quota usage counts the objects stored before the restart (kube-root-ca.crt, owner, a, b, c).
    await eventually(
      async () =>
        (await c.admin("GET", "/api/v1/namespaces/r/resourcequotas/q")).json.status?.used?.configmaps === "5",
      10_000,
      "quota usage of 5 configmaps",
    );
    // The garbage collector knows a's and b's owner from the stored index: deleting it collects them, not c.
    assert.equal((await c.admin("DELETE", "/api/v1/namespaces/r/configmaps/owner")).status, 200);
    await eventually(
      async () => {
        const left = names(await c.admin("GET", "/api/v1/namespaces/r/configmaps?labelSelector=object%3Dx"));
        return left.length === 1 && left[0] === "c";
      },
      10_000,
      "a and b garbage-collected",
    );
    await eventually(
      async () =>
        (await c.admin("GET", "/api/v1/namespaces/r/resourcequotas/q")).json.status?.used?.configmaps === "2",
      10_000,
      "quota usage down to 2",
    );
  } finally {
    await c.stop();
  }
});
