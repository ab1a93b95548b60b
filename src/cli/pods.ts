// `incluster pods count`: the pod-counter app (src/apps/pod-counter).
import { type Command, Option } from "commander";
import { runPodCounter } from "../apps/pod-counter/app.ts";
import type { Breakdown, PodCountQuery } from "../apps/pod-counter/query.ts";
import type { AppContext } from "../apps/shared/app.ts";
import { runAsLeader } from "../apps/shared/leader-election.ts";
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
  leaderElect?: boolean;
  leaderElectResourceName: string;
  leaderElectResourceNamespace?: string;
  leaderElectLeaseDuration: number;
  leaderElectRenewDeadline: number;
  leaderElectRetryPeriod: number;
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
    )
    .option("--leader-elect", "count only while holding a Lease, so one of several replicas reports")
    .option("--leader-elect-resource-name <name>", "the Lease's name", "pod-counter")
    .option(
      "--leader-elect-resource-namespace <namespace>",
      "the Lease's namespace (default: the ServiceAccount's or the context's namespace)",
    )
    .addOption(
      durationOption(
        "--leader-elect-lease-duration <duration>",
        "how long standbys wait for a silent leader",
        "15s",
      ),
    )
    .addOption(
      durationOption(
        "--leader-elect-renew-deadline <duration>",
        "how long the leader retries a renewal",
        "10s",
      ),
    )
    .addOption(durationOption("--leader-elect-retry-period <duration>", "time between attempts", "2s"));
  addAppOptions(count).action(async (flags: CountFlags) => {
    if (flags.once && flags.watch) usageError(count, "--once and --watch cannot be combined");
    if (flags.once && flags.leaderElect)
      usageError(count, "--leader-elect needs a long-running mode, not --once");
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
    await runAppCommand(flags, flags.once ? { metricsPort: -1, announce: false } : {}, (app, printer) => {
      const count = (counting: AppContext) => runPodCounter(counting, { query, mode, printer });
      if (!flags.leaderElect) return count(app);
      const namespace = flags.leaderElectResourceNamespace ?? app.client.namespace;
      return runAsLeader(
        app,
        {
          lease: `${namespace}/${flags.leaderElectResourceName}`,
          leaseDuration: flags.leaderElectLeaseDuration,
          renewDeadline: flags.leaderElectRenewDeadline,
          retryPeriod: flags.leaderElectRetryPeriod,
        },
        count,
      );
    });
  });
}
