// Pod start latency on the local runtime: create → Running (status.phase as the API reports it), with and
// without a network namespace per Pod (CNI bridge + host-local + loopback + portmap, resolv.conf, the
// Service proxy). The API server runs in a child process; the runtime runs here, as `cluster up` runs it.
// Pods are created one at a time, each waited for, so a row is latency rather than throughput; each Pod is
// a host command (`sleep`), so the image policy, volumes (ServiceAccount token), and process start are in
// every sample in both modes. Needs root on Linux for the network mode.
//
// Run: node_modules/.bin/node bench/pod-start.ts [--pods 50] [--runs 1]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import pino from "pino";
import type { KubeClient } from "../src/client/index.ts";
import { startRuntime } from "../src/kubelet/index.ts";
import { adminClient, startServerProcess } from "./lib/cluster.ts";
import { numberFlag } from "./lib/flags.ts";
import { loadAverage, ms, printMachine, printTable } from "./lib/report.ts";

const PODS = numberFlag("--pods", 50);
const RUNS = numberFlag("--runs", 1);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

async function waitRunning(client: KubeClient, namespace: string, name: string): Promise<void> {
  const pods = client.resource<Pod>("pods");
  for (;;) {
    const pod = await pods.get(name, { namespace });
    if (pod.status?.phase === "Running") return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function measure(network: boolean): Promise<number[]> {
  const server = await startServerProcess();
  const admin = await adminClient(server);
  const dataDir = await mkdtemp(path.join(tmpdir(), "incluster-bench-pods-"));
  const runtime = await startRuntime({
    client: admin,
    dataDir,
    allowHostCommands: true,
    network,
    logger: pino({ level: "silent" }),
    shutdownGraceMs: 1000,
  });
  const namespace = "default";
  const samples: number[] = [];
  try {
    for (let i = 0; i < PODS; i++) {
      const name = `bench-${i}`;
      const start = performance.now();
      await admin.resource<Pod>("pods").create(
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [{ name: "c", image: "busybox", command: ["/bin/sleep", "3600"] }],
          },
        },
        { namespace },
      );
      await waitRunning(admin, namespace, name);
      samples.push(performance.now() - start);
    }
  } finally {
    await runtime.stop();
    admin.close();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  return samples;
}

printMachine();
const rows: string[][] = [["mode", "Pods", "p50", "p99", "max", "load average after"]];
for (let run = 0; run < RUNS; run++) {
  for (const network of [false, true]) {
    const samples = await measure(network);
    rows.push([
      network ? "network namespace per Pod (CNI)" : "host network (loopback Pod IPs)",
      String(samples.length),
      ms(percentile(samples, 50)),
      ms(percentile(samples, 99)),
      ms(Math.max(...samples)),
      loadAverage(),
    ]);
  }
}
printTable(rows);
