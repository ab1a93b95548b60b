// The local API server against the kube-apiserver figures from the issue (kube-apiserver 1.20 + etcd 3.4 on
// this kind of 2-core machine: ready in 4–6 s; ~6,300 authorised GETs of one Pod per second, p50 4.5 ms,
// p99 18 ms, load generator on the same machine).
//
//  1. start-up to ready: a fresh process (empty in-memory store, PKI already on disk as kube-apiserver's
//     would be) until GET /readyz answers 200 over HTTPS; compiled JS and .ts sources, plus a first start
//     that generates its PKI. Median of several starts.
//  2. seeding: 20,000 realistic ~4 KB Pods over 50 namespaces POSTed through the API by the admin client
//     (32 concurrent requests), then each Pod's status PUT to /status (what kubelets do).
//  3. wrk at 32 keep-alive HTTPS connections with a ServiceAccount token bound to `view`: GET of one Pod
//     (round-robin over 1,000 Pods) and list(limit=500) across namespaces; requests/s, p50, p99.
//  4. server RSS holding the 20,000 Pods.
// The server runs in a child process; wrk and this script share the same 2 cores with it.
//
// Run: node_modules/.bin/node bench/server.ts [--pods 20000] [--seconds 12] [--starts 7] [--wrk-threads 1]
// Needs wrk (apt-get install -y wrk); without it the HTTP load part is skipped.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadOrCreatePki } from "../src/server/pki/index.ts";
import { buildDist } from "./lib/build.ts";
import { adminClient, startServerProcess, viewerToken } from "./lib/cluster.ts";
import { numberFlag } from "./lib/flags.ts";
import { NAMESPACES, namespaceOf, realisticPod } from "./lib/pods.ts";
import {
  hasCommand,
  int,
  loadAverage,
  mb,
  median,
  ms,
  printMachine,
  printTable,
  ratio,
} from "./lib/report.ts";
import { runWrk, type WrkResult } from "./lib/wrk.ts";

const PODS = numberFlag("--pods", 20_000);
const SECONDS = numberFlag("--seconds", 12);
const STARTS = numberFlag("--starts", 7);
// One wrk thread drives 32 connections easily and leaves more of the 2 cores to the server.
const WRK_THREADS = numberFlag("--wrk-threads", 1);
const CONCURRENCY = 32;
const ROOT = new URL("../", import.meta.url).pathname;

const REF = { readyMs: [4000, 6000], getsPerSec: 6300, p50: 4.5, p99: 18 };
const TARGET = { readyMs: 500, getsPerSec: 12_000, p99: 20 };

printMachine();
const scratch = await mkdtemp(path.join(tmpdir(), "incluster-bench-server-"));
const pkiDir = path.join(scratch, "state");
const pki = await loadOrCreatePki({ dataDir: pkiDir });

// ---- 1. start-up to ready -------------------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * GET /readyz over HTTPS, anonymous, on a fresh connection: the status, or 0 when nothing answers yet. Verified
 * against the CA, except for a server that generates its own PKI (its CA is unknown until it is ready).
 */
function readyz(port: number, verify: boolean): Promise<number> {
  return new Promise((resolve) => {
    const tls = verify ? { ca: pki.caCertPem } : { rejectUnauthorized: false };
    const req = https.get(
      { host: "127.0.0.1", port, path: "/readyz", ...tls, agent: false, timeout: 1000 },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", () => resolve(0));
    req.on("timeout", () => req.destroy());
  });
}

const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

/** Spawns a server and returns ms from spawn until /readyz says 200 (polled every 5 ms). */
async function timeToReady(serverModule: string, pkiModule: string, withPki: boolean): Promise<number> {
  const port = await freePort();
  const code = `
    import { startServer } from ${JSON.stringify(serverModule)};
    import { loadOrCreatePki } from ${JSON.stringify(pkiModule)};
    const pki = ${withPki ? `await loadOrCreatePki({ dataDir: ${JSON.stringify(pkiDir)} })` : "undefined"};
    await startServer({ port: ${port}, pki, logLevel: "silent" });`;
  const start = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    ["--disable-warning=ExperimentalWarning", "--input-type=module", "-e", code],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error("the server exited before it was ready");
      if ((await readyz(port, withPki)) === 200) return performance.now() - start;
      if (performance.now() - start > 30_000) throw new Error("not ready after 30 s");
      await sleep(5);
    }
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}

