// Shared by the apps*.test.ts files: a local API server with an admin client, ServiceAccount directories
// laid out like the kubelet's projected volume, and the incluster CLI run as a child process "in a Pod"
// (KUBERNETES_SERVICE_HOST/PORT + INCLUSTER_SERVICEACCOUNT_DIR), with its output collected line by line.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { createClient, type KubeClient } from "../../src/client/index.ts";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NODE = path.join(ROOT, "node_modules/.bin/node");
const CLI = path.join(ROOT, "src/cli/main.ts");

export interface AppsCluster {
  cluster: TestCluster;
  admin: KubeClient;
  /** A directory with token, ca.crt and namespace, like /var/run/secrets/kubernetes.io/serviceaccount. */
  serviceAccountDir(namespace: string, name: string): Promise<string>;
  /** Env that makes loadConfig() take the in-cluster path to this server. */
  podEnv(saDir: string): Record<string, string>;
  stop(): Promise<void>;
}

export async function startAppsCluster(): Promise<AppsCluster> {
  const cluster = await startTestCluster();
  const admin = await createClient({ kubeconfig: cluster.kubeconfigPath });
  const dirs: string[] = [];
  return {
    cluster,
    admin,
    async serviceAccountDir(namespace, name) {
      if (name !== "default") {
        await admin
          .resource("serviceaccounts")
          .create({ metadata: { name, namespace } })
          .catch((error: { code?: number }) => {
            if (error.code !== 409) throw error;
          });
      } else {
        await eventually(
          () =>
            admin
              .resource("serviceaccounts")
              .get("default", { namespace })
              .then(Boolean, () => false),
          5000,
          `ServiceAccount ${namespace}/default`,
        );
      }
      const { token } = await admin.createToken(namespace, name, { expirationSeconds: 3600 });
      const dir = await mkdtemp(path.join(os.tmpdir(), "incluster-sa-"));
      dirs.push(dir);
      await writeFile(path.join(dir, "token"), token);
      await writeFile(path.join(dir, "ca.crt"), cluster.server.caPem);
      await writeFile(path.join(dir, "namespace"), namespace);
      return dir;
    },
    podEnv(saDir) {
      return {
        KUBERNETES_SERVICE_HOST: "127.0.0.1",
        KUBERNETES_SERVICE_PORT: String(cluster.server.port),
        INCLUSTER_SERVICEACCOUNT_DIR: saDir,
      };
    },
    async stop() {
      admin.close();
      await cluster.stop();
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

export interface CliRun {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the first stdout/stderr line matching, waiting up to timeoutMs. */
  line(stream: "stdout" | "stderr", pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** The metrics port the app printed (--metrics-port 0). */
  metricsPort(): Promise<number>;
  kill(signal?: NodeJS.Signals): void;
}

/** Runs `incluster ARGS` with a clean environment plus `env`. HOME points nowhere, so no kubeconfig leaks in. */
export function runCli(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(NODE, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: path.join(os.tmpdir(), "incluster-no-home"), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  const waiters = new Set<() => void>();
  for (const stream of ["stdout", "stderr"] as const) {
    let partial = "";
    child[stream]!.setEncoding("utf8").on("data", (chunk: string) => {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop()!;
      lines[stream].push(...parts);
      for (const wake of waiters) wake();
    });
  }
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const line = (stream: "stdout" | "stderr", pattern: RegExp, timeoutMs = 15_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = lines[stream].find((l) => pattern.test(l));
        if (found === undefined) return false;
        cleanup();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `no ${stream} line matching ${pattern} within ${timeoutMs} ms\n--- stdout:\n${lines.stdout.join("\n")}\n--- stderr:\n${lines.stderr.join("\n")}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      if (!check()) waiters.add(check);
    });
  return {
    child,
    ...lines,
    line,
    exited,
    async metricsPort() {
      // Human logs: `… serving /healthz, /readyz and /metrics port=N`; JSON logs: `{"port":N,…}`.
      const found = await line("stderr", /serving \/healthz, \/readyz and \/metrics/);
      return Number(/port["=:]+(\d+)/.exec(found)![1]);
    },
    kill: (signal = "SIGTERM") => child.kill(signal),
  };
}

/** GET on the app's probe/metrics port. */
export async function probe(port: number, urlPath: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${urlPath}`);
  return { status: response.status, text: await response.text() };
}

/** A Pod the local server accepts; no runtime needed for counting. */
export function pod(namespace: string, name: string, labels: Record<string, string> = {}): Pod {
  return {
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: "app", image: "registry.example/app:1" }] },
  };
}

/** The value of one Prometheus sample, e.g. metricValue(text, 'incluster_pods{scope="cluster",namespace="",phase=""}'). */
export function metricValue(exposition: string, series: string): number | undefined {
  const line = exposition.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
