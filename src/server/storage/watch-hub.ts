// Watch fan-out. Every watcher of a resource receives the same StoreEvent object (no per-watcher copies).
// Events are queued and drained in rv order, so a callback that writes (and so emits a newer event) cannot
// make other watchers see events out of order; lastRV drops anything a watcher already got from replay.
import type { StoreEvent } from "./entry.ts";

interface Watcher {
  namespace: string | undefined;
  lastRV: number;
  onEvent: (ev: StoreEvent) => void;
}

interface ResourceWatchers {
  all: Set<Watcher>;
  byNamespace: Map<string, Set<Watcher>>;
}

export class WatchHub {
  private readonly watchers = new Map<string, ResourceWatchers>();
  private readonly queue: StoreEvent[] = [];
  private draining = false;

  /** `replay` runs first (with deliveries held back), then live events newer than what it delivered. */
  add(
    resource: string,
    namespace: string | undefined,
    fromRV: number,
    onEvent: (ev: StoreEvent) => void,
    replay: (deliver: (ev: StoreEvent) => void) => void,
  ): { stop(): void } {
    const watcher: Watcher = { namespace, lastRV: fromRV, onEvent };
    const wasDraining = this.draining;
    this.draining = true;
    try {
      replay((ev) => this.deliverTo(watcher, ev));
      this.setFor(resource, namespace).add(watcher);
    } finally {
      this.draining = wasDraining;
    }
    if (!wasDraining) this.drain();
    return { stop: () => this.remove(resource, namespace, watcher) };
  }

  publish(ev: StoreEvent): void {
    this.queue.push(ev);
    if (!this.draining) this.drain();
  }

  count(resource?: string): number {
    let n = 0;
    for (const [r, w] of this.watchers) {
      if (resource !== undefined && r !== resource) continue;
      n += w.all.size;
      for (const set of w.byNamespace.values()) n += set.size;
    }
    return n;
  }

  clear(): void {
    this.watchers.clear();
  }

  private drain(): void {
    this.draining = true;
    try {
      for (let ev = this.queue.shift(); ev; ev = this.queue.shift()) {
        const w = this.watchers.get(ev.entry.resource);
        if (!w) continue;
        for (const watcher of w.all) this.deliverTo(watcher, ev);
        const inNamespace = w.byNamespace.get(ev.entry.namespace);
        if (inNamespace) for (const watcher of inNamespace) this.deliverTo(watcher, ev);
      }
    } finally {
      this.draining = false;
    }
  }

  private deliverTo(watcher: Watcher, ev: StoreEvent): void {
    if (ev.rv <= watcher.lastRV) return;
    watcher.lastRV = ev.rv;
    try {
      watcher.onEvent(ev);
    } catch (err) {
      // One broken consumer must not stall the others or the write path; surface it without throwing.
      process.emitWarning(`storage watcher callback threw: ${(err as Error)?.stack ?? err}`);
    }
  }

  private setFor(resource: string, namespace: string | undefined): Set<Watcher> {
    let w = this.watchers.get(resource);
    if (!w) {
      w = { all: new Set(), byNamespace: new Map() };
      this.watchers.set(resource, w);
    }
    if (namespace === undefined) return w.all;
    let set = w.byNamespace.get(namespace);
    if (!set) {
      set = new Set();
      w.byNamespace.set(namespace, set);
    }
    return set;
  }

  private remove(resource: string, namespace: string | undefined, watcher: Watcher): void {
    const w = this.watchers.get(resource);
    if (!w) return;
    if (namespace === undefined) {
      w.all.delete(watcher);
    } else {
      const set = w.byNamespace.get(namespace);
      set?.delete(watcher);
      if (set?.size === 0) w.byNamespace.delete(namespace);
    }
    if (w.all.size === 0 && w.byNamespace.size === 0) this.watchers.delete(resource);
  }
}