async function nodeBaseline(): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
  await new Promise((r) => child.once("exit", r));
  return performance.now() - start;
}

console.log(`\n1. start-up to ready (${STARTS} starts each, interleaved)…`);
const build = buildDist();
const variants = [
  {
    label: "compiled JS, PKI on disk",
    server: path.join(build.dir, "server/index.js"),
    pki: path.join(build.dir, "server/pki/index.js"),
    withPki: true,
  },
  {
    label: ".ts sources (type stripping), PKI on disk",
    server: path.join(ROOT, "src/server/index.ts"),
    pki: path.join(ROOT, "src/server/pki/index.ts"),
    withPki: true,
  },
  {
    label: ".ts sources, first start (generates the PKI)",
    server: path.join(ROOT, "src/server/index.ts"),
    pki: path.join(ROOT, "src/server/pki/index.ts"),
    withPki: false,
  },
];
const startTimes = variants.map(() => [] as number[]);
const baseline: number[] = [];
for (let i = 0; i < STARTS; i++) {
  for (const [v, variant] of variants.entries())
    startTimes[v].push(await timeToReady(variant.server, variant.pki, variant.withPki));
  baseline.push(await nodeBaseline());
}
build.remove();
const readyRows = [["start", "median", "min", "max"]];
for (const [v, variant] of variants.entries())
  readyRows.push([
    variant.label,
    ms(median(startTimes[v])),
    ms(Math.min(...startTimes[v])),
    ms(Math.max(...startTimes[v])),
  ]);
readyRows.push([
  "for scale: `node -e 0` (spawn to exit)",
  ms(median(baseline)),
  ms(Math.min(...baseline)),
  ms(Math.max(...baseline)),
]);
printTable(readyRows);
const readyMs = median(startTimes[0]);
const readySrcMs = median(startTimes[1]);

// ---- 2. seeding through the API -------------------------------------------------------------------------

console.log(`\n2. seeding ${int(PODS)} pods through the API (admin client, ${CONCURRENCY} concurrent)…`);
const server = await startServerProcess({ pkiDir });
const admin = await adminClient(server);
const namespaces = Math.min(NAMESPACES, PODS);
for (let n = 0; n < namespaces; n++)
  await admin.resource("namespaces").create({ metadata: { name: namespaceOf(n) } });
// Pods need their namespace's "default" ServiceAccount, which a controller creates.
for (let n = 0; n < namespaces; n++) {
  while (!(await admin.resource("serviceaccounts").list({ namespace: namespaceOf(n) })).items.length)
    await sleep(10);
}

