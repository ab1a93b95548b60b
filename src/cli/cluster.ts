// `incluster cluster up|down`: the local API server (and, unless --no-runtime, the local pod runtime) as a
// foreground process.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import pino from "pino";
import {
  PodExecRouter,
  PodLogStore,
  PodMetricsRouter,
  PodPortForwardRouter,
  type RunningRuntime,
} from "../kubelet/index.ts";
import { type ServerLimits, startServer } from "../server/index.ts";
import { LogSink } from "../server/log-sink.ts";
import { startLocalRuntime } from "./kubelet.ts";
import { writePrivateFile } from "./output.ts";

export function defaultDataDir(): string {
  return process.env.INCLUSTER_DATA_DIR ?? path.join(os.homedir(), ".incluster", "cluster");
}

const PID_FILE = "server.pid";

function count(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) {
    throw new Error(`${flag} must be a whole number ≥ 0, got "${text}"`);
  }
  return n;
}

/** The limits flags, named as kube-apiserver's; --request-timeout takes a Go duration (60s, 1m0s). */
export function limitsFromFlags(o: Record<string, string | undefined>): Partial<ServerLimits> {
  return {
    maxRequestsInflight: count("--max-requests-inflight", o.maxRequestsInflight ?? "400"),
    maxMutatingRequestsInflight: count(
      "--max-mutating-requests-inflight",
      o.maxMutatingRequestsInflight ?? "200",
    ),
    requestTimeoutMs: durationMs("--request-timeout", o.requestTimeout ?? "1m0s"),
    minRequestTimeoutSeconds: count("--min-request-timeout", o.minRequestTimeout ?? "1800"),
    maxConnections: o.maxConnections === undefined ? undefined : count("--max-connections", o.maxConnections),
  };
}

const DURATION_UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

function durationMs(flag: string, text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (!parts.length || parts.map((p) => p[0]).join("") !== text) {
    throw new Error(`${flag} must be a duration such as 60s or 1m0s, got "${text}"`);
  }
  return Math.round(parts.reduce((ms, p) => ms + Number(p[1]) * DURATION_UNITS[p[2]], 0));
}

