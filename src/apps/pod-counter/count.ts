// One measurement, as cheap as the question allows: the client's count() is a single limit=1 request
// when the server reports remainingItemCount; a phase breakdown is one count per phase (field selector
// status.phase); a namespace breakdown pages through metadata only (no specs, no statuses).
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { KubeClient, ListOptions } from "../../client/index.ts";
import { POD_PHASES, type PodCount, type PodCountQuery, phaseSelector } from "./query.ts";

export async function countPods(
  client: KubeClient,
  query: PodCountQuery,
  signal?: AbortSignal,
): Promise<PodCount> {
  const pods = client.resource<Pod>("pods");
  const options: ListOptions = {
    ...(query.namespace ? { namespace: query.namespace } : { allNamespaces: true }),
    labelSelector: query.labelSelector,
    fieldSelector: query.fieldSelector,
    signal,
  };
  if (query.by === "phase") {
    const counts = await Promise.all(
      POD_PHASES.map((phase) =>
        pods.count({ ...options, fieldSelector: phaseSelector(query.fieldSelector, phase) }),
      ),
    );
    return fromEntries(POD_PHASES.map((phase, i) => [phase, counts[i]]));
  }
  if (query.by === "namespace") {
    const perNamespace = new Map<string, number>();
    for await (const pod of pods.iterate({ ...options, metadataOnly: true })) {
      const namespace = pod.metadata?.namespace ?? "";
      perNamespace.set(namespace, (perNamespace.get(namespace) ?? 0) + 1);
    }
    return fromEntries([...perNamespace]);
  }
  return { total: await pods.count(options) };
}

/** A PodCount from per-group counts: the total is their sum, zero groups are left out. */
export function fromEntries(entries: Iterable<[string, number]>): PodCount {
  const breakdown: Record<string, number> = {};
  let total = 0;
  for (const [key, count] of entries) {
    total += count;
    if (count > 0) breakdown[key] = count;
  }
  return { total, breakdown };
}
