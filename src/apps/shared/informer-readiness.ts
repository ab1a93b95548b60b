// Readiness of an app that serves from informers: ready while every one of them is synced (listed and
// watching); otherwise the last error of one that is not, or what it is still waiting for.
import type { Readiness } from "./metrics.ts";

export interface InformerState {
  readonly state: string;
  readonly lastError: Error | undefined;
}

export function informersReadiness(informers: Iterable<InformerState>, waitingFor: string): Readiness {
  const notSynced = [...informers].filter((informer) => informer.state !== "synced");
  if (notSynced.length === 0) return { ready: true };
  const failing = notSynced.find((informer) => informer.lastError);
  return { ready: false, reason: failing?.lastError?.message ?? `waiting for ${waitingFor}` };
}
