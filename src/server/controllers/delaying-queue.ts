// A controller's work queue with AddAfter (client-go's delaying, rate-limited queue, simplified): storage
// events enqueue keys, a reconcile may ask to run again after a delay on the controller's clock, and a
// failed reconcile is retried 1 s later, doubling, eight times.
import type { Clock } from "./clock.ts";
import type { Controller, ControllerContext } from "./context.ts";
import { WorkQueue } from "./work-queue.ts";

/** A work queue fed by storage events, with AddAfter (one pending timer per key). */
export function delayingQueue(
  c: ControllerContext,
  name: string,
  clock: Clock,
  reconcile: (key: string, requeueAfter: (ms: number) => void) => Promise<void>,
  triggers: {
    resource: string;
    key: (e: { namespace: string; name: string; json: string }) => string | string[] | undefined;
  }[],
  initialKeys: () => string[],
): Controller {
  const timers = new Map<string, { at: number; cancel: () => void }>();
  const failures = new Map<string, number>();
  const queue: WorkQueue = new WorkQueue(
    (key) =>
      reconcile(key, (ms) => {
        const at = clock.now().getTime() + ms;
        const pending = timers.get(key);
        if (pending && pending.at <= at) return;
        pending?.cancel();
        timers.set(key, {
          at,
          cancel: clock.after(ms, () => {
            timers.delete(key);
            queue.add(key);
          }),
        });
      }).then(() => {
        failures.delete(key);
      }),
    (key, err) => {
      // The rate-limited requeue: 1 s, doubling, given up after 8 tries (new events still enqueue the key).
      const n = (failures.get(key) ?? 0) + 1;
      failures.set(key, n);
      c.log.warn({ controller: name, key, err: (err as Error).message, attempt: n }, "reconcile failed");
      if (n <= 8) setTimeout(() => queue.add(key), 1000 * 2 ** (n - 1)).unref();
    },
  );
  for (const t of triggers) {
    c.store.watch(t.resource, { fromRV: c.store.currentRV() }, (ev) => {
      const keys = t.key(ev.entry);
      for (const key of typeof keys === "string" ? [keys] : (keys ?? [])) queue.add(key);
    });
  }
  for (const k of initialKeys()) queue.add(k);
  return { name, idle: () => queue.idle() };
}
