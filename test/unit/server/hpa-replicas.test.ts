// The HPA's resource replica calculation against cases of upstream's
// pkg/controller/podautoscaler/replica_calculator_test.go (v1.34 development tree), with its harness:
// Pods test-pod-N with two containers each requesting the case's request, PodMetrics per container,
// readiness conditions without a transition time, metrics stamped with Go's zero time and a 1-minute
// window, a 2-minute CPU initialization period and 10 s initial readiness delay.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../src/meta/types.ts";
import {
  GO_ZERO_TIME,
  type PodSample,
  rawResourceReplicas,
  resourceMetrics,
  resourceReplicas,
} from "../../../src/server/controllers/horizontal-replicas.ts";

const NOW = new Date("2026-12-05T06:00:00Z");
const HOT = NOW.toISOString(); // hotCPUCreationTime: now
const COOL = new Date(NOW.getTime() - 3 * 60_000).toISOString(); // coolCPUCreationTime: 3 minutes ago
const PERIODS = { cpuInitializationPeriodMs: 2 * 60_000, delayOfInitialReadinessStatusMs: 10_000 };

interface Case {
  currentReplicas: number;
  expectedReplicas?: number;
  expectedError?: string;
  requests: string[];
  /** Per Pod, per container usage (milli); a number is both containers' usage. */
  levels: (number | number[])[];
  podNames?: string[];
  targetUtilization: number;
  expectedUtilization?: number;
  expectedValue?: number;
  container?: string;
  podReadiness?: ("True" | "False")[];
  podStartTime?: string[];
  podPhase?: string[];
  podDeletionTimestamp?: boolean[];
}

function pods(tc: Case): KubeObject[] {
  const count = Math.max(tc.currentReplicas, tc.podPhase?.length ?? 0);
  return Array.from({ length: count }, (_, i) => {
    const request = tc.requests[i];
    const resources = request ? { requests: { cpu: request } } : {};
    return {
      metadata: {
        name: `test-pod-${i}`,
        ...(tc.podDeletionTimestamp?.[i] ? { deletionTimestamp: NOW.toISOString() } : {}),
      },
      spec: {
        containers: [
          { name: "container1", resources },
          { name: "container2", resources },
        ],
      },
      status: {
        phase: tc.podPhase?.[i] ?? "Running",
        startTime: tc.podStartTime?.[i] ?? "0001-01-01T00:00:00Z",
        conditions: [{ type: "Ready", status: tc.podReadiness?.[i] ?? "True" }],
      },
    };
  });
}

function samples(tc: Case): PodSample[] {
  return tc.levels.map((level, i) => ({
    name: tc.podNames?.[i] ?? `test-pod-${i}`,
    timestamp: new Date(GO_ZERO_TIME),
    windowMs: 60_000,
    containers: (typeof level === "number" ? [level, level] : level).map((value, j) => ({
      name: `container${j + 1}`,
      usage: { cpu: value },
    })),
  }));
}

function run(tc: Case) {
  const calc = () => {
    let fetched: ReturnType<typeof resourceMetrics>;
    try {
      fetched = resourceMetrics(samples(tc), "cpu", tc.container ?? "", "test-namespace");
    } catch (err) {
      throw new Error(`unable to get metrics for resource cpu: ${(err as Error).message}`);
    }
    return resourceReplicas({
      currentReplicas: tc.currentReplicas,
      targetUtilization: tc.targetUtilization,
      resource: "cpu",
      container: tc.container ?? "",
      pods: pods(tc),
      metrics: fetched.metrics,
      timestamp: fetched.timestamp,
      now: NOW,
      periods: PERIODS,
    });
  };
  if (tc.expectedError) {
    assert.throws(calc, (err: Error) => err.message.includes(tc.expectedError!));
    return;
  }
  const r = calc();
  assert.equal(r.replicas, tc.expectedReplicas, "replicas");
  assert.equal(r.utilization, tc.expectedUtilization, "utilization");
  assert.equal(r.rawValue, tc.expectedValue, "raw value");
}

const ones = (n: number) => Array.from({ length: n }, () => "1.0");

