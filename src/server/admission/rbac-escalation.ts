// Privilege-escalation prevention on RBAC writes, as kube-apiserver's RBAC storage enforces it
// (kubernetes/kubernetes pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/policybased/
// storage.go). Upstream wraps the storage, so the check sees the object as it would be stored (after any
// patch or apply, dry-run included), after mutating admission and before the strategy's validation; as
// the last plugin's mutate step it runs at that same point of every create and update here.
import { failure, Status } from "../../meta/status.ts";
import type { KubeObject, PolicyRule, RoleRef } from "../../meta/types.ts";
import {
  aggregationRuleCheck,
  bindingAuthorized,
  escalationAllowed,
  escalationCheck,
  goQuote,
  isOnlyMutatingGCFields,
  newForbiddenMessage,
  policyRules,
  RBAC_GROUP,
  type RbacSource,
  roleEscalationAuthorized,
} from "../../rbac/index.ts";
import { ApiStatusError } from "../http/errors.ts";
import { isPathSegmentName } from "../registry/validation/names.ts";
import type { AdmissionPlugin, AdmissionRequest } from "./types.ts";

export function rbacEscalation(src: RbacSource): AdmissionPlugin {
  return {
    name: "RBACEscalation",
    mutate(req) {
      const denial = rbacWriteDenial(req, src);
      if (denial) throw new ApiStatusError(denial);
    },
  };
}

/** The Status an RBAC create or update is refused with, or undefined when it may proceed. */
export function rbacWriteDenial(req: AdmissionRequest, src: RbacSource): Status | undefined {
  const obj = req.object;
  if (req.def.group !== RBAC_GROUP || !obj || (req.operation !== "CREATE" && req.operation !== "UPDATE"))
    return undefined;
  if (escalationAllowed(req.user)) return undefined;
  const resource = req.def.resource;
  const old = req.operation === "UPDATE" ? req.oldObject : undefined;
  const name = obj.metadata?.name ?? "";
  const forbid = (inner = "") =>
    Status.forbidden(newForbiddenMessage(resource, RBAC_GROUP, name, inner), resource, RBAC_GROUP, name);

  if (resource === "roles" || resource === "clusterroles") {
    // The request's name: none for a create by POST.
    const requestName = req.operation === "CREATE" ? "" : req.name;
    if (roleEscalationAuthorized(req.user, { resource, namespace: req.namespace, requestName }, src))
      return undefined;
    if (isOnlyMutatingGCFields(obj, old)) return undefined;
    const held = escalationCheck(req.user, req.namespace, policyRules(obj.rules), src);
    if (!held.ok) return forbid(held.message);
    if (resource === "clusterroles") {
      const aggregation = aggregationRuleCheck(req.user, obj, old, src);
      if (!aggregation.ok) return forbid(aggregation.message);
    }
    return undefined;
  }
  if (resource === "rolebindings" || resource === "clusterrolebindings") {
    if (isOnlyMutatingGCFields(obj, old)) return undefined;
    const roleRef = roleRefOf(obj);
    if (bindingAuthorized(req.user, roleRef, req.namespace, src)) return undefined;
    const rules = referencedRules(roleRef, req.namespace, src);
    if (!Array.isArray(rules)) return rules;
    const held = escalationCheck(req.user, req.namespace, rules, src);
    return held.ok ? undefined : forbid(held.message);
  }
  return undefined;
}

function roleRefOf(obj: KubeObject): Partial<RoleRef> {
  const ref = obj.roleRef;
  if (typeof ref !== "object" || ref === null) return {};
  const { apiGroup, kind, name } = ref as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  return { apiGroup: str(apiGroup), kind: str(kind), name: str(name) };
}

/**
 * GetRoleReferenceRules through the registry: a missing role is the storage's 404, and the storage's
 * key functions refuse a missing namespace or an unusable name (generic registry NamespaceKeyFunc).
 */
function referencedRules(ref: Partial<RoleRef>, namespace: string, src: RbacSource): PolicyRule[] | Status {
  const kind = ref.kind ?? "";
  if (kind !== "Role" && kind !== "ClusterRole") {
    // A plain Go error: kube-apiserver answers 500 with reason StatusReasonUnknown ("").
    const status = failure(500, "", `unsupported role reference kind: ${goQuote(kind)}`);
    delete status.reason;
    return status;
  }
  const name = ref.name ?? "";
  if (kind === "Role" && !namespace) return Status.badRequest("Namespace parameter required.");
  if (!name) return Status.badRequest("Name parameter required.");
  const invalid = isPathSegmentName(name, false);
  if (invalid.length > 0)
    return Status.badRequest(`Name parameter invalid: ${goQuote(name)}: ${invalid.join(";")}`);
  const role = kind === "Role" ? src.getRole(namespace, name) : src.getClusterRole(name);
  if (!role) return Status.notFound(kind === "Role" ? "roles" : "clusterroles", RBAC_GROUP, name);
  return policyRules(role.rules);
}
