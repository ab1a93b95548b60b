import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { DataDir } from "../../../src/server/storage/datadir.ts";
import { Store } from "../../../src/server/storage/index.ts";
import { namespaceObj, openStore, pod, podIndexer, tempDir, walFiles } from "./fixtures/objects.ts";

interface Ack {
  op: "create" | "update" | "delete";
  name: string;
  rv: number;
}

/** Runs the writer child until it has printed `acks` acknowledgements, then SIGKILLs it. */
async function killWriterAfter(dir: string, acks: number): Promise<Ack[]> {
  const writer = fileURLToPath(new URL("./fixtures/durable-writer.ts", import.meta.url));
  const child = spawn(process.execPath, [writer, dir], { stdio: ["ignore", "pipe", "inherit"] });
  const seen: Ack[] = [];
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on("exit", (_code, signal) => resolve(signal)),
  );
  for await (const line of createInterface({ input: child.stdout })) {
    seen.push(JSON.parse(line) as Ack);
    if (seen.length === acks) child.kill("SIGKILL");
  }
  assert.equal(await exited, "SIGKILL");
  return seen;
}

describe("durable store", () => {
  it("keeps every acknowledged write across kill -9 and keeps resourceVersions increasing", async () => {
    const dir = tempDir();
    const acks = await killWriterAfter(dir, 1500);
    assert.ok(acks.length >= 1500);
    const last = new Map<string, Ack>();
    for (const a of acks) last.set(a.name, a);
    const maxAcked = Math.max(...acks.map((a) => a.rv));
    assert.equal(new Set(acks.map((a) => a.rv)).size, acks.length, "every write got its own resourceVersion");

    const store = await openStore({ dataDir: dir });
    try {
      assert.ok(store.currentRV() >= maxAcked, `currentRV ${store.currentRV()} < acked ${maxAcked}`);
      assert.equal(store.oldestRV(), store.currentRV(), "history starts empty at open");
      for (const [name, a] of last) {
        const e = store.get("pods", "ns", name);
        const index = Number(name.slice(2));
        if (a.op === "delete") assert.equal(e, undefined, `${name} was deleted`);
        else if (e) assert.ok(e.rv >= a.rv, `${name} at rv ${e.rv}, acked ${a.rv}`);
        else assert.ok(a.op === "update" && index % 5 === 0, `${name} lost (last ack ${a.op}@${a.rv})`);
      }
      const fresh = await store.create("pods", pod("ns", "after-restart"));
      assert.ok(fresh.rv > store.oldestRV() && fresh.rv > maxAcked);
    } finally {
      await store.close();
    }
  });

  it("shares one append+fsync among writes issued in the same tick, and hides them until durable", async () => {
    const dir = tempDir();
    const store = await openStore({ dataDir: dir });
    const original = DataDir.prototype.append;
    let appends = 0;
    DataDir.prototype.append = function (this: DataDir, text: string) {
      appends++;
      return original.call(this, text);
    };
    try {
      const writes = Array.from({ length: 50 }, (_, i) => store.create("pods", pod("ns", `p${i}`)));
      assert.equal(store.get("pods", "ns", "p0"), undefined, "not visible before it is durable");
      assert.equal(store.currentRV(), 0);
      await assert.rejects(store.create("pods", pod("ns", "p0")), { code: "AlreadyExists" });
      const done = await Promise.all(writes);
      assert.deepEqual(
        done.map((e) => e.rv),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      assert.equal(appends, 1);
      assert.equal(store.get("pods", "ns", "p49")?.rv, 50);
    } finally {
      DataDir.prototype.append = original;
      await store.close();
    }
  });

  it("checks writes against staged (not yet durable) state and publishes events only once durable", async () => {
    const dir = tempDir();
    const store = await openStore({ dataDir: dir });
    const seen: string[] = [];
    store.watch("pods", { fromRV: 0 }, (ev) => seen.push(`${ev.type}@${ev.rv}`));
    const created = store.create("pods", pod("ns", "a"));
    const updated = store.update(
      "pods",
      { ...pod("ns", "a"), status: { phase: "Running" } },
      { expectedRV: 1 },
    );
    const stale = store.update("pods", { ...pod("ns", "a"), status: { phase: "Failed" } }, { expectedRV: 1 });
    await assert.rejects(stale, { code: "Conflict" });
    assert.deepEqual(seen, [], "nothing is published before the fsync");
    assert.equal((await created).rv, 1);
    assert.equal((await updated).rv, 2);
    assert.deepEqual(seen, ["ADDED@1", "MODIFIED@2"]);
    await store.close();
  });

  it("tolerates a torn final line, truncating it before appending again", async () => {
    const dir = tempDir();
    let store = await openStore({ dataDir: dir });
    await store.create("pods", pod("ns", "a"));
    await store.create("pods", pod("ns", "b"));
    await store.close();
    const [wal] = walFiles(dir);
    const size = statSync(join(dir, wal)).size;
    appendFileSync(join(dir, wal), '{"op":"put","resource":"pods","key":"ns/c","rv":3,"object":{"kind":"Po');

    store = await openStore({ dataDir: dir });
    assert.equal(store.currentRV(), 2);
    assert.equal(store.get("pods", "ns", "c"), undefined);
    assert.equal(statSync(join(dir, wal)).size, size, "torn bytes removed");
    assert.equal((await store.create("pods", pod("ns", "c"))).rv, 3);
    await store.close();

    store = await openStore({ dataDir: dir });
    assert.deepEqual(
      store.list("pods").items.map((e) => e.name),
      ["a", "b", "c"],
    );
    await store.close();
  });

  it("treats a terminated but unparseable final record as torn", async () => {
    const dir = tempDir();
    let store = await openStore({ dataDir: dir });
    await store.create("pods", pod("ns", "a"));
    await store.close();
    const [wal] = walFiles(dir);
    appendFileSync(
      join(dir, wal),
      '{"op":"put","resource":"pods","key":"ns/c","rv":2,"object":{"a":{"b":{}}\n',
    );
    store = await openStore({ dataDir: dir });
    assert.equal(store.currentRV(), 1);
    await store.close();
  });

  it("refuses to open a log damaged before its end", async () => {
    const dir = tempDir();
    const store = await openStore({ dataDir: dir });
    await store.create("pods", pod("ns", "a"));
    await store.create("pods", pod("ns", "b"));
    await store.close();
    const [wal] = walFiles(dir);
    const lines = readFileSync(join(dir, wal), "utf8").split("\n");
    lines[0] = "garbage";
    writeFileSync(join(dir, wal), lines.join("\n"));
    await assert.rejects(openStore({ dataDir: dir }), /corrupt log/);
  });

  it("compacts into a snapshot plus a fresh log and restores the same state", async () => {
    const dir = tempDir();
    let store = await openStore({ dataDir: dir, compactBytes: 4096 });
    for (let i = 0; i < 40; i++) await store.create("pods", pod("ns", `p${i}`));
    assert.ok(
      walFiles(dir).some((f) => f !== "wal-0000000000000001.jsonl"),
      "the log rotated once it outgrew compactBytes",
    );
    for (let i = 0; i < 40; i += 2) await store.delete("pods", "ns", `p${i}`);
    await store.update("pods", { ...pod("ns", "p1"), status: { phase: "Running" } });
    await store.create("namespaces", namespaceObj("ns"));
    await store.compact();
    const before = store.list("pods").items.map((e) => e.json);
    const rv = store.currentRV();
    await store.close();

    assert.ok(readdirSync(dir).includes("snapshot.jsonl"));
    assert.equal(walFiles(dir).length, 1, "logs covered by the snapshot are removed");
    assert.equal(statSync(join(dir, walFiles(dir)[0])).size, 0);

    store = await openStore({ dataDir: dir });
    assert.equal(store.currentRV(), rv);
    assert.deepEqual(
      store.list("pods").items.map((e) => e.json),
      before,
    );
    assert.equal(store.get("pods", "ns", "p1")?.fields["status.phase"], "Running");
    assert.equal(store.count("namespaces"), 1);
    assert.equal((await store.create("pods", pod("ns", "z"))).rv, rv + 1);
    await store.close();
  });

  it("keeps objects of not-yet-registered resources through replay, compaction and late registration", async () => {
    const dir = tempDir();
    let store = await openStore({ dataDir: dir });
    await store.create("pods", pod("ns", "a"));
    await store.close();

    // Opened without registering pods: their objects must survive untouched.
    store = await Store.open({ dataDir: dir });
    store.register("namespaces", { namespaced: false, fields: () => ({}) });
    await store.create("namespaces", namespaceObj("ns"));
    await store.compact();
    await store.close();

    store = await Store.open({ dataDir: dir });
    store.register("pods", podIndexer);
    const a = store.get("pods", "ns", "a");
    assert.equal(a?.fields["metadata.namespace"], "ns");
    assert.equal(a?.rv, 1);
    await store.close();
  });

  it("keeps its files private: the store holds Secrets (dir 0700, log and snapshot 0600)", async () => {
    const parent = tempDir();
    const dir = join(parent, "a", "store");
    const mode = (p: string) => statSync(p).mode & 0o777;
    const store = await openStore({ dataDir: dir, compactBytes: 4096 });
    for (let i = 0; i < 40; i++) await store.create("pods", pod("ns", `p${i}`));
    await store.compact();
    await store.close();
    assert.equal(mode(dir), 0o700);
    assert.equal(mode(join(parent, "a")), 0o700, "directories created on the way are private too");
    assert.equal(mode(join(dir, "snapshot.jsonl")), 0o600);
    for (const wal of walFiles(dir)) assert.equal(mode(join(dir, wal)), 0o600, wal);

    // A data dir left world-readable by an older version is tightened on open.
    const loose = tempDir();
    chmodSync(loose, 0o755);
    await (await openStore({ dataDir: loose })).close();
    assert.equal(mode(loose), 0o700);
  });

  it("counts logs an interrupted snapshot left behind toward the next compaction", async () => {
    const dir = tempDir();
    let store = await openStore({ dataDir: dir });
    for (let i = 0; i < 40; i++) await store.create("pods", pod("ns", `p${i}`));
    const rv = store.currentRV();
    await store.close();
    const [first] = walFiles(dir);
    assert.ok(statSync(join(dir, first)).size > 4096);
    // A rotation whose snapshot never finished (the server stopped mid-write): a fresh, empty log after it.
    writeFileSync(join(dir, `wal-${String(rv + 1).padStart(16, "0")}.jsonl`), "");

    store = await openStore({ dataDir: dir, compactBytes: 4096 });
    await store.create("pods", pod("ns", "after"));
    await store.close(); // waits for the snapshot the write started
    assert.ok(readdirSync(dir).includes("snapshot.jsonl"), "the first write after the restart compacted");
    assert.ok(!walFiles(dir).includes(first), "the log the snapshot covers is gone");

    store = await openStore({ dataDir: dir });
    assert.equal(store.count("pods"), 41);
    await store.close();
  });

  it("refuses a second open of the same data dir", async () => {
    const dir = tempDir();
    const store = await openStore({ dataDir: dir });
    await assert.rejects(openStore({ dataDir: dir }), /already open/);
    await store.close();
    const again = await openStore({ dataDir: dir });
    await again.close();
  });
});
