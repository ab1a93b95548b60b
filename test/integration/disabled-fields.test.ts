// Fields behind a feature gate that 1.33 has off are dropped from what the server stores, as a default
// kube-apiserver does: lifecycle.stopSignal (ContainerStopSignals, alpha) on Pods and pod templates.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "df" } });
});
after(async () => {
  await c.stop();
});

const PRE_STOP = { exec: { command: ["sleep", "1"] } };

test("a Pod's lifecycle.stopSignal is dropped on create and update; a lifecycle left empty goes too", async () => {
  const created = await c.admin("POST", "/api/v1/namespaces/df/pods", {
    metadata: { name: "p" },
    spec: {
      containers: [
        { name: "a", image: "busybox", lifecycle: { stopSignal: "SIGUSR1" } },
        { name: "b", image: "busybox", lifecycle: { stopSignal: "SIGQUIT", preStop: PRE_STOP } },
      ],
    },
  });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json.spec.containers[0].lifecycle, undefined);
  assert.deepEqual(created.json.spec.containers[1].lifecycle, { preStop: PRE_STOP });

  const patched = await c.admin(
    "PATCH",
    "/api/v1/namespaces/df/pods/p",
    { spec: { containers: [{ name: "b", lifecycle: { stopSignal: "SIGINT" } }] } },
    "application/strategic-merge-patch+json",
  );
  assert.equal(patched.status, 200, patched.text);
  assert.deepEqual(patched.json.spec.containers[1].lifecycle, { preStop: PRE_STOP });
});

test("a Deployment's pod template loses it too", async () => {
  const created = await c.admin("POST", "/apis/apps/v1/namespaces/df/deployments", {
    metadata: { name: "d" },
    spec: {
      selector: { matchLabels: { app: "d" } },
      template: {
        metadata: { labels: { app: "d" } },
        spec: { containers: [{ name: "a", image: "busybox", lifecycle: { stopSignal: "SIGUSR1" } }] },
      },
    },
  });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json.spec.template.spec.containers[0].lifecycle, undefined);
});
