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
