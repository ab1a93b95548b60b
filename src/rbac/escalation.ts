// Privilege-escalation prevention on RBAC writes, the pure part: kubernetes/kubernetes
// pkg/registry/rbac/escalation_check.go (EscalationAllowed, RoleEscalationAuthorized, BindingAuthorized),
// pkg/registry/rbac/helpers.go (IsOnlyMutatingGCFields), pkg/registry/rbac/validation/rule.go
// (ConfirmNoEscalation) and the aggregationRule rule of clusterrole/policybased/storage.go (rbac.md §3.9).
// The server's admission plugin (src/server/admission/rbac-escalation.ts) applies them per write.

import { goQuote, goQuoteList } from "../meta/go-quote.ts";
import { aggregateErrorMessages } from "../meta/labels.ts";
import type { KubeObject, PolicyRule, RoleRef, UserInfo } from "../meta/types.ts";
import { RBAC_GROUP } from "./constants.ts";
import { compactRules, compactString, covers } from "./covers.ts";
import { authorize, isPrivileged, type RbacSource, rulesFor } from "./evaluate.ts";

export interface EscalationResult {
  ok: boolean;
  /** Upstream's inner error text; the apiserver wraps it as `<gr> "<name>" is forbidden: <message>`. */
  message?: string;
}

/** EscalationAllowed: system:masters (the apiserver's own loopback identity) may write any RBAC object. */
export const escalationAllowed = isPrivileged;

/**
 * ConfirmNoEscalation: the user must already hold every rule (in `namespace`, "" for cluster scope).
 * Members of system:masters are exempt. Missing roles read through the registry, so resolution errors
 * name them in the plural, as kube-apiserver's RBAC storage does.
 */
export function escalationCheck(
  user: UserInfo,
  namespace: string,
  rules: PolicyRule[],
  src: RbacSource,
): EscalationResult {
  if (isPrivileged(user)) return { ok: true };
  const held = rulesFor(user, namespace, src, "registry");
  const { covered, missing } = covers(held.rules, rules);
  if (covered) return { ok: true };
  const descriptions = [...new Set(compactRules(missing).map(compactString))].sort();
  let message = `user ${goQuote(user.username)} (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join("\n")}`;
  // Go prints the []error holding one aggregate with %v: "[<aggregate>]".
  if (held.errors.length > 0) message += `; resolution errors: [${aggregateErrorMessages(held.errors)}]`;
  return { ok: false, message };
}

/** `*` on every resource and every non-resource URL: what an aggregationRule can gather. */
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ["*"], apiGroups: ["*"], resources: ["*"] },
  { verbs: ["*"], nonResourceURLs: ["*"] },
];

export const AGGREGATION_RULE_DENIED = "must have cluster-admin privileges to use the aggregationRule";

/** Selectors present; a malformed value counts as present (validation refuses it later, or never). */
export function hasAggregationRule(role: KubeObject | undefined): boolean {
  const selectors = (role?.aggregationRule as { clusterRoleSelectors?: unknown } | null | undefined)
    ?.clusterRoleSelectors;
  return selectors != null && !(Array.isArray(selectors) && selectors.length === 0);
}

/**
 * Setting, keeping or removing an aggregationRule needs `*` on `*.*` and on every URL: the rule can gather
 * any ClusterRole's rules, and one that stays in place keeps re-adding rules an editor tries to remove.
 */
export function aggregationRuleCheck(
  user: UserInfo,
  role: KubeObject,
  old: KubeObject | undefined,
  src: RbacSource,
): EscalationResult {
  if (!hasAggregationRule(role) && !hasAggregationRule(old)) return { ok: true };
  if (escalationCheck(user, "", FULL_AUTHORITY, src).ok) return { ok: true };
  return { ok: false, message: AGGREGATION_RULE_DENIED };
}

/**
 * RoleEscalationAuthorized: `escalate` on the role being written. Upstream asks about the request's
 * name, which is empty for a create by POST: a grant limited to resourceNames covers updates only.
 */
export function roleEscalationAuthorized(
  user: UserInfo,
  target: { resource: "roles" | "clusterroles"; namespace: string; requestName: string },
  src: RbacSource,
): boolean {
  return authorize(
    {
      resourceRequest: true,
      user,
      verb: "escalate",
      namespace: target.namespace,
      apiGroup: RBAC_GROUP,
      resource: target.resource,
      subresource: "",
      name: target.requestName,
    },
    src,
  ).allowed;
}

/**
 * BindingAuthorized: `bind` on the referenced role, asked in the binding's namespace ("" for a
 * ClusterRoleBinding), so a grant can be limited to one role name and to one namespace.
 */
export function bindingAuthorized(
  user: UserInfo,
  roleRef: Partial<RoleRef>,
  bindingNamespace: string,
  src: RbacSource,
): boolean {
  const resource = roleRef.kind === "ClusterRole" ? "clusterroles" : roleRef.kind === "Role" ? "roles" : "";
  if (!resource) return false;
  return authorize(
    {
      resourceRequest: true,
      user,
      verb: "bind",
      namespace: bindingNamespace,
      apiGroup: roleRef.apiGroup ?? "",
      resource,
      subresource: "",
      name: roleRef.name ?? "",
    },
    src,
  ).allowed;
}

// resourceVersion and managedFields are left out as well: they grant nothing, and a patch that only
// drops a finalizer still rewrites managedFields.
const GC_FIELDS = ["ownerReferences", "finalizers", "selfLink", "resourceVersion", "managedFields"];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Semantic.DeepEqual on JSON: a missing, null, empty list and empty map all count as unset. */
function semanticEqual(a: unknown, b: unknown): boolean {
  const unset = (v: unknown) =>
    v === undefined ||
    v === null ||
    (Array.isArray(v) && v.length === 0) ||
    (isObject(v) && Object.keys(v).length === 0);
  if (unset(a) && unset(b)) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => semanticEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => semanticEqual(a[k], b[k]));
  }
  return a === b;
}

/** IsOnlyMutatingGCFields: the update changes only what the garbage collector changes on its way to deleting. */
export function isOnlyMutatingGCFields(obj: KubeObject, old: KubeObject | undefined): boolean {
  if (!old) return false;
  const withoutGcFields = (o: KubeObject) => {
    const metadata = { ...(o.metadata ?? {}) } as Record<string, unknown>;
    for (const f of GC_FIELDS) delete metadata[f];
    return { ...o, metadata };
  };
  return semanticEqual(withoutGcFields(obj), withoutGcFields(old));
}

/** Rules as the check reads them, whatever shape the request body had (validation reports bad shapes). */
export function policyRules(value: unknown): PolicyRule[] {
  if (!Array.isArray(value)) return [];
  const strings = (v: unknown) =>
    Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
  return value.filter(isObject).map((r) => ({
    verbs: strings(r.verbs),
    apiGroups: strings(r.apiGroups),
    resources: strings(r.resources),
    resourceNames: strings(r.resourceNames),
    nonResourceURLs: strings(r.nonResourceURLs),
  }));
}
