// rbac.authorization.k8s.io/v1 Role: validateRole (validation/rbac.ts) (printed with the default Name/Created At).
// Escalation checks are admission (admission/rbac-escalation.ts).
import type { ResourceDef } from "../../types.ts";
import { validateRole } from "../../validation/rbac.ts";
import { CRUD } from "../verbs.ts";

export const role: ResourceDef = {
  group: "rbac.authorization.k8s.io",
  version: "v1",
  resource: "roles",
  singular: "role",
  kind: "Role",
  listKind: "RoleList",
  namespaced: true,
  verbs: CRUD,
  validate: (o, old) => validateRole(o, old, true),
};
