// Flags every long-running app command shares (connection, probes/metrics, logs, output), and the one
// way such a command runs: SIGTERM-aware, exit code from the app, usage errors exit 2.
import { type Command, InvalidArgumentError, Option } from "commander";
import { type AppContext, type AppOptions, DEFAULT_METRICS_PORT, runApp } from "../apps/shared/app.ts";
import { parseDuration } from "../apps/shared/duration.ts";
import { EXIT, type ExitCode } from "../apps/shared/exit-codes.ts";
import type { LogFormat } from "../apps/shared/logger.ts";
import { type OutputFormat, ResultPrinter } from "../apps/shared/result-printer.ts";
import { terminationSignal } from "../apps/shared/shutdown.ts";

export interface AppFlags {
  kubeconfig?: string;
  context?: string;
  metricsPort: number;
  metricsAddress?: string;
  logFormat: LogFormat;
  logLevel: string;
  shutdownTimeout: number;
  output: OutputFormat;
  timestamps: boolean;
}

export function addAppOptions(command: Command): Command {
  return command
    .addOption(
      new Option("-o, --output <format>", "results as sentences or one JSON object per line")
        .choices(["text", "json"])
        .default("text"),
    )
    .option("--no-timestamps", "text output without the leading local-time (TZ) timestamp")
    .option(
      "--kubeconfig <path>",
      "kubeconfig to use outside a Pod (default: in-cluster, then KUBECONFIG, ~/.kube/config)",
    )
    .option("--context <name>", "kubeconfig context")
    .option(
      "--metrics-port <port>",
      "port of /healthz, /readyz and /metrics (0: a free port, printed; -1: none)",
      parsePort,
      DEFAULT_METRICS_PORT,
    )
    .option("--metrics-address <address>", "listen address of the metrics port (default: every interface)")
    .addOption(
      new Option("--log-format <format>", "diagnostics on stderr")
        .choices(["human", "json"])
        .default("human"),
    )
    .addOption(
      new Option("--log-level <level>", "least severe log level shown")
        .choices(["trace", "debug", "info", "warn", "error", "fatal", "silent"])
        .default("info"),
    )
    .addOption(
      durationOption("--shutdown-timeout <duration>", "after SIGTERM, exit 1 if cleanup takes longer", "10s"),
    )
    .exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage));
}

/** A Go-style duration flag (10s, 1m30s, 500ms), parsed to milliseconds. */
export function durationOption(flags: string, description: string, defaultValue: string): Option {
  return new Option(flags, description)
    .argParser(parseDurationFlag)
    .default(parseDurationFlag(defaultValue), defaultValue);
}

function parseDurationFlag(value: string): number {
  try {
    const ms = parseDuration(value);
    if (ms <= 0) throw new Error(`duration ${JSON.stringify(value)} must be positive`);
    return ms;
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < -1 || port > 65_535) {
    throw new InvalidArgumentError("expected a port number, 0 for a free port, or -1 for none");
  }
  return port;
}

/** Runs the app until it ends or SIGTERM/SIGINT, then exits with its code. */
export async function runAppCommand(
  flags: AppFlags,
  overrides: Partial<Pick<AppOptions, "metricsPort" | "announce">>,
  body: (app: AppContext, printer: ResultPrinter) => Promise<ExitCode>,
): Promise<never> {
  const signal = terminationSignal({
    timeoutMs: flags.shutdownTimeout,
    onTimeout: () => process.stderr.write(`cleanup took longer than ${flags.shutdownTimeout} ms; exiting\n`),
  });
  const printer = new ResultPrinter({ format: flags.output, timestamps: flags.timestamps });
  const code = await runApp(
    {
      kubeconfig: flags.kubeconfig,
      context: flags.context,
      logFormat: flags.logFormat,
      logLevel: flags.logLevel,
      metricsPort: overrides.metricsPort ?? flags.metricsPort,
      metricsAddress: flags.metricsAddress,
      announce: overrides.announce,
      signal,
    },
    (app) => body(app, printer),
  );
  process.exit(code);
}

/** A usage error from inside an action: message on stderr, exit 2. */
export function usageError(command: Command, message: string): never {
  command.error(`error: ${message}`, { exitCode: EXIT.usage, code: "incluster.usage" });
}
