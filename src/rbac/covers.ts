// Rule coverage (component-helpers policy_comparator.go) and the compact rule texts escalation errors
// print (pkg/apis/rbac/v1 helpers.go CompactString, validation/rule.go CompactRules), rbac.md §3.8.

import { goQuoteList } from "../meta/go-quote.ts";
import type { PolicyRule } from "../meta/types.ts";

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

/**
 * CompactRules: merges rules of one group and one resource (and at most one resource name) that differ
 * only by verb. Rules with several names, or with non-resource URLs, stay as they are.
 */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const complex: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const rule of rules) {
    const names = rule.resourceNames ?? [];
    const isSimple =
      names.length <= 1 &&
      (rule.nonResourceURLs ?? []).length === 0 &&
      rule.apiGroups?.length === 1 &&
      rule.resources?.length === 1;
    if (!isSimple) {
      complex.push(rule);
      continue;
    }
    const key = JSON.stringify([rule.apiGroups?.[0], rule.resources?.[0], ...names]);
    const existing = simple.get(key);
    if (existing) existing.verbs = [...existing.verbs, ...(rule.verbs ?? [])];
    else
      simple.set(key, {
        apiGroups: [...(rule.apiGroups ?? [])],
        resources: [...(rule.resources ?? [])],
        ...(names.length ? { resourceNames: [...names] } : {}),
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
