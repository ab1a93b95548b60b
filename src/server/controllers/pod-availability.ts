// podutil.IsPodReady / IsPodAvailable (kubernetes pkg/api/v1/pod/util.go): a Pod is available once it
// has been Ready for minReadySeconds. Controllers also learn when a Ready Pod will become available, to
// reconcile again then.
import type { Pod } from "kubernetes-types/core/v1.d.ts";

export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** Milliseconds until a Ready Pod counts as available: 0 when it is, undefined when it is not Ready. */
export function untilAvailable(pod: Pod, minReadySeconds: number, now = Date.now()): number | undefined {
  const ready = (pod.status?.conditions ?? []).find((c) => c.type === "Ready" && c.status === "True");
  if (!ready) return undefined;
  if (minReadySeconds <= 0) return 0;
  const since = Date.parse(ready.lastTransitionTime ?? "");
  if (!Number.isFinite(since)) return 0;
  return Math.max(0, since + minReadySeconds * 1000 - now);
}

/** Availability of a set of Pods: how many are available, and the soonest wake-up for the others. */
export function availability(pods: Pod[], minReadySeconds: number, now = Date.now()) {
  let available = 0;
  let wakeInMs: number | undefined;
  for (const pod of pods) {
    const ms = untilAvailable(pod, minReadySeconds, now);
    if (ms === 0) available++;
    else if (ms !== undefined) wakeInMs = Math.min(wakeInMs ?? ms, ms);
  }
  return { available, wakeInMs };
}
