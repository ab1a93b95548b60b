// autoscaling/v2 HorizontalPodAutoscaler, the stored version: REST shape (hpa; status subresource),
// defaults (SetDefaults_HorizontalPodAutoscaler(Behavior), kubernetes pkg/apis/autoscaling/v2/defaults.go),
// validation (ValidateHorizontalPodAutoscalerSpec, pkg/apis/autoscaling/validation/validation.go: replica
// bounds, scaleTargetRef, metrics and their targets) and Table columns (printHorizontalPodAutoscaler,
// pkg/printers/internalversion/printers.go). No metrics server runs here, so no HPA controller does either.

import { isDNS1123Label } from "../../../../meta/names.ts";
import {
  canonicalQuantity,
  quantityError,
  quantityGoSyntax,
  quantityMilli,
} from "../../../../meta/quantity.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asMaps, asString, isMap, type Json } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import {
  child,
  dedupe,
  forbidden,
  goSyntax,
  index,
  invalid,
  notSupported,
  required,
} from "../../validation/field.ts";
import { isPathSegmentName } from "../../validation/names.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";

export const METRIC_SOURCE_TYPES = ["ContainerResource", "External", "Object", "Pods", "Resource"];
const SOURCE_FIELD: Record<string, string> = {
  ContainerResource: "containerResource",
  External: "external",
  Object: "object",
  Pods: "pods",
  Resource: "resource",
};

// autoscalingv2beta1 HorizontalPodAutoscaler{Spec,Status}{}.SwaggerDoc() as of Kubernetes 1.33 (printers.go cites v2beta1).
const DOCS = {
  scaleTargetRef:
    "scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.",
  metrics:
    "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond.",
  minReplicas:
    "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.",
  maxReplicas:
    "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.",
  currentReplicas:
    "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.",
};

/** The metric an HPA without metrics scales on: 80% average CPU utilization. */
export const DEFAULT_CPU_UTILIZATION = 80;

/** GenerateHPAScaleUpRules / GenerateHPAScaleDownRules: a set behavior's unset parts. */
function defaultRules(rules: unknown, up: boolean): Json {
  const r = { ...asMap(rules) };
  r.stabilizationWindowSeconds ??= up ? 0 : 300;
  r.selectPolicy ??= "Max";
  r.policies ??= up
    ? [
        { type: "Pods", value: 4, periodSeconds: 15 },
        { type: "Percent", value: 100, periodSeconds: 15 },
      ]
    : [{ type: "Percent", value: 100, periodSeconds: 15 }];
  return r;
}

export function defaultHorizontalPodAutoscaler(obj: KubeObject): void {
  // status.desiredReplicas is not omitempty: a fresh autoscaler reads back {"desiredReplicas":0}.
  obj.status ??= {};
  (obj.status as Json).desiredReplicas ??= 0;
  obj.spec ??= {};
  const spec = obj.spec as Json;
  spec.minReplicas ??= 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0)
    spec.metrics = [
      {
        type: "Resource",
        resource: {
          name: "cpu",
          target: { type: "Utilization", averageUtilization: DEFAULT_CPU_UTILIZATION },
        },
      },
    ];
  if (isMap(spec.behavior))
    spec.behavior = {
      ...spec.behavior,
      scaleUp: defaultRules(spec.behavior.scaleUp, true),
      scaleDown: defaultRules(spec.behavior.scaleDown, false),
    };
}

const int = (v: unknown) => (typeof v === "number" ? v : 0);
const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
const SELECT_POLICIES = ["Disabled", "Max", "Min"];
const POLICY_TYPES = ["Percent", "Pods"];

/** ValidateCrossVersionObjectReference. */
function validateTargetRef(ref: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  for (const field of ["kind", "name"]) {
    const value = asString(ref[field]);
    if (!value) errs.push(required(child(path, field)));
    else
      for (const msg of isPathSegmentName(value, false)) errs.push(invalid(child(path, field), value, msg));
  }
  return errs;
}