describe("GetResourceReplicas (replica_calculator_test.go)", () => {
  const cases: Record<string, Case> = {
    TestReplicaCalcDisjointResourcesMetrics: {
      currentReplicas: 1,
      expectedError: "no metrics returned matched known pods",
      requests: ones(1),
      levels: [100],
      podNames: ["an-older-pod-name"],
      targetUtilization: 100,
    },
    TestReplicaCalcScaleUp: {
      currentReplicas: 3,
      expectedReplicas: 5,
      requests: ones(3),
      levels: [300, 500, 700],
      targetUtilization: 30,
      expectedUtilization: 50,
      expectedValue: 2 * 500,
    },
    TestReplicaCalcContainerScaleUp: {
      currentReplicas: 3,
      expectedReplicas: 5,
      requests: ones(3),
      levels: [
        [1000, 300],
        [1000, 500],
        [1000, 700],
      ],
      targetUtilization: 30,
      expectedUtilization: 50,
      expectedValue: 500,
      container: "container2",
    },
    TestReplicaCalcScaleUpUnreadyLessScale: {
      currentReplicas: 3,
      expectedReplicas: 4,
      podReadiness: ["False", "True", "True"],
      requests: ones(3),
      levels: [300, 500, 700],
      targetUtilization: 30,
      expectedUtilization: 60,
      expectedValue: 2 * 600,
    },
    TestReplicaCalcScaleUpHotCpuLessScale: {
      currentReplicas: 3,
      expectedReplicas: 4,
      podStartTime: [HOT, COOL, COOL],
      requests: ones(3),
      levels: [300, 500, 700],
      targetUtilization: 30,
      expectedUtilization: 60,
      expectedValue: 2 * 600,
    },
    TestReplicaCalcScaleUpUnreadyNoScale: {
      currentReplicas: 3,
      expectedReplicas: 3,
      podReadiness: ["True", "False", "False"],
      requests: ones(3),
      levels: [400, 500, 700],
      targetUtilization: 30,
      expectedUtilization: 40,
      expectedValue: 2 * 400,
    },
    TestReplicaCalcScaleUpIgnoresFailedPods: {
      currentReplicas: 2,
      expectedReplicas: 4,
      podReadiness: ["True", "True", "False", "False"],
      podPhase: ["Running", "Running", "Failed", "Failed"],
      requests: ones(4),
      levels: [500, 700],
      targetUtilization: 30,
      expectedUtilization: 60,
      expectedValue: 2 * 600,
    },
    TestReplicaCalcScaleUpIgnoresDeletionPods: {
      currentReplicas: 2,
      expectedReplicas: 4,
      podReadiness: ["True", "True", "False", "False"],
      podPhase: ["Running", "Running", "Running", "Running"],
      podDeletionTimestamp: [false, false, true, true],
      requests: ones(4),
      levels: [500, 700],
      targetUtilization: 30,
      expectedUtilization: 60,
      expectedValue: 2 * 600,
    },
    TestReplicaCalcScaleDown: {
      currentReplicas: 5,
      expectedReplicas: 3,
      requests: ones(5),
      levels: [100, 300, 500, 250, 250],
      targetUtilization: 50,
      expectedUtilization: 28,
      expectedValue: 2 * 280,
    },
    TestReplicaCalcScaleDownExcludeUnreadyPods: {
      currentReplicas: 5,
      expectedReplicas: 2,
      podReadiness: ["True", "True", "True", "False", "False"],
      requests: ones(5),
      levels: [100, 300, 500, 250, 250],
      targetUtilization: 50,
      expectedUtilization: 30,
      expectedValue: 2 * 300,
    },
    TestReplicaCalcScaleDownExcludeUnscheduledPods: {
      currentReplicas: 5,
      expectedReplicas: 1,
      podReadiness: ["True", "False", "False", "False", "False"],
      podPhase: ["Running", "Pending", "Pending", "Pending", "Pending"],
      requests: ones(5),
      levels: [100],
      targetUtilization: 50,
      expectedUtilization: 10,
      expectedValue: 2 * 100,
    },
    TestReplicaCalcScaleDownIgnoreHotCpuPods: {
      currentReplicas: 5,
      expectedReplicas: 2,
      podStartTime: [COOL, COOL, COOL, HOT, HOT],
      requests: ones(5),
      levels: [100, 300, 500, 250, 250],
      targetUtilization: 50,
      expectedUtilization: 30,
      expectedValue: 2 * 300,
    },
    TestReplicaCalcTolerance: {
      currentReplicas: 3,
      expectedReplicas: 3,
      requests: ["0.9", "1.0", "1.1"],
      levels: [1010, 1030, 1020],
      targetUtilization: 100,
      expectedUtilization: 102,
      expectedValue: 2 * 1020,
    },
    TestReplicaCalcSuperfluousMetrics: {
      currentReplicas: 4,
      expectedReplicas: 24,
      requests: ones(4),
      levels: [4000, 9500, 3000, 7000, 3200, 2000],
      targetUtilization: 100,
      expectedUtilization: 587,
      expectedValue: 2 * 5875,
    },
    TestReplicaCalcMissingMetrics: {
      currentReplicas: 4,
      expectedReplicas: 3,
      requests: ones(4),
      levels: [400, 95],
      targetUtilization: 100,
      expectedUtilization: 24,
      expectedValue: 495,
    },
    TestReplicaCalcEmptyMetrics: {
      currentReplicas: 4,
      expectedError: "unable to get metrics for resource cpu: no metrics returned from resource metrics API",
      requests: ones(3),
      levels: [],
      targetUtilization: 100,
    },
    TestReplicaCalcEmptyCPURequest: {
      currentReplicas: 1,
      expectedError: "missing request for",
      requests: [],
      levels: [200],
      targetUtilization: 100,
    },
    TestReplicaCalcMissingMetricsNoChangeEq: {
      currentReplicas: 2,
      expectedReplicas: 2,
      requests: ones(2),
      levels: [1000],
      targetUtilization: 100,
      expectedUtilization: 100,
      expectedValue: 2 * 1000,
    },
    TestReplicaCalcMissingMetricsNoChangeGt: {
      currentReplicas: 2,
      expectedReplicas: 2,
      requests: ones(2),
      levels: [1900],
      targetUtilization: 100,
      expectedUtilization: 190,
      expectedValue: 2 * 1900,
    },
    TestReplicaCalcMissingMetricsNoChangeLt: {
      currentReplicas: 2,
      expectedReplicas: 2,
      requests: ones(2),
      levels: [600],
      targetUtilization: 100,
      expectedUtilization: 60,
      expectedValue: 2 * 600,
    },
    TestReplicaCalcMissingMetricsUnreadyChange: {
      currentReplicas: 3,
      expectedReplicas: 3,
      podReadiness: ["False", "True", "True"],
      requests: ones(3),
      levels: [100, 450],
      targetUtilization: 50,
      expectedUtilization: 45,
      expectedValue: 2 * 450,
    },
    TestReplicaCalcMissingMetricsUnreadyScaleUp: {
      currentReplicas: 3,
      expectedReplicas: 4,
      podReadiness: ["False", "True", "True"],
      requests: ones(3),
      levels: [100, 2000],
      targetUtilization: 50,
      expectedUtilization: 200,
      expectedValue: 2 * 2000,
    },
    TestReplicaCalcMissingMetricsUnreadyScaleDown: {
      currentReplicas: 4,
      expectedReplicas: 3,
      podReadiness: ["False", "True", "True", "True"],
      requests: ones(4),
      levels: [100, 100, 100],
      targetUtilization: 50,
      expectedUtilization: 10,
      expectedValue: 2 * 100,
    },
  };
  for (const [name, tc] of Object.entries(cases)) test(name, () => run(tc));
});

