// `can-i --list`: SelfSubjectRulesReview rules broken down, compacted and sorted exactly like kubectl
// (k8s.io/kubectl/pkg/util/rbac BreakdownRule + CompactRules, SortableRuleSlice, describe.CombineResourceGroup).
import type { PolicyRule } from "../meta/types.ts";
import { breakdownRule } from "../rbac/index.ts";
import { goList } from "./output.ts";

export const RULES_TABLE_HEADER = ["Resources", "Non-Resource URLs", "Resource Names", "Verbs"];

/** A rule with one group, one resource, at most one name and no URLs: rules differing only by verb merge. */
function simpleKey(rule: PolicyRule): string | undefined {
  if ((rule.resourceNames ?? []).length > 1 || (rule.nonResourceURLs ?? []).length > 0) return undefined;
  if (rule.apiGroups?.length !== 1 || rule.resources?.length !== 1) return undefined;
  return JSON.stringify([rule.apiGroups[0], rule.resources[0], rule.resourceNames?.[0] ?? null]);
}

/** CompactRules; merged verbs become a sorted set (sets.NewString(...).List()). */
export function compactForDisplay(rules: PolicyRule[]): PolicyRule[] {
  const compacted: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const rule of rules) {
    const key = simpleKey(rule);
    if (key === undefined) {
      compacted.push(rule);
      continue;
    }
    const existing = simple.get(key);
    if (existing) existing.verbs = [...new Set([...existing.verbs, ...rule.verbs])].sort();
    else simple.set(key, structuredClone(rule));
  }
  return [...compacted, ...simple.values()];
}

/** The generated protobuf String() that kubectl sorts rules by. */
function goRuleString(r: PolicyRule): string {
  return `&PolicyRule{Verbs:${goList(r.verbs)},APIGroups:${goList(r.apiGroups)},Resources:${goList(r.resources)},ResourceNames:${goList(r.resourceNames)},NonResourceURLs:${goList(r.nonResourceURLs)},}`;
}

const compareGo = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** "pods", "deployments.apps", "deployments.apps/scale": the first resource with the first group. */
export function combineResourceGroup(resources: string[] | undefined, groups: string[] | undefined): string {
  if (!resources || resources.length === 0) return "";
  const slash = resources[0].indexOf("/");
  const plural = slash < 0 ? resources[0] : resources[0].slice(0, slash);
  const group = groups?.[0] ? `.${groups[0]}` : "";
  return `${plural}${group}${slash < 0 ? "" : resources[0].slice(slash)}`;
}

/** Table rows (without header) for the rules of a SelfSubjectRulesReview. */
export function rulesTableRows(rules: PolicyRule[]): string[][] {
  const atoms = rules.flatMap((r) => breakdownRule(r));
  const sorted = compactForDisplay(atoms)
    .map((rule) => ({ rule, key: goRuleString(rule) }))
    .sort((a, b) => compareGo(a.key, b.key))
    .map((x) => x.rule);
  return sorted.map((r) => [
    combineResourceGroup(r.resources, r.apiGroups),
    goList(r.nonResourceURLs),
    goList(r.resourceNames),
    goList(r.verbs),
  ]);
}
