// `incluster endpoints watch` over a namespace holding many EndpointSlices: how long until the first report
// (list + sync + fold), its RSS, and how fast an endpoint's readiness flip reaches its output.
//
// The local API server runs in a child process; the bench writes --slices EndpointSlices (--endpoints
// ready endpoints each, ports http/8080) for --services Services (label kubernetes.io/service-name, not
// managed by the server's EndpointSlice controller, as a custom controller's would be), then runs the
// compiled CLI as in a Pod (env + ServiceAccount directory bound to `view`) watching the Service "svc-0"
// with -o json --debounce 1ms. Each update flips one endpoint's ready condition in one of svc-0's slices
// (a merge patch of the slice's endpoints); its latency is the time from sending the patch to the output
// line with the new ready count. --services 1 puts every slice in the watched Service (the worst case).
//
// Run: node_modules/.bin/node bench/endpoints.ts [--slices 5000] [--services 50] [--endpoints 20] [--updates 40]
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Endpoint, EndpointSlice } from "kubernetes-types/discovery/v1.d.ts";
import { buildDist } from "./lib/build.ts";
import { adminClient, startServerProcess, viewerToken } from "./lib/cluster.ts";
import { numberFlag } from "./lib/flags.ts";
import { int, loadAverage, mb, median, ms, printMachine, printTable } from "./lib/report.ts";

const SLICES = numberFlag("--slices", 5000);
const SERVICES = numberFlag("--services", 50);
const ENDPOINTS = numberFlag("--endpoints", 20);
const UPDATES = numberFlag("--updates", 40);
const NS = "bench";
const WATCHED = "svc-0";

const ENDPOINT_SLICES = {
  group: "discovery.k8s.io",
  version: "v1",
  resource: "endpointslices",
  namespaced: true,
  kind: "EndpointSlice",
};

function endpoints(slice: number, ready: (e: number) => boolean): Endpoint[] {
  return Array.from({ length: ENDPOINTS }, (_, e) => {
    const n = slice * ENDPOINTS + e;
    return {
      addresses: [`10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`],
      conditions: { ready: ready(e), serving: true, terminating: false },
      nodeName: `node-${n % 100}`,
      targetRef: {
        kind: "Pod",
        namespace: NS,
        name: `pod-${n}`,
        uid: `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`,
      },
      zone: `zone-${n % 3}`,
    };
  });
}

function slice(i: number): EndpointSlice {
  const service = `svc-${i % SERVICES}`;
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: `${service}-${i.toString(36)}`,
      namespace: NS,
      labels: { "kubernetes.io/service-name": service },
    },
    addressType: "IPv4",
    endpoints: endpoints(i, () => true),
    ports: [{ name: "http", port: 8080, protocol: "TCP" }],
  };
}

printMachine();
const server = await startServerProcess();
const admin = await adminClient(server);
const token = await viewerToken(admin, NS);
const slices = admin.resource<EndpointSlice>(ENDPOINT_SLICES);
const seedStart = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (next < SLICES) await slices.create(slice(next++));
  }),
);
console.log(
  `seeded ${int(SLICES)} EndpointSlices (${int(SLICES * ENDPOINTS)} endpoints, ${SERVICES} Services) in ${ms(performance.now() - seedStart)}`,
);
const watchedSlices = Array.from({ length: SLICES }, (_, i) => i).filter((i) => i % SERVICES === 0);
const expectedReady = watchedSlices.length * ENDPOINTS;

const saDir = await mkdtemp(path.join(tmpdir(), "incluster-endpoints-sa-"));
await writeFile(path.join(saDir, "token"), token);
await writeFile(path.join(saDir, "ca.crt"), await readFile(server.caPath));
await writeFile(path.join(saDir, "namespace"), NS);
const build = buildDist();
const cli = [
  path.join(build.dir, "cli/main.js"),
  "endpoints",
  "watch",
  WATCHED,
  "-o",
  "json",
  "--debounce",
  "1ms",
];
const cliArgs = [...cli, "--metrics-port", "-1", "--log-level", "warn"];
const started = performance.now();
const child = spawn(process.execPath, cliArgs, {
  env: {
    PATH: process.env.PATH ?? "",
    KUBERNETES_SERVICE_HOST: "127.0.0.1",
    KUBERNETES_SERVICE_PORT: String(server.port),
    INCLUSTER_SERVICEACCOUNT_DIR: saDir,
  },
  stdio: ["ignore", "pipe", "inherit"],
});
const status = async (field: "VmRSS" | "VmHWM") => {
  const text = await readFile(`/proc/${child.pid}/status`, "utf8");
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0) * 1024;
};
// Each output line: the ready count it reports, and when it arrived.
const waiters: { ready: number; resolve: (at: number) => void; fail: (why: string) => void }[] = [];
createInterface({ input: child.stdout }).on("line", (line) => {
  const at = performance.now();
  const ready = (JSON.parse(line) as { ready: number }).ready;
  for (const w of waiters.splice(0)) {
    if (w.ready === ready) w.resolve(at);
    else waiters.push(w);
  }
});
let exited = "";
child.once("exit", (code, signal) => {
  exited = `the CLI exited (${code ?? signal})`;
  for (const w of waiters.splice(0)) w.fail(exited);
});
const line = (ready: number, timeoutMs = 120_000) =>
  new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no output line with ready=${ready} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    if (exited) reject(new Error(exited));
    waiters.push({
      ready,
      resolve: (at) => {
        clearTimeout(timer);
        resolve(at);
      },
      fail: (why) => {
        clearTimeout(timer);
        reject(new Error(why));
      },
    });
  });

let failure = "";
const latencies: number[] = [];
let firstReportMs = 0;
let rssAfterSync = 0;
try {
  firstReportMs = (await line(expectedReady)) - started;
  rssAfterSync = await status("VmRSS");
  for (let u = 0; u < UPDATES; u++) {
    // Down then up again on the same slice, then the next slice.
    const target = watchedSlices[Math.floor(u / 2) % watchedSlices.length];
    const down = u % 2 === 0;
    const name = slice(target).metadata?.name ?? "";
    const arrived = line(down ? expectedReady - 1 : expectedReady);
    const sent = performance.now();
    await slices.patch(name, { endpoints: endpoints(target, (e) => !(down && e === 0)) }, "merge", {
      namespace: NS,
    });
    latencies.push((await arrived) - sent);
  }
} catch (error) {
  failure = (error as Error).message;
}
const rssEnd = await status("VmRSS").catch(() => 0);
const peak = await status("VmHWM").catch(() => 0);
if (!exited) {
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
}
admin.close();
await server.stop();
build.remove();
await rm(saDir, { recursive: true, force: true });

const sorted = [...latencies].sort((a, b) => a - b);
const p95 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0;
console.log(
  `\nendpoints watch ${WATCHED}: ${int(watchedSlices.length)} of ${int(SLICES)} slices, ${int(expectedReady)} ready endpoints; load average now: ${loadAverage()}\n`,
);
printTable([
  [
    "first report (start → synced → printed)",
    "RSS after sync",
    "peak RSS",
    "RSS at end",
    `update → output (${latencies.length}): median`,
    "p95",
    "max",
  ],
  [
    ms(firstReportMs),
    mb(rssAfterSync),
    mb(peak),
    mb(rssEnd),
    ms(median(latencies)),
    ms(p95),
    ms(sorted.at(-1) ?? 0),
  ],
]);
if (failure || latencies.length < UPDATES) {
  console.log(`ERROR: ${failure || `only ${latencies.length} updates`}`);
  process.exitCode = 1;
}
