import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isStorageError, StorageError, stampResourceVersion } from "../../../src/server/storage/index.ts";
import { namespaceObj, openStore, pod } from "./fixtures/objects.ts";

describe("Store CRUD", () => {
  it("create stamps a fresh resourceVersion, keeps uid and creationTimestamp, and serializes kind first", async () => {
    const store = await openStore();
    const obj = pod("default", "web-1");
    obj.metadata = { ...obj.metadata, uid: "u-1", creationTimestamp: "2025-01-01T00:00:00Z" };
    const e = await store.create("pods", obj);
    assert.equal(e.rv, 1);
    assert.equal(store.currentRV(), 1);
    assert.equal(e.uid, "u-1");
    assert.equal(e.namespace, "default");
    assert.equal(e.name, "web-1");
    assert.deepEqual(e.labels, { app: "web" });
    assert.equal(e.fields["status.phase"], "Pending");
    assert.ok(
      e.json.startsWith('{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-1","namespace":"default"'),
    );
    const parsed = e.object();
    assert.equal(parsed.metadata.resourceVersion, "1");
    assert.equal(parsed.metadata.creationTimestamp, "2025-01-01T00:00:00Z");
    assert.equal(obj.metadata?.resourceVersion, undefined, "the caller's object is not mutated");
    parsed.metadata.name = "changed";
    assert.equal(e.object().metadata.name, "web-1", "object() returns a fresh copy");
  });

  it("generates a uid when none is given", async () => {
    const store = await openStore();
    const e = await store.create("pods", pod("default", "a"));
    assert.match(e.uid, /^[0-9a-f-]{36}$/);
    assert.equal(e.object().metadata.uid, e.uid);
  });

  it("keeps resourceVersions strictly increasing across resources and operations", async () => {
    const store = await openStore();
    const rvs: number[] = [];
    rvs.push((await store.create("pods", pod("ns1", "a"))).rv);
    rvs.push((await store.create("namespaces", namespaceObj("ns1"))).rv);
    rvs.push((await store.update("pods", { ...pod("ns1", "a"), status: { phase: "Running" } })).rv);
    rvs.push((await store.delete("pods", "ns1", "a")).rv);
    rvs.push((await store.create("pods", pod("ns1", "a"))).rv);
    assert.deepEqual(rvs, [1, 2, 3, 4, 5]);
  });

  it("get returns the committed entry, and undefined when absent", async () => {
    const store = await openStore();
    await store.create("pods", pod("default", "a"));
    assert.equal(store.get("pods", "default", "a")?.rv, 1);
    assert.equal(store.get("pods", "other", "a"), undefined);
    assert.equal(store.get("pods", "default", "b"), undefined);
  });

  it("create of an existing object fails with AlreadyExists and the upstream text", async () => {
    const store = await openStore();
    await store.create("pods", pod("default", "a"));
    await assert.rejects(store.create("pods", pod("default", "a")), (err: unknown) => {
      assert.ok(isStorageError(err, "AlreadyExists"));
      assert.equal(err.message, 'pods "a" already exists');
      assert.deepEqual(err.details, { resource: "pods", namespace: "default", name: "a" });
      return true;
    });
    assert.equal(store.currentRV(), 1, "a failed write consumes no resourceVersion");
  });

  it("update and delete of a missing object fail with NotFound", async () => {
    const store = await openStore();
    await assert.rejects(store.update("pods", pod("default", "x")), {
      code: "NotFound",
      message: 'pods "x" not found',
    });
    await assert.rejects(store.delete("pods", "default", "x"), { code: "NotFound" });
  });

  it("update with a stale expectedRV fails with the optimistic-lock Conflict", async () => {
    const store = await openStore();
    const a = await store.create("pods", pod("default", "a"));
    await store.update(
      "pods",
      { ...pod("default", "a"), status: { phase: "Running" } },
      { expectedRV: a.rv },
    );
    await assert.rejects(
      store.update("pods", { ...pod("default", "a"), status: { phase: "Failed" } }, { expectedRV: a.rv }),
      (err: unknown) => {
        assert.ok(err instanceof StorageError && err.code === "Conflict");
        assert.equal(
          err.message,
          'Operation cannot be fulfilled on pods "a": the object has been modified; please apply your changes to the latest version and try again',
        );
        return true;
      },
    );
  });

  it("uid and resourceVersion preconditions fail with upstream's StorageError text", async () => {
    const store = await openStore();
    const a = await store.create("pods", {
      ...pod("default", "a"),
      metadata: { name: "a", namespace: "default", uid: "u1" },
    });
    await assert.rejects(store.delete("pods", "default", "a", { expectedUID: "u2" }), {
      code: "Conflict",
      message:
        'Operation cannot be fulfilled on pods "a": StorageError: invalid object, Code: 4, Key: /registry/pods/default/a, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: u2, UID in object meta: u1',
    });
    await assert.rejects(store.delete("pods", "default", "a", { expectedRV: a.rv + 7 }), {
      code: "Conflict",
      message: `Operation cannot be fulfilled on pods "a": StorageError: invalid object, Code: 4, Key: /registry/pods/default/a, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: ResourceVersion in precondition: ${a.rv + 7}, ResourceVersion in object meta: ${a.rv}`,
    });
    const gone = await store.delete("pods", "default", "a", { expectedUID: "u1", expectedRV: a.rv });
    assert.equal(gone.rv, a.rv + 1);
  });

  it("an unchanged update is not written and keeps its resourceVersion", async () => {
    const store = await openStore();
    const a = await store.create("pods", pod("default", "a"));
    const same = await store.update("pods", { ...pod("default", "a"), metadata: { ...a.object().metadata } });
    assert.equal(same.rv, a.rv);
    assert.equal(store.currentRV(), a.rv);
  });

  it("update keeps the stored uid when the body has none and re-indexes fields and labels", async () => {
    const store = await openStore();
    const a = await store.create("pods", pod("default", "a"));
    const b = await store.update("pods", {
      ...pod("default", "a"),
      metadata: { name: "a", namespace: "default", labels: { tier: "db" } },
      status: { phase: "Running" },
    });
    assert.equal(b.uid, a.uid);
    assert.deepEqual(b.labels, { tier: "db" });
    assert.equal(b.fields["status.phase"], "Running");
    assert.equal(b.object().metadata.resourceVersion, String(b.rv));
  });

  it("delete returns the last state stamped with the deletion resourceVersion", async () => {
    const store = await openStore();
    await store.create("pods", pod("default", "a"));
    const gone = await store.delete("pods", "default", "a");
    assert.equal(gone.rv, 2);
    assert.equal(gone.object().metadata.resourceVersion, "2");
    assert.deepEqual(gone.object().spec, pod("default", "a").spec);
    assert.equal(store.get("pods", "default", "a"), undefined);
    assert.equal(store.count("pods"), 0);
  });

  it("stampResourceVersion rewrites only metadata.resourceVersion, even with a look-alike label", async () => {
    const store = await openStore();
    const e = await store.create("pods", {
      ...pod("default", "a"),
      metadata: { name: "a", namespace: "default", labels: { resourceVersion: "1" } },
    });
    const json = stampResourceVersion(e, 42);
    const obj = JSON.parse(json);
    assert.equal(obj.metadata.resourceVersion, "42");
    assert.equal(obj.metadata.labels.resourceVersion, "1");
  });

  it("cluster-scoped resources ignore the namespace argument", async () => {
    const store = await openStore();
    await store.create("namespaces", namespaceObj("kube-system"));
    assert.equal(store.get("namespaces", "", "kube-system")?.namespace, "");
    assert.equal(store.get("namespaces", "whatever", "kube-system")?.name, "kube-system");
  });

  it("rejects unregistered resources and objects without name or namespace", async () => {
    const store = await openStore();
    assert.throws(() => store.get("widgets", "", "a"), /not registered/);
    await assert.rejects(store.create("pods", { metadata: { namespace: "default" } }), /metadata.name/);
    await assert.rejects(store.create("pods", { metadata: { name: "a" } }), /metadata.namespace/);
    assert.throws(
      () => store.register("pods", { namespaced: true, fields: () => ({}) }),
      /already registered/,
    );
  });

  it("refuses writes after close", async () => {
    const store = await openStore();
    await store.close();
    await assert.rejects(store.create("pods", pod("default", "a")), /closed/);
  });
});
