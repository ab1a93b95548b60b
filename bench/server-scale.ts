// The local API server holding many Pods (the scale issue's server targets; default 150,000):
//  1. seeding N realistic Pods (~8 KB each with managedFields, created by "kube-controller-manager", status by
//     "kubelet") in-process into a durable data dir, then the server's RSS idle after a full GC;
//  2. a paged list of all of them (limit=500, as client-go's pager) and count() (one request);
//  3. GET one Pod under wrk (32 keep-alive HTTPS connections, a `view` ServiceAccount token): req/s, p50, p99;
//  4. watch fan-out (bench/lib/fanout.ts): W watchers (in --watcher-processes client processes) while U Pods/s
//     are patched for S seconds: delivery latency from the write's acknowledgement to each watcher's receipt
//     (p50/p99 over every delivery), dropped watches, the server's and the watchers' CPU per delivery; with
//     --peer bare-tls the same against the floor (bench/lib/floor-peer.ts);
//  5. restart from the data dir to ready (/readyz 200) — wall time and the server's CPU time — and RSS after
//     restart (bench/restart.ts measures only this, on a kept data dir).
// Each figure is printed with the load average; the server runs in a child process of its own.
//
// Run: node_modules/.bin/node --expose-gc bench/server-scale.ts [--pods 150000] [--watchers 1000]
//        [--updates-per-sec 200] [--seconds 10] [--watch-scope all|namespace]
//        [--watcher-processes 4] [--profile-watch server-watch.cpuprofile]
//        [--data-dir DIR]   (kept: seeded on the first run only, e.g. the one bench/restart.ts --data-dir made)
//        [--watch-only]     (sections 1 and 4 only)
//        [--peer bare-tls]  (section 4 also against the floor: a bare TLS server writing the same frames)
//        [--watch-client https|raw-tls]   (raw-tls: watchers read the TLS socket without an HTTP parser)
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { adminClient, startServerProcess, viewerToken } from "./lib/cluster.ts";
import { type FanOutOptions, type FanOutResult, measureFanOut, startFloorPeer } from "./lib/fanout.ts";
import { hasFlag, numberFlag, stringFlag } from "./lib/flags.ts";
import { NAMESPACES, namespaceOf } from "./lib/pods.ts";
import { hasCommand, int, loadAverage, mb, ms, printMachine, printTable } from "./lib/report.ts";
import { runWrk } from "./lib/wrk.ts";

let PODS = numberFlag("--pods", 150000);
const KEPT = stringFlag("--data-dir", "");
const WATCHERS = numberFlag("--watchers", 1000);
const UPDATES_PER_SEC = numberFlag("--updates-per-sec", 200);
const SECONDS = numberFlag("--seconds", 10);
const WATCH_SCOPE = stringFlag("--watch-scope", "all");
/** The watchers are spread over this many client processes, so one client's CPU is not what is measured. */
const WATCHER_PROCESSES = numberFlag("--watcher-processes", 4);
/** Write a V8 CPU profile of the server for the watch fan-out (section 4) to this path. */
const PROFILE_WATCH = stringFlag("--profile-watch", "");
/** Seed (or serve the kept data dir) and run the watch fan-out only: no list, GET load or restart. */
const WATCH_ONLY = hasFlag("--watch-only");
/** Also measure the fan-out floor: `bare-tls`, a bare TLS server writing the same frames (bench/lib/floor-peer.ts). */
const PEER = stringFlag("--peer", "");
/** The watchers' client: https (Node's https module) or raw-tls (the TLS socket without an HTTP parser). */
const WATCH_CLIENT = stringFlag("--watch-client", "https");
if (WATCH_CLIENT !== "https" && WATCH_CLIENT !== "raw-tls")
  throw new Error(`--watch-client ${WATCH_CLIENT}: use https or raw-tls`);
const TARGET = { rssMB: 3072, restartMs: 5000, p99DeliveryMs: 250 };

