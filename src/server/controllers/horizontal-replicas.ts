// The HPA's replica calculation for resource metrics, ported from kubernetes pkg/controller/podautoscaler
// (replica_calculator.go GetResourceReplicas, GetRawResourceReplicas/calcPlainMetricReplicas, groupPods,
// calculateRequests; metrics/utilization.go; metrics/client.go getPodMetrics/getContainerMetrics), as of
// the v1.34 development tree (its Tolerances fixed at upstream's default 10% both ways: the alpha
// HPAConfigurableTolerance field is not served).
// Values are milli-units (cpu millicores, memory bytes × 1000), as upstream's Quantity.MilliValue().

import { quantityMilli } from "../../meta/quantity.ts";
import type { KubeObject } from "../../meta/types.ts";
import { asMap, asMaps, asString } from "../registry/json-access.ts";

/** --horizontal-pod-autoscaler-tolerance. */
export const TOLERANCE = 0.1;
/** --horizontal-pod-autoscaler-cpu-initialization-period (5m). */
export const CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
/** --horizontal-pod-autoscaler-initial-readiness-delay (30s). */
export const DELAY_OF_INITIAL_READINESS_STATUS_MS = 30_000;

export interface PodMetric {
  timestamp: Date;
  windowMs: number;
  value: number;
}
/** PodMetricsInfo: a Pod's name → its metric. */
export type PodMetricsInfo = Map<string, PodMetric>;

/** What a calculation returns; `error` carries upstream's message instead of a Go error. */
export interface ReplicaResult {
  replicas: number;
  /** Utilization in percent of the request (Utilization targets only). */
  utilization?: number;
  /** The average usage per Pod (milli). */
  rawValue: number;
  timestamp: Date;
}

export class MetricsError extends Error {}

const isWithinTolerance = (ratio: number) => 1 - TOLERANCE <= ratio && ratio <= 1 + TOLERANCE;

/** The controller's readiness flags (upstream's tests use 2 minutes and 10 seconds). */
export interface ReadinessPeriods {
  cpuInitializationPeriodMs: number;
  delayOfInitialReadinessStatusMs: number;
}
const DEFAULT_PERIODS: ReadinessPeriods = {
  cpuInitializationPeriodMs: CPU_INITIALIZATION_PERIOD_MS,
  delayOfInitialReadinessStatusMs: DELAY_OF_INITIAL_READINESS_STATUS_MS,
};

/** metav1.Time's zero value (0001-01-01T00:00:00Z), what an unset lastTransitionTime reads as. */
export const GO_ZERO_TIME = Date.parse("0001-01-01T00:00:00Z");
const timeOf = (v: unknown) => (typeof v === "string" && v ? Date.parse(v) : GO_ZERO_TIME);

/** groupPods: ready Pods counted, the others sorted into unready, missing (no metric) and ignored. */
export function groupPods(
  pods: KubeObject[],
  metrics: PodMetricsInfo,
  resource: string,
  now: Date,
  periods: ReadinessPeriods = DEFAULT_PERIODS,
) {
  const unready = new Set<string>();
  const missing = new Set<string>();
  const ignored = new Set<string>();
  let readyCount = 0;
  for (const pod of pods) {
    const name = pod.metadata?.name ?? "";
    const status = asMap(pod.status);
    if (pod.metadata?.deletionTimestamp || status.phase === "Failed") {
      ignored.add(name);
      continue;
    }
    if (status.phase === "Pending") {
      unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      missing.add(name);
      continue;
    }
    if (resource === "cpu") {
      const condition = asMaps(status.conditions).find((c) => c.type === "Ready");
      const started = status.startTime ? timeOf(status.startTime) : undefined;
      let isUnready: boolean;
      if (!condition || started === undefined) isUnready = true;
      else {
        const transition = timeOf(condition.lastTransitionTime);
        if (started + periods.cpuInitializationPeriodMs > now.getTime())
          // Still initialising: ignore an unready Pod, or a sample not a whole window after the transition.
          isUnready =
            condition.status === "False" || metric.timestamp.getTime() < transition + metric.windowMs;
        // Ignore a Pod that is unready and has never been ready.
        else
          isUnready =
            condition.status === "False" && started + periods.delayOfInitialReadinessStatusMs > transition;
      }
      if (isUnready) {
        unready.add(name);
        continue;
      }
    }
    readyCount++;
  }
  return { readyCount, unready, missing, ignored };
}

