// Informers over every Pod of a cluster: incluster (metadata-only with and without managedFields, full
// objects) against @kubernetes/client-node's makeInformer (full objects: it has no metadata-only mode).
//
// The local API server runs in a child process seeded with N realistic Pods (bench/lib/pods.ts); each
// informer runs in a process of its own, authenticated by a ServiceAccount bound to `view`, and reports the
// time from construction to synced, its peak RSS, and its RSS/heap after a GC while holding the cache.
// incluster runs compiled JS, as published. Runs interleave so background load spreads evenly.
//
// Run: node_modules/.bin/node bench/informer.ts [--pods 20000] [--runs 3] [--modes metadata,full,client-node]
//        [--data-dir DIR]   (a data dir seeded earlier, e.g. by bench/restart.ts --data-dir: no seeding)
import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { buildDist } from "./lib/build.ts";
import { adminClient, startServerProcess, viewerToken } from "./lib/cluster.ts";
import { hasFlag, numberFlag, stringFlag } from "./lib/flags.ts";
import type { InformerChildOptions, InformerChildResult, InformerMode } from "./lib/informer-child.ts";
import { int, loadAverage, mb, median, ms, printMachine, printTable, ratio } from "./lib/report.ts";

const PODS = numberFlag("--pods", 20_000);
const RUNS = numberFlag("--runs", 3);
const CHILD = new URL("./lib/informer-child.ts", import.meta.url).pathname;
const INFORMER_NODE_ARGS = (process.env.BENCH_INFORMER_NODE_ARGS ?? "").split(" ").filter(Boolean);

function runChild(options: InformerChildOptions): Promise<InformerChildResult | { failed: string }> {
  const child = fork(CHILD, [JSON.stringify(options)], {
    // BENCH_INFORMER_NODE_ARGS="--max-semi-space-size=8" runs the informers with host flags (extra rows only:
    // a library cannot set its host's V8 flags).
    execArgv: ["--expose-gc", "--disable-warning=ExperimentalWarning", ...INFORMER_NODE_ARGS],
    stdio: ["ignore", "inherit", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  return new Promise((resolve) => {
    let result: InformerChildResult | undefined;
    child.once("message", (m) => {
      result = m as InformerChildResult;
    });
    child.once("exit", (code, signal) => {
      const last = stderr.trim().split("\n").slice(-3).join(" / ");
      resolve(result ?? { failed: `exited ${code ?? signal}: ${last.slice(0, 300)}` });
    });
  });
}

const dataDir = stringFlag("--data-dir", "");
const KEPT = dataDir === "" ? "" : path.resolve(dataDir);

printMachine();
let server: Awaited<ReturnType<typeof startServerProcess>>;
if (KEPT && existsSync(path.join(KEPT, "store"))) {
  console.log(`serving the Pods kept in ${KEPT} (--pods is ignored)…`);
  server = await startServerProcess({ pkiDir: KEPT, dataDir: KEPT });
} else {
  console.log(`seeding ${int(PODS)} pods in the server process…`);
  server = await startServerProcess({ seedPods: PODS, ...(KEPT ? { pkiDir: KEPT, dataDir: KEPT } : {}) });
}
console.log(
  `server ${server.url}: ${int(server.seeded)} pods (avg ${(server.podBytes / 1024).toFixed(1)} KB stored JSON)`,
);
const admin = await adminClient(server);
const token = await viewerToken(admin);
/** How many Pods every informer must hold: the seeded count, or what the kept data dir holds. */
const expected = server.seeded ? PODS : await admin.resource("pods").count({ allNamespaces: true });
admin.close();
const build = buildDist();
const clientModule = path.join(build.dir, "client/index.js");

const allVariants: { mode: InformerMode; label: string }[] = [
  { mode: "metadata", label: "incluster informer, metadata only (managedFields dropped, the default)" },
  { mode: "metadata-managed-fields", label: "incluster informer, metadata only, keepManagedFields" },
  { mode: "full", label: "incluster informer, full objects (managedFields dropped, the default)" },
  { mode: "client-node", label: "client-node 2.0.1 makeInformer (full objects)" },
];
const modes = hasFlag("--modes") ? stringFlag("--modes", "").split(",") : allVariants.map((v) => v.mode);
const variants = allVariants.filter((v) => modes.includes(v.mode));
const results = new Map<InformerMode, InformerChildResult[]>(variants.map((v) => [v.mode, []]));
const failures = new Map<InformerMode, string>();
for (let run = 0; run < RUNS; run++) {
  for (const v of variants) {
    const r = await runChild({ mode: v.mode, url: server.url, caPath: server.caPath, token, clientModule });
    if ("failed" in r) {
      failures.set(v.mode, r.failed);
      console.log(`  run ${run + 1}/${RUNS} ${v.mode.padEnd(24)} FAILED ${r.failed}`);
      continue;
    }
    results.get(v.mode)?.push(r);
    console.log(
      `  run ${run + 1}/${RUNS} ${v.mode.padEnd(24)} synced ${ms(r.syncMs)}  items ${int(r.items)}  peak RSS ${mb(r.maxRSS)}  held ${mb(r.heldRss)} (heap ${mb(r.heldHeap)} used / ${mb(r.heldHeapTotal)} committed, ${mb(r.heldExternal)} external)`,
    );
  }
}
await server.stop();
build.remove();

console.log(`\nmedians over ${RUNS} processes per client; load average now: ${loadAverage()}\n`);
const summary = (mode: InformerMode) => {
  const rs = results.get(mode) ?? [];
  if (rs.length === 0) return undefined;
  return {
    sync: median(rs.map((r) => r.syncMs)),
    rss: median(rs.map((r) => r.maxRSS)),
    held: median(rs.map((r) => r.heldRss)),
    heap: median(rs.map((r) => r.heldHeap)),
    items: rs[0].items,
  };
};
// A peer that did not sync everything (client-node at 150k: the list response outgrows V8's longest
// string) is no base for ratios; its row still shows what it cost.
const peerRun = summary("client-node");
const peer = peerRun?.items === expected ? peerRun : undefined;
const rows = [
  [
    "informer",
    "items",
    "synced",
    "peak RSS",
    "held RSS",
    "held heap",
    "× client-node time",
    "RSS / client-node",
  ],
];
for (const v of variants) {
  const s = summary(v.mode);
  if (!s) {
    rows.push([v.label, "-", `failed: ${failures.get(v.mode)}`, "", "", "", "", ""]);
    continue;
  }
  rows.push([
    v.label,
    int(s.items),
    ms(s.sync),
    mb(s.rss),
    mb(s.held),
    mb(s.heap),
    peer ? ratio(peer.sync / s.sync) : "-",
    peer ? `${((s.rss / peer.rss) * 100).toFixed(0)} %` : "-",
  ]);
}
printTable(rows);
const wrong = variants.filter((v) => {
  const s = summary(v.mode);
  return s && s.items !== expected;
});
if (wrong.length) {
  console.log(`ERROR: ${wrong.map((v) => v.mode).join(", ")} did not sync ${expected} pods`);
  process.exitCode = 1;
}
