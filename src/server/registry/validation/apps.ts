// Deployment and ReplicaSet validation: pkg/apis/apps/validation/validation.go (ValidateDeploymentSpec,
// ValidateDeploymentStrategy, ValidateRollingUpdateDeployment, ValidateReplicaSetSpec,
// ValidatePodTemplateSpecForReplicaSet), core's ValidatePodTemplateSpec, and the strategies'
// selector immutability (pkg/registry/apps/{deployment,replicaset}/strategy.go ValidateUpdate).
// Values print as kube-apiserver 1.33's field.Error does: %#v of the Go value.

import { goQuote } from "../../../meta/go-quote.ts";
import { labelSelectorFromObject, matchesLabels } from "../../../meta/labels.ts";
import { isQualifiedName, isValidLabelValue, regexError } from "../../../meta/names.ts";
import type { KubeObject } from "../../../meta/types.ts";
import { goStringSlice } from "../go-format.ts";
import { asMap, asMaps, asString, deepEqual, isMap, type Json } from "../json-access.ts";
import type { FieldCause } from "../types.ts";
import { child, forbidden, goSyntax, immutable, index, invalid, notSupported, required } from "./field.ts";
import { validateLabels } from "./meta.ts";
import { validatePodTemplateSpec } from "./pod-spec.ts";

export { validatePodTemplateSpec };

const SPEC = "spec";
const SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"];

export function validateDeployment(obj: KubeObject, old?: KubeObject, subresource?: string): FieldCause[] {
  if (subresource === "status") return validateDeploymentStatusUpdate(asMap(obj.status), asMap(old?.status));
  const spec = asMap(obj.spec);
  const errs = [...nonnegative(spec.replicas, child(SPEC, "replicas"))];
  errs.push(...selectorAndTemplate(spec, "deployment"));
  errs.push(...validateStrategy(asMap(spec.strategy), child(SPEC, "strategy")));
  errs.push(...nonnegative(spec.minReadySeconds, child(SPEC, "minReadySeconds")));
  if (spec.revisionHistoryLimit != null)
    errs.push(...nonnegative(spec.revisionHistoryLimit, child(SPEC, "revisionHistoryLimit")));
  if (spec.progressDeadlineSeconds != null) {
    const path = child(SPEC, "progressDeadlineSeconds");
    errs.push(...nonnegative(spec.progressDeadlineSeconds, path));
    if (int(spec.progressDeadlineSeconds) <= int(spec.minReadySeconds))
      errs.push(invalid(path, int(spec.progressDeadlineSeconds), "must be greater than minReadySeconds"));
  }
  if (old) errs.push(...selectorImmutable(spec, asMap(old.spec)));
  return errs;
}

export function validateReplicaSet(obj: KubeObject, old?: KubeObject, subresource?: string): FieldCause[] {
  if (subresource === "status") return validateReplicaSetStatus(asMap(obj.status));
  const spec = asMap(obj.spec);
  const errs = [
    ...nonnegative(spec.replicas, child(SPEC, "replicas")),
    ...nonnegative(spec.minReadySeconds, child(SPEC, "minReadySeconds")),
    // ValidateReplicaSetSpec reuses the Deployment wording for an empty selector.
    ...selectorAndTemplate(spec, "deployment"),
  ];
  if (old) errs.push(...selectorImmutable(spec, asMap(old.spec)));
  return errs;
}

const int = (v: unknown): number => (typeof v === "number" ? v : 0);

const STATUS = "status";
const NOT_ABOVE_REPLICAS = "cannot be greater than status.replicas";

/** Upstream's "x cannot be greater than status.replicas" and "availableReplicas ≤ readyReplicas" rules. */
function replicaBounds(status: Json, counted: readonly string[]): FieldCause[] {
  const errs: FieldCause[] = [];
  for (const name of counted)
    if (int(status[name]) > int(status.replicas))
      errs.push(invalid(child(STATUS, name), int(status[name]), NOT_ABOVE_REPLICAS));
  if (int(status.availableReplicas) > int(status.readyReplicas))
    errs.push(
      invalid(
        child(STATUS, "availableReplicas"),
        int(status.availableReplicas),
        "cannot be greater than readyReplicas",
      ),
    );
  return errs;
}

/** ValidateDeploymentStatusUpdate: ValidateDeploymentStatus and collisionCount never decremented. */
function validateDeploymentStatusUpdate(status: Json, old: Json): FieldCause[] {
  const counts = ["observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas"];
  const errs = [...counts, "unavailableReplicas"].flatMap((name) =>
    nonnegative(status[name], child(STATUS, name)),
  );
  if (status.collisionCount != null)
    errs.push(...nonnegative(status.collisionCount, child(STATUS, "collisionCount")));
  errs.push(...replicaBounds(status, ["updatedReplicas", "readyReplicas", "availableReplicas"]));
  errs.push(...collisionCountDecremented(status, old));
  return errs;
}

/**
 * The status-update rule of Deployments, StatefulSets and DaemonSets: status.collisionCount is never
 * decremented (apivalidation.IsDecremented: unset after set is a decrement too).
 */
