// Test harness for the pod runtime: a real local API server with a runtime attached (fast back-off,
// silent logs), small scripts to run as containers, and Pod polling helpers.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomInt } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import pino from "pino";
import { inclusterEntrypoint } from "../../src/kubelet/images.ts";
import {
  PodExecRouter,
  PodLogStore,
  PodPortForwardRouter,
  type RunningRuntime,
  type RuntimeOptions,
  startRuntime,
} from "../../src/kubelet/index.ts";
import { detectPodNetwork } from "../../src/kubelet/network/pod-network.ts";
import { appDirsFor, detectSandbox } from "../../src/kubelet/sandbox.ts";
import type { ServerOptions } from "../../src/server/index.ts";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
/** Node 24 from the repository: scripts run as containers import our TypeScript sources. */
export const NODE = path.join(REPO, "node_modules/.bin/node");
export const CLIENT_MODULE = path.join(REPO, "src/client/index.ts");
export const CLI = path.join(REPO, "src/cli/main.ts");

export interface RuntimeCluster extends TestCluster {
  runtime: RunningRuntime;
  /** The runtime's data dir (pods/<uid>/volumes/…). */
  dataDir: string;
  /** Scratch space for scripts and files shared with containers. */
  scratch: string;
  script(name: string, source: string): Promise<string>;
  pod(namespace: string, name: string): Promise<Pod | undefined>;
  waitForPod(
    namespace: string,
    name: string,
    ok: (pod: Pod) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<Pod>;
}

export async function startRuntimeCluster(
  options: Partial<RuntimeOptions> = {},
  server: ServerOptions = {},
): Promise<RuntimeCluster> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "incluster-kubelet-test-"));
  const scratch = await mkdtemp(path.join(os.tmpdir(), "incluster-kubelet-scratch-"));
  const logs = options.logs ?? new PodLogStore(path.join(dataDir, "logs"));
  const portForward = options.portForward ?? new PodPortForwardRouter();
  const exec = options.exec ?? new PodExecRouter();
  const cluster = await startTestCluster({
    podLogs: logs,
    podExec: exec,
    podPortForward: portForward,
    ...server,
  });
  const runtime = await startRuntime({
    kubeconfig: cluster.kubeconfigPath,
    dataDir,
    persistentVolumesDir: cluster.server.persistentVolumesDir,
    logs,
    portForward,
    exec,
    logger: pino({ level: "silent" }),
    backoff: { baseMs: 200 },
    // Test files run in parallel, each with a runtime: keep their Pod IPs apart.
    firstPodIP: `127.0.${randomInt(2, 250)}.1`,
    ...options,
  });
  const pod = async (namespace: string, name: string) => {
    const r = await cluster.admin("GET", `/api/v1/namespaces/${namespace}/pods/${name}`);
    return r.status === 200 ? (r.json as Pod) : undefined;
  };
  return {
    ...cluster,
    runtime,
    dataDir,
    scratch,
    script: async (name, source) => {
      const file = path.join(scratch, name);
      await writeFile(file, source);
      return file;
    },
    pod,
    waitForPod: (namespace, name, ok, what, timeoutMs = 15_000) =>
      eventually(
        async () => {
          const current = await pod(namespace, name);
          return current && ok(current) ? current : undefined;
        },
        timeoutMs,
        `${namespace}/${name}: ${what}`,
      ),
    stop: async () => {
      await runtime.stop();
      await cluster.stop();
      await rm(dataDir, { recursive: true, force: true });
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

/** Creates a namespace and waits for its default ServiceAccount (the controller adds it). */
export async function createNamespace(c: TestCluster, name: string): Promise<void> {
  const created = await c.admin("POST", "/api/v1/namespaces", { metadata: { name } });
  if (created.status !== 201) throw new Error(`namespace ${name}: ${created.text}`);
  await eventually(
    async () => (await c.admin("GET", `/api/v1/namespaces/${name}/serviceaccounts/default`)).status === 200,
    5000,
    `default ServiceAccount in ${name}`,
  );
}

/** Creates a Pod as the admin; returns the stored object. */
export async function createPod(c: TestCluster, namespace: string, pod: Pod): Promise<Pod> {
  const created = await c.admin("POST", `/api/v1/namespaces/${namespace}/pods`, {
    apiVersion: "v1",
    kind: "Pod",
    ...pod,
  });
  if (created.status !== 201) throw new Error(`pod ${pod.metadata?.name}: ${created.text}`);
  return created.json as Pod;
}

export const containerState = (pod: Pod, index = 0) => pod.status?.containerStatuses?.[index];

/** Runs kubectl until its output matches: events are recorded asynchronously, after the state they explain. */
export function kubectlUntil(
  c: TestCluster,
  args: string[],
  pattern: RegExp,
  timeoutMs = 5000,
): Promise<string> {
  return eventually(
    async () => {
      const r = await c.kubectl(args);
      return pattern.test(r.stdout) && r.stdout;
    },
    timeoutMs,
    `kubectl ${args.join(" ")} to match ${pattern}`,
  );
}

/**
 * Whether a sandbox test may run: as root (CI is root) it runs unless the kernel refuses the namespaces,
 * which is the only reason to skip, and the reason says which feature is missing.
 */
export async function sandboxSkipReason(): Promise<string | false> {
  if (process.getuid?.() !== 0) throw new Error("the Pod sandbox tests run as root (CI is root)");
  const entrypoint = inclusterEntrypoint();
  const support = await detectSandbox(entrypoint[0], appDirsFor(entrypoint));
  return support.available ? false : `this kernel cannot provide the Pod sandbox: ${support.detail}`;
}

/**
 * Whether a Pod network test may run: as root it must, with the Debian packages installed (.ci/run installs
 * them), unless the kernel cannot create network namespaces; the reason then says so.
 */
export async function networkSkipReason(): Promise<string | false> {
  if (process.getuid?.() !== 0) throw new Error("the Pod network tests run as root (CI is root)");
  const support = await detectPodNetwork();
  if (support.available) return false;
  if (support.detail.startsWith("cannot create a network namespace")) return `this kernel ${support.detail}`;
  throw new Error(`the Pod network must be available in CI: ${support.detail}`);
}

/**
 * A port for a server that must keep it across a kill and a restart: below Linux's ephemeral range
 * (32768–60999), where the outgoing connections of tests running alongside would otherwise take it.
 */
export function stablePort(): number {
  return randomInt(20_000, 32_000);
}

/** A real `incluster cluster up` process on `dataDir` (host commands allowed), once it says it is ready. */
export async function clusterUp(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    NODE,
    [CLI, "cluster", "up", "--data-dir", dataDir, "--port", String(port), "--allow-host-commands"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`cluster up exited ${child.exitCode}:\n${output}`);
      return output.includes("Press Ctrl-C") || undefined;
    },
    30_000,
    "cluster up to be ready",
  );
  return child;
}

/** kubectl against the admin kubeconfig `cluster up` wrote to `dataDir`; stdout, or the error with stderr. */
export function dataDirKubectl(dataDir: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "kubectl",
      ["--kubeconfig", path.join(dataDir, "admin.kubeconfig"), ...args],
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}
