// `incluster endpoints watch SERVICE`: the service-discovery watcher (src/apps/endpoints).
import type { Command } from "commander";
import { runEndpointsWatch } from "../apps/endpoints/app.ts";
import { type AppFlags, addAppOptions, durationOption, runAppCommand } from "./app-options.ts";

interface WatchFlags extends AppFlags {
  namespace?: string;
  debounce: number;
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
    );
  addAppOptions(watch).action(async (service: string, flags: WatchFlags) => {
    await runAppCommand(flags, {}, (app, printer) =>
      runEndpointsWatch(app, {
        service: { name: service, namespace: flags.namespace ?? app.client.namespace },
        printer,
        debounceMs: flags.debounce,
      }),
    );
  });
}
