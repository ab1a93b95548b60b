// When a watcher that does not keep up is closed — the watch cache's rule, ported from
// staging/src/k8s.io/apiserver/pkg/storage/cacher/{watch_cache_history.go,cacher.go,cache_watcher.go,time_budget.go}.
//
// Upstream each watcher has a buffered channel of `chanSize` events (input) feeding a second one (result) that
// the HTTP writer drains. Dispatch never blocks on a full one for long: it waits at most the time budget
// (≤ 100 ms, refilled at 50 ms per second, shared by the resource's watchers), then logs "Forcing … watcher
// close due to unresponsiveness" and terminates the watchers still blocked; their clients re-watch from their
// last resourceVersion. Here the two channels are the events not yet taken by the kernel (queued for the socket
// or held by it): a watcher is blocked when more than 2 × chanSize of its events are, and the blocked
// watchers of a resource share one budget window exactly as a blocked dispatch does.
import type { FieldSelector } from "../../meta/fields.ts";

/** watch_cache_history.go: minWatchChanSize, maxWatchChanSizeWithIndexAndTrigger, …WithIndexWithoutTrigger, …WithoutIndex. */
const MIN_WATCH_CHAN_SIZE = 10;
const MAX_WATCH_CHAN_SIZE_WITH_INDEX_AND_TRIGGER = 10;
const MAX_WATCH_CHAN_SIZE_WITH_INDEX_WITHOUT_TRIGGER = 1000;
const MAX_WATCH_CHAN_SIZE_WITHOUT_INDEX = 100;
/** cacher.go DefaultEventFreshDuration: defaultBookmarkFrequency (1 min) + 15 s. */
const EVENT_FRESH_DURATION_SECONDS = 75;
/** time_budget.go refreshPerSecond, maxBudget. */
const BUDGET_REFRESH_PER_SECOND_MS = 50;
const MAX_BUDGET_MS = 100;

/**
 * watchCacheHistory.suggestedWatchChannelSize: about one second of history, at least 10. `indexed` is whether
 * the resource has an indexed trigger (upstream: Pods, by spec.nodeName), `triggered` whether this watch
 * selects on it exactly (a kubelet's `spec.nodeName=<node>`).
 */
export function watchChanSize(historyCapacity: number, indexed: boolean, triggered: boolean): number {
  const size = Math.max(Math.ceil(historyCapacity / EVENT_FRESH_DURATION_SECONDS), MIN_WATCH_CHAN_SIZE);
  const max = !indexed
    ? MAX_WATCH_CHAN_SIZE_WITHOUT_INDEX
    : triggered
      ? MAX_WATCH_CHAN_SIZE_WITH_INDEX_AND_TRIGGER
      : MAX_WATCH_CHAN_SIZE_WITH_INDEX_WITHOUT_TRIGGER;
  return Math.min(size, max);
}

/** Upstream's only built-in indexed trigger: Pods by spec.nodeName (registry/core/pod/storage/storage.go). */
const INDEXED_TRIGGERS: Readonly<Record<string, string>> = { pods: "spec.nodeName" };

/** chanSize for a watch of `resource` (a storage key) selecting `field`. */
export function chanSizeFor(
  resource: string,
  historyCapacity: number,
  field: FieldSelector | undefined,
): number {
  const trigger = INDEXED_TRIGGERS[resource];
  const triggered = field?.requirements.some((r) => r.field === trigger && r.operator === "=") ?? false;
  return watchChanSize(historyCapacity, trigger !== undefined, triggered);
}

/** time_budget.go: a budget of time refilled as time passes, taken whole and partly given back. */
export class TimeBudget {
  private budget = 0;
  private last: number;
  private readonly now: () => number;

  constructor(now: () => number = performance.now.bind(performance)) {
    this.now = now;
    this.last = now();
  }

  takeAvailable(): number {
    const now = this.now();
    const accrued = Math.max(0, ((now - this.last) / 1000) * BUDGET_REFRESH_PER_SECOND_MS);
    this.budget = Math.min(this.budget + accrued, MAX_BUDGET_MS);
    this.last = now;
    const taken = this.budget;
    this.budget = 0;
    return taken;
  }

  returnUnused(unused: number): void {
    if (unused < 0) return;
    this.budget = Math.min(this.budget + unused, MAX_BUDGET_MS);
  }
}

export interface BlockableWatcher {
  /** Still more events outstanding than its channels hold. */
  blocked(): boolean;
  /** Terminates the watch ("Forcing … watcher close due to unresponsiveness"). */
  forceClose(): void;
}

/**
 * One resource's dispatch budget. A watcher found blocked joins the open window (or opens one with all the
 * available budget); when the window ends, the watchers still blocked are closed. If every one of them
 * unblocks first, the window ends early and the unused time goes back to the budget.
 */
export class UnresponsiveWatchers {
  private readonly budget: TimeBudget;
  private window:
    | { started: number; taken: number; timer: NodeJS.Timeout; members: Set<BlockableWatcher> }
    | undefined;

  constructor(budget = new TimeBudget()) {
    this.budget = budget;
  }

  /** Called when `w` may have become blocked (after its events were queued). */
  check(w: BlockableWatcher): void {
    if (!w.blocked() || this.window?.members.has(w)) return;
    if (!this.window) {
      const taken = this.budget.takeAvailable();
      if (taken <= 0) return w.forceClose();
      const timer = setTimeout(() => this.expire(), taken);
      timer.unref();
      this.window = { started: performance.now(), taken, timer, members: new Set() };
    }
    this.window.members.add(w);
  }

  /** Called when `w` may have caught up (its socket took a write); a window with no blocked members ends. */
  unblocked(w: BlockableWatcher): void {
    const window = this.window;
    if (!window?.members.has(w) || w.blocked()) return;
    window.members.delete(w);
    if (window.members.size > 0) return;
    clearTimeout(window.timer);
    this.window = undefined;
    this.budget.returnUnused(window.taken - (performance.now() - window.started));
  }

  /** A watch that ended for another reason leaves the window. */
  forget(w: BlockableWatcher): void {
    this.window?.members.delete(w);
  }

  private expire(): void {
    const window = this.window;
    this.window = undefined;
    if (!window) return;
    for (const w of window.members) if (w.blocked()) w.forceClose();
  }
}

/** Each store's resources' dispatch budgets (upstream has a cacher, so a budget, per resource). */
const byStore = new WeakMap<object, Map<string, UnresponsiveWatchers>>();

export function unresponsiveWatchersOf(store: object, resource: string): UnresponsiveWatchers {
  let byResource = byStore.get(store);
  if (!byResource) {
    byResource = new Map();
    byStore.set(store, byResource);
  }
  let watchers = byResource.get(resource);
  if (!watchers) {
    watchers = new UnresponsiveWatchers();
    byResource.set(resource, watchers);
  }
  return watchers;
}
