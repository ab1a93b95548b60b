// The pod-counter app (`incluster pods count`) from the project image on the local runtime, as deploy/
// runs it (readiness on /readyz): Running but not Ready while RBAC forbids the list, with the fix in its
// log; Ready and counting once `kubectl create clusterrolebinding … --clusterrole=view` lets it list pods.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, test } from "node:test";
import { eventually } from "../helpers/cluster.ts";
import {
  containerState,
  createNamespace,
  type RuntimeCluster,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "test-in-cluster";

let c: RuntimeCluster;
before(async () => {
  c = await startRuntimeCluster();
  await createNamespace(c, NS);
});
after(() => c.stop());

/** Pods share the host's ports: pick one nobody uses for the metrics port. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

test("kubectl run … -- pods count: not Ready and explaining the fix until the clusterrolebinding exists", async () => {
  const port = await freePort();
  const overrides = {
    spec: {
      containers: [
        {
          name: "demo",
          image: "ghcr.io/incluster/incluster",
          args: ["pods", "count", `--metrics-port=${port}`, "--metrics-address=$(POD_IP)"],
          env: [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
          ports: [{ name: "metrics", containerPort: port }],
          readinessProbe: { httpGet: { path: "/readyz", port: "metrics" }, periodSeconds: 1 },
        },
      ],
    },
  };
  const run = await c.kubectl([
    "run",
    "demo",
    "--image=ghcr.io/incluster/incluster",
    "-n",
    NS,
    `--overrides=${JSON.stringify(overrides)}`,
    "--",
    "pods",
    "count",
  ]);
  assert.equal(run.code, 0, run.stderr);

  const forbidden = await eventually(
    async () => {
      const logs = (await c.kubectl(["logs", "demo", "-n", NS])).stdout;
      return /forbidden/i.test(logs) && logs;
    },
    20_000,
    "the 403 in the log",
  );
  assert.match(forbidden, /kubectl create clusterrolebinding/);
  const notReady = await c.pod(NS, "demo");
  assert.ok(containerState(notReady!)?.state?.running, "the app keeps running: a restart cannot fix RBAC");
  assert.equal(containerState(notReady!)?.ready, false);
  assert.equal(containerState(notReady!)?.restartCount, 0);
  assert.match((await c.kubectl(["get", "pod", "demo", "-n", NS])).stdout, /demo\s+0\/1\s+Running\s+0/);

  const grant = await c.kubectl([
    "create",
    "clusterrolebinding",
    "default-view",
    "--clusterrole=view",
    `--serviceaccount=${NS}:default`,
  ]);
  assert.equal(grant.code, 0, grant.stderr);
  await c.waitForPod(NS, "demo", (p) => containerState(p)?.ready === true, "Ready", 30_000);
  await eventually(
    async () =>
      /There (is 1 pod|are \d+ pods) in the cluster/.test(
        (await c.kubectl(["logs", "demo", "-n", NS])).stdout,
      ),
    10_000,
    "the count in the log",
  );
  assert.match((await c.kubectl(["get", "pod", "demo", "-n", NS])).stdout, /demo\s+1\/1\s+Running\s+0/);
});
