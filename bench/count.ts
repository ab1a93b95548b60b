// Counting every Pod of a cluster: incluster's count() against @kubernetes/client-node's full list.
//
// The local API server runs in a child process, seeded with 20,000 realistic ~4 KB Pods over 50 namespaces.
// Each client then runs in child processes of its own (peak RSS is per client), authenticated by a bound
// ServiceAccount token whose account is bound to the built-in `view` ClusterRole:
//   count            incluster  resource("pods").count({ allNamespaces: true })   → one limit=1 request
//                                (the server reports remainingItemCount)
//   count-selector   incluster  the same with labelSelector "app" (matches every Pod): no remainingItemCount,
//                                so count() pages through metadata-only lists of 500
//   client-node      @kubernetes/client-node 2.0.1 CoreV1Api.listPodForAllNamespaces().items.length
// Interleaved runs (count, count-selector, client-node, count, …) spread background load evenly.
//
// incluster clients load a compiled build of src/ (as published); one row also runs the .ts sources.
//
// Run: node_modules/.bin/node bench/count.ts [--pods 20000] [--runs 5] [--iterations 3]
import { fork, spawn } from "node:child_process";
import path from "node:path";
import { buildDist } from "./lib/build.ts";
import { adminClient, startServerProcess, viewerToken } from "./lib/cluster.ts";
import type { CountChildOptions, CountChildResult, CountMode } from "./lib/count-child.ts";
import { numberFlag } from "./lib/flags.ts";
import { int, loadAverage, mb, median, ms, printMachine, printTable, ratio } from "./lib/report.ts";

const PODS = numberFlag("--pods", 20_000);
const RUNS = numberFlag("--runs", 5);
const ITERATIONS = numberFlag("--iterations", 3);
const TARGET_SPEEDUP = 50;
const TARGET_RSS = 100 * 1024 * 1024;

const CHILD = new URL("./lib/count-child.ts", import.meta.url).pathname;

/** A client that could not count at all (client-node at 150,000 Pods): how it failed, recorded as a result. */
interface Failure {
  failed: string;
}

