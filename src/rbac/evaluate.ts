// The RBAC authorizer (plugin/pkg/auth/authorizer/rbac + pkg/registry/rbac/validation rule.go), rbac.md §3.4–3.6.

import { goQuote } from "../meta/go-quote.ts";
import { aggregateErrorMessages } from "../meta/labels.ts";
import type {
  Attributes,
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  RoleRef,
  Subject,
  UserInfo,
} from "../meta/types.ts";
import { PRIVILEGED_GROUP, RBAC_GROUP, SERVICE_ACCOUNT_USER_PREFIX } from "./constants.ts";

/** Read access to RBAC objects. ClusterRoles must already carry their aggregated rules. */
export interface RbacSource {
  getClusterRole(name: string): ClusterRole | undefined;
  getRole(namespace: string, name: string): Role | undefined;
  listClusterRoleBindings(): ClusterRoleBinding[];
  listRoleBindings(namespace: string): RoleBinding[];
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

const ALL = "*";

const verbMatches = (r: PolicyRule, verb: string) => (r.verbs ?? []).some((v) => v === ALL || v === verb);
const apiGroupMatches = (r: PolicyRule, group: string) =>
  (r.apiGroups ?? []).some((g) => g === ALL || g === group);

function resourceMatches(r: PolicyRule, combined: string, subresource: string): boolean {
  for (const res of r.resources ?? []) {
    if (res === ALL || res === combined) return true;
    // "*/scale" matches the scale subresource of anything; "pods/*" is NOT a wildcard.
    if (
      subresource &&
      res.length === subresource.length + 2 &&
      res.startsWith("*/") &&
      res.endsWith(subresource)
    ) {
      return true;
    }
  }
  return false;
}

// A named rule never matches a request without a name (list, watch, create, deletecollection).
const resourceNameMatches = (r: PolicyRule, name: string) =>
  !r.resourceNames || r.resourceNames.length === 0 || r.resourceNames.includes(name);

function nonResourceURLMatches(r: PolicyRule, path: string): boolean {
  return (r.nonResourceURLs ?? []).some(
    (u) => u === ALL || u === path || (u.endsWith("*") && path.startsWith(u.replace(/\*+$/, ""))),
  );
}

/** RuleAllows: does this single rule grant the request? */
export function ruleAllows(a: Attributes, r: PolicyRule): boolean {
  if (!a.resourceRequest) return verbMatches(r, a.verb) && nonResourceURLMatches(r, a.path);
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return (
    verbMatches(r, a.verb) &&
    apiGroupMatches(r, a.apiGroup) &&
    resourceMatches(r, combined, a.subresource) &&
    resourceNameMatches(r, a.name)
  );
}

/** appliesToUser; a ServiceAccount subject without namespace defaults to the binding's namespace. */
export function appliesTo(user: UserInfo, s: Subject, bindingNamespace: string): boolean {
  switch (s.kind) {
    case "User":
      return user.username === s.name;
    case "Group":
      return user.groups.includes(s.name);
    case "ServiceAccount": {
      const namespace = s.namespace || bindingNamespace;
      return namespace !== "" && user.username === `${SERVICE_ACCOUNT_USER_PREFIX}${namespace}:${s.name}`;
    }
    default:
      return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === "ServiceAccount")
    return `${s.kind} ${goQuote(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${goQuote(s.name)}`;
}

/** The `<source>` of "RBAC: allowed by <source>". */
function describeBinding(binding: RoleBinding, subject: Subject, namespace: string): string {
  const ref = `${binding.roleRef.kind} ${goQuote(binding.roleRef.name)}`;
  if (namespace === "") {
    return `ClusterRoleBinding ${goQuote(binding.metadata.name)} of ${ref} to ${describeSubject(subject, "")}`;
  }
  return `RoleBinding ${goQuote(`${binding.metadata.name}/${namespace}`)} of ${ref} to ${describeSubject(subject, namespace)}`;
}

/**
 * Whose "not found" text a missing role gets: the authorizer reads informer listers, which name the
 * resource in the singular (`role.rbac…`); the RBAC registry's escalation checks read storage, which
 * names it in the plural (`roles.rbac…`; the AuthorizerAdapter of each pkg/registry/rbac/<kind>/registry.go).
 */
export type NotFoundStyle = "lister" | "registry";

/** GetRoleReferenceRules with apiserver error texts. */
export function getRoleReferenceRules(
  ref: RoleRef,
  bindingNamespace: string,
  src: RbacSource,
  style: NotFoundStyle = "lister",
): { rules: PolicyRule[] } | { error: string } {
  const notFound = (resource: string) =>
    `${resource}${style === "registry" ? "s" : ""}.${RBAC_GROUP} ${goQuote(ref.name)} not found`;
  switch (ref.kind) {
    case "Role": {
      const role = src.getRole(bindingNamespace, ref.name);
      return role ? { rules: role.rules ?? [] } : { error: notFound("role") };
    }
    case "ClusterRole": {
      const role = src.getClusterRole(ref.name);
      return role ? { rules: role.rules ?? [] } : { error: notFound("clusterrole") };
    }
    default:
      return { error: `unsupported role reference kind: ${goQuote(ref.kind)}` };
  }
}

/** Called per rule (with its source description) or per resolution error; return false to stop. */
export type RuleVisitor = (visit: { source: string; rule: PolicyRule } | { error: string }) => boolean;

/** VisitRulesFor: ClusterRoleBindings always, RoleBindings only for a non-empty namespace. */
export function visitRulesFor(
  user: UserInfo,
  namespace: string,
  src: RbacSource,
  visitor: RuleVisitor,
  style: NotFoundStyle = "lister",
): void {
  const scopes: [string, RoleBinding[]][] = [["", src.listClusterRoleBindings()]];
  if (namespace !== "") scopes.push([namespace, src.listRoleBindings(namespace)]);
  for (const [bindingNamespace, bindings] of scopes) {
    for (const binding of bindings) {
      const subject = (binding.subjects ?? []).find((s) => appliesTo(user, s, bindingNamespace));
      if (!subject) continue;
      const resolved = getRoleReferenceRules(binding.roleRef, bindingNamespace, src, style);
      if ("error" in resolved) {
        if (!visitor(resolved)) return;
        continue;
      }
      const source = describeBinding(binding, subject, bindingNamespace);
      for (const rule of resolved.rules) {
        if (!visitor({ source, rule })) return;
      }
    }
  }
}

const requestNamespace = (a: Attributes) => (a.resourceRequest ? a.namespace : "");

/** The RBAC authorizer alone: Allow with "RBAC: allowed by …", or NoOpinion with resolution errors. */
export function authorizeRbac(a: Attributes, src: RbacSource): Decision {
  let reason: string | undefined;
  const errors: string[] = [];
  visitRulesFor(a.user, requestNamespace(a), src, (v) => {
    if ("error" in v) {
      errors.push(v.error);
      return true;
    }
    if (!ruleAllows(a, v.rule)) return true;
    reason = `RBAC: allowed by ${v.source}`;
    return false;
  });
  if (reason !== undefined) return { allowed: true, reason };
  return { allowed: false, reason: errors.length > 0 ? `RBAC: ${aggregateErrorMessages(errors)}` : "" };
}

export const isPrivileged = (user: UserInfo) => user.groups.includes(PRIVILEGED_GROUP);

/** kube-apiserver's chain as far as it is offline-knowable: system:masters first, then RBAC. */
export function authorize(a: Attributes, src: RbacSource): Decision {
  if (isPrivileged(a.user)) return { allowed: true, reason: "" };
  return authorizeRbac(a, src);
}

/** RulesFor: every rule that applies to the user in the namespace, plus resolution errors. */
export function rulesFor(
  user: UserInfo,
  namespace: string,
  src: RbacSource,
  style: NotFoundStyle = "lister",
): { rules: PolicyRule[]; errors: string[] } {
  const rules: PolicyRule[] = [];
  const errors: string[] = [];
  visitRulesFor(
    user,
    namespace,
    src,
    (v) => {
      if ("error" in v) errors.push(v.error);
      else rules.push(v.rule);
      return true;
    },
    style,
  );
  return { rules, errors };
}
