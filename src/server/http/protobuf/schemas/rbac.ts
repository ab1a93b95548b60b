// k8s.io/api rbac/v1 generated.proto.
// Field spec syntax: see ../schema.ts.
import type { PackageTable } from "../schema.ts";

export const RBAC: PackageTable = {
  package: "rbac",
  messages: {
    AggregationRule: {
      1: "clusterRoleSelectors meta.LabelSelector[]",
    },
    ClusterRole: {
      1: "metadata meta.ObjectMeta",
      2: "rules PolicyRule[]",
      3: "aggregationRule AggregationRule",
    },
    ClusterRoleBinding: {
      1: "metadata meta.ObjectMeta",
      2: "subjects Subject[]",
      3: "roleRef RoleRef",
    },
    PolicyRule: {
      1: "verbs string[]",
      2: "apiGroups string[]",
      3: "resources string[]",
      4: "resourceNames string[]",
      5: "nonResourceURLs string[]",
    },
    Role: {
      1: "metadata meta.ObjectMeta",
      2: "rules PolicyRule[]",
    },
    RoleBinding: {
      1: "metadata meta.ObjectMeta",
      2: "subjects Subject[]",
      3: "roleRef RoleRef",
    },
    RoleRef: {
      1: "apiGroup string keep",
      2: "kind string keep",
      3: "name string keep",
    },
    Subject: {
      1: "kind string keep",
      2: "apiGroup string",
      3: "name string keep",
      4: "namespace string",
    },
  },
};