function runChild(options: CountChildOptions): Promise<(CountChildResult & { processMs: number }) | Failure> {
  const start = performance.now();
  const child = fork(CHILD, [JSON.stringify(options)], {
    execArgv: ["--disable-warning=ExperimentalWarning"],
    stdio: ["ignore", "inherit", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return new Promise((resolve) => {
    let result: CountChildResult | undefined;
    child.once("message", (m) => {
      result = m as CountChildResult;
    });
    child.once("exit", (code) => {
      if (result) resolve({ ...result, processMs: performance.now() - start });
      else {
        const error = stderr.split("\n").find((line) => /^\w*Error\b/.test(line)) ?? `exit code ${code}`;
        resolve({ failed: `${error.trim()} after ${ms(performance.now() - start)}` });
      }
    });
  });
}

/** Peak RSS of a Node process that does nothing: the floor under every client figure. */
function bareNodeRss(): Promise<number> {
  const child = spawn(
    process.execPath,
    ["-e", "process.send(process.resourceUsage().maxRSS * 1024, () => process.exit(0))"],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  return new Promise((resolve) => child.once("message", (m) => resolve(m as number)));
}

printMachine();
console.log(`seeding ${int(PODS)} pods in the server process…`);
const server = await startServerProcess({ seedPods: PODS });
console.log(
  `server ${server.url}: ${int(server.seeded)} pods (avg ${(server.podBytes / 1024).toFixed(1)} KB stored JSON) ` +
    `written through ObjectService in ${ms(server.seedMs)} (${int((server.seeded / server.seedMs) * 1000)} pods/s, create + status update)`,
);
const admin = await adminClient(server);
const token = await viewerToken(admin);
admin.close();

interface Variant {
  id: string;
  label: string;
  mode: CountMode;
  clientModule?: string;
}
const build = buildDist();
const variants: Variant[] = [
  {
    id: "count",
    label: "incluster count() (compiled JS)",
    mode: "count",
    clientModule: path.join(build.dir, "client/index.js"),
  },
  { id: "count-src", label: "incluster count() (.ts sources, type stripping)", mode: "count" },
  {
    id: "count-selector",
    label: "incluster count() + selector: metadata pages (compiled JS)",
    mode: "count-selector",
    clientModule: path.join(build.dir, "client/index.js"),
  },
  { id: "client-node", label: "client-node 2.0.1 listPodForAllNamespaces", mode: "client-node" },
];
type Result = CountChildResult & { processMs: number };
const results = new Map<string, Result[]>(variants.map((v) => [v.id, []]));
const failures = new Map<string, string>();
for (let run = 0; run < RUNS; run++) {
  for (const v of variants) {
    const r = await runChild({
      mode: v.mode,
      clientModule: v.clientModule,
      url: server.url,
      caPath: server.caPath,
      token,
      iterations: ITERATIONS,
    });
    if ("failed" in r) {
      failures.set(v.id, r.failed);
      console.log(`  run ${run + 1}/${RUNS} ${v.id.padEnd(14)} fails: ${r.failed}`);
      continue;
    }
    results.get(v.id)?.push(r);
    console.log(
      `  run ${run + 1}/${RUNS} ${v.id.padEnd(14)} ${r.runsMs.map(ms).join(", ")}  items ${int(r.items)}  peak RSS ${mb(r.maxRSS)}`,
    );
  }
}
const serverMemory = await server.memory();
await server.stop();
build.remove();
const floor = await bareNodeRss();

interface Summary {
  cold: number;
  warm: number;
  importMs: number;
  processMs: number;
  rss: number;
  items: number;
}
const summarize = (rs: Result[]): Summary => ({
  cold: median(rs.map((r) => r.runsMs[0])),
  warm: median(rs.flatMap((r) => r.runsMs.slice(1))),
  importMs: median(rs.map((r) => r.importMs)),
  processMs: median(rs.map((r) => r.processMs)),
  rss: median(rs.map((r) => r.maxRSS)),
  items: rs[0].items,
});
const counted = variants.filter((v) => results.get(v.id)?.length);
const summary = new Map(counted.map((v) => [v.id, summarize(results.get(v.id) ?? [])]));
const peer = summary.get("client-node");

console.log(
  `\nmedians over ${RUNS} processes per client; cold = first count in a process (new client, TLS handshake, JIT), ` +
    `warm = later counts (${ITERATIONS - 1} per process, a new client each); ` +
    `import = loading the library; process total = fork to exit; load average now: ${loadAverage()}\n`,
);
const rows = [
  ["client", "items", "cold", "warm", "import", "process total", "peak RSS", "× client-node cold", "× warm"],
];
for (const v of variants) {
  const s = summary.get(v.id);
  if (!s) {
    rows.push([v.label, "—", `fails: ${failures.get(v.id)}`, "", "", "", "", "", ""]);
    continue;
  }
  const peerRow = v.id === "client-node";
  rows.push([
    v.label,
    int(s.items),
    ms(s.cold),
    ms(s.warm),
    ms(s.importMs),
    ms(s.processMs),
    mb(s.rss),
    peerRow ? "1×" : peer ? ratio(peer.cold / s.cold) : "—",
    peerRow ? "1×" : peer ? ratio(peer.warm / s.warm) : "—",
  ]);
}
printTable(rows);
console.log(`bare Node process peak RSS (floor under every client): ${mb(floor)}`);
console.log(
  `server process: RSS ${mb(serverMemory.rss)} after GC, peak ${mb(serverMemory.maxRSS)}, heap used ${mb(serverMemory.heapUsed)}`,
);

const c = summary.get("count") as Summary;
if (PODS !== 20_000) console.log(`\n(the targets are defined for 20,000 pods; this run has ${int(PODS)})`);
const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
if (peer) {
  const speedup = Math.min(peer.cold / c.cold, peer.warm / c.warm);
  console.log(
    `\ntarget count() ≥ ${TARGET_SPEEDUP}× faster than client-node: cold ${ratio(peer.cold / c.cold)}, warm ${ratio(peer.warm / c.warm)} → ${verdict(speedup >= TARGET_SPEEDUP)}`,
  );
} else console.log(`\nclient-node could not count ${int(PODS)} Pods: ${failures.get("client-node")}`);
console.log(`target count() peak RSS ≤ 100 MB (compiled JS): ${mb(c.rss)} → ${verdict(c.rss <= TARGET_RSS)}`);
const wrong = counted.filter((v) => (summary.get(v.id) as Summary).items !== PODS);
if (wrong.length) {
  console.log(`ERROR: ${wrong.map((v) => v.id).join(", ")} did not count ${PODS} pods`);
  process.exitCode = 1;
}
