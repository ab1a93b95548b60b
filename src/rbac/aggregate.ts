// ClusterRole aggregation as the clusterrole-aggregation controller converges to it (rbac.md §3.7).
import { type LabelSelectorExpr, labelSelectorFromObject, matchesLabels } from "../meta/labels.ts";
import type { ClusterRole, PolicyRule } from "../meta/types.ts";

const RULE_FIELDS = ["verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs"] as const;

/** equality.Semantic.DeepEqual on rules: order matters, a missing list equals an empty one. */
export function rulesEqual(a: PolicyRule, b: PolicyRule): boolean {
  return RULE_FIELDS.every((f) => {
    const x = a[f] ?? [];
    const y = b[f] ?? [];
    return x.length === y.length && x.every((v, i) => v === y[i]);
  });
}

const ruleListsEqual = (a: PolicyRule[], b: PolicyRule[]) =>
  a.length === b.length && a.every((r, i) => rulesEqual(r, b[i]));

const byName = (a: ClusterRole, b: ClusterRole) =>
  a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;

/** One controller sync of `target`; undefined when a selector is invalid (the controller leaves rules stale). */
function aggregatedRules(target: ClusterRole, roles: ClusterRole[]): PolicyRule[] | undefined {
  const selectors: LabelSelectorExpr[] = [];
  try {
    for (const sel of target.aggregationRule?.clusterRoleSelectors ?? [])
      selectors.push(labelSelectorFromObject(sel));
  } catch {
    return undefined;
  }
  const rules: PolicyRule[] = [];
  for (const selector of selectors) {
    const matching = roles.filter((r) => matchesLabels(selector, r.metadata.labels)).sort(byName);
    for (const role of matching) {
      if (role.metadata.name === target.metadata.name) continue;
      for (const rule of role.rules ?? []) {
        if (!rules.some((existing) => rulesEqual(existing, rule))) rules.push(structuredClone(rule));
      }
    }
  }
  return rules;
}

/**
 * Returns copies of all roles with aggregated ClusterRoles' rules filled (replacing their own),
 * repeated to a fixpoint so chains such as view → edit → admin resolve. Input order is kept.
 */
export function aggregateClusterRoles(roles: ClusterRole[]): ClusterRole[] {
  const result = roles.map((r) => structuredClone(r));
  // Every pass settles at least one more link of any chain, so roles.length + 1 passes suffice.
  for (let pass = 0; pass <= result.length; pass++) {
    let changed = false;
    for (const role of result) {
      if (!role.aggregationRule) continue;
      const rules = aggregatedRules(role, result);
      if (rules === undefined) continue;
      if (!ruleListsEqual(rules, role.rules ?? [])) changed = true;
      role.rules = rules;
    }
    if (!changed) break;
  }
  return result;
}