/** validateMetricIdentifier. */
function validateMetricId(id: Json, path: string): FieldCause[] {
  const name = asString(id.name);
  if (!name) return [required(child(path, "name"), "must specify a metric name")];
  return isPathSegmentName(name, false).map((msg) => invalid(child(path, "name"), name, msg));
}

/** validateMetricTarget. */
function validateTarget(target: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const type = asString(target.type);
  if (!type) errs.push(required(child(path, "type"), "must specify a metric target type"));
  if (!["Utilization", "Value", "AverageValue"].includes(type))
    errs.push(invalid(child(path, "type"), type, "must be either Utilization, Value, or AverageValue"));
  for (const field of ["value", "averageValue"]) {
    if (target[field] == null) continue;
    const text = String(target[field]);
    if (!quantityError(text) && quantityMilli(text) <= 0n)
      errs.push(invalid(child(path, field), goSyntax(quantityGoSyntax(text)), "must be positive"));
  }
  if (target.averageUtilization != null && int(target.averageUtilization) < 1)
    errs.push(
      invalid(child(path, "averageUtilization"), int(target.averageUtilization), "must be greater than 0"),
    );
  return errs;
}

/** validateResourceSource / validateContainerResourceSource. */
function validateResourceSource(src: Json, path: string, container: boolean): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!asString(src.name)) errs.push(required(child(path, "name"), "must specify a resource name"));
  if (container) {
    const name = asString(src.container);
    if (!name) errs.push(required(child(path, "container"), "must specify a container"));
    else for (const msg of isDNS1123Label(name)) errs.push(invalid(child(path, "container"), name, msg));
  }
  const target = asMap(src.target);
  const at = child(path, "target");
  errs.push(...validateTarget(target, at));
  if (target.averageUtilization == null && target.averageValue == null)
    errs.push(
      required(child(at, "averageUtilization"), "must set either a target raw value or a target utilization"),
    );
  if (target.averageUtilization != null && target.averageValue != null)
    errs.push(
      forbidden(child(at, "averageValue"), "may not set both a target raw value and a target utilization"),
    );
  return errs;
}

/** validateObjectSource / validateExternalSource / validatePodsSource. */
function validateMetricSource(field: string, src: Json, path: string): FieldCause[] {
  if (field === "resource" || field === "containerResource")
    return validateResourceSource(src, path, field === "containerResource");
  const errs: FieldCause[] = [];
  if (field === "object")
    errs.push(...validateTargetRef(asMap(src.describedObject), child(path, "describedObject")));
  errs.push(...validateMetricId(asMap(src.metric), child(path, "metric")));
  const target = asMap(src.target);
  const at = child(path, "target");
  errs.push(...validateTarget(target, at));
  if (field === "object" && target.value == null && target.averageValue == null)
    errs.push(required(child(at, "averageValue"), "must set either a target value or averageValue"));
  if (field === "external") {
    if (target.value == null && target.averageValue == null)
      errs.push(
        required(child(at, "averageValue"), "must set either a target value for metric or a per-pod target"),
      );
    if (target.value != null && target.averageValue != null)
      errs.push(
        forbidden(child(at, "value"), "may not set both a target value for metric and a per-pod target"),
      );
  }
  if (field === "pods" && target.averageValue == null)
    errs.push(required(child(at, "averageValue"), "must specify a positive target averageValue"));
  return errs;
}

/** validateMetricSpec: the type, the one source it names (only the first source present is validated). */
function validateMetric(metric: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const type = asString(metric.type);
  if (!type) errs.push(required(child(path, "type"), "must specify a metric source type"));
  if (!METRIC_SOURCE_TYPES.includes(type))
    errs.push(notSupported(child(path, "type"), type, METRIC_SOURCE_TYPES));
  const present = ["object", "external", "pods", "resource", "containerResource"].filter(
    (f) => metric[f] != null,
  );
  if (present.length)
    errs.push(...validateMetricSource(present[0], asMap(metric[present[0]]), child(path, present[0])));
  const expected = SOURCE_FIELD[type];
  if (expected && metric[expected] == null)
    errs.push(required(child(path, expected), "must populate information for the given metric source"));
  if (!expected) errs.push(notSupported(child(path, "type"), type, METRIC_SOURCE_TYPES));
  if (present.length !== 1)
    for (const other of present.filter((f) => f !== expected).sort())
      errs.push(forbidden(child(path, other), "must populate the given metric source only"));
  return errs;
}

