import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Entry, Store } from "../../../src/server/storage/index.ts";
import { namespaceObj, openStore, pod } from "./fixtures/objects.ts";

const names = (items: Entry[]) => items.map((e) => `${e.namespace}/${e.name}`);

async function seeded(): Promise<Store> {
  const store = await openStore();
  // Inserted out of order on purpose; "a-b" sorts before "a" in etcd key order ('-' < '/').
  for (const [ns, name] of [
    ["b", "z"],
    ["a", "y"],
    ["a-b", "x"],
    ["a", "b"],
    ["c", "a"],
    ["b", "a"],
  ]) {
    await store.create("pods", pod(ns, name));
  }
  return store;
}

describe("Store.list", () => {
  it("returns items in etcd key order with the current resourceVersion", async () => {
    const store = await seeded();
    const all = store.list("pods");
    assert.deepEqual(names(all.items), ["a-b/x", "a/b", "a/y", "b/a", "b/z", "c/a"]);
    assert.equal(all.rv, 6);
    assert.equal(all.more, false);
    assert.equal(all.lastKey, undefined);
  });

  it("lists one namespace without touching its neighbours", async () => {
    const store = await seeded();
    assert.deepEqual(names(store.list("pods", { namespace: "a" }).items), ["a/b", "a/y"]);
    assert.deepEqual(names(store.list("pods", { namespace: "a-b" }).items), ["a-b/x"]);
    assert.deepEqual(names(store.list("pods", { namespace: "nope" }).items), []);
    assert.equal(store.list("pods", { namespace: "" }).items.length, 6, '"" means all namespaces');
    assert.equal(store.count("pods", "b"), 2);
    assert.equal(store.count("pods"), 6);
  });

  it("pages with limit/startAfter and reports remaining items", async () => {
    const store = await seeded();
    const p1 = store.list("pods", { limit: 4 });
    assert.deepEqual(names(p1.items), ["a-b/x", "a/b", "a/y", "b/a"]);
    assert.equal(p1.more, true);
    assert.equal(p1.lastKey, "b/a");
    assert.equal(p1.remaining, 2);
    const p2 = store.list("pods", { limit: 4, startAfter: p1.lastKey });
    assert.deepEqual(names(p2.items), ["b/z", "c/a"]);
    assert.equal(p2.more, false);
    assert.equal(p2.remaining, undefined);
  });

  it("pages within a namespace; a start key before the namespace does not leak other namespaces", async () => {
    const store = await seeded();
    const p1 = store.list("pods", { namespace: "a", limit: 1, startAfter: "a-b/x" });
    assert.deepEqual(names(p1.items), ["a/b"]);
    assert.equal(p1.remaining, 1);
    const p2 = store.list("pods", { namespace: "a", limit: 1, startAfter: p1.lastKey });
    assert.deepEqual(names(p2.items), ["a/y"]);
    assert.equal(p2.more, false);
  });

  it("applies the filter before the limit and omits remaining with a filter", async () => {
    const store = await seeded();
    await store.update("pods", { ...pod("b", "z"), status: { phase: "Running" } });
    await store.update("pods", { ...pod("a", "b"), status: { phase: "Running" } });
    const running = (e: Entry) => e.fields["status.phase"] === "Running";
    const p1 = store.list("pods", { filter: running, limit: 1 });
    assert.deepEqual(names(p1.items), ["a/b"]);
    assert.equal(p1.more, true);
    assert.equal(p1.remaining, undefined);
    const p2 = store.list("pods", { filter: running, limit: 1, startAfter: p1.lastKey });
    assert.deepEqual(names(p2.items), ["b/z"]);
    assert.equal(p2.more, false, "no continue when nothing else matches");
  });

  it("lists cluster-scoped resources by name", async () => {
    const store = await openStore();
    for (const n of ["kube-system", "default", "apps"]) await store.create("namespaces", namespaceObj(n));
    const p = store.list("namespaces", { limit: 2 });
    assert.deepEqual(
      p.items.map((e) => e.name),
      ["apps", "default"],
    );
    assert.equal(p.lastKey, "default");
    assert.deepEqual(
      store.list("namespaces", { startAfter: p.lastKey }).items.map((e) => e.name),
      ["kube-system"],
    );
  });

  it("serves a list as of an older resourceVersion from history", async () => {
    const store = await seeded();
    const first = store.list("pods", { limit: 2 });
    const asOf = first.rv;
    // Changes after the first page: a create, an update, a delete, one on each side of the cursor.
    await store.create("pods", pod("b", "m"));
    await store.update("pods", { ...pod("b", "z"), status: { phase: "Running" } });
    await store.delete("pods", "c", "a");
    await store.delete("pods", "a", "b");
    const next = store.list("pods", { limit: 2, startAfter: first.lastKey, atRV: asOf });
    assert.equal(next.rv, asOf);
    assert.deepEqual(names(next.items), ["a/y", "b/a"]);
    assert.equal(next.remaining, 2);
    const last = store.list("pods", { startAfter: next.lastKey, atRV: asOf });
    assert.deepEqual(names(last.items), ["b/z", "c/a"]);
    assert.equal(last.items[0].fields["status.phase"], "Pending", "the old state, not the update");
    assert.equal(last.items[0].rv, 1);
    assert.deepEqual(names(store.list("pods").items), ["a-b/x", "a/y", "b/a", "b/m", "b/z"]);
  });

  it("rejects lists as of versions that are too old or in the future", async () => {
    const store = await openStore({ historySize: 2 });
    for (let i = 0; i < 5; i++) await store.create("pods", pod("d", `p${i}`));
    assert.equal(store.oldestRV(), 3);
    assert.equal(store.list("pods", { atRV: 3 }).items.length, 3);
    assert.throws(() => store.list("pods", { atRV: 2 }), {
      code: "Expired",
      message: "too old resource version: 2 (3)",
    });
    assert.throws(() => store.list("pods", { atRV: 9 }), {
      code: "TooLargeResourceVersion",
      message: "Too large resource version: 9, current: 5",
    });
  });
});
