// A rule against a request: k8s.io/apiserver pkg/admission/plugin/webhook/predicates/rules/rules.go.
import { asList, asString, type Json } from "../../registry/json-access.ts";
import { type Attributes, isNamespaces } from "./attributes.ts";

const exactOrWildcard = (items: unknown, requested: string) =>
  asList(items).some((i) => i === "*" || i === requested);

function scopeMatches(rule: Json, a: Attributes): boolean {
  const scope = asString(rule.scope) || "*";
  switch (scope) {
    case "*":
      return true;
    case "Namespaced":
      return !isNamespaces(a.resource) && a.namespace !== "";
    case "Cluster":
      return isNamespaces(a.resource) || a.namespace === "";
    default:
      return false;
  }
}

function resourceMatches(rule: Json, a: Attributes): boolean {
  return asList(rule.resources).some((entry) => {
    const text = asString(entry);
    const slash = text.indexOf("/");
    const res = slash < 0 ? text : text.slice(0, slash);
    const sub = slash < 0 ? "" : text.slice(slash + 1);
    return (res === "*" || res === a.resource.resource) && (sub === "*" || sub === a.subresource);
  });
}

/** Matcher.Matches: scope, operation, group, version and resource/subresource all match. */
export function ruleMatches(rule: Json, a: Attributes): boolean {
  return (
    scopeMatches(rule, a) &&
    asList(rule.operations).some((op) => op === "*" || op === a.operation) &&
    exactOrWildcard(rule.apiGroups, a.resource.group) &&
    exactOrWildcard(rule.apiVersions, a.resource.version) &&
    resourceMatches(rule, a)
  );
}
