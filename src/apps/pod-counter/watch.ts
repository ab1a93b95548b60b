// --watch: counts kept current by metadata-only informers (one list, then a watch; names and labels only,
// a fraction of the bytes of full Pods), reported when the count changes, debounced so a rollout of 50
// Pods is one line, not 50. A phase breakdown uses one informer per phase (field selector status.phase):
// metadata carries no status, and the server moves a Pod between them when its phase changes.
import type { Informer, KubeClient, PartialObjectMetadata } from "../../client/index.ts";
import { type Coalescer, coalesce } from "../shared/coalesce.ts";
import { fromEntries } from "./count.ts";
import { POD_PHASES, type PodCount, type PodCountQuery, phaseSelector } from "./query.ts";

export interface PodCountWatchOptions {
  debounceMs: number;
  onChange: (count: PodCount) => void;
  onError: (error: Error) => void;
  /** After every complete (re)list. */
  onSynced: () => void;
  backoff?: { initialMs?: number; maxMs?: number };
}

type MetadataInformer = Informer<PartialObjectMetadata>;

export class PodCountWatch {
  /** Informers by name ("pods", or "pods:Running"…), for metrics. */
  readonly informers = new Map<string, MetadataInformer>();
  readonly #query: PodCountQuery;
  readonly #options: PodCountWatchOptions;
  readonly #changes: Coalescer;
  #last: string | undefined;

  constructor(client: KubeClient, query: PodCountQuery, options: PodCountWatchOptions) {
    this.#query = query;
    this.#options = options;
    this.#changes = coalesce(options.debounceMs, () => this.#report());
    const pods = client.resource<PartialObjectMetadata>("pods");
    const base = {
      ...(query.namespace ? { namespace: query.namespace } : { allNamespaces: true }),
      labelSelector: query.labelSelector,
      metadataOnly: true,
      autoStart: false,
      backoff: { initialMs: 1000, maxMs: 30_000, ...options.backoff },
    };
    const phases = query.by === "phase" ? POD_PHASES : [undefined];
    for (const phase of phases) {
      const fieldSelector = phase ? phaseSelector(query.fieldSelector, phase) : query.fieldSelector;
      this.informers.set(watchName(phase), pods.informer({ ...base, fieldSelector }));
    }
    for (const informer of this.informers.values()) {
      informer.on("add", this.#changes.schedule);
      informer.on("delete", this.#changes.schedule);
      informer.on("synced", () => {
        options.onSynced();
        this.#changes.schedule();
      });
      informer.on("error", options.onError);
      informer.start();
    }
  }

  current(): PodCount | undefined {
    const informers = [...this.informers.values()];
    if (!informers.every((informer) => informer.hasSynced)) return undefined;
    if (this.#query.by === "phase") {
      return fromEntries(
        POD_PHASES.map((phase) => [phase, this.informers.get(watchName(phase))!.store.size]),
      );
    }
    const [informer] = informers;
    if (this.#query.by !== "namespace") return { total: informer.store.size };
    const perNamespace = new Map<string, number>();
    for (const pod of informer.store.list()) {
      const namespace = pod.metadata.namespace ?? "";
      perNamespace.set(namespace, (perNamespace.get(namespace) ?? 0) + 1);
    }
    return fromEntries(perNamespace);
  }

  stop(): void {
    this.#changes.cancel();
    for (const informer of this.informers.values()) informer.stop();
  }

  #report(): void {
    const count = this.current();
    if (!count) return;
    const key = JSON.stringify(count);
    if (key === this.#last) return;
    this.#last = key;
    this.#options.onChange(count);
  }
}

function watchName(phase: string | undefined): string {
  return phase ? `pods:${phase}` : "pods";
}
