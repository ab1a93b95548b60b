// The ClusterRole metrics-server installs (kubernetes-sigs/metrics-server manifests/base/rbac.yaml): reading
// metrics.k8s.io, aggregated into view, edit and admin, so whoever may read Pods may run `kubectl top`.
import type { ClusterRole } from "../../../../meta/types.ts";
import { METRICS_GROUP } from "./usage.ts";

export const AGGREGATED_METRICS_READER: ClusterRole = {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "ClusterRole",
  metadata: {
    name: "system:aggregated-metrics-reader",
    labels: {
      "rbac.authorization.k8s.io/aggregate-to-view": "true",
      "rbac.authorization.k8s.io/aggregate-to-edit": "true",
      "rbac.authorization.k8s.io/aggregate-to-admin": "true",
    },
  },
  rules: [{ apiGroups: [METRICS_GROUP], resources: ["pods", "nodes"], verbs: ["get", "list", "watch"] }],
};
