// The pod-counter over a long run: does its memory stay flat? `incluster pods count` (compiled, as the image
// runs it) counts every Pod of a server holding N realistic Pods, once every --every, in a Pod-like
// environment (KUBERNETES_SERVICE_HOST/PORT + a ServiceAccount directory bound to `view`). Its RSS is read from
// /proc after the 10th, 100th, … count; the verdict compares the last reading with the one after 100 counts.
//
// Run: node_modules/.bin/node bench/pod-counter-soak.ts [--pods 20000] [--counts 1000] [--every-ms 20] [--selector]
//   --selector counts with a label selector matching every Pod: no remainingItemCount, so every count pages
//   through metadata-only lists (the constant-memory path).
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildDist } from "./lib/build.ts";
import { adminClient, startServerProcess, viewerToken } from "./lib/cluster.ts";
import { hasFlag, numberFlag } from "./lib/flags.ts";
import { int, loadAverage, mb, printMachine, printTable } from "./lib/report.ts";

const PODS = numberFlag("--pods", 20_000);
const COUNTS = numberFlag("--counts", 1000);
const EVERY_MS = numberFlag("--every-ms", 20);
const SELECTOR = hasFlag("--selector");

printMachine();
console.log(`seeding ${int(PODS)} pods in the server process…`);
const server = await startServerProcess({ seedPods: PODS });
const admin = await adminClient(server);
const token = await viewerToken(admin);
admin.close();
const saDir = await mkdtemp(path.join(tmpdir(), "incluster-soak-sa-"));
await writeFile(path.join(saDir, "token"), token);
await writeFile(path.join(saDir, "ca.crt"), await readFile(server.caPath));
await writeFile(path.join(saDir, "namespace"), "bench");
const build = buildDist();

const cli = [
  path.join(build.dir, "cli/main.js"),
  "pods",
  "count",
  "--every",
  `${EVERY_MS}ms`,
  "--no-timestamps",
  "--metrics-port",
  "-1",
  "--log-level",
  "warn",
  ...(SELECTOR ? ["-l", "app"] : []),
];
const child = spawn(process.execPath, cli, {
  env: {
    PATH: process.env.PATH ?? "",
    KUBERNETES_SERVICE_HOST: "127.0.0.1",
    KUBERNETES_SERVICE_PORT: String(server.port),
    INCLUSTER_SERVICEACCOUNT_DIR: saDir,
  },
  stdio: ["ignore", "pipe", "inherit"],
});
const rss = async () => {
  const status = await readFile(`/proc/${child.pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
};
const readings: { count: number; rss: number; ms: number }[] = [];
const checkpoints = new Set(
  [10, 100, 250, 500, 750, 1000, 2000, 3000, 5000, COUNTS].filter((n) => n <= COUNTS),
);
const start = performance.now();
let counted = 0;
let wrong = "";
let partial = "";
await new Promise<void>((resolve) => {
  child.stdout.setEncoding("utf8").on("data", async (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      counted++;
      if (!line.includes(`There are ${PODS} pods`)) wrong ||= line;
      if (checkpoints.has(counted))
        readings.push({ count: counted, rss: await rss(), ms: performance.now() - start });
      if (counted === COUNTS) resolve();
    }
  });
  child.once("exit", () => resolve());
});
child.kill("SIGTERM");
await new Promise((r) => child.once("exit", r));
await server.stop();
build.remove();
await rm(saDir, { recursive: true, force: true });

console.log(
  `\n${int(counted)} counts of ${int(PODS)} pods every ${EVERY_MS} ms${SELECTOR ? " with a label selector (metadata pages)" : ""}; load average now: ${loadAverage()}\n`,
);
printTable([
  ["after count", "RSS", "elapsed"],
  ...readings.map((r) => [int(r.count), mb(r.rss), `${(r.ms / 1000).toFixed(1)} s`]),
]);
const at100 = readings.find((r) => r.count === 100);
const last = readings.at(-1);
if (at100 && last && last !== at100)
  console.log(`\nRSS change from count 100 to count ${int(last.count)}: ${mb(last.rss - at100.rss)}`);
if (wrong || counted < COUNTS) {
  console.log(`ERROR: ${counted < COUNTS ? `only ${counted} counts` : `unexpected output: ${wrong}`}`);
  process.exitCode = 1;
}
