// autoscaling/v1 ↔ v2 HorizontalPodAutoscaler conversion (kubernetes pkg/apis/autoscaling/v1/conversion.go):
// v1 carries one CPU utilization target and current value; every other metric, the behavior and the
// conditions ride in annotations, so a v2 object survives a round trip through v1.
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asMaps, isMap, type Json } from "../../json-access.ts";

export const METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/metrics";
export const CURRENT_METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/current-metrics";
export const BEHAVIOR_ANNOTATION = "autoscaling.alpha.kubernetes.io/behavior";
export const CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions";
const ANNOTATIONS = [
  METRICS_ANNOTATION,
  CURRENT_METRICS_ANNOTATION,
  BEHAVIOR_ANNOTATION,
  CONDITIONS_ANNOTATION,
];

const isCpuUtilization = (m: Json) =>
  m.type === "Resource" &&
  asMap(m.resource).name === "cpu" &&
  asMap(asMap(m.resource).target).averageUtilization != null;

function parseAnnotation(annotations: Record<string, string>, name: string): unknown {
  const text = annotations[name];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // upstream ignores an unparseable annotation the same way
  }
}

/** v1 → v2 (Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler). */
export function hpaV1ToV2(v1: KubeObject): KubeObject {
  const spec = asMap(v1.spec);
  const status = isMap(v1.status) ? v1.status : undefined;
  const annotations = { ...(v1.metadata?.annotations ?? {}) };
  const metrics: unknown[] = [];
  if (spec.targetCPUUtilizationPercentage != null)
    metrics.push({
      type: "Resource",
      resource: {
        name: "cpu",
        target: { type: "Utilization", averageUtilization: spec.targetCPUUtilizationPercentage },
      },
    });
  const extra = parseAnnotation(annotations, METRICS_ANNOTATION);
  if (Array.isArray(extra)) metrics.push(...extra);
  const behavior = parseAnnotation(annotations, BEHAVIOR_ANNOTATION);
  const out: KubeObject = {
    ...v1,
    apiVersion: "autoscaling/v2",
    spec: {
      scaleTargetRef: spec.scaleTargetRef,
      ...(spec.minReplicas != null ? { minReplicas: spec.minReplicas } : {}),
      maxReplicas: spec.maxReplicas,
      ...(metrics.length ? { metrics } : {}),
      ...(isMap(behavior) ? { behavior } : {}),
    },
  };
  if (status) {
    const current: unknown[] = [];
    if (status.currentCPUUtilizationPercentage != null)
      current.push({
        type: "Resource",
        resource: { name: "cpu", current: { averageUtilization: status.currentCPUUtilizationPercentage } },
      });
    const more = parseAnnotation(annotations, CURRENT_METRICS_ANNOTATION);
    if (Array.isArray(more)) current.push(...more);
    const conditions = parseAnnotation(annotations, CONDITIONS_ANNOTATION);
    const { currentCPUUtilizationPercentage: _cpu, ...rest } = status;
    out.status = {
      ...rest,
      ...(current.length ? { currentMetrics: current } : {}),
      ...(Array.isArray(conditions) ? { conditions } : {}),
    };
  }
  for (const a of ANNOTATIONS) delete annotations[a];
  out.metadata = { ...v1.metadata, annotations };
  if (Object.keys(annotations).length === 0) delete out.metadata.annotations;
  return out;
}

/** v2 → v1 (Convert_autoscaling_HorizontalPodAutoscaler_To_v1_HorizontalPodAutoscaler). */
export function hpaV2ToV1(v2: KubeObject): KubeObject {
  const spec = asMap(v2.spec);
  const annotations: Record<string, string> = { ...(v2.metadata?.annotations ?? {}) };
  const metrics = asMaps(spec.metrics);
  const cpu = metrics.find(isCpuUtilization);
  const others = metrics.filter((m) => m !== cpu);
  if (others.length) annotations[METRICS_ANNOTATION] = JSON.stringify(others);
  if (isMap(spec.behavior)) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(spec.behavior);
  const out: KubeObject = {
    ...v2,
    apiVersion: "autoscaling/v1",
    spec: {
      scaleTargetRef: spec.scaleTargetRef,
      ...(spec.minReplicas != null ? { minReplicas: spec.minReplicas } : {}),
      maxReplicas: spec.maxReplicas,
      ...(cpu
        ? { targetCPUUtilizationPercentage: asMap(asMap(cpu.resource).target).averageUtilization }
        : {}),
    },
  };
  {
    const status = asMap(v2.status);
    const current = asMaps(status.currentMetrics);
    const cpuNow = current.find(
      (m) =>
        m.type === "Resource" &&
        asMap(m.resource).name === "cpu" &&
        asMap(asMap(m.resource).current).averageUtilization != null,
    );
    const rest = current.filter((m) => m !== cpuNow);
    if (rest.length) annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(rest);
    if (asMaps(status.conditions).length)
      annotations[CONDITIONS_ANNOTATION] = JSON.stringify(status.conditions);
    const { currentMetrics: _m, conditions: _c, ...kept } = status;
    // In v1's field order; its currentReplicas and desiredReplicas are not omitempty.
    const { observedGeneration, lastScaleTime, currentReplicas, desiredReplicas, ...others } = kept;
    out.status = {
      ...(observedGeneration != null ? { observedGeneration } : {}),
      ...(lastScaleTime != null ? { lastScaleTime } : {}),
      currentReplicas: currentReplicas ?? 0,
      desiredReplicas: desiredReplicas ?? 0,
      ...others,
      ...(cpuNow
        ? { currentCPUUtilizationPercentage: asMap(asMap(cpuNow.resource).current).averageUtilization }
        : {}),
    };
  }
  out.metadata = { ...v2.metadata, annotations };
  if (Object.keys(annotations).length === 0) delete out.metadata.annotations;
  return out;
}
