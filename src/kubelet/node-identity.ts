// What the runtime's own identity (user system:node:<name>, group system:nodes) may do. A real cluster
// uses the Node authorizer; here one ClusterRole grants exactly the calls the runtime makes.
import type { PolicyRule } from "../meta/types.ts";

export const NODE_CLUSTER_ROLE_NAME = "incluster-node";

export function nodeUser(nodeName: string): string {
  return `system:node:${nodeName}`;
}

const RULES: PolicyRule[] = [
  { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "delete"] },
  { apiGroups: [""], resources: ["pods/status"], verbs: ["get", "patch", "update"] },
  { apiGroups: [""], resources: ["pods/binding"], verbs: ["create"] },
  { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch", "create", "update", "patch"] },
  { apiGroups: [""], resources: ["nodes/status"], verbs: ["get", "patch", "update"] },
  { apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] },
  { apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["get", "list", "watch"] },
  // persistentVolumeClaim volumes: the claim and its bound volume (system:node's get rights).
  { apiGroups: [""], resources: ["persistentvolumeclaims", "persistentvolumes"], verbs: ["get"] },
  // Service variables and the Service proxy (kube-proxy's system:node-proxier rights).
  { apiGroups: [""], resources: ["services"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
  // NetworkPolicy enforcement (the read rights of a CNI policy agent such as Calico's node).
  { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["get", "list", "watch"] },
  { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch", "update"] },
  // The node Lease in kube-node-lease (system:node's rule in upstream's bootstrap policy).
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update", "patch"] },
];

export const NODE_CLUSTER_ROLE = {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "ClusterRole",
  metadata: { name: NODE_CLUSTER_ROLE_NAME, labels: { "app.kubernetes.io/managed-by": "incluster" } },
  rules: RULES,
};

export function nodeClusterRoleBinding(nodeName: string) {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: {
      name: `${NODE_CLUSTER_ROLE_NAME}-${nodeName}`,
      labels: { "app.kubernetes.io/managed-by": "incluster" },
    },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: NODE_CLUSTER_ROLE_NAME },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: nodeUser(nodeName) }],
  };
}
