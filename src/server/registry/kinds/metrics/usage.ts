// metrics.k8s.io/v1beta1 objects (k8s.io/metrics pkg/apis/metrics/v1beta1/types.go) as metrics-server
// builds them (kubernetes-sigs/metrics-server pkg/storage/{pod,node,types}.go) and its Table form
// (pkg/api/table.go). The usage numbers come from the runtime (ServerContext.metrics).

import { canonicalQuantity, formatMilli, quantityMilli } from "../../../../meta/quantity.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import type { NodeUsage, PodUsage, ResourceUsage } from "../../../../meta/usage.ts";
import { goDuration } from "../../go-duration.ts";
import { asMap, asMaps, asString } from "../../json-access.ts";
import type { TableColumn } from "../../tables.ts";

export const METRICS_GROUP = "metrics.k8s.io";
export const METRICS_VERSION = "v1beta1";
const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

/** The ResourceList of a usage: cpu a DecimalSI quantity scaled to nano, memory a BinarySI one (uint64Quantity). */
export function usageList(u: ResourceUsage): { cpu: string; memory: string } {
  return {
    cpu: canonicalQuantity(`${Math.max(Math.floor(u.cpuNanoCores), 0)}n`),
    memory: formatMilli(BigInt(Math.max(Math.floor(u.memoryBytes), 0)) * 1000n, true),
  };
}

/** metav1.Duration's JSON form of a whole number of milliseconds. */
export const goDurationString = (ms: number) => goDuration(BigInt(Math.round(ms)) * 1_000_000n);

/** metav1.Time: RFC 3339 in UTC, whole seconds. */
const metaTime = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

export function podMetrics(
  pod: { namespace: string; name: string; labels?: Record<string, string> },
  usage: PodUsage,
  now: Date,
): KubeObject {
  return {
    kind: "PodMetrics",
    apiVersion: API_VERSION,
    metadata: {
      name: pod.name,
      namespace: pod.namespace,
      creationTimestamp: metaTime(now),
      ...(pod.labels && Object.keys(pod.labels).length ? { labels: pod.labels } : {}),
    },
    timestamp: metaTime(usage.timestamp),
    window: goDurationString(usage.windowMs),
    containers: usage.containers.map((c) => ({ name: c.name, usage: usageList(c.usage) })),
  };
}

export function nodeMetrics(
  node: { name: string; labels?: Record<string, string> },
  usage: NodeUsage,
  now: Date,
): KubeObject {
  return {
    kind: "NodeMetrics",
    apiVersion: API_VERSION,
    metadata: {
      name: node.name,
      creationTimestamp: metaTime(now),
      ...(node.labels && Object.keys(node.labels).length ? { labels: node.labels } : {}),
    },
    timestamp: metaTime(usage.timestamp),
    window: goDurationString(usage.windowMs),
    usage: usageList(usage.usage),
  };
}

// --- Table (pkg/api/table.go): Name, one column per usage resource (sorted: cpu, memory), Window. ---

export const METRICS_COLUMNS: TableColumn[] = [
  { name: "Name", type: "string", format: "name", description: "Name of the resource", priority: 0 },
  { name: "cpu", type: "string", format: "quantity", description: "", priority: 0 },
  { name: "memory", type: "string", format: "quantity", description: "", priority: 0 },
  { name: "Window", type: "string", format: "duration", description: "", priority: 0 },
];

const NANO: Record<string, bigint> = { n: 1n, u: 1000n, m: 1_000_000n, "": 1_000_000_000n, k: 10n ** 12n };

/** A CPU quantity usageList writes, in nanocores (quantityMilli would round it up to millicores). */
function nanocores(q: string): bigint {
  const m = /^(\d+)([a-z]?)$/.exec(q);
  const unit = m ? NANO[m[2]!] : undefined;
  return m && unit !== undefined ? BigInt(m[1]!) * unit : 0n;
}

/** A row's cells: the Pod's containers' usage summed (Quantity.Add), or the node's. */
export function metricsCells(obj: KubeObject): unknown[] {
  const lists =
    obj.kind === "PodMetrics" ? asMaps(obj.containers).map((c) => asMap(c.usage)) : [asMap(obj.usage)];
  let cpu = 0n;
  let memory = 0n;
  for (const l of lists) {
    cpu += nanocores(asString(l.cpu));
    memory += quantityMilli(asString(l.memory)) / 1000n;
  }
  const sum = usageList({ cpuNanoCores: Number(cpu), memoryBytes: Number(memory) });
  return [obj.metadata?.name ?? "", sum.cpu, sum.memory, asString(obj.window)];
}
