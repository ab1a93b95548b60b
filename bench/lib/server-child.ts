// The local API server in a process of its own, so the benchmarks measure its RSS apart from the clients'.
// Started by startServerProcess() (cluster.ts) through fork(): options as JSON in argv[2], then IPC:
//   → { type: "ready", url, port, caPem, kubeconfig, seeded, seedMs, podBytes }
//   ← { type: "memory" }  → { type: "memory", rss, maxRSS, heapUsed }   (after a full GC when --expose-gc)
//   ← { type: "cpu" }     → { type: "cpu", micros }   (process CPU time so far)
//   ← { type: "cpu-start" } → { type: "cpu-started" }; ← { type: "cpu-stop", path } → { type: "cpu-stopped" }
//     (a V8 CPU profile of the server between the two, written to path: open it in Chrome DevTools)
// Seeding (seedPods > 0) writes real API objects before announcing ready: namespaces, then each Pod through
// ObjectService.create (admission, defaults, validation, storage — the POST path minus HTTP) and its status
// through an update of the status subresource (what a kubelet does), as the admin.
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import type { KubeObject, UserInfo } from "../../src/meta/types.ts";
import { startServer } from "../../src/server/index.ts";
import { loadOrCreatePki } from "../../src/server/pki/index.ts";
import type { ResourceDef } from "../../src/server/registry/types.ts";

export interface ServerChildOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Load the PKI from <pkiDir>/pki (created there on first use) instead of generating one. */
  pkiDir?: string;
  /** Keep the store durable in <dataDir>/store (write-ahead log + snapshots), as `cluster up` does. */
  dataDir?: string;
  seedPods?: number;
  namespaces?: number;
}

export interface ReadyMessage {
  type: "ready";
  url: string;
  port: number;
  caPem: string;
  kubeconfig: string;
  seeded: number;
  seedMs: number;
  /** Average stored JSON size of a seeded Pod. */
  podBytes: number;
}

/** CPU time the server process used so far (user + system), in µs: per-request cost survives a busy machine. */
export interface CpuMessage {
  type: "cpu";
  micros: number;
}

export interface MemoryMessage {
  type: "memory";
  rss: number;
  maxRSS: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

const ADMIN: UserInfo = { username: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] };

const opts = JSON.parse(process.argv[2] ?? "{}") as ServerChildOptions;
const pki = opts.pkiDir ? await loadOrCreatePki({ dataDir: opts.pkiDir }) : undefined;
const server = await startServer({ port: opts.port ?? 0, pki, dataDir: opts.dataDir, logLevel: "silent" });

let seeded = 0;
let seedMs = 0;
let podBytes = 0;
if (opts.seedPods) {
  const { namespaceOf, realisticPod, NAMESPACES } = await import("./pods.ts");
  const namespaces = opts.namespaces ?? NAMESPACES;
  const { objects, registry } = server.context;
  const def = (resource: string): ResourceDef => {
    const found = registry.find("", "v1", resource);
    if (!found) throw new Error(`no resource v1/${resource}`);
    return found;
  };
  const [nsDef, podDef] = [def("namespaces"), def("pods")];
  const start = performance.now();
  for (let n = 0; n < Math.min(namespaces, opts.seedPods); n++)
    await objects.create(nsDef, { metadata: { name: namespaceOf(n, namespaces) } }, "", { user: ADMIN });
  await server.settle(); // the ServiceAccount controller creates each namespace's "default" account
  const seedOne = async (i: number) => {
    const pod = realisticPod(i, namespaces);
    const ns = namespaceOf(i, namespaces);
    const status = pod.status;
    // Field managers as on a real cluster (the ReplicaSet controller creates, the kubelet writes status), so
    // Pods carry managedFields as real ones do (~3 KB of a Pod's metadata).
    const created = (await objects.create(podDef, pod, ns, {
      user: ADMIN,
      manager: "kube-controller-manager",
    })) as { object(): KubeObject };
    const obj = created.object();
    obj.status = status;
    const stored = (await objects.update(podDef, obj, ns, obj.metadata?.name ?? "", {
      user: ADMIN,
      subresource: "status",
      manager: "kubelet",
    })) as { json: string };
    podBytes += stored.json.length;
  };
  const WAVE = 256;
  for (let i = 0; i < opts.seedPods; i += WAVE) {
    const wave: Promise<void>[] = [];
    for (let j = i; j < Math.min(i + WAVE, opts.seedPods); j++) wave.push(seedOne(j));
    await Promise.all(wave);
  }
  seeded = opts.seedPods;
  seedMs = performance.now() - start;
  podBytes /= seeded;
}

let profiler: Session | undefined;

process.on("message", async (msg: { type: string; path?: string }) => {
  if (msg.type === "cpu-start") {
    profiler = new Session();
    profiler.connect();
    await profiler.post("Profiler.enable");
    await profiler.post("Profiler.start");
    process.send?.({ type: "cpu-started" });
  } else if (msg.type === "cpu-stop" && profiler && msg.path) {
    const { profile } = await profiler.post("Profiler.stop");
    await writeFile(msg.path, JSON.stringify(profile));
    profiler.disconnect();
    profiler = undefined;
    process.send?.({ type: "cpu-stopped" });
  } else if (msg.type === "cpu") {
    const usage = process.cpuUsage();
    const reply: CpuMessage = { type: "cpu", micros: usage.user + usage.system };
    process.send?.(reply);
  } else if (msg.type === "memory") {
    globalThis.gc?.();
    const usage = process.memoryUsage();
    const reply: MemoryMessage = {
      type: "memory",
      rss: usage.rss,
      maxRSS: process.resourceUsage().maxRSS * 1024,
      heapUsed: usage.heapUsed,
      heapTotal: usage.heapTotal,
      external: usage.external,
    };
    process.send?.(reply);
  } else if (msg.type === "stop") {
    void server.stop().then(() => process.exit(0));
  }
});
process.on("disconnect", () => process.exit(0));

const ready: ReadyMessage = {
  type: "ready",
  url: server.url,
  port: server.port,
  caPem: server.caPem,
  kubeconfig: server.kubeconfig,
  seeded,
  seedMs,
  podBytes,
};
process.send?.(ready);
