// rbac.authorization.k8s.io/v1 RoleBinding: validateRoleBinding (validation/rbac.ts), printer printers.go printRoleBinding.
// Escalation checks are admission (admission/rbac-escalation.ts).
import type { ResourceDef } from "../../types.ts";
import { validateRoleBinding } from "../../validation/rbac.ts";
import { CRUD } from "../verbs.ts";
import { bindingPrinter } from "./binding-printer.ts";

export const roleBinding: ResourceDef = {
  group: "rbac.authorization.k8s.io",
  version: "v1",
  resource: "rolebindings",
  singular: "rolebinding",
  kind: "RoleBinding",
  listKind: "RoleBindingList",
  namespaced: true,
  verbs: CRUD,
  validate: (o, old) => validateRoleBinding(o, old, true),
  printer: bindingPrinter("RoleBinding"),
};
