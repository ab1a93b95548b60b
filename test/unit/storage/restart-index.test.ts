// Loading a data dir from the index written with each record (records.ts, loaded.ts): entries come back
// identical without their objects being parsed; records without an index (older data dirs) still load and are
// rewritten with it; an index that no longer matches the server's indexer is recomputed from the objects.
import assert from "node:assert/strict";
import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { StoredObject } from "../../../src/meta/types.ts";
import type { Entry, ResourceIndexer } from "../../../src/server/storage/index.ts";
import { Store } from "../../../src/server/storage/index.ts";
import { clusterIndexer, pod, podIndexer, tempDir, walFiles } from "./fixtures/objects.ts";

/** podIndexer, counting the objects it is asked to index (each one a parsed object). */
function countingIndexer(extra: Record<string, (o: StoredObject) => string> = {}) {
  const counter = { calls: 0 };
  const indexer: ResourceIndexer = {
    namespaced: true,
    fields: (o) => {
      counter.calls++;
      const f = podIndexer.fields(o);
      for (const [k, get] of Object.entries(extra)) f[k] = get(o);
      return f;
    },
  };
  return { indexer, counter };
}

function open(dir: string, pods: ResourceIndexer = podIndexer, compactBytes?: number): Promise<Store> {
  return Store.open({ dataDir: dir, compactBytes, resources: { pods, namespaces: clusterIndexer } });
}

const view = (e: Entry | undefined) =>
  e && {
    uid: e.uid,
    rv: e.rv,
    labels: { ...e.labels },
    fields: { ...e.fields },
    owners: [...e.ownerUids],
    json: e.json,
  };

const OWNER = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "owner-uid-1", controller: true };

/** Pods with labels (one named "object", which must not be mistaken for the record's object field) and owners. */
async function writePods(store: Store, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await store.create(
      "pods",
      pod("ns", `p${i}`, {
        metadata: {
          name: `p${i}`,
          namespace: "ns",
          labels: { app: "web", object: `o${i}`, "example.com/x": "y" },
          ownerReferences: i % 2 ? [OWNER] : [],
        },
      }),
    );
  }
}