const requestOf = (container: unknown, resource: string): number | undefined => {
  const q = asMap(asMap(asMap(container).resources).requests)[resource];
  return typeof q === "string" || typeof q === "number" ? Number(quantityMilli(String(q))) : undefined;
};

/** calculateRequests: each Pod's request (pod-level when set and no container is named, else the
 * containers' sum, restartable init containers included, or the named container's). */
export function calculateRequests(
  pods: KubeObject[],
  container: string,
  resource: string,
): Map<string, number> {
  const requests = new Map<string, number>();
  for (const pod of pods) {
    const name = pod.metadata?.name ?? "";
    const spec = asMap(pod.spec);
    const podLevel = asMap(asMap(spec.resources).requests);
    if (!container && ("cpu" in podLevel || "memory" in podLevel)) {
      const request = requestOf(spec, resource);
      if (request === undefined)
        throw new MetricsError(`missing pod-level request for ${resource} in Pod ${name}`);
      requests.set(name, request);
      continue;
    }
    const containers = [
      ...asMaps(spec.containers),
      ...asMaps(spec.initContainers).filter((c) => c.restartPolicy === "Always"),
    ];
    let request = 0;
    let found = false;
    for (const c of containers) {
      if (!container || container === c.name) {
        const r = requestOf(c, resource);
        if (r === undefined)
          throw new MetricsError(
            `missing request for ${resource} in container ${asString(c.name)} of Pod ${name}`,
          );
        request += r;
      }
      if (container === c.name) {
        found = true;
        break;
      }
    }
    if (container && !found) throw new MetricsError(`container ${container} not found in Pod ${name}`);
    requests.set(name, request);
  }
  return requests;
}

/** metricsclient.GetResourceUtilizationRatio. */
export function resourceUtilizationRatio(
  metrics: PodMetricsInfo,
  requests: Map<string, number>,
  targetUtilization: number,
): { ratio: number; utilization: number; rawAverage: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let entries = 0;
  for (const [pod, metric] of metrics) {
    const request = requests.get(pod);
    if (request === undefined) continue;
    metricsTotal += metric.value;
    requestsTotal += request;
    entries++;
  }
  // Upstream's message when no request is known (a zero total).
  if (requestsTotal === 0) throw new MetricsError("no metrics returned matched known pods");
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return {
    ratio: utilization / targetUtilization,
    utilization,
    rawAverage: Math.trunc(metricsTotal / entries),
  };
}

/** metricsclient.GetMetricUsageRatio. */
function metricUsageRatio(metrics: PodMetricsInfo, targetUsage: number): { ratio: number; usage: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const usage = Math.trunc(total / metrics.size);
  return { ratio: usage / targetUsage, usage };
}

const NO_PODS = "no pods returned by selector while calculating replica count";
const NO_METRICS = "did not receive metrics for targeted pods (pods might be unready)";

/**
 * The start both GetResourceReplicas and GetRawResourceReplicas make: the Pods grouped by readiness, and the
 * metrics of the ready ones (a copy: missing and unready Pods are filled in later).
 */
function readyPodMetrics(args: {
  resource: string;
  pods: KubeObject[];
  metrics: PodMetricsInfo;
  now: Date;
  periods?: ReadinessPeriods;
}): { metrics: PodMetricsInfo; readyCount: number; unready: Set<string>; missing: Set<string> } {
  const metrics = new Map(args.metrics);
  if (args.pods.length === 0) throw new MetricsError(NO_PODS);
  const { readyCount, unready, missing, ignored } = groupPods(
    args.pods,
    metrics,
    args.resource,
    args.now,
    args.periods,
  );
  for (const name of [...ignored, ...unready]) metrics.delete(name);
  if (metrics.size === 0) throw new MetricsError(NO_METRICS);
  return { metrics, readyCount, unready, missing };
}

