// The HPA's bounding of a proposal against cases of upstream's pkg/controller/podautoscaler/horizontal_test.go
// (TestScalingWithRules, TestStoreScaleEvents, TestNormalizeDesiredReplicasWithBehavior; v1.34 development
// tree) and its helpers generateScalingRules / generateEventsUniformDistribution; the rules get their unset
// parts from the kind's defaults (GenerateHPAScaleUpRules / GenerateHPAScaleDownRules).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../src/meta/types.ts";
import {
  changeInPeriod,
  convertDesiredReplicasWithBehaviorRate,
  normalizeDesiredReplicas,
  type ScaleEvent,
  type ScalingHistory,
  type ScalingRules,
  stabilizeRecommendationWithBehaviors,
  storeScaleEvent,
} from "../../../src/server/controllers/horizontal-behavior.ts";
import { defaultHorizontalPodAutoscaler } from "../../../src/server/registry/kinds/autoscaling/horizontalpodautoscaler.ts";

const NOW = Date.parse("2026-12-05T06:00:00Z");

function generateScalingRules(
  pods: number,
  podsPeriod: number,
  percent: number,
  percentPeriod: number,
  stabilizationWindow: number,
): ScalingRules {
  const policies: ScalingRules["policies"] = [];
  if (pods !== 0) policies.push({ type: "Pods", value: pods, periodSeconds: podsPeriod });
  if (percent !== 0) policies.push({ type: "Percent", value: percent, periodSeconds: percentPeriod });
  return {
    stabilizationWindowSeconds: stabilizationWindow,
    selectPolicy: "Max",
    ...(policies.length ? { policies } : {}),
  };
}

/** Events spread over the last `periodSeconds`, each in the middle of its segment (whole seconds). */
function generateEventsUniformDistribution(raw: number[], periodSeconds: number): ScaleEvent[] {
  const segment = periodSeconds / raw.length;
  return raw.map((change, i) => ({
    change,
    at: NOW - 1000 * Math.trunc(periodSeconds - segment * (i + 1) + segment / 2),
    outdated: false,
  }));
}

/** The behavior as the API server defaults it. */
function behaviorOf(scaleUp?: ScalingRules, scaleDown?: ScalingRules) {
  const hpa: KubeObject = {
    spec: { behavior: { ...(scaleUp && { scaleUp }), ...(scaleDown && { scaleDown }) } },
  };
  defaultHorizontalPodAutoscaler(hpa);
  return (hpa.spec as { behavior: { scaleUp: ScalingRules; scaleDown: ScalingRules } }).behavior;
}

const history = (h: Partial<ScalingHistory> = {}): ScalingHistory => ({
  recommendations: [],
  scaleUpEvents: [],
  scaleDownEvents: [],
  ...h,
});