describe("restart from the stored index", () => {
  it("restores identical entries (uid, labels, fields, owner uids, JSON) without parsing the objects", async () => {
    const dir = tempDir("incluster-restart-");
    let store = await open(dir, podIndexer, 4096); // small: rows come from both a snapshot and the log
    await writePods(store, 30);
    await store.update("pods", {
      ...(store.get("pods", "ns", "p3")?.object() as StoredObject),
      status: { phase: "Running" },
    });
    await store.delete("pods", "ns", "p4");
    const before = store.list("pods").items.map(view);
    const rv = store.currentRV();
    await store.close();
    assert.ok(readdirSync(dir).includes("snapshot.jsonl"), "the log was compacted at least once");

    const { indexer, counter } = countingIndexer();
    store = await open(dir, indexer);
    try {
      assert.deepEqual(store.list("pods").items.map(view), before);
      assert.equal(counter.calls, 1, "only the first object is parsed, to check the stored index");
      assert.equal(store.get("pods", "ns", "p3")?.fields["status.phase"], "Running");
      assert.deepEqual(store.get("pods", "ns", "p1")?.ownerUids, ["owner-uid-1"]);
      assert.deepEqual(store.get("pods", "ns", "p0")?.ownerUids, []);
      assert.equal(store.get("pods", "ns", "p5")?.labels.object, "o5");
      // A loaded entry is a full one: updates re-stamp its JSON and delete returns it at the new rv.
      const p5 = store.get("pods", "ns", "p5")?.object() as StoredObject;
      const updated = await store.update("pods", { ...p5, status: { phase: "Succeeded" } });
      assert.equal(updated.rv, rv + 1);
      assert.equal(JSON.parse(updated.json).metadata.resourceVersion, String(rv + 1));
      const deleted = await store.delete("pods", "ns", "p6");
      assert.equal(JSON.parse(deleted.json).metadata.resourceVersion, String(rv + 2));
      assert.equal(deleted.labels.object, "o6");
    } finally {
      await store.close();
    }
  });

  it("recomputes the index from the objects when the server indexes other fields now", async () => {
    const dir = tempDir("incluster-restart-");
    let store = await open(dir);
    await writePods(store, 5);
    await store.compact();
    await store.close();

    const { indexer, counter } = countingIndexer({ "spec.nodeName": () => "n1" });
    store = await open(dir, indexer);
    try {
      assert.equal(counter.calls, 5, "every object is parsed for the new field");
      for (const e of store.list("pods").items) assert.equal(e.fields["spec.nodeName"], "n1");
    } finally {
      await store.close();
    }
  });

  it("loads a data dir written before records had an index, and rewrites its snapshot with one", async () => {
    const dir = tempDir("incluster-restart-");
    const object = (name: string, rv: number, phase: string) =>
      JSON.stringify({
        kind: "Pod",
        apiVersion: "v1",
        metadata: {
          name,
          namespace: "ns",
          uid: `uid-${name}`,
          resourceVersion: String(rv),
          labels: { app: name },
        },
        status: { phase },
      });
    const put = (name: string, rv: number, phase = "Pending") =>
      `{"op":"put","resource":"pods","key":"ns/${name}","rv":${rv},"object":${object(name, rv, phase)}}\n`;
    writeFileSync(join(dir, "snapshot.jsonl"), `{"op":"snapshot","rv":2}\n${put("a", 1)}${put("b", 2)}`);
    writeFileSync(
      join(dir, "wal-0000000000000003.jsonl"),
      `${put("b", 3, "Running")}{"op":"delete","resource":"pods","key":"ns/a","rv":4}\n${put("c", 5)}`,
    );

    const { indexer, counter } = countingIndexer();
    let store = await open(dir, indexer);
    assert.equal(store.currentRV(), 5);
    assert.deepEqual(
      store.list("pods").items.map((e) => [e.name, e.uid, e.rv, e.fields["status.phase"], e.labels.app]),
      [
        ["b", "uid-b", 3, "Running", "b"],
        ["c", "uid-c", 5, "Pending", "c"],
      ],
    );
    assert.equal(counter.calls, 2);
    // The first write after such a load writes a snapshot in today's format.
    await store.create("pods", pod("ns", "d"));
    await store.close();
    const snapshot = readFileSync(join(dir, "snapshot.jsonl"), "utf8").split("\n").filter(Boolean);
    assert.equal(snapshot.length, 1 + 3);
    for (const line of snapshot.slice(1)) assert.match(line, /^\{"op":"put",.*,"uid":"[^"]+","labels":\{/);

    const again = countingIndexer();
    store = await open(dir, again.indexer);
    assert.deepEqual(
      store.list("pods").items.map((e) => [e.name, e.fields["status.phase"]]),
      [
        ["b", "Running"],
        ["c", "Pending"],
        ["d", "Pending"],
      ],
    );
    assert.equal(again.counter.calls, 1);
    await store.close();
  });

  it("drops a final record torn inside its index or its object, and resumes after the last whole one", async () => {
    for (const cut of ['"labels":{"app":"w', '"owners":[],"object":{"kind":"Pod","metadata":{"name"']) {
      const dir = tempDir("incluster-restart-");
      let store = await open(dir);
      await writePods(store, 2);
      await store.close();
      const [wal] = walFiles(dir);
      const size = statSync(join(dir, wal)).size;
      const lines = readFileSync(join(dir, wal), "utf8").split("\n");
      const torn = lines[1].replace(/"key":"ns\/p1","rv":2/, '"key":"ns/p9","rv":3');
      appendFileSync(join(dir, wal), torn.slice(0, torn.indexOf(cut) + cut.length));

      store = await open(dir);
      assert.equal(store.currentRV(), 2, cut);
      assert.equal(store.get("pods", "ns", "p9"), undefined);
      assert.equal(statSync(join(dir, wal)).size, size, "torn bytes removed");
      assert.equal((await store.create("pods", pod("ns", "p9"))).rv, 3);
      await store.close();
    }
  });

  it("names the object whose stored labels are corrupt when they are first needed, and loads the rest", async () => {
    const dir = tempDir("incluster-restart-");
    let store = await open(dir);
    await writePods(store, 3);
    await store.compact();
    await store.close();
    const path = join(dir, "snapshot.jsonl");
    const lines = readFileSync(path, "utf8").split("\n");
    const p2 = lines.findIndex((l) => l.includes('"key":"ns/p2"'));
    lines[p2] = lines[p2].replace('"labels":{"app":"web",', '"labels":{"app":"web"');
    writeFileSync(path, lines.join("\n"));

    store = await open(dir);
    try {
      assert.equal(store.get("pods", "ns", "p1")?.labels.app, "web");
      const p2Entry = store.get("pods", "ns", "p2");
      assert.equal(p2Entry?.uid !== undefined && JSON.parse(p2Entry.json).metadata.name, "p2");
      assert.throws(() => p2Entry?.labels, /the stored index of pods ns\/p2 is corrupt/);
    } finally {
      await store.close();
    }
  });

  it("treats a terminated final record with a damaged index as torn", async () => {
    const dir = tempDir("incluster-restart-");
    let store = await open(dir);
    await writePods(store, 2);
    await store.close();
    const [wal] = walFiles(dir);
    const lines = readFileSync(join(dir, wal), "utf8").split("\n");
    const damaged = lines[1]
      .replace(/"key":"ns\/p1","rv":2/, '"key":"ns/p9","rv":3')
      .replace('"labels":{"app":"web",', '"labels":{"app":"web"');
    appendFileSync(join(dir, wal), `${damaged}\n`);
    store = await open(dir);
    assert.equal(store.currentRV(), 2);
    assert.equal(store.get("pods", "ns", "p9"), undefined);
    await store.close();
  });

  it("ignores a snapshot whose write a crash interrupted, loading the last complete state", async () => {
    const dir = tempDir("incluster-restart-");
    let store = await open(dir);
    await writePods(store, 10);
    await store.compact();
    await store.update("pods", {
      ...(store.get("pods", "ns", "p2")?.object() as StoredObject),
      status: { phase: "Running" },
    });
    const before = store.list("pods").items.map(view);
    await store.close();
    // What a crash in the middle of writing the next snapshot leaves: a partial temp file, never renamed.
    const snapshot = readFileSync(join(dir, "snapshot.jsonl"), "utf8");
    writeFileSync(join(dir, "snapshot.jsonl.tmp"), snapshot.slice(0, snapshot.length / 2));

    store = await open(dir);
    try {
      assert.deepEqual(store.list("pods").items.map(view), before);
      assert.ok(!readdirSync(dir).includes("snapshot.jsonl.tmp"), "the partial snapshot is removed");
    } finally {
      await store.close();
    }
  });
});
