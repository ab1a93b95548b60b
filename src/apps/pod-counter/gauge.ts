// incluster_pods{scope, namespace, phase}: the latest count. With a breakdown there is one series per
// namespace or phase and no separate total (sum(incluster_pods) is the total; nothing is counted twice).
import { Gauge, type Registry } from "prom-client";
import { POD_PHASES, type PodCount, type PodCountQuery } from "./query.ts";

export class PodCountGauge {
  readonly #gauge: Gauge<"scope" | "namespace" | "phase">;
  readonly #query: PodCountQuery;

  constructor(registry: Registry, query: PodCountQuery) {
    this.#query = query;
    this.#gauge = new Gauge({
      name: "incluster_pods",
      help: "Pods counted at the last successful measurement (selectors as given on the command line).",
      labelNames: ["scope", "namespace", "phase"],
      registers: [registry],
    });
  }

  record(count: PodCount): void {
    const scope = this.#query.namespace ? "namespace" : "cluster";
    const namespace = this.#query.namespace ?? "";
    this.#gauge.reset();
    if (!this.#query.by) {
      this.#gauge.set({ scope, namespace, phase: "" }, count.total);
      return;
    }
    if (this.#query.by === "phase") {
      // A bounded set: every phase gets a series, zeros included, so rate() and alerts see drops to 0.
      for (const phase of POD_PHASES)
        this.#gauge.set({ scope, namespace, phase }, count.breakdown?.[phase] ?? 0);
      return;
    }
    for (const [key, value] of Object.entries(count.breakdown ?? {})) {
      this.#gauge.set({ scope, namespace: key, phase: "" }, value);
    }
  }
}
