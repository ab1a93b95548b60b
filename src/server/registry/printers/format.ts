// Cell formatting helpers shared by the printers (printers.go translateTimestampSince, listWithMoreString…).
import type { KubeObject } from "../../../meta/types.ts";
import { humanDuration } from "../duration.ts";
import { asMap, asString } from "../json-access.ts";

/** Epoch ms of an RFC3339 timestamp; undefined for the zero/absent time. */
export function timeOf(v: unknown): number | undefined {
  if (typeof v !== "string" || v === "") return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

/** translateTimestampSince: "<unknown>" for a zero time, else HumanDuration of the elapsed time. */
export function since(timestamp: unknown, now: number): string {
  const t = timeOf(timestamp);
  return t === undefined ? "<unknown>" : humanDuration(now - t);
}

export const age = (obj: KubeObject, now: number) => since(obj.metadata?.creationTimestamp, now);
export const nameOf = (obj: KubeObject) => obj.metadata?.name ?? "";

/** labels.FormatLabels: sorted "k=v" pairs joined by ",", or "<none>". */
export function formatLabels(labels: unknown): string {
  const m = asMap(labels);
  const s = Object.keys(m)
    .sort()
    .map((k) => `${k}=${asString(m[k])}`)
    .join(",");
  return s === "" ? "<none>" : s;
}

/** The first `max` entries joined by ",", then " + N more..." (listWithMoreString). */
export function listWithMore(
  list: string[],
  more: boolean,
  count: number,
  max: number,
  empty: string,
): string {
  const joined = list.join(",");
  if (more) return `${joined} + ${count - max} more...`;
  return joined === "" ? empty : joined;
}