describe("GetRawResourceReplicas (AverageValue targets)", () => {
  const pod = (name: string): KubeObject => ({
    metadata: { name },
    spec: { containers: [{ name: "c" }] },
    status: { phase: "Running", startTime: COOL, conditions: [{ type: "Ready", status: "True" }] },
  });
  const metricsOf = (values: Record<string, number>) =>
    new Map(Object.entries(values).map(([k, value]) => [k, { timestamp: NOW, windowMs: 60_000, value }]));
  const calc = (
    currentReplicas: number,
    values: Record<string, number>,
    names: string[],
    targetUsage: number,
  ) =>
    rawResourceReplicas({
      currentReplicas,
      targetUsage,
      resource: "memory",
      pods: names.map(pod),
      metrics: metricsOf(values),
      timestamp: NOW,
      now: NOW,
    });

  test("the average against the target: 12 Mi each against 20 Mi, five Pods become three", () => {
    const mi = 1024 * 1024 * 1000;
    const names = ["a", "b", "c", "d", "e"];
    const r = calc(5, Object.fromEntries(names.map((n) => [n, 12 * mi])), names, 20 * mi);
    assert.equal(r.replicas, 3);
    assert.equal(r.rawValue, 12 * mi);
  });

  test("within tolerance nothing changes; a missing Pod counts as the target on a scale-down", () => {
    assert.equal(calc(3, { a: 20_000, b: 21_000, c: 21_000 }, ["a", "b", "c"], 20_000).replicas, 3);
    // a and b use half the target, c has no metric: (10+10+20)/3 = 13.3 of 20, ceil(0.667 × 3) = 2.
    assert.equal(calc(3, { a: 10_000, b: 10_000 }, ["a", "b", "c"], 20_000).replicas, 2);
  });
});

describe("resource metrics of PodMetrics (metrics/client.go)", () => {
  test("a Pod with a container lacking the resource is left out; a named container must exist", () => {
    const s: PodSample[] = [
      { name: "p0", timestamp: NOW, windowMs: 1000, containers: [{ name: "a", usage: { cpu: 5 } }] },
      { name: "p1", timestamp: NOW, windowMs: 1000, containers: [{ name: "a", usage: {} }] },
    ];
    assert.deepEqual([...resourceMetrics(s, "cpu", "", "ns").metrics.keys()], ["p0"]);
    assert.throws(
      () => resourceMetrics(s, "cpu", "b", "ns"),
      /^Error: container b not present in metrics for pod ns\/p0$/,
    );
  });
});
