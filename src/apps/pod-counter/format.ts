// The seed's sentence, "There are 32 pods in the cluster", extended with scope, selectors and breakdown;
// and the same facts as a JSON record.
import { breakdownEntries, type PodCount, type PodCountQuery } from "./query.ts";

export function countSentence(count: PodCount, query: PodCountQuery): string {
  const subject = count.total === 1 ? "There is 1 pod" : `There are ${count.total} pods`;
  const selectors = [query.labelSelector, query.fieldSelector].filter(Boolean).join(",");
  const matching = selectors ? ` matching ${selectors}` : "";
  const scope = query.namespace ? `in namespace ${query.namespace}` : "in the cluster";
  const entries = query.by ? breakdownEntries(count, query.by) : [];
  const breakdown = entries.length > 0 ? ` (${entries.map(([k, n]) => `${k}: ${n}`).join(", ")})` : "";
  return `${subject}${matching} ${scope}${breakdown}`;
}

export function countRecord(count: PodCount, query: PodCountQuery): Record<string, unknown> {
  return {
    count: count.total,
    scope: query.namespace ? "namespace" : "cluster",
    ...(query.namespace ? { namespace: query.namespace } : {}),
    ...(query.labelSelector ? { labelSelector: query.labelSelector } : {}),
    ...(query.fieldSelector ? { fieldSelector: query.fieldSelector } : {}),
    ...(query.by ? { by: query.by, counts: Object.fromEntries(breakdownEntries(count, query.by)) } : {}),
  };
}
