// Downward API field paths (fieldpath.ExtractFieldPathAsString plus the kubelet's pod-level fields), shared
// by environment variables and downwardAPI volumes.
import type { Pod } from "kubernetes-types/core/v1.d.ts";

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
