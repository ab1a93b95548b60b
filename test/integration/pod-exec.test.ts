// pods/exec and pods/attach end to end: the real server and runtime, driven by kubectl (websocket v5 for
// 1.30+, SPDY before) and by a raw websocket client for the protocol's edges.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  createNamespace,
  createPod,
  type RuntimeCluster,
  sandboxSkipReason,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "exec";
let c: RuntimeCluster;

const sleeper = encodeURIComponent(`process.getBuiltinModule("node:child_process").execSync("sleep 600")`);

before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true });
  await createNamespace(c, NS);
  await createPod(c, NS, {
    metadata: { name: "host" },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "sleep 600"], workingDir: "/tmp" }],
    },
  });
  for (const name of ["host"]) await c.waitForPod(NS, name, (p) => p.status?.phase === "Running", "Running");
});
after(async () => {
  await c?.stop();
});

test("kubectl exec runs the command and prints its output", async () => {
  const r = await c.kubectl(["exec", "-n", NS, "host", "--", "echo", "hi"]);
  assert.equal(r.stderr, "");
  assert.equal(r.code, 0);
  assert.equal(r.stdout, "hi\n");
});
