// Where a Pod may run, ported from kubernetes v1.33 pkg/apis/core/validation/validation.go: validateAffinity
// (validateNodeAffinity, ValidateNodeSelector/Term/Requirement, ValidateNodeFieldSelectorRequirement,
// ValidatePreferredSchedulingTerms, validatePodAffinity/AntiAffinity, validatePodAffinityTerm,
// validateMatchLabelKeysAndMismatchLabelKeys), ValidateTolerations, validateTopologySpreadConstraints,
// validateSchedulingGates, and the update rules validateOnlyAddedTolerations,
// validateOnlyDeletedSchedulingGates, validateNodeSelectorMutation and validateNodeAffinityMutation.

import { goQuote } from "../../../meta/go-quote.ts";
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
} from "../../../meta/names.ts";
import { asMap, asMaps, asString, asStrings, deepEqual, isMap, type Json } from "../json-access.ts";
import type { FieldCause } from "../types.ts";
import { validateLabelSelector } from "./apps.ts";
import { child, duplicate, forbidden, goSyntax, index, invalid, notSupported, required } from "./field.ts";

/** unversionedvalidation.ValidateLabelName. */
export const labelNameErrors = (name: string, path: string): FieldCause[] =>
  isQualifiedName(name).map((msg) => invalid(path, name, msg));

/** %#v of a []string. */
export const goStrings = (values: string[]) =>
  goSyntax(values.length === 0 ? "[]string(nil)" : `[]string{${values.map(goQuote).join(", ")}}`);

