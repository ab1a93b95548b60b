// The local API server holding many Pods (the scale issue's server targets; default 150,000):
//  1. seeding N realistic Pods (~8 KB each with managedFields, created by "kube-controller-manager", status by
//     "kubelet") in-process into a durable data dir, then the server's RSS idle after a full GC;
//  2. a paged list of all of them (limit=500, as client-go's pager) and count() (one request);
//  3. GET one Pod under wrk (32 keep-alive HTTPS connections, a `view` ServiceAccount token): req/s, p50, p99;
//  4. watch fan-out: W watchers (in --watcher-processes client processes) while U Pods/s are patched for S seconds: delivery latency
//     from the write's acknowledgement to each watcher's receipt (p50/p99 over every delivery), dropped watches,
//     the server's CPU;
//  5. restart from the data dir to ready (/readyz 200) — wall time and the server's CPU time — and RSS after
//     restart (bench/restart.ts measures only this, on a kept data dir).
// Each figure is printed with the load average; the server runs in a child process of its own.
//
// Run: node_modules/.bin/node --expose-gc bench/server-scale.ts [--pods 150000] [--watchers 1000]
//        [--updates-per-sec 200] [--seconds 10] [--watch-scope all|namespace]
//        [--watcher-processes 4] [--profile-watch server-watch.cpuprofile]
//        [--data-dir DIR]   (kept: seeded on the first run only, e.g. the one bench/restart.ts --data-dir made)
//        [--watch-only]     (sections 1 and 4 only)
import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { adminClient, startServerProcess, viewerToken } from "./lib/cluster.ts";
import { NAMESPACES, namespaceOf } from "./lib/pods.ts";
import { hasCommand, int, loadAverage, mb, ms, printMachine, printTable } from "./lib/report.ts";
import { runWrk } from "./lib/wrk.ts";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
let PODS = Number(flag("--pods", "150000"));
const KEPT = flag("--data-dir", "");
const WATCHERS = Number(flag("--watchers", "1000"));
const UPDATES_PER_SEC = Number(flag("--updates-per-sec", "200"));
const SECONDS = Number(flag("--seconds", "10"));
const WATCH_SCOPE = flag("--watch-scope", "all");
/** The watchers are spread over this many client processes, so one client's CPU is not what is measured. */
const WATCHER_PROCESSES = Number(flag("--watcher-processes", "4"));
/** Write a V8 CPU profile of the server for the watch fan-out (section 4) to this path. */
const PROFILE_WATCH = flag("--profile-watch", "");
/** Seed (or serve the kept data dir) and run the watch fan-out only: no list, GET load or restart. */
const WATCH_ONLY = args.includes("--watch-only");
const TARGET = { rssMB: 3072, restartMs: 5000, p99DeliveryMs: 250 };

type PodNames = { items: { metadata: { name: string; namespace: string } }[] };
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

printMachine();
const scratch = await mkdtemp(path.join(tmpdir(), "incluster-bench-scale-"));
const dataDir = KEPT ? path.resolve(KEPT) : path.join(scratch, "data");
const pkiDir = KEPT ? dataDir : scratch;
const rows: string[][] = [["measure", "result", "target", "load average"]];

// ---- 1. seeding ----------------------------------------------------------------------------------------
let server: Awaited<ReturnType<typeof startServerProcess>>;
if (KEPT && existsSync(path.join(dataDir, "store"))) {
  console.log(`\n1. serving the Pods kept in ${dataDir} (seeded earlier; --pods is ignored)`);
  server = await startServerProcess({ pkiDir, dataDir });
  const counter = await adminClient(server);
  PODS = await counter.resource("pods").count({ allNamespaces: true });
  counter.close();
} else {
  console.log(`\n1. seeding ${int(PODS)} pods in-process into a durable data dir…`);
  server = await startServerProcess({ pkiDir, dataDir, seedPods: PODS });
  console.log(
    `seeded ${int(server.seeded)} pods in ${ms(server.seedMs)} (${int((server.seeded / server.seedMs) * 1000)} pods/s), ` +
      `${(server.podBytes / 1024).toFixed(1)} KB of JSON each`,
  );
}
await sleep(3000); // V8 returns the heap seeding grew only after some idle seconds
let memory = await server.memory();
rows.push([
  `server RSS holding ${int(PODS)} Pods, idle (full GC)`,
  mb(memory.rss),
  `≤ ${TARGET.rssMB} MB`,
  loadAverage(),
]);
console.log(
  `idle: RSS ${mb(memory.rss)}, V8 heap used ${mb(memory.heapUsed)}, external ${mb(memory.external)}`,
);

// ---- 2. paged list and count --------------------------------------------------------------------------
const admin = await adminClient(server);
let start = 0;
if (!WATCH_ONLY) await listAndCount();

// ---- 3. GET under wrk ---------------------------------------------------------------------------------
const token = await viewerToken(admin);
if (!WATCH_ONLY) await getUnderWrk();

