// A watched, compiled view of configuration objects (the configuration managers of k8s.io/apiserver
// pkg/admission/configuration/*_manager.go): listed once, then kept current by a storage watch, so the
// request path never lists storage. Items are in name order, as upstream sorts configurations.
import type { StoredObject } from "../../../meta/types.ts";
import type { Store } from "../../storage/index.ts";

export class WatchedConfigs<T> {
  private readonly byName = new Map<string, T>();
  private sorted: T[] | undefined;
  private watch: { stop(): void } | undefined;
  private readonly store: Store;
  private readonly resource: string;
  private readonly compile: (obj: StoredObject) => T;

  /** `compile` turns a stored object into what dispatch uses (parsed selectors, compiled CEL). */
  constructor(store: Store, resource: string, compile: (obj: StoredObject) => T) {
    this.store = store;
    this.resource = resource;
    this.compile = compile;
  }

  /** Lazily starts on first use: the resource must be registered with storage by then. */
  items(): readonly T[] {
    if (!this.watch) this.start();
    if (!this.sorted) {
      this.sorted = [...this.byName.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, v]) => v);
    }
    return this.sorted;
  }

  private start(): void {
    const listed = this.store.list(this.resource);
    for (const e of listed.items) this.byName.set(e.name, this.compile(e.object()));
    this.watch = this.store.watch(this.resource, { fromRV: listed.rv }, (ev) => {
      if (ev.type === "DELETED") this.byName.delete(ev.entry.name);
      else this.byName.set(ev.entry.name, this.compile(ev.entry.object()));
      this.sorted = undefined;
    });
  }

  stop(): void {
    this.watch?.stop();
  }
}
