// What to count: the scope (one namespace or all), selectors, and an optional breakdown.

export type Breakdown = "namespace" | "phase";

export interface PodCountQuery {
  /** Undefined: every namespace. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  by?: Breakdown;
}

export interface PodCount {
  total: number;
  /** Per namespace or per phase, when a breakdown was asked for; only non-zero entries. */
  breakdown?: Record<string, number>;
}

/** PodPhase values in lifecycle order (status.phase is a selectable field of pods). */
export const POD_PHASES = ["Pending", "Running", "Succeeded", "Failed", "Unknown"] as const;

/** The user's field selector narrowed to one phase. */
export function phaseSelector(fieldSelector: string | undefined, phase: string): string {
  return [fieldSelector, `status.phase=${phase}`].filter(Boolean).join(",");
}

/** Entries in display order: phases in lifecycle order, namespaces alphabetically. */
export function breakdownEntries(count: PodCount, by: Breakdown): [string, number][] {
  const entries = Object.entries(count.breakdown ?? {});
  if (by === "phase") {
    const order = (phase: string) => POD_PHASES.indexOf(phase as (typeof POD_PHASES)[number]);
    return entries.sort(([a], [b]) => order(a) - order(b));
  }
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