// ---- 4. watch fan-out -----------------------------------------------------------------------------------
console.log(
  `\n4. ${int(WATCHERS)} watchers (${WATCH_SCOPE}) while ${UPDATES_PER_SEC} pods/s are patched for ${SECONDS} s…`,
);
const namespaces = Array.from({ length: NAMESPACES }, (_, n) => namespaceOf(n));
const listed1 = (await admin.requestJson({ path: "/api/v1/pods?limit=1" })) as {
  metadata: { resourceVersion: string };
};
const watcherProcesses = Array.from({ length: WATCHER_PROCESSES }, (_, p) => {
  const first = Math.floor((p * WATCHERS) / WATCHER_PROCESSES);
  const count = Math.floor(((p + 1) * WATCHERS) / WATCHER_PROCESSES) - first;
  return fork(
    new URL("./lib/watchers-child.ts", import.meta.url).pathname,
    [
      JSON.stringify({
        url: server.url,
        caPem: server.caPem,
        token,
        watchers: count,
        first,
        resourceVersion: listed1.metadata.resourceVersion,
        namespaces: WATCH_SCOPE === "namespace" ? namespaces : undefined,
      }),
    ],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
});
const ask = <T>(child: (typeof watcherProcesses)[number], message?: object) =>
  new Promise<T>((resolve, reject) => {
    child.once("message", (m) => resolve(m as T));
    child.once("exit", (code) => reject(new Error(`a watcher process exited (${code})`)));
    if (message) child.send(message);
  });
const opened = (await Promise.all(watcherProcesses.map((c) => ask<{ opened: number }>(c)))).reduce(
  (n, m) => n + m.opened,
  0,
);
// Pods to patch: spread over namespaces, so a per-namespace watcher sees its share.
const targets = (await admin.requestJson({ path: "/api/v1/pods?limit=5000" })) as PodNames;
const acks = new Map<string, number>(); // resourceVersion → acknowledgement time
const cpuBefore = await server.cpuMicros();
const total = UPDATES_PER_SEC * SECONDS;
let began = 0;
const runId = Date.now().toString(36);
const updateAll = async () => {
  began = Date.now();
  let inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = began + (i * 1000) / UPDATES_PER_SEC;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    const pod = targets.items[i % targets.items.length].metadata;
    inFlight.push(
      (async () => {
        const patch = () =>
          admin.requestJson({
            method: "PATCH",
            path: `/api/v1/namespaces/${pod.namespace}/pods/${pod.name}`,
            contentType: "application/merge-patch+json",
            // Unique to this run: on a kept data dir an earlier run's value would make the PATCH a no-op.
            body: { metadata: { annotations: { "bench/update": `${runId}-${i}` } } },
          }) as Promise<{ metadata: { resourceVersion: string } }>;
        // A kept-alive connection the server closed as it was reused (ECONNRESET) is retried once: the
        // patch sets a value, so repeating it is harmless (150k run, 2026-12-05: one such reset ended it).
        const updated = await patch().catch((e: Error & { code?: string }) => {
          if (e.code !== "ECONNRESET") throw e;
          return patch();
        });
        acks.set(updated.metadata.resourceVersion, performance.timeOrigin + performance.now());
      })(),
    );
    if (inFlight.length >= 64) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  await Promise.all(inFlight);
};
if (PROFILE_WATCH) await server.profile(PROFILE_WATCH, updateAll);
else await updateAll();
const writeSeconds = (Date.now() - began) / 1000;
await sleep(2000); // let the last events arrive
const serverCpuMicros = (await server.cpuMicros()) - cpuBefore;
const serverCpuPct = serverCpuMicros / 1e4 / writeSeconds;
type Report = { received: [string, number, number, number][]; dropped: number };
const reports = await Promise.all(watcherProcesses.map((c) => ask<Report>(c, { type: "report" })));
const report = { received: new Map<string, { first: number; last: number; count: number }>(), dropped: 0 };
for (const r of reports) {
  report.dropped += r.dropped;
  for (const [rv, first, last, count] of r.received) {
    const seen = report.received.get(rv);
    if (!seen) report.received.set(rv, { first, last, count });
    else {
      seen.first = Math.min(seen.first, first);
      seen.last = Math.max(seen.last, last);
      seen.count += count;
    }
  }
}
const expectedPerEvent = WATCH_SCOPE === "namespace" ? WATCHERS / NAMESPACES : WATCHERS;
const latencies: number[] = [];
let deliveries = 0;
let missing = 0;
const byRv = report.received;
for (const [rv, ack] of acks) {
  const r = byRv.get(rv);
  if (!r) {
    missing++;
    continue;
  }
  deliveries += r.count;
  // Each delivery's latency lies between the first and last receipt; both ends are recorded.
  latencies.push(Math.max(0, r.first - ack), Math.max(0, r.last - ack));
}
latencies.sort((a, b) => a - b);
const p50 = pct(latencies, 50);
const p99 = pct(latencies, 99);
console.log(
  `writes: ${int(acks.size)} in ${writeSeconds.toFixed(1)} s (${int(acks.size / writeSeconds)}/s); watches opened ${opened}, ` +
    `dropped ${report.dropped}; deliveries ${int(deliveries)} of ${int(acks.size * expectedPerEvent)} expected, ` +
    `events never seen ${missing}; delivery latency (ack → receipt) p50 ${ms(p50)}, p99 ${ms(p99)} (last receipt of each ` +
    `event); server CPU ${serverCpuPct.toFixed(0)} % of one core, ${(serverCpuMicros / Math.max(1, deliveries)).toFixed(1)} µs ` +
    `per delivered event (incl. the ${int(acks.size)} PATCHes); ${WATCHER_PROCESSES} watcher processes`,
);
rows.push([
  `watch fan-out: ${int(WATCHERS)} watchers (${WATCH_SCOPE}) × ${UPDATES_PER_SEC} updates/s: delivery p50 / p99`,
  `${ms(p50)} / ${ms(p99)}, dropped ${report.dropped}, server CPU ${serverCpuPct.toFixed(0)} %, ` +
    `${(serverCpuMicros / Math.max(1, deliveries)).toFixed(1)} µs/delivery`,
  `p99 ≤ ${TARGET.p99DeliveryMs} ms, 0 dropped`,
  loadAverage(),
]);
admin.close();

// ---- 5. restart from the data dir ---------------------------------------------------------------------
if (!WATCH_ONLY) await restart();
await server.stop();
await rm(scratch, { recursive: true, force: true });

console.log("\nSummary");
printTable(rows);

async function listAndCount(): Promise<void> {
  start = performance.now();
  let listed = 0;
  let cont = "";
  do {
    const page = (await admin.requestJson({
      path: `/api/v1/pods?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ""}`,
    })) as { items: unknown[]; metadata: { continue?: string } };
    listed += page.items.length;
    cont = page.metadata.continue ?? "";
  } while (cont);
  const listMs = performance.now() - start;
  rows.push([`paged list of all (limit=500), ${int(listed)} Pods`, ms(listMs), "—", loadAverage()]);
  start = performance.now();
  const counted = await admin.resource("pods").count({ allNamespaces: true });
  const countMs = performance.now() - start;
  rows.push([`count() of ${int(counted)} Pods`, ms(countMs), "—", loadAverage()]);
  console.log(
    `\n2. paged list: ${int(listed)} pods in ${ms(listMs)}; count(): ${int(counted)} in ${ms(countMs)}`,
  );
}

async function getUnderWrk(): Promise<void> {
  const sample = (await admin.requestJson({
    path: `/api/v1/namespaces/${namespaceOf(0)}/pods?limit=1000`,
  })) as PodNames;
  const getPaths = sample.items.map(
    (p) => `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`,
  );
  if (hasCommand("wrk")) {
    const auth = { Authorization: `Bearer ${token}`, Accept: "application/json" };
    const wrk = (seconds: number) =>
      runWrk({
        url: server.url,
        paths: getPaths,
        headers: auth,
        connections: 32,
        threads: 1,
        seconds,
        dir: scratch,
      });
    await wrk(2);
    const get = await wrk(SECONDS);
    rows.push([
      `GET one Pod with ${int(PODS)} stored: req/s, p50 / p99`,
      `${int(get.requestsPerSec)}, ${ms(get.p50)} / ${ms(get.p99)}`,
      "—",
      loadAverage(),
    ]);
    console.log(
      `\n3. GET one pod: ${int(get.requestsPerSec)} req/s, p50 ${ms(get.p50)}, p99 ${ms(get.p99)}, non-2xx ${get.non2xx}`,
    );
  } else {
    console.log("\n3. wrk not found (apt-get install -y wrk): GET load skipped");
  }
}

async function restart(): Promise<void> {
  const maxRSS = (await server.memory()).maxRSS;
  await server.stop();
  start = performance.now();
  server = await startServerProcess({ pkiDir, dataDir });
  const restartMs = performance.now() - start;
  const restartCpuMs = (await server.cpuMicros()) / 1000; // the server's CPU time to ready: load-independent
  await sleep(3000);
  memory = await server.memory();
  rows.push([
    `restart from the data dir with ${int(PODS)} Pods to ready: wall / server CPU`,
    `${ms(restartMs)} / ${ms(restartCpuMs)}`,
    `≤ ${ms(TARGET.restartMs)}`,
    loadAverage(),
  ]);
  rows.push([
    "server RSS after the restart (full GC) / peak before it",
    `${mb(memory.rss)} / ${mb(maxRSS)}`,
    "—",
    loadAverage(),
  ]);
  console.log(
    `\n5. restart to ready: ${ms(restartMs)} (server CPU ${ms(restartCpuMs)}); RSS ${mb(memory.rss)}`,
  );
}