export function registerClusterCommands(program: Command): void {
  const cluster = program.command("cluster").description("run the local Kubernetes-compatible API server");

  cluster
    .command("up")
    .description("start the API server on loopback HTTPS and write an admin kubeconfig")
    .option("--port <port>", "HTTPS port", "6443")
    .option("--host <address>", "listen address (loopback by default)", "127.0.0.1")
    .option("--data-dir <dir>", "keep state, keys and the kubeconfig here", defaultDataDir())
    .option("--in-memory", "keep nothing on disk (state is lost on exit)")
    .option("--sa-key-algorithm <alg>", "ServiceAccount token signing: RS256 or ES256", "RS256")
    .option("--log-level <level>", "server log level (fatal|error|warn|info|debug)", "warn")
    .option("--no-runtime", "serve the API alone: no node, Pods stay Pending")
    .option("--max-requests-inflight <n>", "concurrent read requests before 429s (0: unlimited)", "400")
    .option(
      "--max-mutating-requests-inflight <n>",
      "concurrent write requests before 429s (0: unlimited)",
      "200",
    )
    .option("--request-timeout <duration>", "time limit of a non-watch request (504 after it)", "1m0s")
    .option("--min-request-timeout <seconds>", "a watch without timeoutSeconds lasts this ×[1,2)", "1800")
    .option("--max-connections <n>", "open connections before 503s (default: half the open-file limit)")
    .option(
      "--allow-host-commands",
      "let the pod runtime run containers that set `command` on THIS host, unsandboxed, as this user (root included): Pod creators get this host user's rights",
    )
    .action(async (o) => {
      const dataDir = o.inMemory ? undefined : path.resolve(o.dataDir);
      const started = performance.now();
      // The runtime serves pods/log, and the server must know where logs come from before it starts.
      const runtimeDir = o.runtime
        ? dataDir
          ? path.join(dataDir, "kubelet")
          : await mkdtemp(path.join(os.tmpdir(), "incluster-kubelet-"))
        : undefined;
      const podLogs = runtimeDir ? new PodLogStore(path.join(runtimeDir, "logs")) : undefined;
      const podPortForward = runtimeDir ? new PodPortForwardRouter() : undefined;
      const podExec = runtimeDir ? new PodExecRouter() : undefined;
      const metrics = runtimeDir ? new PodMetricsRouter() : undefined;
      const server = await startServer({
        port: Number(o.port),
        host: o.host,
        dataDir,
        saKeyAlgorithm: o.saKeyAlgorithm,
        logLevel: o.logLevel,
        podLogs,
        podPortForward,
        podExec,
        metrics,
        limits: limitsFromFlags(o),
      });
      let runtime: RunningRuntime | undefined;
      if (runtimeDir && podLogs) {
        runtime = await startLocalRuntime({
          server,
          logs: podLogs,
          portForward: podPortForward,
          exec: podExec,
          metrics,
          dir: runtimeDir,
          allowHostCommands: Boolean(o.allowHostCommands),
          hiddenPaths: dataDir ? [dataDir] : [],
          // The runtime shares the server's event loop: its logs must never block it either.
          logger: pino({ level: o.logLevel, base: { component: "kubelet" } }, new LogSink(2)),
        });
      }
      const ms = Math.round(performance.now() - started);
      let kubeconfigPath = server.kubeconfigPath;
      if (!kubeconfigPath) {
        kubeconfigPath = path.join(os.tmpdir(), `incluster-${server.port}.kubeconfig`);
        await writePrivateFile(kubeconfigPath, server.kubeconfig);
      }
      if (dataDir) await writeFile(path.join(dataDir, PID_FILE), String(process.pid));
      if (o.host !== "127.0.0.1" && o.host !== "::1" && o.host !== "localhost") {
        process.stderr.write(
          `WARNING: listening on ${o.host}: the API server is reachable from other machines\n`,
        );
      }
      process.stdout.write(
        [
          `incluster API server ready at ${server.url} in ${ms} ms (Kubernetes v1.33 API)`,
          `  state:       ${dataDir ?? "in memory (lost on exit)"}`,
          `  kubeconfig:  ${kubeconfigPath} (cluster-admin through a client certificate)`,
          runtime
            ? `  pod runtime: node "${runtime.nodeName}" (host commands ${o.allowHostCommands ? "ALLOWED" : "off"}; ${runtime.sandboxed ? "Pods sandboxed: own mount+PID namespaces, unprivileged user" : "NO Pod sandbox: see the warning above"})`
            : "  pod runtime: off (--no-runtime): Pods stay Pending",
          "",
          `  export KUBECONFIG=${kubeconfigPath}`,
          "  kubectl get namespaces",
          "",
          "Press Ctrl-C to stop.",
          "",
        ].join("\n"),
      );
      const shutdown = async () => {
        try {
          await runtime?.stop();
          await server.stop();
          if (dataDir) await rm(path.join(dataDir, PID_FILE), { force: true });
          else if (runtimeDir) await rm(runtimeDir, { recursive: true, force: true });
          // In memory: the admin kubeconfig in /tmp is as dead as the CA it names; do not leave its key behind.
          if (!server.kubeconfigPath) await rm(kubeconfigPath, { force: true });
          process.exit(0);
        } catch (e) {
          process.stderr.write(`error: shutting down: ${(e as Error).message}\n`);
          process.exit(1);
        }
      };
      process.once("SIGINT", shutdown);
      process.once("SIGTERM", shutdown);
    });

  cluster
    .command("down")
    .description("stop the API server started with `cluster up` for a data dir")
    .option("--data-dir <dir>", "the server's data dir", defaultDataDir())
    .action(async (o) => {
      const pidFile = path.join(path.resolve(o.dataDir), PID_FILE);
      let pid: number;
      try {
        pid = Number(await readFile(pidFile, "utf8"));
      } catch {
        process.stderr.write(`no running server recorded in ${pidFile}; nothing to stop\n`);
        process.exitCode = 1;
        return;
      }
      try {
        process.kill(pid, "SIGTERM");
        process.stdout.write(`stopped the API server (pid ${pid})\n`);
      } catch {
        await rm(pidFile, { force: true });
        process.stderr.write(
          `the server recorded in ${pidFile} (pid ${pid}) is not running; removed the stale record\n`,
        );
        process.exitCode = 1;
      }
    });
}
