// Store.view: one stored resource served in a second form (events.k8s.io/v1 Events over core/v1 Events).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject, StoredObject } from "../../../src/meta/types.ts";
import type { StoreEvent } from "../../../src/server/storage/index.ts";
import { Store } from "../../../src/server/storage/index.ts";

const core = (obj: KubeObject): KubeObject => {
  const { note, ...rest } = obj as Record<string, unknown>;
  return {
    ...rest,
    apiVersion: "v1",
    kind: "Event",
    ...(note !== undefined ? { message: note } : {}),
  } as KubeObject;
};
const events = (obj: StoredObject): KubeObject => {
  const { message, ...rest } = obj as Record<string, unknown>;
  return {
    ...rest,
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    ...(message !== undefined ? { note: message } : {}),
  } as KubeObject;
};

async function open(): Promise<Store> {
  const store = await Store.open();
  const fields = (o: StoredObject) => ({
    "metadata.name": o.metadata.name,
    note: String((o as Record<string, unknown>).note ?? ""),
  });
  store.register("events", { namespaced: true, fields: (o) => ({ "metadata.name": o.metadata.name }) });
  store.view("events.events.k8s.io", {
    target: "events",
    toStorage: core,
    fromStorage: events,
    indexer: { namespaced: true, fields },
  });
  return store;
}

describe("Store.view", () => {
  it("a write through the view is stored in the target's form and reads back in both", async () => {
    const store = await open();
    const created = await store.create("events.events.k8s.io", {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name: "e", namespace: "ns" },
      note: "hello",
    } as KubeObject);
    assert.equal(created.resource, "events.events.k8s.io");
    assert.equal((created.object() as Record<string, unknown>).note, "hello");
    const stored = store.get("events", "ns", "e")!.object() as Record<string, unknown>;
    assert.equal(stored.message, "hello");
    assert.equal(stored.apiVersion, "v1");
    assert.equal(store.get("events.events.k8s.io", "ns", "e")!.rv, created.rv);
    assert.equal(store.count("events.events.k8s.io"), 1);
  });

  it("lists filter on the view's own fields; updates and deletes go to the target", async () => {
    const store = await open();
    for (const [name, message] of [
      ["a", "x"],
      ["b", "y"],
    ])
      await store.create("events", {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name, namespace: "ns" },
        message,
      } as KubeObject);
    const listed = store.list("events.events.k8s.io", { filter: (e) => e.fields.note === "y" });
    assert.deepEqual(
      listed.items.map((e) => [e.name, (e.object() as Record<string, unknown>).note]),
      [["b", "y"]],
    );
    const current = store.getLatest("events.events.k8s.io", "ns", "a")!.object();
    await store.update("events.events.k8s.io", { ...current, note: "z" } as KubeObject, {
      expectedRV: Number(current.metadata.resourceVersion),
    });
    assert.equal((store.get("events", "ns", "a")!.object() as Record<string, unknown>).message, "z");
    await store.delete("events.events.k8s.io", "ns", "a");
    assert.equal(store.get("events", "ns", "a"), undefined);
  });

  it("watchers of the view see the target's events converted", async () => {
    const store = await open();
    const seen: StoreEvent[] = [];
    const w = store.watch("events.events.k8s.io", { fromRV: store.currentRV() }, (ev) => seen.push(ev));
    await store.create("events", {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "w", namespace: "ns" },
      message: "m",
    } as KubeObject);
    w.stop();
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.type, "ADDED");
    assert.equal((seen[0]!.entry.object() as Record<string, unknown>).note, "m");
    assert.equal(seen[0]!.entry.resource, "events.events.k8s.io");
  });
});
