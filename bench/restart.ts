// Restart of the local API server from a data dir holding many Pods (issue #12's restart target, the same
// measure as bench/server-scale.ts section 5, without sections 2–4): wall time from fork to /readyz 200, the
// server's CPU time up to ready (what a busy machine cannot inflate), and RSS after the restart (full GC).
// The data dir is kept with --data-dir, so seeding (~8 min for 150,000 Pods) happens on the first run only.
//
// Run: node_modules/.bin/node --expose-gc bench/restart.ts [--pods 150000] [--data-dir DIR] [--restarts 3]
//        [--profile DIR]   (a V8 .cpuprofile of each restarted server's start-up, written to DIR)
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { type ServerProcess, startServerProcess } from "./lib/cluster.ts";
import { numberFlag, stringFlag } from "./lib/flags.ts";
import { int, loadAverage, mb, median, ms, printMachine, printTable } from "./lib/report.ts";

const PODS = numberFlag("--pods", 150000);
const KEPT = stringFlag("--data-dir", "");
const RESTARTS = numberFlag("--restarts", 3);
const PROFILE = stringFlag("--profile", "");
const TARGET = { rssMB: 3072, restartMs: 5000 };
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

/** Polls /readyz (anonymous, as a load balancer would) until it answers 200. */
async function readyz(server: ServerProcess): Promise<void> {
  for (;;) {
    const status = await new Promise<number>((resolve) => {
      https
        .get(`${server.url}/readyz`, { ca: server.caPem }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on("error", () => resolve(0));
    });
    if (status === 200) return;
    await sleep(10);
  }
}

printMachine();
const scratch = await mkdtemp(path.join(tmpdir(), "incluster-bench-restart-"));
const dataDir = KEPT ? path.resolve(KEPT) : path.join(scratch, "data");
await mkdir(dataDir, { recursive: true });
const rows: string[][] = [["measure", "result", "target", "load average"]];

let server: ServerProcess;
if (existsSync(path.join(dataDir, "store"))) {
  console.log(`reusing ${dataDir} (seeded earlier; --pods is ignored)`);
  server = await startServerProcess({ pkiDir: dataDir, dataDir });
} else {
  console.log(`seeding ${int(PODS)} pods in-process into ${dataDir}…`);
  server = await startServerProcess({ pkiDir: dataDir, dataDir, seedPods: PODS });
  console.log(`seeded in ${ms(server.seedMs)}, ${(server.podBytes / 1024).toFixed(1)} KB of JSON each`);
}
await sleep(3000); // V8 returns the heap seeding or loading grew only after some idle seconds
let memory = await server.memory();
rows.push([
  "server RSS, idle (full GC), before the restarts",
  mb(memory.rss),
  `≤ ${TARGET.rssMB} MB`,
  loadAverage(),
]);

const walls: number[] = [];
const cpus: number[] = [];
for (let i = 0; i < RESTARTS; i++) {
  await server.stop();
  if (PROFILE) {
    await mkdir(PROFILE, { recursive: true });
    process.env.BENCH_SERVER_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${PROFILE}`;
  }
  const start = performance.now();
  server = await startServerProcess({ pkiDir: dataDir, dataDir });
  await readyz(server);
  const wall = performance.now() - start;
  const cpu = (await server.cpuMicros()) / 1000;
  walls.push(wall);
  cpus.push(cpu);
  const load = loadAverage();
  console.log(`restart ${i + 1}: ready in ${ms(wall)}, server CPU ${ms(cpu)}, load ${load}`);
  rows.push([
    `restart ${i + 1} to ready: wall / server CPU`,
    `${ms(wall)} / ${ms(cpu)}`,
    `≤ ${ms(TARGET.restartMs)}`,
    load,
  ]);
}
await sleep(3000);
memory = await server.memory();
rows.push([
  "server RSS after the restarts (full GC) / peak of the last start",
  `${mb(memory.rss)} / ${mb(memory.maxRSS)}`,
  `≤ ${TARGET.rssMB} MB`,
  loadAverage(),
]);
rows.push([
  "median restart: wall / server CPU",
  `${ms(median(walls))} / ${ms(median(cpus))}`,
  "—",
  loadAverage(),
]);
await server.stop();
await rm(scratch, { recursive: true, force: true });
console.log("\nSummary");
printTable(rows);
