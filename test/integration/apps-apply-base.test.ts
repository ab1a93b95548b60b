// deploy/base, applied with real kubectl to the local server with its pod runtime, runs the pod-counter
// as a Pod under its own ServiceAccount, and `kubectl logs` shows the count (the acceptance test).
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import { eventually } from "../helpers/cluster.ts";
import { type RuntimeCluster, startRuntimeCluster } from "./kubelet-harness.ts";

const BASE = path.resolve(import.meta.dirname, "../../deploy/base");

let c: RuntimeCluster;
before(async () => {
  c = await startRuntimeCluster();
});
after(() => c.stop());

test("kubectl apply -k deploy/base → a pod-counter Pod as ServiceAccount pod-counter, counting in its logs", async () => {
  const applied = await c.kubectl(["apply", "-k", BASE]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, /deployment\.apps\/pod-counter created/);
  assert.match(applied.stdout, /clusterrole\.rbac\.authorization\.k8s\.io\/incluster-pod-counter created/);

  const pod = await eventually(
    async () => {
      const r = await c.kubectl(["get", "pods", "-n", "incluster", "-o", "name"]);
      return r.stdout
        .trim()
        .split("\n")
        .find((l) => l.startsWith("pod/pod-counter-"));
    },
    20_000,
    "the pod-counter Pod",
  );
  const sa = await c.kubectl(["get", pod, "-n", "incluster", "-o", "jsonpath={.spec.serviceAccountName}"]);
  assert.equal(sa.stdout, "pod-counter");

  const logs = await eventually(
    async () => {
      const r = await c.kubectl(["logs", pod, "-n", "incluster"]);
      return /There (is 1 pod|are \d+ pods) in the cluster/.test(r.stdout) && r.stdout;
    },
    30_000,
    "the count in kubectl logs",
  );
  assert.doesNotMatch(logs, /forbidden/i);
});
