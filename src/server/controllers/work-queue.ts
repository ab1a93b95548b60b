// A keyed work queue: events only enqueue keys; reconcile() runs later, once per key at a time,
// so controllers never write re-entrantly from inside a storage event and bursts collapse.
export class WorkQueue {
  private readonly pending = new Set<string>();
  private running = false;
  private idleWaiters: (() => void)[] = [];
  private readonly reconcile: (key: string) => Promise<void>;
  private readonly onError: (key: string, err: unknown) => void;

  constructor(reconcile: (key: string) => Promise<void>, onError: (key: string, err: unknown) => void) {
    this.reconcile = reconcile;
    this.onError = onError;
  }

  add(key: string): void {
    this.pending.add(key);
    if (!this.running) {
      this.running = true;
      setImmediate(() => void this.drain());
    }
  }

  /** Resolves once every queued key has been reconciled (used by startup and tests). */
  idle(): Promise<void> {
    if (!this.running && this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0) {
      const key = this.pending.values().next().value as string;
      this.pending.delete(key);
      try {
        await this.reconcile(key);
      } catch (err) {
        this.onError(key, err);
      }
      // A reconcile against the in-memory store completes in microtasks alone, and its own writes
      // re-enqueue keys: without a turn of the event loop between keys, a busy controller (a ReplicaSet
      // creating Pods pass after pass) would starve every request.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
