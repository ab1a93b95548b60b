// The client's Pod streams against @kubernetes/client-node on one local cluster with a runtime: exec round
// trips (`true`, one websocket each) and port-forward download throughput (GET /big through one forwarded
// connection). Both clients run in this process, interleaved, on the admin kubeconfig.
//
// Run (as root, like the runtime tests): node_modules/.bin/node bench/pod-streams.ts [--execs 30] [--mb 64] [--runs 3]
import { PassThrough } from "node:stream";
import * as k8s from "@kubernetes/client-node";
import { createClient } from "../src/client/index.ts";
import { eventually } from "../test/helpers/cluster.ts";
import { WEB_SERVER_SOURCE, webPod } from "../test/helpers/port-forward.ts";
import {
  createNamespace,
  createPod,
  NODE,
  startRuntimeCluster,
} from "../test/integration/kubelet-harness.ts";
import { numberFlag } from "./lib/flags.ts";
import { loadAverage, median, printMachine } from "./lib/report.ts";

const EXECS = numberFlag("--execs", 30);
const BYTES = numberFlag("--mb", 64) * 1024 * 1024;
const RUNS = numberFlag("--runs", 3);
const NS = "bench";

const c = await startRuntimeCluster({ allowHostCommands: true, network: false });
try {
  await createNamespace(c, NS);
  await createPod(c, NS, {
    metadata: { name: "box" },
    spec: { containers: [{ name: "main", image: "busybox", command: ["sleep", "3600"] }] },
  });
  await createPod(c, NS, webPod("web", NODE, await c.script("web.cjs", WEB_SERVER_SOURCE)));
  for (const name of ["box", "web"])
    await c.waitForPod(NS, name, (p) => p.status?.phase === "Running", "Running");
  const ip = (await c.pod(NS, "web"))?.status?.podIP;
  await eventually(
    async () => (await fetch(`http://${ip}:8080/hello`).catch(() => undefined))?.ok,
    30_000,
    "web",
  );

  const ours = await createClient({ kubeconfig: c.kubeconfigPath, namespace: NS, qps: 0 });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(c.kubeconfigPath);
  const theirExec = new k8s.Exec(kc);
  const theirForward = new k8s.PortForward(kc);

  const execOurs = async () => {
    const r = await ours.pods.exec("box", ["true"]);
    if (r.exitCode !== 0) throw new Error("exec failed");
  };
  const execTheirs = () =>
    new Promise<void>((resolve, reject) => {
      theirExec
        .exec(NS, "box", "main", ["true"], new PassThrough(), new PassThrough(), null, false, (s) =>
          s.status === "Success" ? resolve() : reject(new Error(JSON.stringify(s))),
        )
        .catch(reject);
    });
  const request = `GET /big?n=${BYTES} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
  const forwardOurs = async () => {
    const stream = await ours.pods.portForwardStream("web", 8080);
    stream.write(request);
    let bytes = 0;
    for await (const chunk of stream) bytes += (chunk as Buffer).length;
    return bytes;
  };
  const forwardTheirs = async () => {
    const output = new PassThrough();
    const input = new PassThrough();
    let bytes = 0;
    output.on("data", (d: Buffer) => (bytes += d.length));
    const ws = (await theirForward.portForward(NS, "web", [8080], output, null, input)) as {
      once(event: "close", listener: () => void): void;
    };
    const closed = new Promise<void>((resolve) => ws.once("close", resolve));
    input.write(request);
    await closed;
    return bytes;
  };

  const timed = async (fn: () => Promise<unknown>) => {
    const started = performance.now();
    await fn();
    return performance.now() - started;
  };
  const results: Record<string, number[]> = { execOurs: [], execTheirs: [], pfOurs: [], pfTheirs: [] };
  for (let run = 0; run < RUNS; run++) {
    for (const [key, fn] of [
      ["execOurs", execOurs],
      ["execTheirs", execTheirs],
    ] as const) {
      for (let i = 0; i < EXECS; i++) results[key].push(await timed(fn));
    }
    for (const [key, fn] of [
      ["pfOurs", forwardOurs],
      ["pfTheirs", forwardTheirs],
    ] as const) {
      let bytes = 0;
      const ms = await timed(async () => (bytes = await fn()));
      if (bytes < BYTES) throw new Error(`${key}: ${bytes} of ${BYTES} bytes`);
      results[key].push(BYTES / 1024 / 1024 / (ms / 1000));
    }
  }
  ours.close();
  printMachine();
  console.log(`load average ${loadAverage()}`);
  console.log(
    `exec \`true\` round trip, median of ${EXECS * RUNS}: incluster ${median(results.execOurs).toFixed(1)} ms, client-node ${median(results.execTheirs).toFixed(1)} ms`,
  );
  console.log(
    `port-forward ${BYTES / 1024 / 1024} MiB download, median of ${RUNS}: incluster ${median(results.pfOurs).toFixed(0)} MiB/s, client-node ${median(results.pfTheirs).toFixed(0)} MiB/s`,
  );
} finally {
  await c.stop();
}
