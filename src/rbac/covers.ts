// Rule coverage (component-helpers policy_comparator.go) and privilege-escalation checks
// (pkg/registry/rbac escalation_check.go, validation/rule.go ConfirmNoEscalation), rbac.md §3.8–3.9.
import { aggregateErrorMessages } from "../meta/labels.ts";
import type { PolicyRule, RoleRef, UserInfo } from "../meta/types.ts";
import { RBAC_GROUP } from "./constants.ts";
import { authorize, getRoleReferenceRules, isPrivileged, type RbacSource, rulesFor } from "./evaluate.ts";
import { goQuote, goQuoteList } from "./goformat.ts";

const ALL = "*";

/** Splits a rule into atoms: one verb × group × resource × name, or one verb × nonResourceURL. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const atoms: PolicyRule[] = [];
  const names = rule.resourceNames ?? [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) {
        const base = { verbs: [verb], apiGroups: [group], resources: [resource] };
        if (names.length === 0) atoms.push(base);
        else for (const name of names) atoms.push({ ...base, resourceNames: [name] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of rule.verbs ?? []) atoms.push({ verbs: [verb], nonResourceURLs: [url] });
  }
  return atoms;
}

const hasAll = (set: readonly string[], wanted: readonly string[]) => wanted.every((w) => set.includes(w));

function resourcesCover(owner: readonly string[], wanted: readonly string[]): boolean {
  if (owner.includes(ALL) || hasAll(owner, wanted)) return true;
  return wanted.every((path) => {
    if (owner.includes(path)) return true;
    const slash = path.indexOf("/");
    return slash >= 0 && owner.includes(`*/${path.slice(slash + 1)}`);
  });
}

const urlCovers = (owner: string, path: string) =>
  owner === path || (owner.endsWith("*") && path.startsWith(owner.replace(/\*+$/, "")));

/** ruleCovers: does `owner` grant everything the atom `sub` grants? */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const ownerVerbs = owner.verbs ?? [];
  const ownerGroups = owner.apiGroups ?? [];
  const ownerNames = owner.resourceNames ?? [];
  const subNames = sub.resourceNames ?? [];
  const verbs = ownerVerbs.includes(ALL) || hasAll(ownerVerbs, sub.verbs ?? []);
  const groups = ownerGroups.includes(ALL) || hasAll(ownerGroups, sub.apiGroups ?? []);
  const resources = resourcesCover(owner.resources ?? [], sub.resources ?? []);
  const urls = (sub.nonResourceURLs ?? []).every((p) =>
    (owner.nonResourceURLs ?? []).some((o) => urlCovers(o, p)),
  );
  const names = ownerNames.length === 0 || (subNames.length > 0 && hasAll(ownerNames, subNames));
  return verbs && groups && resources && urls && names;
}

/** Covers: whether `owner` rules grant all of `servant`, and the uncovered atoms. */
export function covers(
  owner: PolicyRule[],
  servant: PolicyRule[],
): { covered: boolean; missing: PolicyRule[] } {
  const missing = servant.flatMap(breakdownRule).filter((atom) => !owner.some((o) => ruleCovers(o, atom)));
  return { covered: missing.length === 0, missing };
}

/** CompactRules: merges single-group, single-resource rules that differ only by verb. */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const complex: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const rule of rules) {
    const isSimple =
      (rule.resourceNames ?? []).length === 0 &&
      (rule.nonResourceURLs ?? []).length === 0 &&
      rule.apiGroups?.length === 1 &&
      rule.resources?.length === 1;
    if (!isSimple) {
      complex.push(rule);
      continue;
    }
    const key = JSON.stringify([rule.apiGroups?.[0], rule.resources?.[0]]);
    const existing = simple.get(key);
    if (existing) existing.verbs = [...existing.verbs, ...(rule.verbs ?? [])];
    else
      simple.set(key, {
        apiGroups: [...(rule.apiGroups ?? [])],
        resources: [...(rule.resources ?? [])],
        verbs: [...(rule.verbs ?? [])],
      });
  }
  return [...complex, ...simple.values()];
}

/** rbacv1helpers.CompactString, as printed in escalation errors. */
export function compactString(rule: PolicyRule): string {
  const parts: string[] = [];
  const add = (label: string, list: string[] | undefined) => {
    if (list && list.length > 0) parts.push(`${label}:${goQuoteList(list)}`);
  };
  add("APIGroups", rule.apiGroups);
  add("Resources", rule.resources);
  add("NonResourceURLs", rule.nonResourceURLs);
  add("ResourceNames", rule.resourceNames);
  add("Verbs", rule.verbs);
  return `{${parts.join(", ")}}`;
}

export interface EscalationResult {
  ok: boolean;
  /** Upstream's inner error text; the apiserver wraps it as `<gr> "<name>" is forbidden: <message>`. */
  message?: string;
}

/**
 * ConfirmNoEscalation: the user must already hold every rule (in `namespace`, "" for cluster scope).
 * Members of system:masters are exempt.
 */
export function escalationCheck(
  user: UserInfo,
  namespace: string,
  rules: PolicyRule[],
  src: RbacSource,
): EscalationResult {
  if (isPrivileged(user)) return { ok: true };
  const held = rulesFor(user, namespace, src);
  const { covered, missing } = covers(held.rules, rules);
  if (covered) return { ok: true };
  const descriptions = [...new Set(compactRules(missing).map(compactString))].sort();
  let message = `user ${goQuote(user.username)} (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join("\n")}`;
  // Go prints the []error holding one aggregate with %v: "[<aggregate>]".
  if (held.errors.length > 0) message += `; resolution errors: [${aggregateErrorMessages(held.errors)}]`;
  return { ok: false, message };
}

const roleResource = (kind: string) => (kind === "ClusterRole" ? "clusterroles" : "roles");

/**
 * May `user` create/update a Role ("namespace" set) or ClusterRole with these rules?
 * Allowed for system:masters, for holders of `escalate` on the role, or when no rule escalates.
 */
export function checkRoleWrite(
  user: UserInfo,
  role: { kind: "Role" | "ClusterRole"; namespace?: string; name: string; rules: PolicyRule[] },
  src: RbacSource,
): EscalationResult {
  const namespace = role.kind === "Role" ? (role.namespace ?? "") : "";
  const escalate = authorize(
    {
      resourceRequest: true,
      user,
      verb: "escalate",
      namespace,
      apiGroup: RBAC_GROUP,
      resource: roleResource(role.kind),
      subresource: "",
      name: role.name,
    },
    src,
  );
  if (escalate.allowed) return { ok: true };
  return escalationCheck(user, namespace, role.rules, src);
}

/**
 * May `user` create/update a RoleBinding (namespace set) or ClusterRoleBinding with this roleRef?
 * Allowed for system:masters, for holders of `bind` on the referenced role, or when the user holds all its rules.
 */
export function checkBindingWrite(
  user: UserInfo,
  binding: { namespace?: string; roleRef: RoleRef },
  src: RbacSource,
): EscalationResult {
  if (isPrivileged(user)) return { ok: true };
  const namespace = binding.namespace ?? "";
  const bind = authorize(
    {
      resourceRequest: true,
      user,
      verb: "bind",
      namespace,
      apiGroup: binding.roleRef.apiGroup,
      resource: roleResource(binding.roleRef.kind),
      subresource: "",
      name: binding.roleRef.name,
    },
    src,
  );
  if (bind.allowed) return { ok: true };
  const resolved = getRoleReferenceRules(binding.roleRef, namespace, src);
  if ("error" in resolved) return { ok: false, message: resolved.error };
  return escalationCheck(user, namespace, resolved.rules, src);
}
