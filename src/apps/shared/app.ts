// What every long-running incluster app shares: a logger, a client wired to metrics, the probe server,
// a failure reporter, and one place that turns the outcome into an exit code.
import { createClient, type KubeClient } from "../../client/index.ts";
import type { ExitCode } from "./exit-codes.ts";
import { FailureReporter } from "./failure-reporter.ts";
import { createLogger, type LogFormat, type Logger } from "./logger.ts";
import { AppMetrics } from "./metrics.ts";
import { type ProbeServer, startProbeServer } from "./probe-server.ts";
import { unknownTimeZoneWarning } from "./time.ts";

export const DEFAULT_METRICS_PORT = 9090;

export interface AppOptions {
  kubeconfig?: string;
  context?: string;
  logFormat: LogFormat;
  logLevel?: string;
  /** -1 disables the probe server; 0 picks a free port. */
  metricsPort: number;
  metricsAddress?: string;
  /** Fires to stop the app (SIGTERM). */
  signal: AbortSignal;
  /** For tests; default stderr. */
  logOut?: NodeJS.WritableStream;
  /** Log which configuration is used at info level (default), or only at debug (one-shot commands). */
  announce?: boolean;
}

export interface AppContext {
  client: KubeClient;
  log: Logger;
  metrics: AppMetrics;
  reporter: FailureReporter;
  signal: AbortSignal;
  /** The probe server's port, when it runs. */
  probePort?: number;
}

/** Runs an app body with everything set up, and always tears it down. Resolves with the exit code. */
export async function runApp(
  options: AppOptions,
  body: (app: AppContext) => Promise<ExitCode>,
): Promise<ExitCode> {
  const log = createLogger({ format: options.logFormat, level: options.logLevel, out: options.logOut });
  const reporter = new FailureReporter(log);
  const metrics = new AppMetrics();
  const tzWarning = unknownTimeZoneWarning();
  if (tzWarning) log.warn(tzWarning);
  let client: KubeClient | undefined;
  let probes: ProbeServer | undefined;
  try {
    client = await createClient({
      kubeconfig: options.kubeconfig,
      context: options.context,
      onWarning: (message) => log.warn(message),
      onRequest: (request) => {
        metrics.onRequest(request);
        metrics.observeToken(client?.config.credentials?.currentToken?.());
      },
    });
    for (const warning of client.config.warnings) log.warn(warning);
    log[options.announce === false ? "debug" : "info"](
      { server: client.config.server, namespace: client.namespace },
      `using ${client.config.source} configuration${client.config.contextName ? ` (context ${client.config.contextName})` : ""}`,
    );
    if (options.metricsPort >= 0) {
      probes = await startProbes(options, metrics);
      log.info({ port: probes.port }, "serving /healthz, /readyz and /metrics");
    }
    return await body({ client, log, metrics, reporter, signal: options.signal, probePort: probes?.port });
  } catch (error) {
    return reporter.fatal(error).exitCode;
  } finally {
    await probes?.close();
    client?.close();
    if (options.signal.aborted) log.info(`stopped (${String(options.signal.reason ?? "signal")})`);
  }
}

async function startProbes(options: AppOptions, metrics: AppMetrics): Promise<ProbeServer> {
  try {
    return await startProbeServer({ port: options.metricsPort, host: options.metricsAddress, metrics });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new Error(
        `port ${options.metricsPort} is already in use: pass another --metrics-port, 0 for a free one, or -1 to serve no probes and metrics`,
      );
    }
    throw error;
  }
}
