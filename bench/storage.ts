// Storage benchmark: loads 20,000 realistic ~4 KB pods, then measures list(limit=500) pages/s, get/s, a
// label-filtered list, watch fan-out and RSS; with --durable also durable load, reopen and group-commit rates.
// Run: node_modules/.bin/node --expose-gc bench/storage.ts [--durable] [--pods N]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StoredObject } from "../src/meta/types.ts";
import type { ResourceIndexer } from "../src/server/storage/index.ts";
import { Store } from "../src/server/storage/index.ts";
import { realisticPod } from "./lib/pods.ts";

const args = process.argv.slice(2);
const PODS = Number(args[args.indexOf("--pods") + 1]) || 20_000;
const durable = args.includes("--durable");

const podIndexer: ResourceIndexer = {
  namespaced: true,
  fields: (o: StoredObject) => {
    const spec = o.spec as { nodeName?: string; serviceAccountName?: string };
    const status = o.status as { phase?: string };
    return {
      "metadata.name": o.metadata.name,
      "metadata.namespace": o.metadata.namespace ?? "",
      "spec.nodeName": spec.nodeName ?? "",
      "spec.serviceAccountName": spec.serviceAccountName ?? "",
      "status.phase": status.phase ?? "",
    };
  },
};

function rate(label: string, ops: number, ms: number, unit = "ops/s"): void {
  console.log(
    `${label.padEnd(38)} ${Math.round((ops / ms) * 1000)
      .toLocaleString("en-US")
      .padStart(12)} ${unit}  (${ops} in ${ms.toFixed(0)} ms)`,
  );
}

function timeLoop(durationMs: number, fn: () => void): { ops: number; ms: number } {
  const start = performance.now();
  let ops = 0;
  while (performance.now() - start < durationMs) {
    for (let k = 0; k < 100; k++) fn();
    ops += 100;
  }
  return { ops, ms: performance.now() - start };
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;

const dir = durable ? mkdtempSync(join(tmpdir(), "incluster-bench-")) : undefined;
globalThis.gc?.();
const rssBefore = process.memoryUsage().rss;

const store = await Store.open({ dataDir: dir, resources: { pods: podIndexer } });
let start = performance.now();
// Issue writes in waves like concurrent clients would; durable mode then group-commits each wave.
for (let i = 0; i < PODS; i += 500) {
  const wave = Array.from({ length: Math.min(500, PODS - i) }, (_, j) => realisticPod(i + j));
  await Promise.all(wave.map((o) => store.create("pods", o)));
}
const loadMs = performance.now() - start;
const sample = store.list("pods", { limit: 1 }).items[0];
console.log(
  `pods: ${PODS}, avg JSON ${(sample.json.length / 1024).toFixed(1)} KB, mode: ${durable ? "durable (fsync)" : "memory"}`,
);
rate("load (create)", PODS, loadMs, "pods/s");

const keys: [string, string][] = store.list("pods").items.map((e) => [e.namespace, e.name]);
let pages = 0;
start = performance.now();
while (performance.now() - start < 2000) {
  let after: string | undefined;
  do {
    const page = store.list("pods", { limit: 500, startAfter: after });
    pages++;
    after = page.more ? page.lastKey : undefined;
  } while (after);
}
rate("list(limit=500) all namespaces", pages, performance.now() - start, "pages/s");

let nsPages = timeLoop(1000, () => store.list("pods", { namespace: "team-7", limit: 500 }));
rate("list(limit=500) one namespace", nsPages.ops, nsPages.ms, "pages/s");

nsPages = timeLoop(1000, () =>
  store.list("pods", {
    limit: 500,
    filter: (e) => e.labels.tier === "frontend" && e.fields["status.phase"] === "Running",
  }),
);
rate("list(limit=500) label+field filter", nsPages.ops, nsPages.ms, "pages/s");

let k = 0;
const gets = timeLoop(1000, () => {
  const [ns, name] = keys[k++ % keys.length];
  store.get("pods", ns, name);
});
rate("get", gets.ops, gets.ms, "gets/s");

const watchers = 100;
let delivered = 0;
for (let w = 0; w < watchers; w++) store.watch("pods", { fromRV: store.currentRV() }, () => delivered++);
const updates = 2000;
start = performance.now();
const batch: Promise<unknown>[] = [];
for (let i = 0; i < updates; i++) {
  const e = store.get("pods", keys[i][0], keys[i][1]);
  if (!e) continue;
  const obj = e.object();
  (obj.status as { phase: string }).phase = "Succeeded";
  batch.push(store.update("pods", obj, { expectedRV: e.rv }));
}
await Promise.all(batch);
rate(`update + fan-out to ${watchers} watchers`, updates, performance.now() - start, "updates/s");
console.log(`events delivered: ${delivered.toLocaleString("en-US")}`);

globalThis.gc?.();
const mem = process.memoryUsage();
console.log(
  `RSS ${mb(mem.rss)} (before load ${mb(rssBefore)}), heap used ${mb(mem.heapUsed)} of ${mb(mem.heapTotal)}, external ${mb(mem.external)}`,
);

if (dir) {
  await store.close();
  start = performance.now();
  const reopened = await Store.open({ dataDir: dir, resources: { pods: podIndexer } });
  console.log(`reopen (replay ${reopened.count("pods")} pods): ${(performance.now() - start).toFixed(0)} ms`);
  start = performance.now();
  await reopened.compact();
  console.log(`compact (snapshot write): ${(performance.now() - start).toFixed(0)} ms`);
  await reopened.close();
  start = performance.now();
  const fromSnapshot = await Store.open({ dataDir: dir, resources: { pods: podIndexer } });
  console.log(
    `reopen from snapshot (${fromSnapshot.count("pods")} pods): ${(performance.now() - start).toFixed(0)} ms`,
  );
  await fromSnapshot.close();
  rmSync(dir, { recursive: true, force: true });
}
