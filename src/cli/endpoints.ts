// `incluster endpoints watch SERVICE`: the service-discovery watcher (src/apps/endpoints).
import type { Command } from "commander";
import { runEndpointsWatch } from "../apps/endpoints/app.ts";
import { type AppFlags, addAppOptions, durationOption, runAppCommand, usageError } from "./app-options.ts";

interface WatchFlags extends AppFlags {
  namespace?: string;
  debounce: number;
  probe?: string;
  probePath?: string;
  probeTimeout: number;
}

export function registerEndpointsCommands(program: Command): void {
  const endpoints = program.command("endpoints").description("service discovery through EndpointSlices");
  const watch = endpoints
    .command("watch")
    .description("print a Service's ready endpoint addresses whenever they change")
    .argument("<service>", "Service name")
    .option("-n, --namespace <namespace>", "the Service's namespace (default: the Pod's or the context's)")
    .addOption(
      durationOption("--debounce <duration>", "gather a burst of changes this long before printing", "100ms"),
    )
    .option(
      "--probe <port>",
      "on each change connect to every ready endpoint on this port (number, or the name of a Service port) and report which answered",
    )
    .option(
      "--probe-path <path>",
      "probe with an HTTP GET of this path (200-399 answers) instead of a TCP connect",
    )
    .addOption(durationOption("--probe-timeout <duration>", "how long each probe waits for an answer", "1s"));
  addAppOptions(watch).action(async (service: string, flags: WatchFlags) => {
    if (flags.probePath !== undefined && flags.probe === undefined)
      usageError(watch, "--probe-path needs --probe PORT");
    if (flags.probePath !== undefined && !/^\/[\x21-\x7e]*$/.test(flags.probePath))
      usageError(
        watch,
        `--probe-path ${JSON.stringify(flags.probePath)} must start with "/" and have no spaces or control characters, e.g. /metrics`,
      );
    if (flags.probe !== undefined && !isPortNumber(flags.probe) && !isPortName(flags.probe))
      usageError(
        watch,
        `--probe ${JSON.stringify(flags.probe)} must be a port number (1-65535) or a Service port name (e.g. metrics)`,
      );
    await runAppCommand(flags, {}, (app, printer) =>
      runEndpointsWatch(app, {
        service: { name: service, namespace: flags.namespace ?? app.client.namespace },
        printer,
        debounceMs: flags.debounce,
        probe:
          flags.probe === undefined
            ? undefined
            : { port: flags.probe, path: flags.probePath, timeoutMs: flags.probeTimeout },
      }),
    );
  });
}

function isPortNumber(value: string): boolean {
  return /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535;
}

/** An IANA service name as Service port names are: lower-case alphanumerics and "-", at least one letter. */
function isPortName(value: string): boolean {
  return /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) && /[a-z]/.test(value);
}