describe("TestScalingWithRules (convertDesiredReplicasWithBehaviorRate)", () => {
  interface Case {
    scaleUpEvents?: ScaleEvent[];
    scaleDownEvents?: ScaleEvent[];
    specMinReplicas: number;
    specMaxReplicas: number;
    scaleUpRules?: ScalingRules;
    scaleDownRules?: ScalingRules;
    currentReplicas: number;
    prenormalizedDesiredReplicas: number;
    expectedReplicas: number;
    expectedCondition: string;
  }
  const u = generateEventsUniformDistribution;
  const r = generateScalingRules;
  const cases: Record<string, Case> = {
    "scaleUp with pod policy limitation": {
      specMinReplicas: 1,
      specMaxReplicas: 1000,
      scaleUpRules: r(30, 60, 0, 0, 0),
      currentReplicas: 10,
      prenormalizedDesiredReplicas: 50,
      expectedReplicas: 40,
      expectedCondition: "ScaleUpLimit",
    },
    "scaleUp with percent policy limitation": {
      specMinReplicas: 1,
      specMaxReplicas: 1000,
      scaleUpRules: r(0, 0, 200, 60, 0),
      currentReplicas: 10,
      prenormalizedDesiredReplicas: 50,
      expectedReplicas: 30,
      expectedCondition: "ScaleUpLimit",
    },
    "scaleDown with percent policy larger than pod policy": {
      specMinReplicas: 1,
      specMaxReplicas: 1000,
      scaleDownRules: r(20, 60, 1, 60, 300),
      currentReplicas: 100,
      prenormalizedDesiredReplicas: 2,
      expectedReplicas: 80,
      expectedCondition: "ScaleDownLimit",
    },
    "scaleDown with pod policy larger than percent policy": {
      specMinReplicas: 1,
      specMaxReplicas: 1000,
      scaleDownRules: r(2, 60, 1, 60, 300),
      currentReplicas: 100,
      prenormalizedDesiredReplicas: 2,
      expectedReplicas: 98,
      expectedCondition: "ScaleDownLimit",
    },
    "scaleDown with spec MinReplicas limitation with large percent policy": {
      specMinReplicas: 5,
      specMaxReplicas: 1000,
      scaleDownRules: r(0, 0, 100, 60, 300),
      currentReplicas: 10,
      prenormalizedDesiredReplicas: 2,
      expectedReplicas: 5,
      expectedCondition: "TooFewReplicas",
    },
    "scaleDown with pod policy limitation": {
      specMinReplicas: 1,
      specMaxReplicas: 1000,
      scaleDownRules: r(5, 60, 0, 0, 300),
      currentReplicas: 10,
      prenormalizedDesiredReplicas: 2,
      expectedReplicas: 5,
      expectedCondition: "ScaleDownLimit",
    },
    "scaleDown with percent policy limitation": {
      specMinReplicas: 1,
      specMaxReplicas: 1000,
      scaleDownRules: r(0, 0, 50, 60, 300),
      currentReplicas: 10,
      prenormalizedDesiredReplicas: 5,
      expectedReplicas: 5,
      expectedCondition: "DesiredWithinRange",
    },
    "scaleUp with spec MaxReplicas limitation with large pod policy and events": {
      scaleUpEvents: u([1, 5, 9], 120),
      specMinReplicas: 1,
      specMaxReplicas: 200,
      scaleUpRules: r(300, 60, 0, 0, 0),
      currentReplicas: 100,
      prenormalizedDesiredReplicas: 500,
      expectedReplicas: 200,
      expectedCondition: "TooManyReplicas",
    },
    "scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events": {
      scaleUpEvents: u([1, 5, 9], 120),
      specMinReplicas: 1,
      specMaxReplicas: 1000,
      scaleUpRules: r(5, 120, 0, 0, 0),
      currentReplicas: 100,
      prenormalizedDesiredReplicas: 500,
      expectedReplicas: 100,
      expectedCondition: "ScaleUpLimit",
    },
    "scaleUp with pod policy and previous scale up events": {
      scaleUpEvents: u([1, 5, 9], 120),
      specMinReplicas: 1,
      specMaxReplicas: 1000,
      scaleUpRules: r(150, 120, 0, 0, 0),
      currentReplicas: 100,
      prenormalizedDesiredReplicas: 500,
      expectedReplicas: 235,
      expectedCondition: "ScaleUpLimit",
    },
    "scaleUp with percent policy and previous scale up events": {
      scaleUpEvents: u([1, 5, 9], 120),
      specMinReplicas: 1,
      specMaxReplicas: 1000,
      scaleUpRules: r(0, 0, 200, 120, 0),
      currentReplicas: 100,
      prenormalizedDesiredReplicas: 500,
      expectedReplicas: 255,
      expectedCondition: "ScaleUpLimit",
    },
    "scaleUp with percent policy and previous scale up and down events": {
      scaleUpEvents: u([4], 120),
      scaleDownEvents: u([2], 120),
      specMinReplicas: 1,
      specMaxReplicas: 1000,
      scaleUpRules: r(0, 0, 300, 300, 0),
      currentReplicas: 6,
      prenormalizedDesiredReplicas: 24,
      expectedReplicas: 16,
      expectedCondition: "ScaleUpLimit",
    },
    "scaleDown with default policy and previous events": {
      scaleDownEvents: u([1, 5, 9], 120),
      specMinReplicas: 1,
      specMaxReplicas: 1000,
      currentReplicas: 10,
      prenormalizedDesiredReplicas: 5,
      expectedReplicas: 5,
      expectedCondition: "DesiredWithinRange",
    },
    "scaleDown with spec MinReplicas limitation with large pod policy and previous events": {
      scaleDownEvents: u([1, 5, 9], 120),
      specMinReplicas: 5,
      specMaxReplicas: 1000,
      scaleDownRules: r(130, 120, 0, 0, 300),
      currentReplicas: 100,
      prenormalizedDesiredReplicas: 0,
      expectedReplicas: 5,
      expectedCondition: "TooFewReplicas",
    },
    "scaleDown with pod policy limitation and previous events": {
      scaleDownEvents: u([1, 5, 9], 120),
      specMinReplicas: 1,
      specMaxReplicas: 1000,
      scaleDownRules: r(5, 120, 0, 0, 300),
      currentReplicas: 100,
      prenormalizedDesiredReplicas: 2,
      expectedReplicas: 100,
      expectedCondition: "ScaleDownLimit",
    },
    "scaleDown with percent policy limitation and previous events": {
      scaleDownEvents: u([2, 4, 6], 120),
      specMinReplicas: 1,
      specMaxReplicas: 1000,
      scaleDownRules: r(0, 0, 50, 120, 300),
      currentReplicas: 100,
      prenormalizedDesiredReplicas: 0,
      expectedReplicas: 56,
      expectedCondition: "ScaleDownLimit",
    },
    "scaleDown with percent policy and previous scale up and down events": {
      scaleUpEvents: u([2], 120),
      scaleDownEvents: u([4], 120),
      specMinReplicas: 1,
      specMaxReplicas: 1000,
      scaleDownRules: r(0, 0, 50, 180, 0),
      currentReplicas: 10,
      prenormalizedDesiredReplicas: 1,
      expectedReplicas: 6,
      expectedCondition: "ScaleDownLimit",
    },
    "scaleDown with previous events preventing further scale down": {
      scaleDownEvents: u([10, 10, 10], 120),
      specMinReplicas: 1,
      specMaxReplicas: 1000,
      scaleDownRules: r(0, 0, 10, 120, 300),
      currentReplicas: 100,
      prenormalizedDesiredReplicas: 0,
      expectedReplicas: 100,
      expectedCondition: "ScaleDownLimit",
    },
    "scaleDown with with previous events still allowing more scale down": {
      scaleDownEvents: u([10, 10, 10], 120),
      specMinReplicas: 1,
      specMaxReplicas: 1000,
      scaleDownRules: r(0, 0, 1000, 120, 300),
      currentReplicas: 10,
      prenormalizedDesiredReplicas: 5,
      expectedReplicas: 5,
      expectedCondition: "DesiredWithinRange",
    },
    "check that events were marked 'outdated' for two different policies in the behavior for up": {
      scaleUpEvents: u([8, 12, 9, 11], 120),
      specMinReplicas: 1,
      specMaxReplicas: 1000,
      scaleUpRules: r(1000, 30, 100, 60, 0),
      currentReplicas: 100,
      prenormalizedDesiredReplicas: 200,
      expectedReplicas: 200,
      expectedCondition: "DesiredWithinRange",
    },
  };
  for (const [name, tc] of Object.entries(cases)) {
    test(name, () => {
      const behavior = behaviorOf(tc.scaleUpRules, tc.scaleDownRules);
      const h = history({ scaleUpEvents: tc.scaleUpEvents ?? [], scaleDownEvents: tc.scaleDownEvents ?? [] });
      const [replicas, condition] = convertDesiredReplicasWithBehaviorRate(
        h,
        {
          currentReplicas: tc.currentReplicas,
          desiredReplicas: tc.prenormalizedDesiredReplicas,
          minReplicas: tc.specMinReplicas,
          maxReplicas: tc.specMaxReplicas,
          ...behavior,
        },
        NOW,
      );
      assert.equal(replicas, tc.expectedReplicas);
      assert.equal(condition, tc.expectedCondition);
    });
  }
});

