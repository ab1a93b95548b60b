// metrics.k8s.io/v1beta1 PodMetrics: read-only, computed per request from the runtime's usage
// (kubernetes-sigs/metrics-server pkg/api/pod.go; answered by handlers/metrics.ts). get and list only:
// metrics-server serves no watch, and its discovery gives no singular name.
import type { ResourceDef } from "../../types.ts";
import { METRICS_COLUMNS, METRICS_GROUP, METRICS_VERSION, metricsCells } from "./usage.ts";

export const podMetricsDef: ResourceDef = {
  group: METRICS_GROUP,
  version: METRICS_VERSION,
  resource: "pods",
  singular: "",
  kind: "PodMetrics",
  listKind: "PodMetricsList",
  namespaced: true,
  verbs: ["get", "list"],
  virtual: true,
  printer: { columns: METRICS_COLUMNS, cells: metricsCells },
};
