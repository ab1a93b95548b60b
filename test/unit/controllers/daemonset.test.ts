// Where a DaemonSet runs (kubernetes pkg/controller/daemon NodeShouldRunDaemonPod and
// util.AddOrUpdateDaemonPodTolerations): nodeSelector, required node affinity, taints and tolerations.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Node, Taint } from "kubernetes-types/core/v1.d.ts";
import { daemonTolerations, nodeShouldRun } from "../../../src/server/controllers/daemonset.ts";

const node = (labels: Record<string, string>, taints: Taint[] = []) =>
  ({ metadata: { name: "n1", labels }, spec: { taints } }) as Node;
const template = (spec: Record<string, unknown> = {}) => ({ spec: { containers: [{ name: "c" }], ...spec } });

test("daemon Pods tolerate node problems and unschedulable Nodes, and keep their own tolerations", () => {
  const tolerations = daemonTolerations({
    tolerations: [{ key: "dedicated", operator: "Equal", value: "x", effect: "NoSchedule" }],
  });
  assert.deepEqual(
    tolerations.map((t) => `${t.key}:${t.effect}`),
    [
      "dedicated:NoSchedule",
      "node.kubernetes.io/not-ready:NoExecute",
      "node.kubernetes.io/unreachable:NoExecute",
      "node.kubernetes.io/disk-pressure:NoSchedule",
      "node.kubernetes.io/memory-pressure:NoSchedule",
      "node.kubernetes.io/pid-pressure:NoSchedule",
      "node.kubernetes.io/unschedulable:NoSchedule",
    ],
  );
  assert.ok(
    daemonTolerations({ hostNetwork: true }).some((t) => t.key === "node.kubernetes.io/network-unavailable"),
  );
  // An existing toleration for the same key and effect is replaced, not duplicated.
  const replaced = daemonTolerations({
    tolerations: [
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 },
    ],
  });
  assert.equal(replaced.filter((t) => t.key === "node.kubernetes.io/not-ready").length, 1);
  assert.equal(replaced[0].tolerationSeconds, undefined);
});

test("nodeSelector and required node affinity choose the Nodes", () => {
  assert.deepEqual(nodeShouldRun(template(), node({})), [true, true]);
  assert.deepEqual(nodeShouldRun(template({ nodeSelector: { disk: "ssd" } }), node({ disk: "hdd" })), [
    false,
    false,
  ]);
  assert.deepEqual(nodeShouldRun(template({ nodeSelector: { disk: "ssd" } }), node({ disk: "ssd" })), [
    true,
    true,
  ]);
  const affinity = (operator: string, values?: string[]) => ({
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator, values }] }],
        },
      },
    },
  });
  assert.deepEqual(nodeShouldRun(template(affinity("In", ["a", "b"])), node({ zone: "b" })), [true, true]);
  assert.deepEqual(nodeShouldRun(template(affinity("NotIn", ["b"])), node({ zone: "b" })), [false, false]);
  assert.deepEqual(nodeShouldRun(template(affinity("DoesNotExist")), node({})), [true, true]);
  assert.deepEqual(nodeShouldRun(template(affinity("Gt", ["3"])), node({ zone: "4" })), [true, true]);
  assert.deepEqual(nodeShouldRun(template({ nodeName: "other" }), node({})), [false, false]);
});

test("taints: NoSchedule keeps running Pods but starts none; NoExecute evicts; tolerations lift both", () => {
  const noSchedule = node({}, [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }]);
  assert.deepEqual(nodeShouldRun(template(), noSchedule), [false, true]);
  const tolerating = template({
    tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }],
  });
  assert.deepEqual(nodeShouldRun(tolerating, noSchedule), [true, true]);
  const noExecute = node({}, [{ key: "dedicated", value: "gpu", effect: "NoExecute" }]);
  assert.deepEqual(nodeShouldRun(tolerating, noExecute), [false, false]);
  assert.deepEqual(nodeShouldRun(template({ tolerations: [{ operator: "Exists" }] }), noExecute), [
    true,
    true,
  ]);
  // The daemon tolerations cover the Node-condition taints.
  assert.deepEqual(
    nodeShouldRun(template(), node({}, [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }])),
    [true, true],
  );
  assert.deepEqual(
    nodeShouldRun(template(), node({}, [{ key: "node.kubernetes.io/not-ready", effect: "NoExecute" }])),
    [true, true],
  );
});
