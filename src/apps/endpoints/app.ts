// `incluster endpoints watch SERVICE`: service discovery without DNS (seed 003). An informer on the
// Service's EndpointSlices (label kubernetes.io/service-name) in one namespace, so a namespaced Role with
// get/list/watch on endpointslices is all it needs; prints the ready address set whenever it changes, and
// with `probe` first connects to each ready endpoint and reports which answered (probe.ts).
import type { EndpointSlice } from "kubernetes-types/discovery/v1.d.ts";
import { Gauge } from "prom-client";
import type { AppContext } from "../shared/app.ts";
import { coalesce } from "../shared/coalesce.ts";
import { EXIT, type ExitCode } from "../shared/exit-codes.ts";
import { informersReadiness } from "../shared/informer-readiness.ts";
import type { ResultPrinter } from "../shared/result-printer.ts";
import { untilAborted } from "../shared/shutdown.ts";
import { endpointsRecord, endpointsSentence, probeRecord, probeSentence, type ServiceRef } from "./format.ts";
import { type ProbeSpec, probeEndpoints } from "./probe.ts";
import { type ReadyEndpoints, readyEndpoints, sameEndpoints } from "./ready-endpoints.ts";

const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
const ENDPOINT_SLICES = {
  group: "discovery.k8s.io",
  version: "v1",
  resource: "endpointslices",
  namespaced: true,
  kind: "EndpointSlice",
};

export interface EndpointsWatchOptions {
  service: ServiceRef;
  printer: ResultPrinter;
  /** Coalesce bursts (a rollout touches slices many times) into one report. */
  debounceMs: number;
  backoff?: { initialMs?: number; maxMs?: number };
  /** Connect to each ready endpoint on every change and report which answered. */
  probe?: ProbeSpec;
}

export async function runEndpointsWatch(app: AppContext, options: EndpointsWatchOptions): Promise<ExitCode> {
  const { service } = options;
  const gauge = new Gauge({
    name: "incluster_service_ready_endpoints",
    help: "Ready endpoint addresses of the watched Service.",
    labelNames: ["namespace", "service"],
    registers: [app.metrics.registry],
  });
  const informer = app.client.resource<EndpointSlice>(ENDPOINT_SLICES).informer({
    namespace: service.namespace,
    labelSelector: `${SERVICE_NAME_LABEL}=${service.name}`,
    autoStart: false,
    backoff: { initialMs: 1000, maxMs: 30_000, ...options.backoff },
  });
  const probed = new Gauge({
    name: "incluster_service_probed_endpoints",
    help: "Ready endpoints of the watched Service by the outcome of the last --probe (answered or failed).",
    labelNames: ["namespace", "service", "state"],
    registers: options.probe ? [app.metrics.registry] : [],
  });
  app.metrics.trackWatch("endpointslices", informer);
  app.metrics.setReadiness(() => informersReadiness([informer], "the first list of EndpointSlices"));

  const labels = { namespace: service.namespace, service: service.name };
  const report = async (ready: ReadyEndpoints) => {
    const sentence = endpointsSentence(service, ready);
    const record = endpointsRecord(service, ready);
    if (!options.probe) return options.printer.print(sentence, record);
    const probe = await probeEndpoints(ready.addresses, ready.ports, options.probe);
    const answered = probe.results.filter((r) => r.answered).length;
    probed.set({ ...labels, state: "answered" }, answered);
    probed.set({ ...labels, state: "failed" }, probe.results.length - answered);
    options.printer.print(`${sentence}; ${probeSentence(probe)}`, { ...record, probe: probeRecord(probe) });
  };

  let last: ReadyEndpoints | undefined;
  // Reports in order of the changes, each after its probes (which take up to their timeout).
  let reported: Promise<void> = Promise.resolve();
  const changes = coalesce(options.debounceMs, () => {
    if (!informer.hasSynced) return;
    const ready = readyEndpoints(informer.store.list());
    if (sameEndpoints(last, ready)) return;
    last = ready;
    gauge.set(labels, ready.addresses.length);
    app.metrics.markSuccess();
    reported = reported.then(() => report(ready));
  });
  informer.on("add", changes.schedule);
  informer.on("update", changes.schedule);
  informer.on("delete", changes.schedule);
  informer.on("synced", () => {
    app.reporter.succeeded();
    app.metrics.markSuccess();
    changes.schedule();
  });
  informer.on("error", (error) => app.reporter.failed(error));
  informer.start();

  await untilAborted(app.signal);
  changes.cancel();
  informer.stop();
  await reported;
  return EXIT.ok;
}
