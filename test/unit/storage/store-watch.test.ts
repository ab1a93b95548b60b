import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StoreEvent } from "../../../src/server/storage/index.ts";
import { openStore, pod } from "./fixtures/objects.ts";

const summary = (evs: StoreEvent[]) =>
  evs.map((e) => `${e.type} ${e.entry.namespace}/${e.entry.name}@${e.rv}`);

describe("Store.watch", () => {
  it("replays history after fromRV, then delivers live events in rv order", async () => {
    const store = await openStore();
    await store.create("pods", pod("a", "one")); // rv 1
    await store.create("pods", pod("a", "two")); // rv 2
    await store.update("pods", { ...pod("a", "one"), status: { phase: "Running" } }); // rv 3
    const got: StoreEvent[] = [];
    const w = store.watch("pods", { fromRV: 1 }, (ev) => got.push(ev));
    assert.deepEqual(
      summary(got),
      ["ADDED a/two@2", "MODIFIED a/one@3"],
      "an event at exactly fromRV is not delivered",
    );
    assert.equal(got[1].prev?.rv, 1, "MODIFIED carries the previous state");
    await store.delete("pods", "a", "two"); // rv 4
    assert.deepEqual(summary(got).slice(2), ["DELETED a/two@4"]);
    w.stop();
    await store.create("pods", pod("a", "three"));
    assert.equal(got.length, 3, "no events after stop()");
    assert.equal(store.watcherCount(), 0);
  });

  it("from the current resourceVersion only sees new events", async () => {
    const store = await openStore();
    await store.create("pods", pod("a", "one"));
    const got: StoreEvent[] = [];
    store.watch("pods", { fromRV: store.currentRV() }, (ev) => got.push(ev));
    assert.equal(got.length, 0);
    await store.create("pods", pod("a", "two"));
    assert.deepEqual(summary(got), ["ADDED a/two@2"]);
  });

  it("DELETED carries the last state stamped with the deletion resourceVersion", async () => {
    const store = await openStore();
    await store.create("pods", { ...pod("a", "one"), status: { phase: "Running" } });
    const got: StoreEvent[] = [];
    store.watch("pods", { fromRV: 1 }, (ev) => got.push(ev));
    await store.delete("pods", "a", "one");
    const [ev] = got;
    assert.equal(ev.type, "DELETED");
    assert.equal(ev.rv, 2);
    assert.equal(ev.entry.rv, 2);
    const obj = ev.entry.object();
    assert.equal(obj.metadata.resourceVersion, "2");
    assert.deepEqual(obj.status, { phase: "Running" });
    assert.equal(ev.entry.fields["status.phase"], "Running");
    assert.equal(ev.prev?.rv, 1);
  });

  it("filters by namespace and by resource", async () => {
    const store = await openStore();
    const got: StoreEvent[] = [];
    store.watch("pods", { namespace: "a", fromRV: 0 }, (ev) => got.push(ev));
    await store.create("pods", pod("b", "x"));
    await store.create("pods", pod("a", "y"));
    await store.create("namespaces", { metadata: { name: "a" } });
    assert.deepEqual(summary(got), ["ADDED a/y@2"]);
  });

  it("rejects a fromRV below the history floor with upstream's Expired text", async () => {
    const store = await openStore({ historySize: 3 });
    for (let i = 0; i < 5; i++) await store.create("pods", pod("a", `p${i}`));
    assert.equal(store.oldestRV(), 2);
    assert.throws(() => store.watch("pods", { fromRV: 1 }, () => {}), {
      code: "Expired",
      message: "too old resource version: 1 (2)",
    });
    const got: StoreEvent[] = [];
    store.watch("pods", { fromRV: 2 }, (ev) => got.push(ev));
    assert.deepEqual(
      got.map((e) => e.rv),
      [3, 4, 5],
    );
  });

  it("rejects a fromRV ahead of the store", async () => {
    const store = await openStore();
    assert.throws(() => store.watch("pods", { fromRV: 5 }, () => {}), { code: "TooLargeResourceVersion" });
  });

  it("keeps every watcher in rv order when a callback writes", async () => {
    const store = await openStore();
    const seenA: number[] = [];
    const seenB: number[] = [];
    store.watch("pods", { fromRV: 0 }, (ev) => {
      seenA.push(ev.rv);
      if (ev.entry.name === "first") void store.create("pods", pod("a", "second"));
    });
    store.watch("pods", { fromRV: 0 }, (ev) => seenB.push(ev.rv));
    await store.create("pods", pod("a", "first"));
    assert.deepEqual(seenA, [1, 2]);
    assert.deepEqual(seenB, [1, 2]);
  });

  it("delivers the same event object to every watcher (no per-watcher copies)", async () => {
    const store = await openStore();
    const got: StoreEvent[] = [];
    for (let i = 0; i < 3; i++) store.watch("pods", { fromRV: 0 }, (ev) => got.push(ev));
    await store.create("pods", pod("a", "x"));
    assert.equal(got.length, 3);
    assert.ok(got[0] === got[1] && got[1] === got[2]);
  });

  it("a throwing watcher does not stop the others", async () => {
    const store = await openStore();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    let other = 0;
    store.watch("pods", { fromRV: 0 }, () => {
      throw new Error("boom");
    });
    store.watch("pods", { fromRV: 0 }, () => other++);
    await store.create("pods", pod("a", "x"));
    await new Promise((r) => setImmediate(r));
    process.off("warning", onWarning);
    assert.equal(other, 1);
    assert.ok(warnings.some((w) => w.includes("boom")));
  });
});