/** GetResourceReplicas (after the metrics were fetched): the replicas for a Utilization target. */
export function resourceReplicas(args: {
  currentReplicas: number;
  targetUtilization: number;
  resource: string;
  container: string;
  pods: KubeObject[];
  metrics: PodMetricsInfo;
  timestamp: Date;
  now: Date;
  periods?: ReadinessPeriods;
}): ReplicaResult {
  const { currentReplicas, targetUtilization, pods, timestamp } = args;
  const { metrics, readyCount, unready, missing } = readyPodMetrics(args);
  const requests = calculateRequests(pods, args.container, args.resource);
  const { ratio, utilization, rawAverage } = resourceUtilizationRatio(metrics, requests, targetUtilization);
  const result = (replicas: number): ReplicaResult => ({
    replicas,
    utilization,
    rawValue: rawAverage,
    timestamp,
  });

  const scaleUpWithUnready = unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && missing.size === 0) {
    if (isWithinTolerance(ratio)) return result(currentReplicas);
    return result(Math.ceil(ratio * readyCount));
  }
  if (missing.size > 0) {
    // Scale-down: a missing Pod uses 100% of its request (or the target when above 100%); scale-up: 0%.
    const fallback = Math.max(100, targetUtilization);
    for (const name of missing) {
      if (ratio < 1)
        metrics.set(name, { ...blank, value: Math.trunc(((requests.get(name) ?? 0) * fallback) / 100) });
      else if (ratio > 1) metrics.set(name, { ...blank, value: 0 });
    }
  }
  if (scaleUpWithUnready) for (const name of unready) metrics.set(name, { ...blank, value: 0 });
  const next = resourceUtilizationRatio(metrics, requests, targetUtilization).ratio;
  if (isWithinTolerance(next) || (ratio < 1 && next > 1) || (ratio > 1 && next < 1))
    return result(currentReplicas);
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas))
    return result(currentReplicas);
  return result(replicas);
}

const blank: PodMetric = { timestamp: new Date(0), windowMs: 0, value: 0 };

/** GetRawResourceReplicas → calcPlainMetricReplicas: the replicas for an AverageValue target. */
export function rawResourceReplicas(args: {
  currentReplicas: number;
  targetUsage: number;
  resource: string;
  pods: KubeObject[];
  metrics: PodMetricsInfo;
  timestamp: Date;
  now: Date;
  periods?: ReadinessPeriods;
}): ReplicaResult {
  const { currentReplicas, targetUsage, timestamp } = args;
  const { metrics, readyCount, unready, missing } = readyPodMetrics(args);
  const { ratio, usage } = metricUsageRatio(metrics, targetUsage);
  const result = (replicas: number): ReplicaResult => ({ replicas, rawValue: usage, timestamp });

  const scaleUpWithUnready = unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && missing.size === 0) {
    if (isWithinTolerance(ratio)) return result(currentReplicas);
    return result(Math.ceil(ratio * readyCount));
  }
  for (const name of missing) {
    // Scale-down: a missing Pod uses exactly the target; scale-up: nothing.
    if (ratio < 1) metrics.set(name, { ...blank, value: targetUsage });
    else if (ratio > 1) metrics.set(name, { ...blank, value: 0 });
  }
  if (scaleUpWithUnready) for (const name of unready) metrics.set(name, { ...blank, value: 0 });
  const next = metricUsageRatio(metrics, targetUsage).ratio;
  if (isWithinTolerance(next) || (ratio < 1 && next > 1) || (ratio > 1 && next < 1))
    return result(currentReplicas);
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas))
    return result(currentReplicas);
  return result(replicas);
}

/** A PodMetrics-like sample of one Pod: its containers' usage (milli) of cpu and memory. */
export interface PodSample {
  name: string;
  timestamp: Date;
  windowMs: number;
  containers: { name: string; usage: Record<string, number> }[];
}

/** metrics/client.go GetResourceMetric: per Pod the containers' sum (a Pod missing the resource in any
 * container is left out), or the named container's (a Pod without it is an error). */
export function resourceMetrics(
  samples: PodSample[],
  resource: string,
  container: string,
  namespace: string,
): { metrics: PodMetricsInfo; timestamp: Date } {
  if (samples.length === 0) throw new MetricsError("no metrics returned from resource metrics API");
  const metrics: PodMetricsInfo = new Map();
  for (const s of samples) {
    if (container) {
      const c = s.containers.find((x) => x.name === container);
      if (!c)
        throw new MetricsError(
          `container ${container} not present in metrics for pod ${namespace}/${s.name}`,
        );
      const value = c.usage[resource];
      if (value !== undefined) metrics.set(s.name, { timestamp: s.timestamp, windowMs: s.windowMs, value });
      continue;
    }
    let sum = 0;
    let missingValue = s.containers.length === 0;
    for (const c of s.containers) {
      const value = c.usage[resource];
      if (value === undefined) {
        missingValue = true;
        break;
      }
      sum += value;
    }
    if (!missingValue) metrics.set(s.name, { timestamp: s.timestamp, windowMs: s.windowMs, value: sum });
  }
  return { metrics, timestamp: samples[0]!.timestamp };
}
