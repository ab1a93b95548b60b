// Hostile Pod specs against the runtime, over the real API server (review findings): values the API
// accepts as upstream does, but Node's HTTP client refuses synchronously, must fail the probe or the hook
// with a message, never throw out of the runtime (an unhandled rejection ends the whole process).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Event } from "kubernetes-types/core/v1.d.ts";
import { eventually } from "../helpers/cluster.ts";
import {
  containerState,
  createNamespace,
  createPod,
  type RuntimeCluster,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "hostile";

let c: RuntimeCluster;
before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true });
  await createNamespace(c, NS);
});
after(() => c.stop());

const eventsOf = async (pod: string) => {
  const r = await c.admin("GET", `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name=${pod}`);
  return ((r.json as { items: Event[] }).items ?? []).map((e) => `${e.reason} ${e.message}`);
};

test("an httpGet probe with a header value Node refuses fails the probe instead of crashing the runtime", async () => {
  await createPod(c, NS, {
    metadata: { name: "bad-probe-header" },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "main",
          image: "busybox",
          command: ["sleep", "60"],
          readinessProbe: {
            httpGet: {
              port: 8080,
              path: "/",
              httpHeaders: [{ name: "X-Split", value: "a\r\nInjected: yes" }],
            },
            periodSeconds: 1,
          },
        },
      ],
    },
  });
  const unhealthy = await eventually(
    async () =>
      (await eventsOf("bad-probe-header")).find((e) => e.startsWith("Unhealthy Readiness probe failed")),
    15_000,
    "an Unhealthy event",
  );
  assert.match(unhealthy, /X-Split/);
  // The runtime is still alive: it keeps reporting the Pod.
  const pod = await c.waitForPod(
    NS,
    "bad-probe-header",
    (p) => containerState(p)?.state?.running !== undefined,
    "running",
  );
  assert.equal(containerState(pod)?.ready, false);
});

test("an httpGet postStart hook with an unusable host fails the hook (FailedPostStartHook), it does not wedge the Pod", async () => {
  await createPod(c, NS, {
    metadata: { name: "bad-hook-host" },
    spec: {
      restartPolicy: "Never",
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "main",
          image: "busybox",
          command: ["sleep", "60"],
          lifecycle: { postStart: { httpGet: { host: "not a host", port: 8080, path: "/" } } },
        },
      ],
    },
  });
  await eventually(
    async () => (await eventsOf("bad-hook-host")).includes("FailedPostStartHook PostStartHook failed"),
    15_000,
    "a FailedPostStartHook event",
  );
  const pod = await c.waitForPod(
    NS,
    "bad-hook-host",
    (p) => containerState(p)?.state?.terminated !== undefined,
    "terminated",
  );
  assert.equal(pod.status?.phase, "Failed");
});
