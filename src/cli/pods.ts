// `incluster pods count`: the pod-counter app (src/apps/pod-counter).
import { type Command, Option } from "commander";
import { runPodCounter } from "../apps/pod-counter/app.ts";
import type { Breakdown, PodCountQuery } from "../apps/pod-counter/query.ts";
import { type AppFlags, addAppOptions, durationOption, runAppCommand, usageError } from "./app-options.ts";

interface CountFlags extends AppFlags {
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  fieldSelector?: string;
  by?: Breakdown;
  every: number;
  once?: boolean;
  watch?: boolean;
  debounce: number;
}

export function registerPodsCommands(program: Command): void {
  const pods = program.command("pods").description("apps about Pods");
  const count = pods
    .command("count")
    .description(
      "print how many Pods there are, every 10 s (like the seed app), on change (--watch) or once (--once)",
    )
    .option("-n, --namespace <namespace>", "count in this namespace only (default: all namespaces)")
    .option("-A, --all-namespaces", "count in every namespace (the default; wins over -n, as in kubectl)")
    .option("-l, --selector <selector>", "label selector, e.g. app=web,tier!=cache")
    .option("--field-selector <selector>", "field selector, e.g. status.phase=Running,spec.nodeName=node-1")
    .addOption(
      new Option("--by <breakdown>", "also count per namespace or per phase").choices(["namespace", "phase"]),
    )
    .addOption(durationOption("--every <duration>", "time between counts", "10s"))
    .option(
      "--once",
      "count once and exit: 0 ok, 3 forbidden, 4 unauthorized, 5 no configuration, 6 unavailable",
    )
    .option("--watch", "follow the count with a metadata-only informer and print when it changes")
    .addOption(
      durationOption("--debounce <duration>", "with --watch: gather a burst of changes this long", "1s"),
    );
  addAppOptions(count).action(async (flags: CountFlags) => {
    if (flags.once && flags.watch) usageError(count, "--once and --watch cannot be combined");
    const query: PodCountQuery = {
      namespace: flags.allNamespaces ? undefined : flags.namespace,
      labelSelector: flags.selector,
      fieldSelector: flags.fieldSelector,
      by: flags.by,
    };
    const mode = flags.once
      ? ({ kind: "once" } as const)
      : flags.watch
        ? ({ kind: "watch", debounceMs: flags.debounce } as const)
        : ({ kind: "poll", everyMs: flags.every } as const);
    // A one-shot run is over before any probe could ask, and its output is the answer alone.
    await runAppCommand(flags, flags.once ? { metricsPort: -1, announce: false } : {}, (app, printer) =>
      runPodCounter(app, { query, mode, printer }),
    );
  });
}
