// The local cluster behind `incluster demo`: the API server and the pod runtime sharing one log store (so
// `kubectl logs` works), the PKI kept in the data dir (the kubeconfig stays valid between runs), state in
// memory (each run starts fresh).
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import pino from "pino";
import { createClient, type KubeClient } from "../client/index.ts";
import {
  PodExecRouter,
  PodLogStore,
  PodMetricsRouter,
  PodPortForwardRouter,
  type RunningRuntime,
  startRuntime,
} from "../kubelet/index.ts";
import { type RunningServer, startServer } from "../server/index.ts";
import { loadOrCreatePki, type Pki } from "../server/pki/index.ts";
import { writePrivateFile } from "./output.ts";

export interface DemoCluster {
  server: RunningServer;
  admin: KubeClient;
  kubeconfigPath: string;
  /** Set when `port` was taken and a free one was used instead. */
  portTaken?: number;
  /** Stops the runtime: its Pods get SIGTERM and their grace period. */
  stopPods(): Promise<void>;
  stop(): Promise<void>;
}

export async function startDemoCluster(options: { dataDir: string; port: number }): Promise<DemoCluster> {
  const dataDir = path.resolve(options.dataDir);
  const runtimeDir = path.join(dataDir, "runtime");
  await rm(runtimeDir, { recursive: true, force: true }); // the last run's Pods died with it
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const logs = new PodLogStore(path.join(runtimeDir, "logs"));
  const exec = new PodExecRouter();
  const portForward = new PodPortForwardRouter();
  const metrics = new PodMetricsRouter();
  const { server, portTaken } = await startLocalServer(
    options.port,
    await loadOrCreatePki({ dataDir }),
    logs,
    exec,
    portForward,
    metrics,
  );
  const kubeconfigPath = path.join(dataDir, "kubeconfig");
  await writePrivateFile(kubeconfigPath, server.kubeconfig);
  const admin = await createClient({ kubeconfig: kubeconfigPath });
  let runtime: RunningRuntime;
  try {
    runtime = await startRuntime({
      client: admin,
      dataDir: runtimeDir,
      persistentVolumesDir: server.persistentVolumesDir,
      logs,
      exec,
      portForward,
      metrics,
      logger: pino({ level: "warn", base: { component: "kubelet" } }, pino.destination(2)),
    });
  } catch (error) {
    admin.close();
    await server.stop();
    throw error;
  }
  return {
    server,
    admin,
    kubeconfigPath,
    portTaken,
    stopPods: () => runtime.stop(),
    async stop() {
      await runtime.stop();
      admin.close();
      await server.stop();
    },
  };
}

async function startLocalServer(
  port: number,
  pki: Pki,
  podLogs: PodLogStore,
  podExec: PodExecRouter,
  podPortForward: PodPortForwardRouter,
  metrics: PodMetricsRouter,
): Promise<{ server: RunningServer; portTaken?: number }> {
  const start = (p: number) =>
    startServer({
      port: p,
      host: "127.0.0.1",
      pki,
      podLogs,
      podExec,
      podPortForward,
      metrics,
      logLevel: "error",
    });
  try {
    return { server: await start(port) };
  } catch (error) {
    if (!isAddressInUse(error) || port === 0) throw error;
    return { server: await start(0), portTaken: port }; // the demo cluster is ephemeral: any free port will do
  }
}

/** startServer names the taken port in its own message and keeps the listen error as the cause. */
function isAddressInUse(error: unknown): boolean {
  const { code, cause } = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  return code === "EADDRINUSE" || cause?.code === "EADDRINUSE";
}