describe("TestStoreScaleEvents", () => {
  const ago = (s: number) => NOW - s * 1000;
  const cases: Record<
    string,
    {
      prev: [number, number][];
      next: [number, boolean][];
      rules?: ScalingRules;
      expectedReplicasChange: number;
    }
  > = {
    "empty entries with default behavior": { prev: [], next: [], expectedReplicasChange: 0 },
    "empty entries with two-policy-behavior": {
      prev: [],
      next: [[5, false]],
      rules: generateScalingRules(10, 60, 100, 60, 0),
      expectedReplicasChange: 0,
    },
    "one outdated entry to be kept untouched without behavior": {
      prev: [[7, 61]],
      next: [[7, false]],
      expectedReplicasChange: 0,
    },
    "one outdated entry to be replaced with behavior": {
      prev: [[7, 61]],
      next: [[5, false]],
      rules: generateScalingRules(10, 60, 100, 60, 0),
      expectedReplicasChange: 0,
    },
    "one actual entry to be not touched with behavior": {
      prev: [[7, 58]],
      next: [
        [7, false],
        [5, false],
      ],
      rules: generateScalingRules(10, 60, 100, 60, 0),
      expectedReplicasChange: 7,
    },
    "two entries, one of them to be replaced": {
      prev: [
        [7, 61],
        [6, 59],
      ],
      next: [
        [5, false],
        [6, false],
      ],
      rules: generateScalingRules(10, 60, 0, 0, 0),
      expectedReplicasChange: 6,
    },
    "replace one entry, use policies with different periods": {
      prev: [
        [8, 29],
        [6, 59],
        [7, 61],
        [9, 61],
      ],
      next: [
        [8, false],
        [6, false],
        [7, true],
        [5, false],
      ],
      rules: generateScalingRules(10, 60, 100, 30, 0),
      expectedReplicasChange: 14,
    },
    "two entries, both actual": {
      prev: [
        [7, 58],
        [6, 59],
      ],
      next: [
        [7, false],
        [6, false],
        [5, false],
      ],
      rules: generateScalingRules(10, 120, 100, 30, 0),
      expectedReplicasChange: 13,
    },
  };
  for (const [name, tc] of Object.entries(cases)) {
    test(name, () => {
      for (const up of [true, false]) {
        const events = tc.prev.map(([change, s]) => ({ change, at: ago(s), outdated: false }));
        const h = history(up ? { scaleUpEvents: events } : { scaleDownEvents: events });
        assert.equal(changeInPeriod(60, events, NOW), tc.expectedReplicasChange);
        const behavior =
          tc.rules && (up ? { scaleUp: tc.rules, scaleDown: {} } : { scaleUp: {}, scaleDown: tc.rules });
        storeScaleEvent(h, behavior, 10, up ? 15 : 5, NOW);
        const stored = up ? h.scaleUpEvents : h.scaleDownEvents;
        assert.deepEqual(
          stored.map((e) => [e.change, e.outdated]),
          tc.next,
          up ? "up" : "down",
        );
      }
    });
  }
});

