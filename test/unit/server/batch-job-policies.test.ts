// The Job controller's policy matchers: podFailurePolicy (pkg/controller/job/pod_failure_policy.go
// matchPodFailurePolicy) and successPolicy (success_policy.go matchSuccessPolicy).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { matchPodFailurePolicy, matchSuccessPolicy } from "../../../src/server/controllers/job-policies.ts";

function failedPod(exitCode: number, conditions: { type: string; status: string }[] = []): Pod {
  return {
    metadata: { name: "p-1", namespace: "ns" },
    status: {
      phase: "Failed",
      conditions,
      containerStatuses: [
        {
          name: "main",
          image: "busybox",
          imageID: "",
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode } },
        },
      ],
    },
  };
}

test("matchPodFailurePolicy: the first matching rule decides", () => {
  const policy = {
    rules: [
      { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
      { action: "FailJob", onExitCodes: { containerName: "main", operator: "In", values: [42] } },
      { action: "Count", onExitCodes: { operator: "NotIn", values: [1, 2] } },
      { action: "FailIndex", onExitCodes: { operator: "In", values: [2] } },
    ],
  };
  assert.deepEqual(matchPodFailurePolicy(policy, failedPod(42)), {
    count: true,
    failJob: "Container main for pod ns/p-1 failed with exit code 42 matching FailJob rule at index 1",
  });
  assert.deepEqual(
    matchPodFailurePolicy(policy, failedPod(42, [{ type: "DisruptionTarget", status: "True" }])),
    {
      count: false,
    },
  );
  assert.deepEqual(matchPodFailurePolicy(policy, failedPod(3)), { count: true });
  assert.deepEqual(matchPodFailurePolicy(policy, failedPod(2)), { count: true, failIndex: true });
  assert.deepEqual(matchPodFailurePolicy(policy, failedPod(1)), { count: true }, "no rule: counted");
  assert.deepEqual(matchPodFailurePolicy(undefined, failedPod(42)), { count: true });
  const onCondition = {
    rules: [{ action: "FailJob", onPodConditions: [{ type: "ConfigIssue", status: "True" }] }],
  };
  assert.deepEqual(
    matchPodFailurePolicy(onCondition, failedPod(1, [{ type: "ConfigIssue", status: "True" }])),
    {
      count: true,
      failJob: "Pod ns/p-1 has condition ConfigIssue matching FailJob rule at index 0",
    },
  );
});

test("matchSuccessPolicy: succeededIndexes, succeededCount, both", () => {
  const done = new Set([0, 2, 3]);
  assert.equal(
    matchSuccessPolicy({ rules: [{ succeededIndexes: "0,2" }] }, 5, done),
    "Matched rules at index 0",
  );
  assert.equal(
    matchSuccessPolicy({ rules: [{ succeededIndexes: "0-2" }] }, 5, done),
    undefined,
    "1 is missing",
  );
  assert.equal(
    matchSuccessPolicy(
      { rules: [{ succeededIndexes: "0-1" }, { succeededIndexes: "1-4", succeededCount: 2 }] },
      5,
      done,
    ),
    "Matched rules at index 1",
  );
  assert.equal(matchSuccessPolicy({ rules: [{ succeededCount: 3 }] }, 5, done), "Matched rules at index 0");
  assert.equal(matchSuccessPolicy({ rules: [{ succeededCount: 4 }] }, 5, done), undefined);
  assert.equal(
    matchSuccessPolicy({ rules: [{ succeededCount: 1 }] }, 5, new Set()),
    undefined,
    "nothing succeeded yet",
  );
});
