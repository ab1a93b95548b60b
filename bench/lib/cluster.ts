// Parent-side helpers: the API server in a child process (server-child.ts), an admin client for it, and a
// ServiceAccount token bound to the built-in `view` ClusterRole.
import { type ChildProcess, fork } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient, isAlreadyExists, type KubeClient } from "../../src/client/index.ts";
import type { CpuMessage, MemoryMessage, ReadyMessage, ServerChildOptions } from "./server-child.ts";

const CHILD = new URL("./server-child.ts", import.meta.url).pathname;

export interface ServerProcess extends ReadyMessage {
  child: ChildProcess;
  /** A scratch directory holding admin.kubeconfig and ca.crt; removed by stop(). */
  dir: string;
  kubeconfigPath: string;
  caPath: string;
  memory(): Promise<MemoryMessage>;
  /** CPU time (user + system, µs) the server process has used so far. */
  cpuMicros(): Promise<number>;
  /** CPU-profiles the server while fn runs; the .cpuprofile goes to path. */
  profile<T>(path: string, fn: () => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

export async function startServerProcess(options: ServerChildOptions = {}): Promise<ServerProcess> {
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server process.
  const extra = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = fork(CHILD, [JSON.stringify(options)], {
    execArgv: ["--expose-gc", "--disable-warning=ExperimentalWarning", ...extra],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ready = await new Promise<ReadyMessage>((resolve, reject) => {
    child.once("message", (m) => resolve(m as ReadyMessage));
    child.once("exit", (code) =>
      reject(new Error(`the server process exited (${code}) before it was ready`)),
    );
  });
  const dir = await mkdtemp(path.join(tmpdir(), "incluster-bench-"));
  const kubeconfigPath = path.join(dir, "admin.kubeconfig");
  const caPath = path.join(dir, "ca.crt");
  await writeFile(kubeconfigPath, ready.kubeconfig, { mode: 0o600 });
  await writeFile(caPath, ready.caPem);
  const ask = (message: object) =>
    new Promise<unknown>((resolve) => {
      child.once("message", resolve);
      child.send(message);
    });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    ...ready,
    child,
    dir,
    kubeconfigPath,
    caPath,
    memory: () => ask({ type: "memory" }) as Promise<MemoryMessage>,
    cpuMicros: async () => ((await ask({ type: "cpu" })) as CpuMessage).micros,
    profile: async (path, fn) => {
      await ask({ type: "cpu-start" });
      try {
        return await fn();
      } finally {
        await ask({ type: "cpu-stop", path });
      }
    },
    stop: async () => {
      if (child.exitCode === null) child.send({ type: "stop" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The admin (client certificate in system:masters), without the client-side rate limit. */
export function adminClient(server: ServerProcess): Promise<KubeClient> {
  return createClient({ kubeconfig: server.kubeconfigPath, qps: 0, onWarning: () => {} });
}

/**
 * A bound token for ServiceAccount <namespace>/<name>, bound cluster-wide to the built-in `view` ClusterRole
 * (what a pod-counter Deployment would be given).
 */
export async function viewerToken(admin: KubeClient, namespace = "bench", name = "counter"): Promise<string> {
  // A kept data dir (--data-dir) has them from an earlier run already.
  const existing = (error: unknown) => {
    if (!isAlreadyExists(error)) throw error;
  };
  await admin
    .resource("namespaces")
    .create({ metadata: { name: namespace } })
    .catch(existing);
  await admin.resource("serviceaccounts").create({ metadata: { name, namespace } }).catch(existing);
  await admin
    .resource("clusterrolebindings.rbac.authorization.k8s.io")
    .create({
      metadata: { name: `${namespace}-${name}-view` },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    } as never)
    .catch(existing);
  const { token } = await admin.createToken(namespace, name, { expirationSeconds: 3600 });
  return token;
}
