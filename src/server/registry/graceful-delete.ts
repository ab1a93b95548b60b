// Graceful deletion's timing, ported from k8s.io/apiserver pkg/registry/rest/delete.go (BeforeDelete) and
// generic/registry/store.go (markAsDeleting): a negative grace period counts as 1 s; an object already
// being deleted may only have its grace period shortened (`kubectl delete --grace-period=0 --force` on a
// Pod stuck Terminating); the deadline never moves into the past. Go computes `time.Second *
// time.Duration(seconds)` in int64 nanoseconds, which wraps for periods past ~292 years; so does this, so a
// huge gracePeriodSeconds is a date, not an error.
import type { ObjectMeta } from "kubernetes-types/meta/v1.d.ts";

/** What a DELETE does to an object's deletion metadata. */
export type GracefulStep =
  /** Set deletionTimestamp/deletionGracePeriodSeconds and write; delete at once if the period is 0 and no finalizer waits. */
  | { kind: "graceful"; deletionTimestamp: Date; gracePeriodSeconds: number }
  /** Already being deleted with a period no longer than the one asked for: nothing changes. */
  | { kind: "pending" }
  /** Not graceful: delete now, or (finalizers pending) mark as deleting. */
  | { kind: "immediate" };

/** BeforeDelete's normalisation: negative values are treated as 1 s on the delete path. */
export const requestedGracePeriod = (seconds: number | undefined): number | undefined =>
  seconds !== undefined && seconds < 0 ? 1 : seconds;

/** `t.Add(time.Second * time.Duration(seconds))` with Go's int64 wrap-around. */
export function addGoSeconds(t: Date, seconds: number): Date {
  const nanos = BigInt.asIntN(64, BigInt(Math.trunc(seconds)) * 1_000_000_000n);
  return new Date(t.getTime() + Number(nanos / 1_000_000n));
}

/**
 * BeforeDelete for an object already being deleted by a graceful strategy (Pods): only a shorter period
 * than the one running moves the deadline, back by the old period and forward by the new one, never before
 * now (a graceful request then gets 1 s, so another actor still does the final delete).
 */
export function shortenGracefulDeletion(
  meta: ObjectMeta,
  requested: number | undefined,
  now: Date,
): GracefulStep {
  const running = meta.deletionGracePeriodSeconds;
  if (running === undefined || running === 0 || meta.deletionTimestamp === undefined)
    return { kind: "immediate" };
  if (requested === undefined || requested >= running) return { kind: "pending" };
  let deadline = addGoSeconds(addGoSeconds(new Date(meta.deletionTimestamp), -running), requested);
  let period = requested;
  if (deadline.getTime() < now.getTime()) {
    deadline = now;
    if (period !== 0) period = 1;
  }
  return { kind: "graceful", deletionTimestamp: deadline, gracePeriodSeconds: period };
}
