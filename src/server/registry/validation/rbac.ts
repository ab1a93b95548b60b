// RBAC validation (pkg/apis/rbac/validation): rule shapes, roleRef and subjects (rbac.md §3.5).

import { goQuote } from "../../../meta/go-quote.ts";
import { isDNS1123Subdomain } from "../../../meta/names.ts";
import type { KubeObject } from "../../../meta/types.ts";
import { goStringSlice } from "../go-format.ts";
import { asMap, asMaps, asString, asStrings, type Json } from "../json-access.ts";
import type { FieldCause } from "../types.ts";
import { child, goSyntax, index, invalid, notSupported, required } from "./field.ts";
import { isPathSegmentName } from "./names.ts";

const RBAC_GROUP = "rbac.authorization.k8s.io";

/** ValidatePolicyRule. */
function validateRule(rule: Json, namespaced: boolean, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (asStrings(rule.verbs).length === 0)
    errs.push(required(child(path, "verbs"), "verbs must contain at least one value"));
  const urls = asStrings(rule.nonResourceURLs);
  if (urls.length > 0) {
    const value = goSyntax(goStringSlice(urls));
    if (namespaced)
      errs.push(
        invalid(child(path, "nonResourceURLs"), value, "namespaced rules cannot apply to non-resource URLs"),
      );
    if (
      asStrings(rule.apiGroups).length > 0 ||
      asStrings(rule.resources).length > 0 ||
      asStrings(rule.resourceNames).length > 0
    ) {
      errs.push(
        invalid(
          child(path, "nonResourceURLs"),
          value,
          "rules cannot apply to both regular resources and non-resource URLs",
        ),
      );
    }
    return errs;
  }
  if (asStrings(rule.apiGroups).length === 0) {
    errs.push(required(child(path, "apiGroups"), "resource rules must supply at least one api group"));
  }
  if (asStrings(rule.resources).length === 0) {
    errs.push(required(child(path, "resources"), "resource rules must supply at least one resource"));
  }
  return errs;
}

/** ValidateRole / ValidateClusterRole (namespaced=false); updates re-validate the new object only. */
export function validateRole(role: KubeObject, _old?: KubeObject, namespaced = true): FieldCause[] {
  const errs = asMaps(role.rules).flatMap((r, i) => validateRule(r, namespaced, index("rules", i)));
  const aggregation = role.aggregationRule;
  if (!namespaced && aggregation != null && asMaps(asMap(aggregation).clusterRoleSelectors).length === 0) {
    errs.push(
      required(
        "aggregationRule.clusterRoleSelectors",
        "at least one clusterRoleSelector required if aggregationRule is non-nil",
      ),
    );
  }
  return errs;
}

export const validateClusterRole = (role: KubeObject, old?: KubeObject) => validateRole(role, old, false);

/** %#v of the internal rbac.RoleRef, as the "cannot change roleRef" error prints it. */
function roleRefSyntax(ref: Json): string {
  return `rbac.RoleRef{APIGroup:${goQuote(asString(ref.apiGroup))}, Kind:${goQuote(asString(ref.kind))}, Name:${goQuote(asString(ref.name))}}`;
}

/** ValidateRoleBinding / ValidateClusterRoleBinding (namespaced=false), plus the update-time roleRef rule. */
export function validateRoleBinding(binding: KubeObject, old?: KubeObject, namespaced = true): FieldCause[] {
  const errs: FieldCause[] = [];
  const ref = asMap(binding.roleRef);
  if (ref.apiGroup !== RBAC_GROUP)
    errs.push(notSupported("roleRef.apiGroup", asString(ref.apiGroup), [RBAC_GROUP]));
  const kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
  if (!kinds.includes(asString(ref.kind))) errs.push(notSupported("roleRef.kind", asString(ref.kind), kinds));
  const name = asString(ref.name);
  if (!name) errs.push(required("roleRef.name"));
  else for (const msg of isPathSegmentName(name, false)) errs.push(invalid("roleRef.name", name, msg));
  errs.push(
    ...asMaps(binding.subjects).flatMap((s, i) => validateSubject(s, namespaced, index("subjects", i))),
  );

  if (old) {
    const before = asMap(old.roleRef);
    const changed = ["apiGroup", "kind", "name"].some((k) => asString(before[k]) !== asString(ref[k]));
    if (changed) errs.push(invalid("roleRef", goSyntax(roleRefSyntax(ref)), "cannot change roleRef"));
  }
  return errs;
}

export const validateClusterRoleBinding = (binding: KubeObject, old?: KubeObject) =>
  validateRoleBinding(binding, old, false);

/** ValidateRoleBindingSubject; User and Group apiGroups default to rbac.authorization.k8s.io. */
function validateSubject(subject: Json, namespaced: boolean, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const name = asString(subject.name);
  const apiGroup = asString(subject.apiGroup);
  if (!name) errs.push(required(child(path, "name")));
  switch (subject.kind) {
    case "ServiceAccount":
      if (name)
        for (const msg of isDNS1123Subdomain(name)) errs.push(invalid(child(path, "name"), name, msg));
      if (apiGroup) errs.push(notSupported(child(path, "apiGroup"), apiGroup, [""]));
      if (!namespaced && !asString(subject.namespace)) errs.push(required(child(path, "namespace")));
      break;
    case "User":
    case "Group":
      if (apiGroup && apiGroup !== RBAC_GROUP)
        errs.push(notSupported(child(path, "apiGroup"), apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(
        notSupported(child(path, "kind"), asString(subject.kind), ["ServiceAccount", "User", "Group"]),
      );
  }
  return errs;
}
