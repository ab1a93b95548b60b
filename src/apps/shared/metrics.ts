// Prometheus metrics every incluster app exposes: API request latency and errors (from the client's
// onRequest hook), token reloads, watch restarts, readiness, and the process/runtime metrics of
// prom-client. App-specific gauges (pod counts, endpoints) register on the same registry.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { RequestMetrics } from "../../client/index.ts";
import { apiResourceLabel } from "./api-path-label.ts";

export interface Readiness {
  ready: boolean;
  /** Why not ready (one line), shown by /readyz. */
  reason?: string;
}

/** Anything with a restart count: the client's Informer. */
export interface Restartable {
  readonly restarts: number;
}

export class AppMetrics {
  readonly registry = new Registry();
  readonly #requestDuration: Histogram<"method" | "resource" | "code">;
  readonly #requestErrors: Counter<"method" | "resource" | "code">;
  readonly #tokenReloads: Counter;
  readonly #lastSuccess: Gauge;
  readonly #watches = new Map<string, Restartable>();
  readonly #reportedRestarts = new Map<string, number>();
  #lastToken: string | undefined;
  #readiness: () => Readiness = () => ({ ready: false, reason: "starting" });

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#requestDuration = new Histogram({
      name: "incluster_api_request_duration_seconds",
      help: "Kubernetes API request latency, retries included; watches are measured until their headers arrive.",
      labelNames: ["method", "resource", "code"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.#requestErrors = new Counter({
      name: "incluster_api_request_errors_total",
      help: "Kubernetes API requests that failed: HTTP status >= 400, or the connection error code.",
      labelNames: ["method", "resource", "code"],
      registers,
    });
    this.#tokenReloads = new Counter({
      name: "incluster_token_reloads_total",
      help: "Times the client started using a new bearer token (kubelet rotation of the projected token).",
      registers,
    });
    const watches = this.#watches;
    const reported = this.#reportedRestarts;
    new Counter({
      name: "incluster_watch_restarts_total",
      help: "Times a watch recovered from an error (re-established or relisted).",
      labelNames: ["watch"],
      registers,
      collect() {
        for (const [name, watch] of watches) {
          const delta = watch.restarts - (reported.get(name) ?? 0);
          if (delta > 0) this.inc({ watch: name }, delta);
          else if (!reported.has(name)) this.inc({ watch: name }, 0);
          reported.set(name, watch.restarts);
        }
      },
    });
    const readiness = () => this.readiness();
    new Gauge({
      name: "incluster_ready",
      help: "1 when the app is ready (what /readyz answers), else 0.",
      registers,
      collect() {
        this.set(readiness().ready ? 1 : 0);
      },
    });
    this.#lastSuccess = new Gauge({
      name: "incluster_last_success_timestamp_seconds",
      help: "Unix time of the last successful read from the API server.",
      registers,
    });
  }

  /** The client's onRequest hook. */
  readonly onRequest = (request: RequestMetrics): void => {
    const code = request.status === 0 ? (request.error ?? "error") : String(request.status);
    const labels = { method: request.method, resource: apiResourceLabel(request.path), code };
    this.#requestDuration.observe(labels, request.durationMs / 1000);
    if (request.status === 0 || request.status >= 400) this.#requestErrors.inc(labels);
  };

  /**
   * Counts token changes, checked after every request. The token is compared in memory only, never exported.
   * The first token seen is the initial read, not a reload.
   */
  observeToken(current: string | undefined): void {
    if (current === undefined || current === this.#lastToken) return;
    if (this.#lastToken !== undefined) this.#tokenReloads.inc();
    this.#lastToken = current;
  }

  trackWatch(name: string, watch: Restartable): void {
    this.#watches.set(name, watch);
  }

  /** What /readyz and incluster_ready report. */
  readiness(): Readiness {
    return this.#readiness();
  }

  /** A fixed state, or a function asked on every probe (an informer's live state). */
  setReadiness(readiness: Readiness | (() => Readiness)): void {
    this.#readiness = typeof readiness === "function" ? readiness : () => readiness;
  }

  markSuccess(): void {
    this.#lastSuccess.setToCurrentTime();
  }
}
