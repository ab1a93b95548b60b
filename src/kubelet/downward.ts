// Downward API field paths (fieldpath.ExtractFieldPathAsString plus the kubelet's pod-level fields) and
// container resources (pkg/api/v1/resource/helpers.go ExtractContainerResourceValue,
// MergeContainerResourceLimits, convertQuantityToString), shared by environment variables and downwardAPI
// volumes.
import type { Container, Pod, ResourceFieldSelector } from "kubernetes-types/core/v1.d.ts";
import { quantityError, quantityMilli } from "../meta/quantity.ts";
import { nodeCapacity } from "./node.ts";

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.+)'\]$/;

/** upstream FormatMap: sorted `key="value"` lines, Go-quoted values, no trailing newline. */
export function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((key) => `${key}=${JSON.stringify(map![key])}`)
    .join("\n");
}

/** The value of fieldPath for pod, or an Error naming the unsupported path. */
export function fieldValue(pod: Pod, fieldPath: string): string | Error {
  const meta = pod.metadata ?? {};
  const subscript = SUBSCRIPT.exec(fieldPath);
  if (subscript) {
    const map = subscript[1] === "labels" ? meta.labels : meta.annotations;
    return map?.[subscript[2]] ?? "";
  }
  switch (fieldPath) {
    case "metadata.name":
      return meta.name ?? "";
    case "metadata.namespace":
      return meta.namespace ?? "";
    case "metadata.uid":
      return meta.uid ?? "";
    case "metadata.labels":
      return formatMap(meta.labels);
    case "metadata.annotations":
      return formatMap(meta.annotations);
    case "spec.nodeName":
      return pod.spec?.nodeName ?? "";
    case "spec.serviceAccountName":
      return pod.spec?.serviceAccountName ?? "";
    case "status.hostIP":
      return pod.status?.hostIP ?? "";
    case "status.hostIPs":
      return (pod.status?.hostIPs ?? []).map((ip) => ip.ip).join(",");
    case "status.podIP":
      return pod.status?.podIP ?? "";
    case "status.podIPs":
      return (pod.status?.podIPs ?? []).map((ip) => ip.ip).join(",");
    default:
      return new Error(`unsupported fieldPath: ${fieldPath}`);
  }
}

const MAX_INT64 = 2n ** 63n - 1n;
/** Limits that default to the node's allocatable when a container sets none (hugepages never do). */
const DEFAULTED_LIMITS = ["cpu", "memory", "ephemeral-storage"];

/** A quantity's milli-value (rounded up, as MilliValue), 0 when absent or zero. */
function milliOf(q: unknown): bigint {
  if (q === undefined || q === null) return 0n;
  const text = String(q);
  return quantityError(text) ? 0n : quantityMilli(text);
}

/**
 * The value of a resourceFieldRef for `container` (the one it is resolved for; `containerName` picks
 * another, as volumes must): the quantity divided by the divisor (default 1), rounded up, with unset
 * limits defaulting to the node's allocatable (the kubelet's defaultPodLimitsForDownwardAPI).
 */
export function resourceFieldValue(
  pod: Pod,
  container: Container | undefined,
  selector: ResourceFieldSelector,
  allocatable: Record<string, string> = nodeCapacity(),
): string | Error {
  const name = selector.containerName;
  const target = name
    ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === name)
    : container;
  if (!target) return new Error(`container ${name} not found`);
  const [kind, resource] = [
    selector.resource.slice(0, selector.resource.indexOf(".")),
    selector.resource.slice(selector.resource.indexOf(".") + 1),
  ];
  const known =
    ["cpu", "memory", "ephemeral-storage"].includes(resource) || resource.startsWith("hugepages-");
  if ((kind !== "limits" && kind !== "requests") || !known)
    return new Error(`unsupported container resource : ${selector.resource}`);
  let quantity = milliOf(target.resources?.[kind]?.[resource]);
  if (kind === "limits" && quantity === 0n && DEFAULTED_LIMITS.includes(resource))
    quantity = milliOf(allocatable[resource]);
  const divisor = milliOf(selector.divisor) || 1000n;
  if (quantity <= 0n) return "0";
  // ceil(quantity / divisor); both in milli-units, so the ratio is exact at milli precision.
  const ratio = (quantity + divisor - 1n) / divisor;
  return String(ratio > MAX_INT64 ? MAX_INT64 : ratio);
}
