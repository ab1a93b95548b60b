// src/kubelet/ephemeral.ts: which ephemeral containers start (once), their status as the kubelet reports it,
// adoption after a runtime restart, and the sandbox command line that joins a target's PID namespace.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { EphemeralContainers } from "../../../src/kubelet/ephemeral.ts";
import { inPidNamespaceOf, sandboxArgv } from "../../../src/kubelet/sandbox.ts";

const pod = (ephemeral: string[], extra: Partial<NonNullable<Pod["spec"]>> = {}): Pod => ({
  metadata: { name: "p", namespace: "ns", uid: "u" },
  spec: {
    containers: [{ name: "main", image: "busybox" }],
    ephemeralContainers: ephemeral.map((name) => ({ name, image: "busybox", targetContainerName: "main" })),
    ...extra,
  },
});

test("each ephemeral container is pending until started, and only once", () => {
  const e = new EphemeralContainers(pod([]));
  assert.deepEqual(e.pending(pod([])), []);
  const [first] = e.pending(pod(["one"]));
  assert.equal(first.spec.name, "one");
  assert.equal("targetContainerName" in first.spec, false, "launched as a plain Container");
  assert.equal(e.targetOf(first), "main");
  assert.ok(e.has(first));
  first.everStarted = true; // what the worker's launch does
  assert.deepEqual(
    e.pending(pod(["one", "two"])).map((r) => r.spec.name),
    ["two"],
  );
  assert.deepEqual(
    e.records.map((r) => r.spec.name),
    ["one", "two"],
  );
});

test("statuses: never ready, no started, ContainerCreating or PodInitializing before the start", () => {
  const e = new EphemeralContainers(pod([]));
  e.pending(pod(["one"]));
  const [status] = e.statuses(pod(["one"]));
  assert.deepEqual(status, {
    name: "one",
    image: "busybox",
    imageID: "",
    restartCount: 0,
    ready: false,
    state: { waiting: { reason: "ContainerCreating" } },
    lastState: {},
  });
  const withInit = pod(["one"], { initContainers: [{ name: "init", image: "busybox" }] });
  assert.deepEqual(e.statuses(withInit)[0].state, { waiting: { reason: "PodInitializing" } });
});

test("adopting a Pod: ephemeral containers that ran never run again, a running one was lost", () => {
  const adopted: Pod = {
    ...pod(["done", "lost", "new"]),
    status: {
      ephemeralContainerStatuses: [
        {
          name: "done",
          image: "busybox",
          imageID: "",
          ready: false,
          restartCount: 0,
          containerID: "incluster://a",
          state: {
            terminated: {
              exitCode: 2,
              reason: "Error",
              startedAt: "2026-01-01T00:00:00Z",
              finishedAt: "2026-01-01T00:00:05Z",
              containerID: "incluster://a",
            },
          },
        },
        {
          name: "lost",
          image: "busybox",
          imageID: "",
          ready: false,
          restartCount: 0,
          containerID: "incluster://b",
          state: { running: { startedAt: "2026-01-01T00:00:00Z" } },
        },
      ],
    },
  };
  const e = new EphemeralContainers(adopted);
  assert.deepEqual(
    e.pending(adopted).map((r) => r.spec.name),
    ["new"],
  );
  const [done, lost] = e.statuses(adopted);
  assert.deepEqual(done.state?.terminated, {
    exitCode: 2,
    reason: "Error",
    startedAt: "2026-01-01T00:00:00Z",
    finishedAt: "2026-01-01T00:00:05Z",
    containerID: "incluster://a",
  });
  assert.equal(lost.state?.terminated?.exitCode, 137);
  assert.equal(lost.state?.terminated?.containerID, "incluster://b");
});

test("a sandbox joining another's PID namespace enters it with nsenter instead of unsharing its own", () => {
  const argv = sandboxArgv({
    stateDir: "/s",
    uid: 65532,
    gid: 65532,
    cwd: "/",
    maxProcesses: 10,
    readOnlyRootFilesystem: false,
    envFile: "/e",
    node: "/node",
    steps: [],
    argv: ["app"],
  });
  const joined = inPidNamespaceOf(argv, 42);
  assert.deepEqual(joined.slice(0, 11), [
    "setpriv",
    "--no-new-privs",
    "--pdeathsig",
    "KILL",
    "--",
    "nsenter",
    "--target=42",
    "--pid",
    "--",
    "unshare",
    "--mount",
  ]);
  assert.deepEqual(joined.slice(11), argv.slice(10), "the rest of the sandbox is unchanged");
  assert.throws(() => inPidNamespaceOf(["sh", "-c", "x"], 42), /not a sandbox command line/);
});