export function collisionCountDecremented(status: Json, old: Json): FieldCause[] {
  if (old.collisionCount == null) return [];
  const now = status.collisionCount == null ? undefined : int(status.collisionCount);
  return now === undefined || now < int(old.collisionCount)
    ? [invalid(child(STATUS, "collisionCount"), now ?? 0, "cannot be decremented")]
    : [];
}

/** ValidateReplicaSetStatus (what ValidateReplicaSetStatusUpdate adds to the metadata rules). */
function validateReplicaSetStatus(status: Json): FieldCause[] {
  const counts = [
    "replicas",
    "fullyLabeledReplicas",
    "readyReplicas",
    "availableReplicas",
    "observedGeneration",
  ];
  const errs = counts.flatMap((name) => nonnegative(status[name], child(STATUS, name)));
  errs.push(...replicaBounds(status, ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"]));
  return errs;
}

/** apivalidation.ValidateNonnegativeField. */
export function nonnegative(value: unknown, path: string): FieldCause[] {
  return int(value) < 0 ? [invalid(path, int(value), "must be greater than or equal to 0")] : [];
}

/** The selector checks of ValidateDeploymentSpec/ValidateReplicaSetSpec, then the template's. */
function selectorAndTemplate(spec: Json, kind: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const selectorPath = child(SPEC, "selector");
  const selector = spec.selector;
  if (!isMap(selector)) errs.push(required(selectorPath));
  else {
    errs.push(...validateLabelSelector(selector, selectorPath));
    if (Object.keys(asMap(selector.matchLabels)).length + asMaps(selector.matchExpressions).length === 0)
      errs.push(
        invalid(
          selectorPath,
          goSyntax(labelSelectorSyntax(selector)),
          `empty selector is invalid for ${kind}`,
        ),
      );
  }
  if (isMap(selector) && !selectorConvertible(selector)) {
    errs.push(invalid(selectorPath, goSyntax(labelSelectorSyntax(selector)), "invalid label selector"));
    return errs;
  }
  const templatePath = child(SPEC, "template");
  const template = asMap(spec.template);
  const labels = asMap(template.metadata).labels;
  // A nil selector selects nothing (labels.Nothing is not Empty), so it matches no template either.
  const empty =
    isMap(selector) &&
    Object.keys(asMap(selector.matchLabels)).length + asMaps(selector.matchExpressions).length === 0;
  if (!empty) {
    const matches =
      isMap(selector) &&
      matchesLabels(labelSelectorFromObject(selector), asMap(labels) as Record<string, string>);
    if (!matches)
      errs.push(
        invalid(
          child(child(templatePath, "metadata"), "labels"),
          goSyntax(stringMapSyntax(labels)),
          "`selector` does not match template `labels`",
        ),
      );
  }
  errs.push(...validatePodTemplateSpec(template, templatePath));
  const podSpec = asMap(template.spec);
  const restartPolicy = asString(podSpec.restartPolicy);
  if (restartPolicy !== "Always")
    errs.push(notSupported(child(templatePath, "spec.restartPolicy"), restartPolicy, ["Always"]));
  if (podSpec.activeDeadlineSeconds != null)
    errs.push(
      forbidden(
        child(templatePath, "spec.activeDeadlineSeconds"),
        "activeDeadlineSeconds in ReplicaSet is not Supported",
      ),
    );
  return errs;
}

/** ValidateDeploymentStrategy and ValidateRollingUpdateDeployment. */
function validateStrategy(strategy: Json, path: string): FieldCause[] {
  const type = asString(strategy.type);
  if (type === "Recreate") {
    return strategy.rollingUpdate != null
      ? [forbidden(child(path, "rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")]
      : [];
  }
  if (type !== "RollingUpdate")
    return [notSupported(path, goSyntax(strategySyntax(strategy)), ["Recreate", "RollingUpdate"])];
  if (!isMap(strategy.rollingUpdate))
    return [required(child(path, "rollingUpdate"), "this should be defaulted and never be nil")];
  const ru = strategy.rollingUpdate;
  const ruPath = child(path, "rollingUpdate");
  const errs = [
    ...positiveIntOrPercent(ru.maxUnavailable, child(ruPath, "maxUnavailable")),
    ...positiveIntOrPercent(ru.maxSurge, child(ruPath, "maxSurge")),
  ];
  if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0)
    errs.push(
      invalid(
        child(ruPath, "maxUnavailable"),
        goSyntax(intOrStringSyntax(ru.maxUnavailable)),
        "may not be 0 when `maxSurge` is 0",
      ),
    );
  errs.push(...notMoreThan100Percent(ru.maxUnavailable, child(ruPath, "maxUnavailable")));
  return errs;
}

const PERCENT = /^[0-9]+%$/;
const PERCENT_ERROR = regexError(
  "a valid percent string must be a numeric string followed by an ending '%'",
  "[0-9]+%",
  "1%",
  "93%",
);

/** ValidatePositiveIntOrPercent. */
export function positiveIntOrPercent(value: unknown, path: string): FieldCause[] {
  if (typeof value === "string")
    return PERCENT.test(value) ? [] : [invalid(path, goSyntax(intOrStringSyntax(value)), PERCENT_ERROR)];
  return nonnegative(value, path);
}

/** getIntOrPercentValue: a valid percent's number, else IntValue() (Atoi of a string, 0 on failure). */
export function intOrPercentValue(value: unknown): number {
  if (typeof value === "string") {
    const digits = PERCENT.test(value) ? value.slice(0, -1) : value;
    return /^[+-]?[0-9]+$/.test(digits) ? Number(digits) : 0;
  }
  return int(value);
}

/** IsNotMoreThan100Percent. */
export function notMoreThan100Percent(value: unknown, path: string): FieldCause[] {
  if (typeof value !== "string" || !PERCENT.test(value) || Number(value.slice(0, -1)) <= 100) return [];
  return [invalid(path, goSyntax(intOrStringSyntax(value)), "must not be greater than 100%")];
}

/** v1validation.ValidateLabelSelector (AllowInvalidLabelValueInSelector off, as apps validates it). */
export function validateLabelSelector(selector: Json, path: string): FieldCause[] {
  const errs = validateLabels(selector.matchLabels, child(path, "matchLabels"));
  asMaps(selector.matchExpressions).forEach((expr, i) => {
    const exprPath = index(child(path, "matchExpressions"), i);
    const operator = asString(expr.operator);
    const values = Array.isArray(expr.values) ? (expr.values as unknown[]).map(asString) : [];
    if (operator === "In" || operator === "NotIn") {
      if (values.length === 0)
        errs.push(
          required(child(exprPath, "values"), "must be specified when `operator` is 'In' or 'NotIn'"),
        );
    } else if (operator === "Exists" || operator === "DoesNotExist") {
      if (values.length > 0)
        errs.push(
          forbidden(
            child(exprPath, "values"),
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          ),
        );
    } else errs.push(invalid(child(exprPath, "operator"), operator, "not a valid selector operator"));
    const key = asString(expr.key);
    for (const msg of isQualifiedName(key)) errs.push(invalid(child(exprPath, "key"), key, msg));
    values.forEach((v, j) => {
      for (const msg of isValidLabelValue(v)) errs.push(invalid(index(child(exprPath, "values"), j), v, msg));
    });
  });
  return errs;
}

/** Whether metav1.LabelSelectorAsSelector succeeds (labels.NewRequirement accepts every term). */
export function selectorConvertible(selector: Json): boolean {
  for (const [k, v] of Object.entries(asMap(selector.matchLabels)))
    if (isQualifiedName(k).length || isValidLabelValue(asString(v)).length) return false;
  return asMaps(selector.matchExpressions).every((expr) => {
    const operator = asString(expr.operator);
    const values = Array.isArray(expr.values) ? (expr.values as unknown[]).map(asString) : [];
    if (!SELECTOR_OPERATORS.includes(operator)) return false;
    if (isQualifiedName(asString(expr.key)).length) return false;
    if ((operator === "In" || operator === "NotIn") && values.length === 0) return false;
    if ((operator === "Exists" || operator === "DoesNotExist") && values.length > 0) return false;
    return values.every((v) => isValidLabelValue(v).length === 0);
  });
}

/** The strategies' ValidateUpdate: spec.selector may not change (apps/v1). */
export function selectorImmutable(spec: Json, old: Json): FieldCause[] {
  if (deepEqual(spec.selector ?? null, old.selector ?? null)) return [];
  const value = isMap(spec.selector) ? goSyntax(labelSelectorSyntax(spec.selector)) : null;
  return [immutable(child(SPEC, "selector"), value)];
}

// ---- %#v renderings of the Go values upstream puts in field errors ----

export function stringMapSyntax(m: unknown): string {
  if (!isMap(m)) return "map[string]string(nil)";
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(asString(m[k]))}`).join(", ")}}`;
}

export function labelSelectorSyntax(selector: Json): string {
  const exprs = Array.isArray(selector.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${asMaps(selector.matchExpressions)
        .map(
          (e) =>
            `v1.LabelSelectorRequirement{Key:${goQuote(asString(e.key))}, Operator:${goQuote(asString(e.operator))}, Values:${goStringSlice(Array.isArray(e.values) ? (e.values as unknown[]).map(asString) : undefined)}}`,
        )
        .join(", ")}}`
    : "[]v1.LabelSelectorRequirement(nil)";
  return `v1.LabelSelector{MatchLabels:${stringMapSyntax(selector.matchLabels)}, MatchExpressions:${exprs}}`;
}

export function intOrStringSyntax(value: unknown): string {
  return typeof value === "string"
    ? `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(value)}}`
    : `intstr.IntOrString{Type:0, IntVal:${int(value)}, StrVal:""}`;
}

function strategySyntax(strategy: Json): string {
  const ru = strategy.rollingUpdate;
  // A set pointer prints its address upstream, which no two servers share.
  const rolling = isMap(ru)
    ? "(*apps.RollingUpdateDeployment)(0xc000000000)"
    : "(*apps.RollingUpdateDeployment)(nil)";
  return `apps.DeploymentStrategy{Type:${goQuote(asString(strategy.type))}, RollingUpdate:${rolling}}`;
}
