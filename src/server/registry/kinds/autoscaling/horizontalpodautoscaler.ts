// autoscaling/v2 HorizontalPodAutoscaler, the stored version: REST shape (hpa; status subresource),
// defaults (SetDefaults_HorizontalPodAutoscaler(Behavior), kubernetes pkg/apis/autoscaling/v2/defaults.go),
// validation (ValidateHorizontalPodAutoscalerSpec, pkg/apis/autoscaling/validation/validation.go: replica
// bounds, scaleTargetRef, metrics and their targets) and Table columns (printHorizontalPodAutoscaler,
// pkg/printers/internalversion/printers.go). No metrics server runs here, so no HPA controller does either.
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asMaps, asString, isMap, type Json } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import { canonicalQuantity, quantityError, quantityMilli } from "../../quantity.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { child, forbidden, index, invalid, notSupported, required } from "../../validation/field.ts";
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
    if (quantityError(text) || quantityMilli(text) <= 0n)
      errs.push(invalid(child(path, field), canonicalQuantity(text), "must be positive"));
  }
  if (target.averageUtilization != null && int(target.averageUtilization) < 1)
    errs.push(
      invalid(child(path, "averageUtilization"), int(target.averageUtilization), "must be greater than 0"),
    );
  return errs;
}

function validateMetric(metric: Json, path: string): FieldCause[] {
  const type = asString(metric.type);
  if (!type) return [required(child(path, "type"), "must specify a metric source type")];
  if (!METRIC_SOURCE_TYPES.includes(type))
    return [notSupported(child(path, "type"), type, METRIC_SOURCE_TYPES)];
  const field = SOURCE_FIELD[type];
  const errs: FieldCause[] = [];
  for (const other of Object.values(SOURCE_FIELD))
    if (other !== field && metric[other] != null)
      errs.push(forbidden(child(path, other), "must populate the given metric source only"));
  if (!isMap(metric[field])) {
    errs.push(required(child(path, field), "must populate information for the given metric source"));
    return errs;
  }
  const source = metric[field];
  const at = child(path, field);
  if (type === "Resource" || type === "ContainerResource") {
    if (!asString(source.name)) errs.push(required(child(at, "name"), "must specify a resource name"));
    if (type === "ContainerResource" && !asString(source.container))
      errs.push(required(child(at, "container"), "must specify a container"));
    const target = asMap(source.target);
    if (target.averageUtilization == null && target.averageValue == null)
      errs.push(
        required(
          child(child(at, "target"), "averageUtilization"),
          "must set either a target raw value or a target utilization",
        ),
      );
    if (target.averageUtilization != null && target.averageValue != null)
      errs.push(
        forbidden(
          child(child(at, "target"), "averageValue"),
          "may not set both a target raw value and a target utilization",
        ),
      );
  } else {
    const metricId = asMap(source.metric);
    if (!asString(metricId.name))
      errs.push(required(child(child(at, "metric"), "name"), "must specify a metric name"));
  }
  errs.push(...validateTarget(asMap(source.target), child(at, "target")));
  return errs;
}

export function validateHorizontalPodAutoscaler(obj: KubeObject): FieldCause[] {
  const spec = asMap(obj.spec);
  const errs: FieldCause[] = [];
  if (spec.minReplicas != null && int(spec.minReplicas) < 1)
    errs.push(invalid("spec.minReplicas", int(spec.minReplicas), "must be greater than or equal to 1"));
  if (int(spec.maxReplicas) < 1)
    errs.push(invalid("spec.maxReplicas", int(spec.maxReplicas), "must be greater than 0"));
  if (spec.minReplicas != null && int(spec.maxReplicas) < int(spec.minReplicas))
    errs.push(
      invalid("spec.maxReplicas", int(spec.maxReplicas), "must be greater than or equal to `minReplicas`"),
    );
  errs.push(...validateTargetRef(asMap(spec.scaleTargetRef), "spec.scaleTargetRef"));
  asMaps(spec.metrics).forEach((m, i) => {
    errs.push(...validateMetric(m, index("spec.metrics", i)));
  });
  return errs;
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
  defaults: defaultHorizontalPodAutoscaler,
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
