// What GuaranteedUpdate and "not older than" reads rely on: getLatest sees staged (not yet durable)
// writes, and waitUntilFresh resolves once a resourceVersion is committed (or false after the wait).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { openStore, pod } from "./fixtures/objects.ts";

describe("Store freshness", () => {
  it("getLatest shows a write still being committed; get shows it once durable", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "store-fresh-"));
    const store = await openStore({ dataDir: dir });
    try {
      const first = await store.create("pods", pod("default", "a"));
      const labelled = pod("default", "a");
      labelled.metadata = { ...labelled.metadata, labels: { v: "2" } };
      const writing = store.update("pods", labelled, { expectedRV: first.rv });
      assert.equal(store.get("pods", "default", "a")?.rv, first.rv, "not visible before its fsync");
      const latest = store.getLatest("pods", "default", "a");
      assert.equal(latest?.rv, first.rv + 1, "a read-modify-write starts from the staged state");
      assert.deepEqual(latest?.labels, { v: "2" });
      await writing;
      assert.equal(store.get("pods", "default", "a")?.rv, first.rv + 1);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("waitUntilFresh resolves when the version commits, false after the timeout", async () => {
    const store = await openStore();
    assert.equal(await store.waitUntilFresh(0, 10), true);
    const waiting = store.waitUntilFresh(2, 5000);
    await store.create("pods", pod("default", "a"));
    await store.create("pods", pod("default", "b"));
    assert.equal(await waiting, true);
    const started = Date.now();
    assert.equal(await store.waitUntilFresh(100, 50), false);
    assert.ok(Date.now() - started >= 45);
    await store.close();
  });
});