type PodNames = { items: { metadata: { name: string; namespace: string } }[] };
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

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
const fanOutOptions: FanOutOptions = {
  watchers: WATCHERS,
  processes: WATCHER_PROCESSES,
  perSec: UPDATES_PER_SEC,
  seconds: SECONDS,
  client: WATCH_CLIENT,
  namespaces:
    WATCH_SCOPE === "namespace" ? Array.from({ length: NAMESPACES }, (_, n) => namespaceOf(n)) : undefined,
};
const listed1 = (await admin.requestJson({ path: "/api/v1/pods?limit=1" })) as {
  metadata: { resourceVersion: string };
};
// Pods to patch: spread over namespaces, so a per-namespace watcher sees its share.
const targets = (await admin.requestJson({ path: "/api/v1/pods?limit=5000" })) as PodNames;
const runId = Date.now().toString(36);
const patchPods = async (total: number, perSec: number) => {
  const acks = new Map<string, number>(); // resourceVersion → acknowledgement time
  const began = Date.now();
  let inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = began + (i * 1000) / perSec;
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
  return acks;
};
const fanOut = await measureFanOut(
  {
    url: server.url,
    caPem: server.caPem,
    token,
    resourceVersion: listed1.metadata.resourceVersion,
    cpuMicros: () => server.cpuMicros(),
    produce: (total, perSec) =>
      PROFILE_WATCH
        ? server.profile(PROFILE_WATCH, () => patchPods(total, perSec))
        : patchPods(total, perSec),
  },
  fanOutOptions,
);
reportFanOut("server", fanOut, "PATCHes");

if (PEER === "bare-tls") {
  console.log(
    `\n4b. the floor: a bare TLS server writing the same frames at the same rate (bench/lib/floor-peer.ts)…`,
  );
  const object = JSON.stringify(
    await admin.requestJson({
      path: `/api/v1/namespaces/${targets.items[0].metadata.namespace}/pods/${targets.items[0].metadata.name}`,
    }),
  );
  const peer = await startFloorPeer(pkiDir, object);
  try {
    const floor = await measureFanOut(
      {
        url: peer.url,
        caPem: peer.caPem,
        token,
        resourceVersion: "0",
        cpuMicros: peer.cpuMicros,
        produce: peer.produce,
      },
      { ...fanOutOptions, namespaces: undefined },
    );
    reportFanOut("floor (bare TLS)", floor, "events");
  } finally {
    peer.stop();
  }
} else if (PEER) {
  throw new Error(`--peer ${PEER}: unknown peer (the one there is: bare-tls)`);
}

function reportFanOut(who: string, r: FanOutResult, writes: string): void {
  const perDelivery = (micros: number) => (micros / Math.max(1, r.deliveries)).toFixed(1);
  const cpuPct = r.serverCpuMicros / 1e4 / r.writeSeconds;
  console.log(
    `${who}: ${writes}: ${int(r.writes)} in ${r.writeSeconds.toFixed(1)} s (${int(r.writes / r.writeSeconds)}/s); ` +
      `watches opened ${r.opened}, dropped ${r.dropped}; deliveries ${int(r.deliveries)} of ${int(r.expected)} expected, ` +
      `events never seen ${r.missing}; delivery latency (ack → receipt) p50 ${ms(r.p50)}, p99 ${ms(r.p99)}; ` +
      `CPU per delivery: ${perDelivery(r.serverCpuMicros)} µs serving (${cpuPct.toFixed(0)} % of one core, incl. the ` +
      `${writes}), ${perDelivery(r.clientCpuMicros)} µs in the ${WATCHER_PROCESSES} watcher processes; load ${loadAverage()}`,
  );
  rows.push([
    `watch fan-out (${who}): ${int(WATCHERS)} watchers (${WATCH_SCOPE}) × ${UPDATES_PER_SEC}/s: delivery p50 / p99`,
    `${ms(r.p50)} / ${ms(r.p99)}, dropped ${r.dropped}, ${int(r.writes / r.writeSeconds)} ${writes}/s, ` +
      `${perDelivery(r.serverCpuMicros)} µs/delivery serving + ${perDelivery(r.clientCpuMicros)} µs watching`,
    `p99 ≤ ${TARGET.p99DeliveryMs} ms, 0 dropped`,
    loadAverage(),
  ]);
}
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