/** Runs fn(0 … count-1) with `concurrency` calls in flight. */
async function pool(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const names: string[] = new Array(PODS);
let cpuBefore = await server.cpuMicros();
let start = performance.now();
await pool(PODS, CONCURRENCY, async (i) => {
  const pod = realisticPod(i);
  delete pod.status; // the API drops status on create; it is written below like a kubelet would
  const created = await admin.resource("pods").create(pod);
  names[i] = created.metadata?.name ?? "";
});
const createMs = performance.now() - start;
const createCpuUs = ((await server.cpuMicros()) - cpuBefore) / PODS;
cpuBefore = await server.cpuMicros();
start = performance.now();
await pool(PODS, CONCURRENCY, async (i) => {
  const ns = namespaceOf(i);
  await admin.request({
    method: "PUT",
    path: `/api/v1/namespaces/${ns}/pods/${names[i]}/status`,
    body: { ...realisticPod(i), metadata: { name: names[i], namespace: ns } },
  });
});
const statusMs = performance.now() - start;
const statusCpuUs = ((await server.cpuMicros()) - cpuBefore) / PODS;
const createRate = (PODS / createMs) * 1000;
const statusRate = (PODS / statusMs) * 1000;
console.log(
  `POST pods: ${int(createRate)} pods/s (${ms(createMs)}, server CPU ${int(createCpuUs)} µs/pod); ` +
    `PUT pods/status: ${int(statusRate)} /s (${ms(statusMs)}, server CPU ${int(statusCpuUs)} µs/pod); ` +
    `both: ${int((PODS / (createMs + statusMs)) * 1000)} pods/s (the client shares the cores)`,
);
const sample = await admin.request({ path: `/api/v1/namespaces/${namespaceOf(0)}/pods/${names[0]}` });
console.log(`stored pod size: ${(sample.body.length / 1024).toFixed(1)} KB of JSON`);
await sleep(3000); // V8 gives back the heap that seeding grew only after a few idle seconds
const seededMemory = await server.memory();
console.log(
  `server holding ${int(PODS)} pods, idle: RSS ${mb(seededMemory.rss)} after a full GC; V8 heap used ` +
    `${mb(seededMemory.heapUsed)} of ${mb(seededMemory.heapTotal)}`,
);

// ---- 3. authorised GET and list under wrk ---------------------------------------------------------------

const token = await viewerToken(admin);
admin.close();
const auth = { Authorization: `Bearer ${token}`, Accept: "application/json" };
const getPaths = names.slice(0, 1000).map((n, i) => `/api/v1/namespaces/${namespaceOf(i)}/pods/${n}`);

/** One HTTPS request verified against the server's CA. */
function probe(urlPath: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(`${server.url}${urlPath}`, { ca: server.caPem, headers, agent: false }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}
// The load is only meaningful if authentication and RBAC are really on the path.
const checks = [
  { what: "GET pod with the view token", path: getPaths[0], headers: auth, want: 200 },
  { what: "list(limit=500) with the view token", path: "/api/v1/pods?limit=500", headers: auth, want: 200 },
  { what: "GET pod, bad token", path: getPaths[0], headers: { Authorization: "Bearer nope" }, want: 401 },
  { what: "list secrets with the view token", path: "/api/v1/secrets", headers: auth, want: 403 },
];
for (const c of checks) {
  const r = await probe(c.path, c.headers);
  console.log(`check: ${c.what} → ${r.status}${r.status === c.want ? "" : ` (expected ${c.want})`}`);
  if (r.status !== c.want) process.exitCode = 1;
}

let getResult: (WrkResult & { cpuUs: number }) | undefined;
let listResult: (WrkResult & { cpuUs: number }) | undefined;
if (!hasCommand("wrk")) {
  console.log(
    "\n3. wrk not found: skipping the HTTP load tests. Install it with `apt-get install -y wrk` (Debian/Ubuntu) " +
      "or `brew install wrk` (macOS).",
  );
} else {
  /** A wrk run, plus the server's CPU time per request (less sensitive to a busy machine than req/s). */
  const wrk = async (paths: string[], seconds: number) => {
    const before = await server.cpuMicros();
    const r = await runWrk({
      url: server.url,
      paths,
      headers: auth,
      connections: CONCURRENCY,
      threads: WRK_THREADS,
      seconds,
      dir: scratch,
    });
    return { ...r, cpuUs: ((await server.cpuMicros()) - before) / Math.max(1, r.requests) };
  };
  console.log(
    `\n3. wrk -t${WRK_THREADS} -c${CONCURRENCY} -d${SECONDS}s, keep-alive HTTPS, ServiceAccount token bound to view ` +
      `(load average before: ${loadAverage()})…`,
  );
  await wrk(getPaths, 3); // warm-up: JIT, connections, authn cache
  getResult = await wrk(getPaths, SECONDS);
  console.log(
    `GET one pod: ${int(getResult.requestsPerSec)} req/s, p50 ${ms(getResult.p50)}, p90 ${ms(getResult.p90)}, ` +
      `p99 ${ms(getResult.p99)}, ${getResult.transfer}/s, server CPU ${int(getResult.cpuUs)} µs/request, ` +
      `non-2xx ${getResult.non2xx}, socket errors ${getResult.socketErrors}`,
  );
  await wrk(["/api/v1/pods?limit=500"], 2);
  listResult = await wrk(["/api/v1/pods?limit=500"], SECONDS);
  console.log(
    `list(limit=500): ${int(listResult.requestsPerSec)} req/s (${int(listResult.requestsPerSec * 500)} pods/s), ` +
      `p50 ${ms(listResult.p50)}, p90 ${ms(listResult.p90)}, p99 ${ms(listResult.p99)}, ${listResult.transfer}/s, ` +
      `server CPU ${ms(listResult.cpuUs / 1000)}/request, non-2xx ${listResult.non2xx}, socket errors ${listResult.socketErrors}`,
  );
  for (const r of [getResult, listResult]) if (r.non2xx || r.socketErrors) process.exitCode = 1;
}

// ---- 4. memory ------------------------------------------------------------------------------------------

const memory = await server.memory();
console.log(
  `\n4. server with ${int(PODS)} pods: RSS ${mb(seededMemory.rss)} idle after seeding (full GC), ` +
    `${mb(memory.rss)} right after the load (full GC), peak ${mb(memory.maxRSS)} (seeding and load included); ` +
    `V8 heap used ${mb(memory.heapUsed)} of ${mb(memory.heapTotal)}, external ${mb(memory.external)}`,
);
await server.stop();
await rm(scratch, { recursive: true, force: true });

// ---- summary --------------------------------------------------------------------------------------------

console.log(`\nsummary (load average now: ${loadAverage()})\n`);
const mark = (ok: boolean) => (ok ? "met" : "MISSED");
const rows = [["measure", "incluster", "target", "kube-apiserver 1.20 + etcd", "vs kube-apiserver"]];
rows.push([
  "ready (compiled JS)",
  ms(readyMs),
  `< ${ms(TARGET.readyMs)}: ${mark(readyMs < TARGET.readyMs)}`,
  "4–6 s",
  `${ratio(REF.readyMs[0] / readyMs)}–${ratio(REF.readyMs[1] / readyMs)} faster`,
]);
rows.push([
  "ready (.ts sources)",
  ms(readySrcMs),
  `< ${ms(TARGET.readyMs)}: ${mark(readySrcMs < TARGET.readyMs)}`,
  "4–6 s",
  `${ratio(REF.readyMs[0] / readySrcMs)}–${ratio(REF.readyMs[1] / readySrcMs)} faster`,
]);
if (getResult) {
  rows.push([
    "GET pod, req/s",
    int(getResult.requestsPerSec),
    `≥ ${int(TARGET.getsPerSec)}: ${mark(getResult.requestsPerSec >= TARGET.getsPerSec)}`,
    int(REF.getsPerSec),
    ratio(getResult.requestsPerSec / REF.getsPerSec),
  ]);
  rows.push(["GET pod, p50", ms(getResult.p50), "—", ms(REF.p50), `${ratio(REF.p50 / getResult.p50)} lower`]);
  rows.push([
    "GET pod, p99",
    ms(getResult.p99),
    `< ${ms(TARGET.p99)}: ${mark(getResult.p99 < TARGET.p99)}`,
    ms(REF.p99),
    `${ratio(REF.p99 / getResult.p99)} lower`,
  ]);
  rows.push(["GET pod, server CPU per request", `${int(getResult.cpuUs)} µs`, "—", "—", "—"]);
}
if (listResult) {
  rows.push(["list(limit=500), req/s", int(listResult.requestsPerSec), "—", "—", "—"]);
  rows.push(["list(limit=500), p50 / p99", `${ms(listResult.p50)} / ${ms(listResult.p99)}`, "—", "—", "—"]);
  rows.push(["list(limit=500), server CPU per request", ms(listResult.cpuUs / 1000), "—", "—", "—"]);
}
rows.push(["seeding, POST pods/s", int(createRate), "—", "—", "—"]);
rows.push(["seeding, PUT status/s", int(statusRate), "—", "—", "—"]);
rows.push([
  `server RSS with ${int(PODS)} pods: idle / peak`,
  `${mb(seededMemory.rss)} / ${mb(memory.maxRSS)}`,
  "—",
  "—",
  "—",
]);
printTable(rows);
