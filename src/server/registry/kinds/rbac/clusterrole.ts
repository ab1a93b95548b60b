// rbac.authorization.k8s.io/v1 ClusterRole: validateRole (validation/rbac.ts) (printed with the default Name/Created At).
// Escalation checks are admission (admission/rbac-escalation.ts).
import type { ResourceDef } from "../../types.ts";
import { validateRole } from "../../validation/rbac.ts";
import { CRUD } from "../verbs.ts";

export const clusterRole: ResourceDef = {
  group: "rbac.authorization.k8s.io",
  version: "v1",
  resource: "clusterroles",
  singular: "clusterrole",
  kind: "ClusterRole",
  listKind: "ClusterRoleList",
  namespaced: false,
  verbs: CRUD,
  validate: (o, old) => validateRole(o, old, false),
};