/** validateScalingRules. */
function validateRules(rules: unknown, path: string): FieldCause[] {
  if (!isMap(rules)) return [];
  const errs: FieldCause[] = [];
  const window = rules.stabilizationWindowSeconds;
  if (typeof window === "number" && window < 0)
    errs.push(
      invalid(child(path, "stabilizationWindowSeconds"), window, "must be greater than or equal to zero"),
    );
  if (typeof window === "number" && window > MAX_STABILIZATION_WINDOW_SECONDS)
    errs.push(
      invalid(
        child(path, "stabilizationWindowSeconds"),
        window,
        `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`,
      ),
    );
  if (rules.selectPolicy != null && !SELECT_POLICIES.includes(asString(rules.selectPolicy)))
    errs.push(notSupported(child(path, "selectPolicy"), asString(rules.selectPolicy), SELECT_POLICIES));
  const policiesPath = child(path, "policies");
  const policies = asMaps(rules.policies);
  if (policies.length === 0) errs.push(required(policiesPath, "must specify at least one Policy"));
  policies.forEach((policy, i) => {
    const at = index(policiesPath, i);
    if (!POLICY_TYPES.includes(asString(policy.type)))
      errs.push(notSupported(child(at, "type"), asString(policy.type), POLICY_TYPES));
    if (int(policy.value) <= 0)
      errs.push(invalid(child(at, "value"), int(policy.value), "must be greater than zero"));
    const period = int(policy.periodSeconds);
    if (period <= 0) errs.push(invalid(child(at, "periodSeconds"), period, "must be greater than zero"));
    if (period > MAX_PERIOD_SECONDS)
      errs.push(
        invalid(child(at, "periodSeconds"), period, `must be less than or equal to ${MAX_PERIOD_SECONDS}`),
      );
  });
  return errs;
}

/** ValidateHorizontalPodAutoscaler(Update): minReplicas may be 0 only if it already was (HPAScaleToZero is alpha). */
export function validateHorizontalPodAutoscaler(
  obj: KubeObject,
  old?: KubeObject,
  subresource?: string,
): FieldCause[] {
  if (subresource === "status") return validateHorizontalPodAutoscalerStatus(obj);
  const spec = asMap(obj.spec);
  const lowerBound = old && asMap(old.spec).minReplicas === 0 ? 0 : 1;
  const errs: FieldCause[] = [];
  if (spec.minReplicas != null && int(spec.minReplicas) < lowerBound)
    errs.push(
      invalid("spec.minReplicas", int(spec.minReplicas), `must be greater than or equal to ${lowerBound}`),
    );
  if (int(spec.maxReplicas) < 1)
    errs.push(invalid("spec.maxReplicas", int(spec.maxReplicas), "must be greater than 0"));
  if (spec.minReplicas != null && int(spec.maxReplicas) < int(spec.minReplicas))
    errs.push(
      invalid("spec.maxReplicas", int(spec.maxReplicas), "must be greater than or equal to `minReplicas`"),
    );
  errs.push(...validateTargetRef(asMap(spec.scaleTargetRef), "spec.scaleTargetRef"));
  const metrics = asMaps(spec.metrics);
  metrics.forEach((m, i) => {
    errs.push(...validateMetric(m, index("spec.metrics", i)));
  });
  if (spec.minReplicas === 0 && !metrics.some((m) => m.type === "Object" || m.type === "External"))
    errs.push(
      forbidden(
        "spec.metrics",
        "must specify at least one Object or External metric to support scaling to zero replicas",
      ),
    );
  const behavior = asMap(spec.behavior);
  errs.push(...validateRules(behavior.scaleUp, "spec.behavior.scaleUp"));
  errs.push(...validateRules(behavior.scaleDown, "spec.behavior.scaleDown"));
  // An unknown metric type is reported twice upstream; its 422 message (ToAggregate) shows it once.
  return dedupe(errs);
}

