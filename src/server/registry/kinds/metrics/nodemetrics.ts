// metrics.k8s.io/v1beta1 NodeMetrics: read-only, computed per request from the runtime's usage
// (kubernetes-sigs/metrics-server pkg/api/node.go; answered by handlers/metrics.ts).
import type { ResourceDef } from "../../types.ts";
import { METRICS_COLUMNS, METRICS_GROUP, METRICS_VERSION, metricsCells } from "./usage.ts";

export const nodeMetricsDef: ResourceDef = {
  group: METRICS_GROUP,
  version: METRICS_VERSION,
  resource: "nodes",
  singular: "",
  kind: "NodeMetrics",
  listKind: "NodeMetricsList",
  namespaced: false,
  verbs: ["get", "list"],
  virtual: true,
  printer: { columns: METRICS_COLUMNS, cells: metricsCells },
};
