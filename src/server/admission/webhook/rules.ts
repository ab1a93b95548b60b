// A rule against a request: k8s.io/apiserver pkg/admission/plugin/webhook/predicates/rules/rules.go.
import { asList, asString, type Json } from "../../registry/json-access.ts";
import { type Attributes, isNamespaces } from "./attributes.ts";

const exactOrWildcard = (items: unknown, requested: string) =>
  asList(items).some((i) => i === "*" || i === requested);

/** Matcher's predicates, one per part of the rule (tested one by one, as upstream's rules_test.go). */
export const rulePredicates = {
  scope(rule: Json, a: Attributes): boolean {
    switch (asString(rule.scope) || "*") {
      case "*":
        return true;
      case "Namespaced":
        return !isNamespaces(a.resource) && a.namespace !== "";
      case "Cluster":
        return isNamespaces(a.resource) || a.namespace === "";
      default:
        return false;
    }
  },
  operation: (rule: Json, a: Attributes) =>
    asList(rule.operations).some((op) => op === "*" || op === a.operation),
  group: (rule: Json, a: Attributes) => exactOrWildcard(rule.apiGroups, a.resource.group),
  version: (rule: Json, a: Attributes) => exactOrWildcard(rule.apiVersions, a.resource.version),
  resource(rule: Json, a: Attributes): boolean {
    return asList(rule.resources).some((entry) => {
      const text = asString(entry);
      const slash = text.indexOf("/");
      const res = slash < 0 ? text : text.slice(0, slash);
      const sub = slash < 0 ? "" : text.slice(slash + 1);
      return (res === "*" || res === a.resource.resource) && (sub === "*" || sub === a.subresource);
    });
  },
};

/** Matcher.Matches: scope, operation, group, version and resource/subresource all match. */
export function ruleMatches(rule: Json, a: Attributes): boolean {
  const p = rulePredicates;
  return (
    p.scope(rule, a) && p.operation(rule, a) && p.group(rule, a) && p.version(rule, a) && p.resource(rule, a)
  );
}