/** ValidateHorizontalPodAutoscalerStatusUpdate (what it adds to the metadata rules). */
function validateHorizontalPodAutoscalerStatus(obj: KubeObject): FieldCause[] {
  const status = asMap(obj.status);
  return ["currentReplicas", "desiredReplicas"]
    .filter((f) => int(status[f]) < 0)
    .map((f) => invalid(`status.${f}`, int(status[f]), "must be greater than or equal to 0"));
}

const q = (v: unknown) => canonicalQuantity(String(v ?? "0"));

/** formatHPAMetrics: at most two "current/target" entries, then " + N more...". */
export function formatMetrics(specs: Json[], statuses: Json[]): string {
  if (specs.length === 0) return "<none>";
  const list = specs.map((spec, i) => {
    const type = asString(spec.type);
    const status = statuses[i] ? asMap(statuses[i][SOURCE_FIELD[type] ?? ""]) : undefined;
    const current = asMap(status?.current);
    const source = asMap(spec[SOURCE_FIELD[type] ?? ""]);
    const target = asMap(source.target);
    switch (type) {
      case "External":
      case "Object":
        if (target.averageValue != null)
          return `${status && current.averageValue != null ? q(current.averageValue) : "<unknown>"}/${q(target.averageValue)} (avg)`;
        return `${status ? q(current.value) : "<unknown>"}/${q(target.value)}`;
      case "Pods":
        return `${status ? q(current.averageValue) : "<unknown>"}/${q(target.averageValue)}`;
      case "Resource":
      case "ContainerResource": {
        const name = asString(source.name);
        if (target.averageValue != null)
          return `${name}: ${status ? q(current.averageValue) : "<unknown>"}/${q(target.averageValue)}`;
        const cur =
          status && current.averageUtilization != null ? `${current.averageUtilization}%` : "<unknown>";
        const want = target.averageUtilization != null ? `${target.averageUtilization}%` : "<auto>";
        return `${name}: ${cur}/${want}`;
      }
      default:
        return "<unknown type>";
    }
  });
  const max = 2;
  if (list.length > max) return `${list.slice(0, max).join(", ")} + ${list.length - max} more...`;
  return list.join(", ");
}

export const horizontalPodAutoscaler: ResourceDef = {
  group: "autoscaling",
  version: "v2",
  resource: "horizontalpodautoscalers",
  singular: "horizontalpodautoscaler",
  kind: "HorizontalPodAutoscaler",
  listKind: "HorizontalPodAutoscalerList",
  namespaced: true,
  shortNames: ["hpa"],
  categories: ["all"],
  verbs: CRUD,
  subresources: [{ name: "status", kind: "HorizontalPodAutoscaler", verbs: GET_PATCH_UPDATE }],
  // 1.33's strategy.go never sets it (the HPAGeneration feature that does arrives in 1.37).
  generation: false,
  defaults: defaultHorizontalPodAutoscaler,
  statusKeepsMetadata: [], // autoscalerStatusStrategy keeps spec only
  validate: validateHorizontalPodAutoscaler,
  printer: {
    columns: [
      NAME_COLUMN,
      column("Reference", "string", DOCS.scaleTargetRef),
      column("Targets", "string", DOCS.metrics),
      column("MinPods", "string", DOCS.minReplicas),
      column("MaxPods", "string", DOCS.maxReplicas),
      column("Replicas", "string", DOCS.currentReplicas),
      AGE_COLUMN,
    ],
    cells(obj, now) {
      const spec = asMap(obj.spec);
      const ref = asMap(spec.scaleTargetRef);
      return [
        nameOf(obj),
        `${asString(ref.kind)}/${asString(ref.name)}`,
        formatMetrics(asMaps(spec.metrics), asMaps(asMap(obj.status).currentMetrics)),
        spec.minReplicas != null ? String(spec.minReplicas) : "<unset>",
        int(spec.maxReplicas),
        int(asMap(obj.status).currentReplicas),
        age(obj, now),
      ];
    },
  },
};
