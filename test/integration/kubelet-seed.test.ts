// The seed scenario on the local pod runtime: a container lists pods cluster-wide with its Pod's token,
// gets 403 and exits 2 (the seed's panic), so the Pod crash-loops with the message in `kubectl logs`;
// after `kubectl create clusterrolebinding … --clusterrole=view` the next restart succeeds and stays up.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually } from "../helpers/cluster.ts";
import {
  CLIENT_MODULE,
  containerState,
  createNamespace,
  kubectlUntil,
  NODE,
  type RuntimeCluster,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "test-in-cluster";
const FORBIDDEN =
  'panic: pods is forbidden: User "system:serviceaccount:test-in-cluster:default" cannot list resource "pods" in API group "" at the cluster scope';

let c: RuntimeCluster;
before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true, backoff: { baseMs: 500 } });
  await createNamespace(c, NS);
});
after(() => c.stop());

const LIST_PODS = `
import { createClient, isForbidden } from ${JSON.stringify(CLIENT_MODULE)};
const client = await createClient();
try {
  const n = await client.resource("pods").count({ allNamespaces: true });
  console.log(\`There are \${n} pods in the cluster\`);
  setInterval(() => {}, 1 << 30); // a server would keep running
} catch (error) {
  if (!isForbidden(error)) throw error;
  console.error(\`panic: \${error.message}\`);
  process.exit(2);
}
`;

test("a forbidden pod crash-loops with the 403 in its logs, then runs once its ServiceAccount may list pods", async () => {
  const script = await c.script("list-pods.mjs", LIST_PODS);
  const run = await c.kubectl(["run", "seed", "-n", NS, "--image=busybox", "--command", "--", NODE, script]);
  assert.equal(run.code, 0, run.stderr);

  const looping = await c.waitForPod(
    NS,
    "seed",
    (p) =>
      (containerState(p)?.restartCount ?? 0) >= 2 &&
      containerState(p)?.state?.waiting?.reason === "CrashLoopBackOff",
    "CrashLoopBackOff after 2 restarts",
  );
  const status = containerState(looping)!;
  assert.equal(status.lastState?.terminated?.exitCode, 2);
  assert.equal(status.lastState?.terminated?.reason, "Error");
  assert.match(
    status.state?.waiting?.message ?? "",
    /^back-off \d+(\.\d+)?m?s restarting failed container=seed pod=seed_test-in-cluster\(/,
  );
  assert.equal(looping.status?.phase, "Running");
  // An address of the node's Pod CIDR with a network namespace per Pod (root on Linux), else a loopback one.
  assert.match(looping.status?.podIP ?? "", c.runtime.network ? /^10\.244\.\d+\.\d+$/ : /^127\.0\.\d+\.\d+$/);

  // The back-off alternates between waiting (the last run's log) and a fresh run: look while it waits.
  await eventually(
    async () =>
      /seed\s+0\/1\s+CrashLoopBackOff\s+\d+/.test((await c.kubectl(["get", "pods", "-n", NS])).stdout),
    10_000,
    "CrashLoopBackOff in kubectl get pods",
  );
  await eventually(
    async () => (await c.kubectl(["logs", "seed", "-n", NS])).stdout === `${FORBIDDEN}\n`,
    10_000,
    "the 403 in kubectl logs",
  );
  const previous = await c.kubectl(["logs", "seed", "-n", NS, "--previous"]);
  assert.equal(previous.code, 0, previous.stderr);
  assert.equal(previous.stdout, `${FORBIDDEN}\n`);

  const grant = await c.kubectl([
    "create",
    "clusterrolebinding",
    "default-view",
    "--clusterrole=view",
    `--serviceaccount=${NS}:default`,
  ]);
  assert.equal(grant.code, 0, grant.stderr);
  const running = await c.waitForPod(
    NS,
    "seed",
    (p) => containerState(p)?.state?.running !== undefined && containerState(p)?.ready === true,
    "running and ready after the grant",
    20_000,
  );
  assert.ok((containerState(running)?.restartCount ?? 0) >= 2);
  const fixed = await eventually(async () => {
    const r = await c.kubectl(["logs", "seed", "-n", NS]);
    return /^There are \d+ pods in the cluster\n$/.test(r.stdout) && r;
  });
  assert.equal(fixed.code, 0);
  // The crash before the fix is still one `--previous` away.
  const before = await c.kubectl(["logs", "seed", "-n", NS, "--previous"]);
  assert.equal(before.stdout, `${FORBIDDEN}\n`);
  await kubectlUntil(
    c,
    ["describe", "pod", "seed", "-n", NS],
    /Warning\s+BackOff\s+.*Back-off restarting failed container seed in pod seed_test-in-cluster/,
  );
});
