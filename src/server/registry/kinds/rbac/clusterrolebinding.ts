// rbac.authorization.k8s.io/v1 ClusterRoleBinding: validateRoleBinding (validation/rbac.ts), printer printers.go printClusterRoleBinding.
// Escalation checks are admission (admission/rbac-escalation.ts).
import type { ResourceDef } from "../../types.ts";
import { validateRoleBinding } from "../../validation/rbac.ts";
import { CRUD } from "../verbs.ts";
import { bindingPrinter } from "./binding-printer.ts";

export const clusterRoleBinding: ResourceDef = {
  group: "rbac.authorization.k8s.io",
  version: "v1",
  resource: "clusterrolebindings",
  singular: "clusterrolebinding",
  kind: "ClusterRoleBinding",
  listKind: "ClusterRoleBindingList",
  namespaced: false,
  verbs: CRUD,
  validate: (o, old) => validateRoleBinding(o, old, false),
  printer: bindingPrinter("ClusterRoleBinding"),
};