/** ValidateNodeSelectorRequirement. */
function nodeSelectorRequirementErrors(rq: Json, allowInvalidValues: boolean, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const values = asStrings(rq.values);
  const operator = asString(rq.operator);
  const valuesPath = child(path, "values");
  if (operator === "In" || operator === "NotIn") {
    if (values.length === 0)
      errs.push(required(valuesPath, "must be specified when `operator` is 'In' or 'NotIn'"));
  } else if (operator === "Exists" || operator === "DoesNotExist") {
    if (values.length > 0)
      errs.push(forbidden(valuesPath, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  } else if (operator === "Gt" || operator === "Lt") {
    if (values.length !== 1)
      errs.push(required(valuesPath, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
  } else errs.push(invalid(child(path, "operator"), operator, "not a valid selector operator"));
  errs.push(...labelNameErrors(asString(rq.key), child(path, "key")));
  if (!allowInvalidValues)
    values.forEach((v, i) => {
      for (const msg of isValidLabelValue(v)) errs.push(invalid(index(valuesPath, i), v, msg));
    });
  return errs;
}

/** ValidateNodeFieldSelectorRequirement: only metadata.name, with exactly one In/NotIn value. */
function nodeFieldSelectorRequirementErrors(req: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const operator = asString(req.operator);
  const values = asStrings(req.values);
  if (operator === "In" || operator === "NotIn") {
    if (values.length !== 1)
      errs.push(
        required(
          child(path, "values"),
          "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
        ),
      );
  } else errs.push(invalid(child(path, "operator"), operator, "not a valid selector operator"));
  const key = asString(req.key);
  if (key !== "metadata.name") errs.push(invalid(child(path, "key"), key, "not a valid field selector key"));
  else
    values.forEach((v, i) => {
      for (const msg of isDNS1123Subdomain(v)) errs.push(invalid(index(child(path, "values"), i), v, msg));
    });
  return errs;
}

/** ValidateNodeSelectorTerm. */
function nodeSelectorTermErrors(term: Json, allowInvalidValues: boolean, path: string): FieldCause[] {
  return [
    ...asMaps(term.matchExpressions).flatMap((rq, j) =>
      nodeSelectorRequirementErrors(rq, allowInvalidValues, index(child(path, "matchExpressions"), j)),
    ),
    ...asMaps(term.matchFields).flatMap((rq, j) =>
      nodeFieldSelectorRequirementErrors(rq, index(child(path, "matchFields"), j)),
    ),
  ];
}

/** ValidateNodeSelector: at least one term. */
export function nodeSelectorErrors(selector: Json, allowInvalidValues: boolean, path: string): FieldCause[] {
  const termsPath = child(path, "nodeSelectorTerms");
  const terms = asMaps(selector.nodeSelectorTerms);
  if (terms.length === 0) return [required(termsPath, "must have at least one node selector term")];
  return terms.flatMap((t, i) => nodeSelectorTermErrors(t, allowInvalidValues, index(termsPath, i)));
}

const weightErrors = (weight: unknown, path: string): FieldCause[] => {
  const w = typeof weight === "number" ? weight : 0;
  return w <= 0 || w > 100 ? [invalid(path, w, "must be in the range 1-100")] : [];
};

/** validateNodeAffinity (required terms reject invalid label values; preferred ones always allow them). */
function nodeAffinityErrors(na: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const requiredTerms = na.requiredDuringSchedulingIgnoredDuringExecution;
  if (isMap(requiredTerms))
    errs.push(
      ...nodeSelectorErrors(
        requiredTerms,
        false,
        child(path, "requiredDuringSchedulingIgnoredDuringExecution"),
      ),
    );
  const preferredPath = child(path, "preferredDuringSchedulingIgnoredDuringExecution");
  asMaps(na.preferredDuringSchedulingIgnoredDuringExecution).forEach((term, i) => {
    errs.push(...weightErrors(term.weight, child(index(preferredPath, i), "weight")));
    errs.push(
      ...nodeSelectorTermErrors(asMap(term.preference), true, child(index(preferredPath, i), "preference")),
    );
  });
  return errs;
}

/** validateLabelKeys: matchLabelKeys / mismatchLabelKeys need a labelSelector and label-name keys. */
function labelKeysErrors(path: string, keys: string[], selector: unknown): FieldCause[] {
  if (keys.length === 0) return [];
  if (!isMap(selector)) return [forbidden(path, "must not be specified when labelSelector is not set")];
  return keys.flatMap((k, i) => labelNameErrors(k, index(path, i)));
}

/** validateMatchLabelKeysAndMismatchLabelKeys. */
function matchLabelKeysErrors(
  path: string,
  match: string[],
  mismatch: string[],
  selector: unknown,
): FieldCause[] {
  const errs = [
    ...labelKeysErrors(child(path, "matchLabelKeys"), match, selector),
    ...labelKeysErrors(child(path, "mismatchLabelKeys"), mismatch, selector),
  ];
  if (isMap(selector)) {
    const positions = new Map(match.map((k, i) => [k, i]));
    const selectorKeys = new Set(Object.keys(asMap(selector.matchLabels)));
    for (const expr of asMaps(selector.matchExpressions)) {
      const k = asString(expr.key);
      const i = positions.get(k);
      // Upstream reports this at <term>[i], not under matchLabelKeys.
      if (i !== undefined && selectorKeys.has(k))
        errs.push(invalid(index(path, i), k, "exists in both matchLabelKeys and labelSelector"));
      selectorKeys.add(k);
    }
  }
  const mismatchSet = new Set(mismatch);
  match.forEach((k, i) => {
    if (mismatchSet.has(k))
      errs.push(
        invalid(
          index(child(path, "matchLabelKeys"), i),
          k,
          "exists in both matchLabelKeys and mismatchLabelKeys",
        ),
      );
  });
  return errs;
}

/** validatePodAffinityTerm. */
function podAffinityTermErrors(term: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  for (const field of ["labelSelector", "namespaceSelector"])
    if (isMap(term[field])) errs.push(...validateLabelSelector(term[field], child(path, field)));
  for (const ns of asStrings(term.namespaces))
    for (const msg of isDNS1123Label(ns)) errs.push(invalid(child(path, "namespace"), ns, msg));
  errs.push(
    ...matchLabelKeysErrors(
      path,
      asStrings(term.matchLabelKeys),
      asStrings(term.mismatchLabelKeys),
      term.labelSelector,
    ),
  );
  const topologyKey = asString(term.topologyKey);
  if (!topologyKey) errs.push(required(child(path, "topologyKey"), "can not be empty"));
  errs.push(...labelNameErrors(topologyKey, child(path, "topologyKey")));
  return errs;
}

/** validatePodAffinity / validatePodAntiAffinity (the same shape). */
function podAffinityErrors(pa: Json, path: string): FieldCause[] {
  const requiredPath = child(path, "requiredDuringSchedulingIgnoredDuringExecution");
  const preferredPath = child(path, "preferredDuringSchedulingIgnoredDuringExecution");
  return [
    ...asMaps(pa.requiredDuringSchedulingIgnoredDuringExecution).flatMap((t, i) =>
      podAffinityTermErrors(t, index(requiredPath, i)),
    ),
    ...asMaps(pa.preferredDuringSchedulingIgnoredDuringExecution).flatMap((t, i) => [
      ...weightErrors(t.weight, child(index(preferredPath, i), "weight")),
      ...podAffinityTermErrors(asMap(t.podAffinityTerm), child(index(preferredPath, i), "podAffinityTerm")),
    ]),
  ];
}

/** validateAffinity. */
export function affinityErrors(affinity: unknown, path: string): FieldCause[] {
  if (!isMap(affinity)) return [];
  const errs: FieldCause[] = [];
  if (isMap(affinity.nodeAffinity))
    errs.push(...nodeAffinityErrors(affinity.nodeAffinity, child(path, "nodeAffinity")));
  if (isMap(affinity.podAffinity))
    errs.push(...podAffinityErrors(affinity.podAffinity, child(path, "podAffinity")));
  if (isMap(affinity.podAntiAffinity))
    errs.push(...podAffinityErrors(affinity.podAntiAffinity, child(path, "podAntiAffinity")));
  return errs;
}

export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

/** ValidateTolerations. */
export function tolerationsErrors(tolerations: Json[], path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  tolerations.forEach((t, i) => {
    const at = index(path, i);
    const key = asString(t.key);
    const operator = asString(t.operator);
    const value = asString(t.value);
    const effect = asString(t.effect);
    if (key) errs.push(...labelNameErrors(key, child(at, "key")));
    if (!key && operator !== "Exists")
      errs.push(
        invalid(
          child(at, "operator"),
          operator,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    if (t.tolerationSeconds != null && effect !== "NoExecute")
      errs.push(
        invalid(child(at, "effect"), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"),
      );
    if (operator === "Equal" || operator === "") {
      const valueErrs = isValidLabelValue(value);
      if (valueErrs.length > 0) errs.push(invalid(child(at, "operator"), value, valueErrs.join(";")));
    } else if (operator === "Exists") {
      if (value)
        errs.push(invalid(child(at, "operator"), value, "value must be empty when `operator` is 'Exists'"));
    } else errs.push(notSupported(child(at, "operator"), operator, ["Equal", "Exists"]));
    if (effect && !TAINT_EFFECTS.includes(effect))
      errs.push(notSupported(child(at, "effect"), effect, TAINT_EFFECTS));
  });
  return errs;
}

/** validateTopologySpreadConstraints (with upstream's label selector check: invalid values rejected). */
export function topologySpreadErrors(constraints: Json[], path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  constraints.forEach((c, i) => {
    const at = index(path, i);
    const maxSkew = typeof c.maxSkew === "number" ? c.maxSkew : 0;
    if (maxSkew <= 0) errs.push(invalid(child(at, "maxSkew"), maxSkew, "must be greater than zero"));
    const topologyKey = asString(c.topologyKey);
    if (!topologyKey) errs.push(required(child(at, "topologyKey"), "can not be empty"));
    const action = asString(c.whenUnsatisfiable);
    if (action !== "DoNotSchedule" && action !== "ScheduleAnyway")
      errs.push(notSupported(child(at, "whenUnsatisfiable"), action, ["DoNotSchedule", "ScheduleAnyway"]));
    const repeat = constraints
      .slice(i + 1)
      .some((r) => asString(r.topologyKey) === topologyKey && asString(r.whenUnsatisfiable) === action);
    if (repeat)
      errs.push(duplicate(child(at, "{topologyKey, whenUnsatisfiable}"), `{${topologyKey}, ${action}}`));
    if (c.minDomains != null) {
      const minDomains = typeof c.minDomains === "number" ? c.minDomains : 0;
      if (minDomains <= 0)
        errs.push(invalid(child(at, "minDomains"), minDomains, "must be greater than zero"));
      if (action !== "DoNotSchedule")
        errs.push(
          invalid(
            child(at, "minDomains"),
            minDomains,
            `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${action}`,
          ),
        );
    }
    for (const field of ["nodeAffinityPolicy", "nodeTaintsPolicy"]) {
      const policy = c[field];
      if (policy != null && policy !== "Honor" && policy !== "Ignore")
        errs.push(notSupported(child(at, field), asString(policy), ["Honor", "Ignore"]));
    }
    errs.push(
      ...matchLabelKeysInSpreadErrors(
        child(at, "matchLabelKeys"),
        asStrings(c.matchLabelKeys),
        c.labelSelector,
      ),
    );
    if (isMap(c.labelSelector))
      errs.push(...validateLabelSelector(c.labelSelector, child(at, "labelSelector")));
  });
  return errs;
}

/** validateMatchLabelKeysInTopologySpread. */
function matchLabelKeysInSpreadErrors(path: string, keys: string[], selector: unknown): FieldCause[] {
  if (keys.length === 0) return [];
  const errs: FieldCause[] = [];
  const selectorKeys = new Set<string>();
  if (isMap(selector)) {
    for (const k of Object.keys(asMap(selector.matchLabels))) selectorKeys.add(k);
    for (const e of asMaps(selector.matchExpressions)) selectorKeys.add(asString(e.key));
  } else errs.push(forbidden(path, "must not be specified when labelSelector is not set"));
  keys.forEach((k, i) => {
    errs.push(...labelNameErrors(k, index(path, i)));
    if (selectorKeys.has(k))
      errs.push(invalid(index(path, i), k, "exists in both matchLabelKeys and labelSelector"));
  });
  return errs;
}

/** validateSchedulingGates: qualified names, no duplicates. */
export function schedulingGatesErrors(gates: Json[], path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const seen = new Set<string>();
  gates.forEach((g, i) => {
    const name = asString(g.name);
    for (const msg of isQualifiedName(name)) errs.push(invalid(index(path, i), name, msg));
    if (seen.has(name)) errs.push(duplicate(index(path, i), name));
    seen.add(name);
  });
  return errs;
}

// ---- update rules ----

/** validateOnlyAddedTolerations: every old toleration must survive (tolerationSeconds may change). */
export function onlyAddedTolerationsErrors(now: Json[], before: Json[], path: string): FieldCause[] {
  const withoutSeconds = ({ tolerationSeconds: _, ...rest }: Json) => rest;
  for (const old of before) {
    if (!now.some((n) => deepEqual(withoutSeconds(old), withoutSeconds(n))))
      return [forbidden(path, "existing toleration can not be modified except its tolerationSeconds")];
  }
  return tolerationsErrors(now, path);
}

/** validateOnlyDeletedSchedulingGates. */
export function onlyDeletedSchedulingGatesErrors(now: Json[], before: Json[], path: string): FieldCause[] {
  const old = new Set(before.map((g) => asString(g.name)));
  const added = new Map(now.map((g, i) => [asString(g.name), i]));
  return [...added]
    .filter(([name]) => !old.has(name))
    .map(([name, i]) =>
      forbidden(
        child(index(path, i), "name"),
        `only deletion is allowed, but found new scheduling gate '${name}'`,
      ),
    );
}

/** validateNodeSelectorMutation: a gated Pod may only gain nodeSelector entries. */
export function nodeSelectorMutationErrors(
  now: Json,
  before: Json,
  path: string,
  rendered: string,
): FieldCause[] {
  for (const [k, v] of Object.entries(before))
    if (now[k] !== v)
      return [
        invalid(
          path,
          goSyntax(rendered),
          "only additions to spec.nodeSelector are allowed (no mutations or deletions)",
        ),
      ];
  return [];
}

/** validateNodeAffinityMutation: a gated Pod's required node selector terms may only gain requirements. */
export function nodeAffinityMutationErrors(
  now: Json | undefined,
  before: Json | undefined,
  path: string,
): FieldCause[] {
  const oldTerms = asMaps(asMap(before?.requiredDuringSchedulingIgnoredDuringExecution).nodeSelectorTerms);
  if (!isMap(before?.requiredDuringSchedulingIgnoredDuringExecution)) return [];
  const newTerms = asMaps(asMap(now?.requiredDuringSchedulingIgnoredDuringExecution).nodeSelectorTerms);
  const termsPath = child(child(path, "requiredDuringSchedulingIgnoredDuringExecution"), "nodeSelectorTerms");
  if (oldTerms.length > 0 && oldTerms.length !== newTerms.length)
    return [
      invalid(
        termsPath,
        goSyntax("[]core.NodeSelectorTerm{…}"),
        "no additions/deletions to non-empty NodeSelectorTerms list are allowed",
      ),
    ];
  const errs: FieldCause[] = [];
  oldTerms.forEach((old, i) => {
    if (!termHasOnlyAdditions(newTerms[i], old))
      errs.push(
        invalid(
          index(termsPath, i),
          goSyntax("core.NodeSelectorTerm{…}"),
          "only additions are allowed (no mutations or deletions)",
        ),
      );
  });
  return errs;
}

function termHasOnlyAdditions(now: Json, old: Json): boolean {
  const oldExprs = asMaps(old.matchExpressions);
  const oldFields = asMaps(old.matchFields);
  const newExprs = asMaps(now.matchExpressions);
  const newFields = asMaps(now.matchFields);
  if (oldExprs.length === 0 && oldFields.length === 0 && (newExprs.length > 0 || newFields.length > 0))
    return false;
  const prefixKept = (n: Json[], o: Json[]) =>
    o.length === 0 || (n.length >= o.length && deepEqual(n.slice(0, o.length), o));
  return prefixKept(newExprs, oldExprs) && prefixKept(newFields, oldFields);
}
