import assert from "node:assert/strict";
import { test } from "node:test";
import type { ContainerStatus, Pod } from "kubernetes-types/core/v1.d.ts";
import { buildPodStatus, podConditions, podPhase } from "../../../src/kubelet/pod-status.ts";

const pod = (restartPolicy: string, containers = ["a"], init: string[] = []): Pod => ({
  metadata: { name: "p" },
  spec: {
    restartPolicy,
    containers: containers.map((name) => ({ name })),
    initContainers: init.map((name) => ({ name })),
  },
});
const running = (name: string, ready = true): ContainerStatus => ({
  name,
  image: "",
  imageID: "",
  restartCount: 0,
  ready,
  state: { running: { startedAt: "2025-01-01T00:00:00Z" } },
});
const exited = (name: string, exitCode: number): ContainerStatus => ({
  name,
  image: "",
  imageID: "",
  restartCount: 0,
  ready: false,
  state: { terminated: { exitCode } },
});
const crashLooping = (name: string): ContainerStatus => ({
  name,
  image: "",
  imageID: "",
  restartCount: 3,
  ready: false,
  state: { waiting: { reason: "CrashLoopBackOff" } },
  lastState: { terminated: { exitCode: 2 } },
});
const waiting = (name: string, reason = "ContainerCreating"): ContainerStatus => ({
  name,
  image: "",
  imageID: "",
  restartCount: 0,
  ready: false,
  state: { waiting: { reason } },
});

test("getPhase: waiting is Pending, running is Running, a crash loop is still Running", () => {
  assert.equal(podPhase(pod("Always"), [], [waiting("a")]), "Pending");
  assert.equal(podPhase(pod("Always"), [], []), "Pending");
  assert.equal(podPhase(pod("Always"), [], [running("a")]), "Running");
  assert.equal(podPhase(pod("Always"), [], [crashLooping("a")]), "Running");
  assert.equal(podPhase(pod("Always", ["a", "b"]), [], [running("a"), waiting("b")]), "Pending");
});

test("getPhase: terminated containers by restart policy", () => {
  assert.equal(podPhase(pod("Never"), [], [exited("a", 0)]), "Succeeded");
  assert.equal(podPhase(pod("Never"), [], [exited("a", 1)]), "Failed");
  assert.equal(podPhase(pod("OnFailure"), [], [exited("a", 0)]), "Succeeded");
  assert.equal(podPhase(pod("OnFailure"), [], [exited("a", 1)]), "Running");
  assert.equal(podPhase(pod("Always"), [], [exited("a", 0)]), "Running");
  assert.equal(podPhase(pod("Always"), [], [exited("a", 0)], true), "Succeeded", "terminal after deletion");
  assert.equal(podPhase(pod("Always"), [], [exited("a", 143)], true), "Failed");
});

test("getPhase: init containers gate the pod; a failed one fails it only with restartPolicy Never", () => {
  const withInit = (policy: string) => pod(policy, ["a"], ["init"]);
  assert.equal(podPhase(withInit("Always"), [running("init")], [waiting("a", "PodInitializing")]), "Pending");
  assert.equal(podPhase(withInit("Always"), [exited("init", 0)], [running("a")]), "Running");
  assert.equal(podPhase(withInit("Never"), [exited("init", 1)], [waiting("a", "PodInitializing")]), "Failed");
  assert.equal(
    podPhase(withInit("Always"), [crashLooping("init")], [waiting("a", "PodInitializing")]),
    "Pending",
  );
});

test("sidecars (restartPolicy Always init containers) gate neither the phase nor, once started, Initialized", () => {
  const p: Pod = {
    metadata: { name: "p" },
    spec: {
      restartPolicy: "Never",
      initContainers: [{ name: "side", restartPolicy: "Always" }],
      containers: [{ name: "a" }],
    },
  };
  const side = { ...running("side"), started: true };
  assert.equal(podPhase(p, [side], [running("a")]), "Running");
  assert.equal(podPhase(p, [side], [exited("a", 0)]), "Succeeded");
  const input = {
    pod: p,
    phase: "Running" as const,
    sandboxReady: true,
    statuses: [running("a")],
    now: new Date(),
  };
  const initialized = (s: ContainerStatus) =>
    podConditions({ ...input, initStatuses: [s] }).find((c) => c.type === "Initialized");
  assert.equal(initialized(side)?.status, "True");
  assert.equal(initialized(waiting("side"))?.message, "containers with incomplete status: [side]");
});

test("conditions in the kubelet's order, with its reasons and messages", () => {
  const p: Pod = {
    ...pod("Always", ["a", "b"], ["init"]),
    status: {
      conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: "2025-01-01T00:00:00Z" }],
    },
  };
  const now = new Date("2025-01-01T00:01:00Z");
  const conditions = podConditions({
    pod: p,
    phase: "Running",
    sandboxReady: true,
    initStatuses: [exited("init", 0)],
    statuses: [running("a"), running("b", false)],
    now,
  });
  assert.deepEqual(
    conditions.map((c) => [c.type, c.status, c.reason ?? "", c.message ?? ""]),
    [
      ["PodReadyToStartContainers", "True", "", ""],
      ["Initialized", "True", "", ""],
      ["Ready", "False", "ContainersNotReady", "containers with unready status: [b]"],
      ["ContainersReady", "False", "ContainersNotReady", "containers with unready status: [b]"],
      ["PodScheduled", "True", "", ""],
    ],
  );
  assert.equal(conditions[4].lastTransitionTime, "2025-01-01T00:00:00Z", "PodScheduled is the scheduler's");
  assert.equal(conditions[0].lastTransitionTime, "2025-01-01T00:01:00Z");
});

test("lastTransitionTime only moves when the status changes; completed pods are not Ready", () => {
  const p: Pod = {
    ...pod("Never"),
    status: { conditions: [{ type: "Ready", status: "False", lastTransitionTime: "2024-12-31T00:00:00Z" }] },
  };
  const status = buildPodStatus({
    pod: p,
    sandboxReady: false,
    initStatuses: [],
    statuses: [exited("a", 0)],
    terminal: false,
    hostIP: "127.0.0.1",
    podIP: "127.0.1.2",
    startTime: "2025-01-01T00:00:00Z",
    now: new Date("2025-01-01T00:01:00Z"),
  });
  assert.equal(status.phase, "Succeeded");
  const ready = status.conditions?.find((c) => c.type === "Ready");
  assert.deepEqual(ready, {
    type: "Ready",
    status: "False",
    reason: "PodCompleted",
    lastTransitionTime: "2024-12-31T00:00:00Z",
  });
  assert.deepEqual(status.podIPs, [{ ip: "127.0.1.2" }]);
  assert.deepEqual(status.hostIPs, [{ ip: "127.0.0.1" }]);
  assert.equal(status.initContainerStatuses, undefined);
});
