// Time as the runtime sees it. Token refresh decisions read this clock so tests can move it forward.
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** metav1.Time as the API writes it: RFC 3339, whole seconds, UTC. */
export function rfc3339(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}

/**
 * A delay for setTimeout: Node fires a timer set beyond 2^31-1 ms (about 24.8 days) after 1 ms, so a long
 * grace period (an int64 of seconds in the API) would end at once; it waits the longest a timer can.
 */
export function timerDelay(ms: number): number {
  return Math.min(ms, 2 ** 31 - 1);
}
