// The Deployment controller's rollout arithmetic against upstream's own tables (kubernetes
// pkg/controller/deployment/util/deployment_util_test.go: TestResolveFenceposts, TestNewRSNewReplicas,
// TestMaxUnavailable, TestDeploymentComplete, TestDeploymentProgressing, TestSetCondition).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type DeploymentCondition,
  deploymentComplete,
  deploymentProgressing,
  maxSurge,
  maxUnavailable,
  newReplicaSetReplicas,
  resolveFenceposts,
  scaledValue,
  setCondition,
} from "../../../src/server/controllers/deployment-util.ts";

describe("ResolveFenceposts", () => {
  const cases: [string | undefined, string | undefined, number, number, number, boolean][] = [
    ["0%", "0%", 0, 0, 1, false],
    ["39%", "39%", 10, 4, 3, false],
    ["oops", "39%", 10, 0, 0, true],
    ["55%", "urg", 10, 0, 0, true],
    [undefined, "39%", 10, 0, 3, false],
    ["39%", undefined, 10, 4, 0, false],
    [undefined, undefined, 10, 0, 1, false],
  ];
  for (const [surge, unavailable, desired, expectSurge, expectUnavailable, expectError] of cases)
    test(`${surge}/${unavailable} of ${desired}`, () => {
      if (expectError)
        assert.throws(() => resolveFenceposts(surge, unavailable, desired), /invalid value for IntOrString/);
      else
        assert.deepEqual(resolveFenceposts(surge, unavailable, desired), {
          surge: expectSurge,
          unavailable: expectUnavailable,
        });
    });

  test("percentages round up for surge and down for unavailability", () => {
    assert.equal(scaledValue("25%", 3, true), 1);
    assert.equal(scaledValue("25%", 3, false), 0);
    assert.equal(scaledValue(2, 3, false), 2);
  });
});

describe("NewRSNewReplicas", () => {
  // generateDeployment's ReplicaSets: the other one has 5 replicas; maxUnavailable 1.
  const cases: [string, string, number, number, number, number][] = [
    ["can not scale up - to newRSReplicas", "RollingUpdate", 1, 5, 1, 5],
    ["scale up - to depReplicas", "RollingUpdate", 6, 2, 10, 6],
    ["recreate - to depReplicas", "Recreate", 3, 1, 1, 3],
  ];
  for (const [name, type, depReplicas, newRSReplicas, surge, expected] of cases)
    test(name, () => {
      const spec = {
        replicas: depReplicas,
        strategy: { type, rollingUpdate: { maxUnavailable: 1, maxSurge: surge } },
      };
      assert.equal(newReplicaSetReplicas(spec, [5], newRSReplicas), expected);
    });
});

describe("MaxUnavailable", () => {
  const rolling = (replicas: number, unavailable: number | string) => ({
    replicas,
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: unavailable } },
  });
  const cases: [string, Parameters<typeof maxUnavailable>[0], number][] = [
    ["maxUnavailable less than replicas", rolling(10, 5), 5],
    ["maxUnavailable equal replicas", rolling(10, 10), 10],
    ["maxUnavailable greater than replicas", rolling(5, 10), 5],
    ["maxUnavailable with replicas is 0", rolling(0, 10), 0],
    ["maxUnavailable with Recreate deployment strategy", { strategy: { type: "Recreate" } }, 0],
    ["maxUnavailable less than replicas with percents", rolling(10, "50%"), 5],
    ["maxUnavailable equal replicas with percents", rolling(10, "100%"), 10],
    ["maxUnavailable greater than replicas with percents", rolling(5, "100%"), 5],
  ];
  for (const [name, spec, expected] of cases) test(name, () => assert.equal(maxUnavailable(spec), expected));

  test("MaxSurge is zero for Recreate", () => {
    assert.equal(maxSurge({ replicas: 4, strategy: { type: "Recreate" } }), 0);
    assert.equal(maxSurge(rolling(4, 1)), 1);
  });
});

describe("DeploymentComplete", () => {
  const d = (desired: number, current: number, updated: number, available: number) =>
    [
      { replicas: desired },
      { replicas: current, updatedReplicas: updated, availableReplicas: available },
    ] as const;
  const cases: [string, ReturnType<typeof d>, boolean][] = [
    ["not complete: min but not all pods become available", d(5, 5, 5, 4), false],
    ["not complete: min availability is not honored", d(5, 5, 5, 3), false],
    ["complete", d(5, 5, 5, 5), true],
    ["not complete: all pods are available but not updated", d(5, 5, 4, 5), false],
    ["not complete: still running old pods", d(1, 2, 1, 1), false],
    ["not complete: one replica deployment never comes up", d(1, 1, 1, 0), false],
  ];
  for (const [name, [spec, status], expected] of cases)
    test(name, () => assert.equal(deploymentComplete(spec, 0, status), expected));

  test("an unobserved generation is not complete", () => {
    assert.equal(
      deploymentComplete({ replicas: 1 }, 2, {
        replicas: 1,
        updatedReplicas: 1,
        availableReplicas: 1,
        observedGeneration: 1,
      }),
      false,
    );
  });
});

describe("DeploymentProgressing", () => {
  const s = (
    replicas: number,
    updatedReplicas: number,
    readyReplicas: number,
    availableReplicas: number,
  ) => ({
    replicas,
    updatedReplicas,
    readyReplicas,
    availableReplicas,
  });
  const cases: [string, ReturnType<typeof s>, ReturnType<typeof s>, boolean][] = [
    ["progressing: updated pods", s(10, 4, 4, 4), s(10, 6, 4, 4), true],
    ["not progressing", s(10, 4, 4, 4), s(10, 4, 4, 4), false],
    ["progressing: old pods removed", s(10, 4, 6, 6), s(8, 4, 6, 6), true],
    ["not progressing: less new pods", s(10, 7, 3, 3), s(10, 6, 3, 3), false],
    ["progressing: less overall but more new pods", s(10, 4, 7, 7), s(8, 8, 5, 5), true],
    ["progressing: more ready pods", s(10, 10, 9, 8), s(10, 10, 10, 8), true],
    ["progressing: more available pods", s(10, 10, 10, 9), s(10, 10, 10, 10), true],
  ];
  for (const [name, old, next, expected] of cases)
    test(name, () => assert.equal(deploymentProgressing(old, next), expected));
});

describe("SetDeploymentCondition", () => {
  const progressing: DeploymentCondition = { type: "Progressing", status: "False", reason: "ForSomeReason" };
  const progressing2: DeploymentCondition = { type: "Progressing", status: "True", reason: "BecauseItIs" };
  const available: DeploymentCondition = { type: "Available", status: "True", reason: "AwesomeController" };
  test("set for the first time", () => assert.deepEqual(setCondition([], available), [available]));
  test("simple set", () =>
    assert.deepEqual(setCondition([progressing], available), [progressing, available]));
  test("overwrite", () => assert.deepEqual(setCondition([progressing], progressing2), [progressing2]));
  test("same status and reason changes nothing; same status keeps the transition time", () => {
    const before = { ...available, lastTransitionTime: "t0", lastUpdateTime: "t0" };
    assert.equal(setCondition([before], { ...available, lastTransitionTime: "t1" })[0], before);
    const moved = setCondition([before], { ...available, reason: "Other", lastTransitionTime: "t1" });
    assert.equal(moved[0].lastTransitionTime, "t0");
  });
});