describe("TestNormalizeDesiredReplicasWithBehavior (stabilizeRecommendationWithBehaviors)", () => {
  const min = (m: number) => NOW - m * 60_000;
  const cases: Record<
    string,
    {
      recommendations: [number, number][];
      current: number;
      desired: number;
      expected: number;
      stored?: number[];
      up?: number;
      down?: number;
    }
  > = {
    "empty recommendations for scaling down": {
      recommendations: [],
      current: 100,
      desired: 5,
      expected: 5,
      stored: [5],
    },
    "simple scale down stabilization": {
      recommendations: [
        [4, 2],
        [5, 1],
      ],
      current: 100,
      desired: 3,
      expected: 5,
      stored: [4, 5, 3],
      down: 180,
    },
    "simple scale up stabilization": {
      recommendations: [
        [4, 2],
        [5, 1],
      ],
      current: 1,
      desired: 7,
      expected: 4,
      stored: [4, 5, 7],
      up: 300,
    },
    "no scale down stabilization": {
      recommendations: [
        [1, 2],
        [2, 1],
      ],
      current: 100,
      desired: 3,
      expected: 3,
      stored: [1, 2, 3],
      up: 300,
    },
    "no scale down stabilization, reuse recommendation element": {
      recommendations: [
        [10, 10],
        [9, 9],
      ],
      current: 100,
      desired: 3,
      expected: 3,
      stored: [10, 3],
    },
    "scale down stabilization, reuse one of obsolete recommendation element": {
      recommendations: [
        [10, 10],
        [4, 1],
        [5, 2],
        [9, 9],
      ],
      current: 100,
      desired: 3,
      expected: 5,
      stored: [10, 4, 5, 3],
      down: 180,
    },
    "scale up stabilization, reuse one of obsolete recommendation element": {
      recommendations: [
        [10, 100],
        [6, 1],
        [5, 2],
        [9, 3],
      ],
      current: 1,
      desired: 100,
      expected: 5,
      stored: [100, 6, 5, 9],
      up: 300,
    },
    "scale up and down stabilization, do not scale up when prenormalized rec goes down": {
      recommendations: [
        [2, 100],
        [3, 3],
      ],
      current: 2,
      desired: 1,
      expected: 2,
      up: 300,
      down: 300,
    },
    "scale up and down stabilization, do not scale down when prenormalized rec goes up": {
      recommendations: [
        [2, 100],
        [1, 3],
      ],
      current: 2,
      desired: 3,
      expected: 2,
      up: 300,
      down: 300,
    },
  };
  for (const [name, tc] of Object.entries(cases)) {
    test(name, () => {
      const h = history({
        recommendations: tc.recommendations.map(([replicas, m]) => ({ replicas, at: min(m) })),
      });
      const [replicas] = stabilizeRecommendationWithBehaviors(
        h,
        {
          currentReplicas: tc.current,
          desiredReplicas: tc.desired,
          scaleUp: { stabilizationWindowSeconds: tc.up ?? 0 },
          scaleDown: { stabilizationWindowSeconds: tc.down ?? 0 },
        },
        NOW,
      );
      assert.equal(replicas, tc.expected);
      if (tc.stored)
        assert.deepEqual(
          h.recommendations.map((x) => x.replicas),
          tc.stored,
        );
    });
  }
});

describe("normalizeDesiredReplicas (no spec.behavior)", () => {
  test("scale-up is capped at max(2 × current, 4) with ScaleUpLimit; below minReplicas is TooFewReplicas", () => {
    const up = normalizeDesiredReplicas(
      history(),
      { currentReplicas: 3, desiredReplicas: 20, minReplicas: 1, maxReplicas: 10 },
      NOW,
    );
    assert.equal(up.replicas, 6);
    assert.deepEqual(up.conditions[1], {
      type: "ScalingLimited",
      status: "True",
      reason: "ScaleUpLimit",
      message: "the desired replica count is increasing faster than the maximum scale rate",
    });
    const low = normalizeDesiredReplicas(
      history(),
      { currentReplicas: 3, desiredReplicas: 1, minReplicas: 2, maxReplicas: 10 },
      NOW,
    );
    assert.equal(low.replicas, 2);
    assert.equal(low.conditions[1]?.reason, "TooFewReplicas");
  });
});
