import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConnectionError, ForbiddenError, isForbidden } from "../../../src/client/errors.ts";
import { loadForbiddenFix } from "../../../src/client/explain-forbidden.ts";
import { Informer, type InformerOptions, type InformerState } from "../../../src/client/informer.ts";
import { Store } from "../../../src/client/store.ts";
import {
  apiError,
  connectionError,
  FakeSource,
  FakeStream,
  type Pod,
  pod,
  podList,
  status,
} from "./watch-fakes.ts";

const fast = { backoff: { initialMs: 1, maxMs: 5, jitter: 0 } };

function informer(source: FakeSource, options: InformerOptions<Pod> = {}): Informer<Pod> {
  return new Informer<Pod>(source, { ...fast, random: () => 0.5, ...options });
}

async function until(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const labelled = (name: string, rv: string, namespace: string, labels: Record<string, string>): Pod => ({
  metadata: { ...pod(name, rv).metadata, namespace, labels } as Pod["metadata"],
});

const forbiddenList = () =>
  apiError(
    403,
    "Forbidden",
    'pods is forbidden: User "system:serviceaccount:default:web" cannot list resource "pods" in API group "" in the namespace "default"',
  );

describe("Informer", () => {
  test("lists into the store, resolves synced, then follows add/update/delete", async () => {
    const source = new FakeSource();
    source.listReplies.push(podList("10", pod("a", "5"), pod("b", "6")));
    const stream = new FakeStream();
    source.watchReplies.push(stream);
    const inf = informer(source);
    const log: string[] = [];
    inf.on("add", (p) => log.push(`add ${p.metadata.name}`));
    inf.on("update", (p, old) =>
      log.push(`update ${p.metadata.name} ${old.metadata.resourceVersion}→${p.metadata.resourceVersion}`),
    );
    inf.on("delete", (p) => log.push(`delete ${p.metadata.name}`));
    assert.equal(inf.state, "starting");
    await inf.synced;
    assert.equal(inf.state, "synced");
    assert.ok(inf.lastSyncTime instanceof Date);
    assert.equal(inf.store.size, 2);

    stream.push({ type: "MODIFIED", object: pod("a", "11") });
    stream.push({ type: "DELETED", object: pod("b", "12") });
    stream.push({ type: "ADDED", object: pod("c", "13") });
    await until(() => log.length === 5, "events");
    assert.deepEqual(log, ["add a", "add b", "update a 5→11", "delete b", "add c"]);
    assert.deepEqual(inf.store.keys().sort(), ["default/a", "default/c"]);
    assert.equal(inf.store.get("default", "a")?.metadata.resourceVersion, "11");
    inf.stop();
    assert.equal(inf.state, "stopped");
  });

  test("a 403 never stops it: error event with the ForbiddenError, backoff, retries, then recovers", async () => {
    await loadForbiddenFix(); // the transport does this before it throws a 403; the fake source does not
    const source = new FakeSource();
    source.listReplies.push(forbiddenList(), forbiddenList(), podList("10", pod("a", "5")));
    const states: InformerState[] = [];
    const errors: Error[] = [];
    const inf = informer(source);
    inf.on("error", (error) => {
      errors.push(error);
      states.push(inf.state);
    });
    await inf.synced;
    assert.equal(errors.length, 2);
    assert.ok(errors.every((e) => e instanceof ForbiddenError));
    assert.match((errors[0] as ForbiddenError).explain(), /kind: Role/);
    assert.deepEqual(states, ["backoff", "backoff"]);
    assert.equal(inf.state, "synced");
    assert.equal(inf.restarts, 1);
    assert.ok(isForbidden(inf.lastError));
    assert.equal(source.lists.length, 3);
    inf.stop();
  });

  test("watch failures: typed ERROR events and lost connections both back off and recover", async () => {
    const source = new FakeSource();
    source.listReplies.push(podList("10"));
    const healthy = new FakeStream();
    source.watchReplies.push(
      new FakeStream().push({ type: "ERROR", object: status(500, "InternalError", "etcd leader changed") }),
      new FakeStream().push(connectionError()),
      healthy,
    );
    const errors: Error[] = [];
    const inf = informer(source);
    inf.on("error", (e) => errors.push(e));
    await inf.synced;
    await until(() => source.watches.length === 3, "third watch");
    await until(() => inf.state === "synced", "recovery");
    assert.deepEqual(
      errors.map((e) => e.message),
      ["etcd leader changed", "socket hang up"],
    );
    assert.ok(errors[1] instanceof ConnectionError);
    assert.deepEqual(
      source.watches.map((w) => w.resourceVersion),
      ["10", "10", "10"],
    );
    assert.equal(source.lists.length, 1, "resumed, no relist");
    assert.equal(inf.restarts, 2);
    healthy.push({ type: "ADDED", object: pod("z", "20") });
    await until(() => inf.store.size === 1, "event after recovery");
    inf.stop();
  });

  test("a relist after 410 delivers deletions with the cached object", async () => {
    const source = new FakeSource();
    const full = { ...pod("b", "6"), spec: { nodeName: "n1" } } as Pod;
    source.listReplies.push(podList("10", pod("a", "5"), full), podList("50", pod("a", "5")));
    source.watchReplies.push(
      new FakeStream().push({ type: "ERROR", object: status(410, "Expired", "too old resource version") }),
    );
    const deleted: Pod[] = [];
    let syncs = 0;
    const inf = informer(source);
    inf.on("delete", (p) => deleted.push(p));
    inf.on("synced", () => syncs++);
    await until(() => syncs === 2, "relist");
    assert.equal(deleted.length, 1);
    assert.deepEqual((deleted[0] as unknown as { spec: unknown }).spec, { nodeName: "n1" });
    assert.deepEqual(inf.store.keys(), ["default/a"]);
    inf.stop();
  });

  test("the store is the watcher's memory without a transform: same events as with one (duplicates, re-creation, relist)", async () => {
    const run = async (options: InformerOptions<Pod>) => {
      const source = new FakeSource();
      source.listReplies.push(podList("10", pod("a", "5"), pod("b", "6"), pod("c", "7")));
      source.watchReplies.push(
        new FakeStream()
          .push({ type: "MODIFIED", object: pod("a", "5") }) // a duplicate: dropped
          .push({ type: "MODIFIED", object: pod("a", "11") })
          .push({ type: "ADDED", object: pod("b", "12", "uid-b2") }) // b re-created under the same name
          .push({ type: "ERROR", object: status(410, "Expired", "too old resource version") }),
      );
      source.listReplies.push(podList("50", pod("a", "11"), pod("b", "12", "uid-b2")));
      const log: string[] = [];
      let syncs = 0;
      const inf = informer(source, options);
      inf.on("add", (p) => log.push(`add ${p.metadata.name}@${p.metadata.resourceVersion}`));
      inf.on("update", (p) => log.push(`update ${p.metadata.name}@${p.metadata.resourceVersion}`));
      inf.on("delete", (p) => log.push(`delete ${p.metadata.name}@${p.metadata.resourceVersion}`));
      inf.on("synced", () => syncs++);
      await until(() => syncs === 2, "relist");
      inf.stop();
      return { log, keys: inf.store.keys().sort() };
    };
    const expected = {
      log: ["add a@5", "add b@6", "add c@7", "update a@11", "delete b@6", "add b@12", "delete c@7"],
      keys: ["default/a", "default/b"],
    };
    assert.deepEqual(await run({}), expected);
    assert.deepEqual(await run({ transform: (p) => ({ ...p }) }), expected);
  });

  test("resync re-delivers cached objects as updates", async () => {
    const source = new FakeSource();
    source.listReplies.push(podList("10", pod("a", "5")));
    const updates: [Pod, Pod][] = [];
    const inf = informer(source, { resyncPeriodMs: 20 });
    inf.on("update", (p, old) => updates.push([p, old]));
    await until(() => updates.length >= 2, "resyncs");
    assert.equal(updates[0][0], updates[0][1]);
    inf.stop();
    const count = updates.length;
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(updates.length, count, "no resync after stop");
  });

  test("a throwing handler is reported and does not stop the informer", async () => {
    const source = new FakeSource();
    source.listReplies.push(podList("10", pod("a", "5")));
    const stream = new FakeStream();
    source.watchReplies.push(stream);
    const inf = informer(source);
    const errors: Error[] = [];
    inf.on("add", (p) => {
      if (p.metadata.name === "a") throw new Error("handler bug");
    });
    inf.on("error", (e) => errors.push(e));
    await inf.synced;
    stream.push({ type: "ADDED", object: pod("b", "11") });
    await until(() => inf.store.size === 2, "next event");
    assert.match(errors[0].message, /"add" handler threw: handler bug/);
    inf.stop();
  });

  test("stop() before sync rejects synced and ends all requests", async () => {
    const source = new FakeSource();
    source.listReplies.push(forbiddenList(), forbiddenList(), forbiddenList(), forbiddenList());
    const inf = informer(source, { backoff: { initialMs: 50, maxMs: 50, jitter: 0 } });
    await until(() => inf.state === "backoff", "first failure");
    inf.stop();
    await assert.rejects(inf.synced, /stopped before it synced/);
    const requests = source.lists.length;
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.equal(source.lists.length, requests);
    assert.equal(inf.state, "stopped");
  });

  test("autoStart: false waits for start()", async () => {
    const source = new FakeSource();
    source.listReplies.push(podList("1"));
    const inf = informer(source, { autoStart: false });
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(source.lists.length, 0);
    inf.start();
    await inf.synced;
    assert.equal(source.lists.length, 1);
    inf.stop();
  });

  test("health() is ready-check material", async () => {
    const source = new FakeSource();
    source.listReplies.push(forbiddenList(), podList("1", pod("a", "1")));
    const inf = informer(source);
    inf.on("error", () => undefined);
    await inf.synced;
    const health = inf.health();
    assert.equal(health.state, "synced");
    assert.equal(health.synced, true);
    assert.equal(health.objects, 1);
    assert.equal(health.restarts, 1);
    assert.match(health.lastError ?? "", /cannot list resource "pods"/);
    assert.ok(health.lastSyncTime instanceof Date);
    inf.stop();
  });
});

describe("Store", () => {
  test("indexes by namespace and label, and keeps them right on update and delete", () => {
    const store = new Store<Pod>();
    store.set(labelled("a", "1", "shop", { app: "web", tier: "front" }));
    store.set(labelled("b", "1", "shop", { app: "db" }));
    store.set(labelled("c", "1", "blog", { app: "web" }));
    assert.deepEqual(
      store.byNamespace("shop").map((p) => p.metadata.name),
      ["a", "b"],
    );
    assert.deepEqual(
      store.byLabel("app", "web").map((p) => p.metadata.name),
      ["a", "c"],
    );

    store.set(labelled("a", "2", "shop", { app: "api" }));
    assert.deepEqual(
      store.byLabel("app", "web").map((p) => p.metadata.name),
      ["c"],
    );
    assert.deepEqual(store.byLabel("tier", "front"), []);
    assert.equal(store.get("shop", "a")?.metadata.resourceVersion, "2");

    store.delete(labelled("c", "3", "blog", {}));
    assert.deepEqual(store.byLabel("app", "web"), []);
    assert.deepEqual(store.byNamespace("blog"), []);
    assert.equal(store.size, 2);
  });

  test("indexes built on the first question after adds, updates and deletes answer the same", () => {
    const store = new Store<Pod>();
    store.set(labelled("a", "1", "shop", { app: "web" }));
    store.set(labelled("b", "1", "shop", { app: "web" }));
    store.set(labelled("c", "1", "blog", { app: "web" }));
    store.set(labelled("a", "2", "shop", { app: "api" }));
    store.delete(labelled("c", "2", "blog", {}));
    assert.deepEqual(
      store.byLabel("app", "web").map((p) => p.metadata.name),
      ["b"],
    );
    assert.deepEqual(
      store.byNamespace("shop").map((p) => p.metadata.name),
      ["a", "b"],
    );
    store.set(labelled("d", "1", "shop", { app: "web" }));
    assert.deepEqual(
      store.byLabel("app", "web").map((p) => p.metadata.name),
      ["b", "d"],
    );
    store.clear();
    assert.deepEqual(store.byLabel("app", "web"), []);
    store.set(labelled("e", "1", "blog", { app: "web" }));
    assert.deepEqual(
      store.byNamespace("blog").map((p) => p.metadata.name),
      ["e"],
    );
  });

  test("keys, size and lookups by key across namespaces, through updates and deletes", () => {
    const store = new Store<Pod>();
    store.set(labelled("a", "1", "shop", {}));
    store.set(labelled("a", "1", "blog", {}));
    store.set(labelled("b", "1", "shop", {}));
    assert.equal(store.set(labelled("a", "2", "shop", {}))?.metadata.resourceVersion, "1");
    assert.equal(store.size, 3);
    assert.deepEqual(store.keys().sort(), ["blog/a", "shop/a", "shop/b"]);
    assert.equal(store.getByKey("shop/a")?.metadata.resourceVersion, "2");
    assert.equal(store.getByKey("blog/a")?.metadata.namespace, "blog");
    assert.equal(store.getByKey("a"), undefined, "no cluster-scoped a");
    assert.equal(store.delete(labelled("a", "3", "blog", {}))?.metadata.namespace, "blog");
    assert.equal(store.delete(labelled("a", "3", "blog", {})), undefined);
    assert.deepEqual(store.byNamespace("blog"), []);
    assert.equal(store.size, 2);
    assert.deepEqual(
      store.list().map((p) => `${p.metadata.namespace}/${p.metadata.name}@${p.metadata.resourceVersion}`),
      ["shop/a@2", "shop/b@1"],
    );
  });

  test("cluster-scoped objects are keyed by name", () => {
    const store = new Store<{ metadata: { name: string } }>();
    store.set({ metadata: { name: "node-1" } });
    assert.equal(store.get(undefined, "node-1")?.metadata.name, "node-1");
    assert.equal(store.getByKey("node-1")?.metadata.name, "node-1");
  });
});
