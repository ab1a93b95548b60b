// Privilege-escalation prevention on RBAC writes (pkg/registry/rbac/*/policybased): a user may only
// create or update a role with rules it already holds (or `escalate`), and bind a role whose rules it
// holds (or `bind` on that role). Upstream does this in the RBAC registry; here it is one validator.
import { Status } from "../../meta/status.ts";
import type { PolicyRule, RoleRef } from "../../meta/types.ts";
import { checkBindingWrite, checkRoleWrite, isPrivileged, type RbacSource } from "../../rbac/index.ts";
import { ApiStatusError } from "../http/errors.ts";
import type { AdmissionPlugin } from "./types.ts";

const RBAC = "rbac.authorization.k8s.io";

export function rbacEscalation(src: RbacSource): AdmissionPlugin {
  return {
    name: "RBACEscalation",
    validate(req) {
      if (req.def.group !== RBAC || (req.operation !== "CREATE" && req.operation !== "UPDATE") || !req.object)
        return;
      const obj = req.object;
      const name = obj.metadata?.name ?? req.name;
      const deny = (message: string) =>
        new ApiStatusError(
          Status.forbidden(
            `${req.def.resource}.${RBAC} ${JSON.stringify(name)} is forbidden: ${message}`,
            req.def.resource,
            RBAC,
            name,
          ),
        );
      if (req.def.kind === "Role" || req.def.kind === "ClusterRole") {
        const kind = req.def.kind;
        const verdict = checkRoleWrite(
          req.user,
          { kind, namespace: req.namespace, name, rules: (obj.rules as PolicyRule[] | undefined) ?? [] },
          src,
        );
        if (kind === "ClusterRole" && obj.aggregationRule && !isPrivileged(req.user) && !verdict.ok) {
          throw deny("must have cluster-admin privileges to use the aggregationRule");
        }
        if (!verdict.ok) throw deny(verdict.message ?? "escalation denied");
        return;
      }
      if (req.def.kind === "RoleBinding" || req.def.kind === "ClusterRoleBinding") {
        const verdict = checkBindingWrite(
          req.user,
          { namespace: req.namespace, roleRef: obj.roleRef as RoleRef },
          src,
        );
        if (!verdict.ok) throw deny(verdict.message ?? "escalation denied");
      }
    },
  };
}
