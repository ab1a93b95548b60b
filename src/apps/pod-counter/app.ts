// `incluster pods count`: the seed app, production-grade. Polls (default: every 10 s, like the seed) or
// follows the count with --watch; on 403/401 explains once and keeps retrying, not ready meanwhile;
// with --once it measures once and exits with a code that names the problem.

import { Backoff } from "../../client/index.ts";
import type { AppContext } from "../shared/app.ts";
import { EXIT, type ExitCode } from "../shared/exit-codes.ts";
import { informersReadiness } from "../shared/informer-readiness.ts";
import type { ResultPrinter } from "../shared/result-printer.ts";
import { pause, untilAborted } from "../shared/shutdown.ts";
import { countPods } from "./count.ts";
import { countRecord, countSentence } from "./format.ts";
import { PodCountGauge } from "./gauge.ts";
import type { PodCount, PodCountQuery } from "./query.ts";
import { PodCountWatch } from "./watch.ts";

export interface PodCounterOptions {
  query: PodCountQuery;
  mode: { kind: "once" } | { kind: "poll"; everyMs: number } | { kind: "watch"; debounceMs: number };
  printer: ResultPrinter;
  /** Back-off between failed attempts (default 1 s doubling to 30 s). */
  backoff?: { initialMs?: number; maxMs?: number };
}

export async function runPodCounter(app: AppContext, options: PodCounterOptions): Promise<ExitCode> {
  const gauge = new PodCountGauge(app.metrics.registry, options.query);
  const report = (count: PodCount) => {
    gauge.record(count);
    app.metrics.markSuccess();
    options.printer.print(countSentence(count, options.query), countRecord(count, options.query));
  };
  if (options.mode.kind === "watch") return watchCounts(app, options, options.mode.debounceMs, report);
  return pollCounts(app, options, report);
}

async function pollCounts(
  app: AppContext,
  options: PodCounterOptions,
  report: (count: PodCount) => void,
): Promise<ExitCode> {
  const { mode } = options;
  const backoff = new Backoff({ initialMs: 1000, maxMs: 30_000, ...options.backoff });
  app.metrics.setReadiness({ ready: false, reason: "counting pods for the first time" });
  while (!app.signal.aborted) {
    let count: PodCount;
    try {
      count = await countPods(app.client, options.query, app.signal);
    } catch (error) {
      if (app.signal.aborted) break;
      if (mode.kind === "once") return app.reporter.fatal(error).exitCode;
      const delay = backoff.next();
      const failure = app.reporter.failed(error, delay);
      app.metrics.setReadiness({ ready: false, reason: failure.summary });
      await pause(delay, app.signal);
      continue;
    }
    backoff.reset();
    app.reporter.succeeded();
    app.metrics.setReadiness({ ready: true });
    report(count);
    if (mode.kind === "once") return EXIT.ok;
    if (mode.kind === "poll") await pause(mode.everyMs, app.signal);
  }
  return EXIT.ok;
}

async function watchCounts(
  app: AppContext,
  options: PodCounterOptions,
  debounceMs: number,
  report: (count: PodCount) => void,
): Promise<ExitCode> {
  const watch = new PodCountWatch(app.client, options.query, {
    debounceMs,
    backoff: options.backoff,
    onChange: report,
    onError: (error) => app.reporter.failed(error),
    onSynced: () => {
      app.reporter.succeeded();
      app.metrics.markSuccess();
    },
  });
  for (const [name, informer] of watch.informers) app.metrics.trackWatch(name, informer);
  app.metrics.setReadiness(() => informersReadiness(watch.informers.values(), "the first list of pods"));
  await untilAborted(app.signal);
  watch.stop();
  return EXIT.ok;
}
