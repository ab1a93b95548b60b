// Projected ServiceAccount tokens on disk: the runtime refreshes them by the kubelet's rule (driven here by
// moving the runtime's clock), the refresh lands as a `..data` swap, a process using incluster's client
// keeps working and picks the new token up, and the Pod's deletion revokes its bound token (401).
// ConfigMap volumes follow their ConfigMap the same way.
import assert from "node:assert/strict";
import { readdir, readFile, readlink, stat } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { tokenFingerprint } from "../../src/token/redact.ts";
import { eventually } from "../helpers/cluster.ts";
import {
  CLIENT_MODULE,
  createNamespace,
  createPod,
  NODE,
  type RuntimeCluster,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "tokens";
const MINUTE = 60_000;
let skewMs = 0;

let c: RuntimeCluster;
before(async () => {
  c = await startRuntimeCluster({
    allowHostCommands: true,
    clock: { now: () => Date.now() + skewMs },
    volumeSyncIntervalMs: 200,
  });
  await createNamespace(c, NS);
  const grant = await c.admin("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
    metadata: { name: "default-view" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
    subjects: [{ kind: "ServiceAccount", name: "default", namespace: NS }],
  });
  assert.equal(grant.status, 201, grant.text);
});
after(() => c.stop());

/** Lists pods every 100 ms and reports which token (by fingerprint, never the token) its client used. */
const POLLER = `
import { createClient } from ${JSON.stringify(CLIENT_MODULE)};
import { tokenFingerprint } from ${JSON.stringify(CLIENT_MODULE.replace("client/index.ts", "token/redact.ts"))};
const client = await createClient();
for (;;) {
  try {
    await client.resource("pods").list();
    console.log("ok", tokenFingerprint(client.config.credentials.currentToken()));
  } catch (error) {
    console.log("fail", error.message);
  }
  await new Promise((r) => setTimeout(r, 100));
}
`;

async function volumeDir(pod: Pod, plugin: string, prefix: string): Promise<string> {
  const root = path.join(c.dataDir, "pods", pod.metadata!.uid!, "volumes", plugin);
  const name = (await readdir(root)).find((n) => n.startsWith(prefix));
  assert.ok(name, `no ${plugin} volume ${prefix}* in ${root}`);
  return path.join(root, name);
}

test("a forced refresh swaps ..data, the client follows it, and deleting the Pod revokes the token", async () => {
  const script = await c.script("poller.mjs", POLLER);
  await createPod(c, NS, {
    metadata: { name: "poller" },
    spec: {
      terminationGracePeriodSeconds: 5,
      containers: [{ name: "poller", image: "busybox", command: [NODE, script] }],
    },
  });
  const pod = await c.waitForPod(
    NS,
    "poller",
    (p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined,
    "running",
  );
  const dir = await volumeDir(pod, "kubernetes.io~projected", "kube-api-access-");
  const firstData = await readlink(path.join(dir, "..data"));
  assert.match(firstData, /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+$/);
  assert.equal(await readlink(path.join(dir, "token")), "..data/token");
  const firstToken = await readFile(path.join(dir, "token"), "utf8");
  await eventually(
    async () =>
      (await c.kubectl(["logs", "poller", "-n", NS])).stdout.includes(`ok ${tokenFingerprint(firstToken)}`),
    10_000,
    "the first token in use",
  );

  // 3607 s pod tokens are refreshed after 80 % of their TTL (48 min): move the runtime's clock past that.
  skewMs = 49 * MINUTE;
  const secondData = await eventually(
    async () => {
      const now = await readlink(path.join(dir, "..data"));
      return now !== firstData && now;
    },
    5000,
    "a ..data swap",
  );
  const secondToken = await readFile(path.join(dir, "token"), "utf8");
  assert.notEqual(secondToken, firstToken);
  // The old timestamp directory goes last, right after the swap.
  const settled = ["..data", secondData, "ca.crt", "namespace", "token"].sort().join(" ");
  await eventually(async () => (await readdir(dir)).sort().join(" ") === settled, 2000, `exactly ${settled}`);
  const switched = await eventually(
    async () => {
      const logs = (await c.kubectl(["logs", "poller", "-n", NS])).stdout;
      return logs.includes(`ok ${tokenFingerprint(secondToken)}`) && logs;
    },
    10_000,
    "the client using the refreshed token",
  );
  assert.doesNotMatch(switched, /^fail/m);

  const deleted = await c.kubectl(["delete", "pod", "poller", "-n", NS]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(await c.pod(NS, "poller"), undefined);
  const revoked = await c.request("GET", `/api/v1/namespaces/${NS}/pods`, { token: secondToken });
  assert.equal(revoked.status, 401);
  assert.equal(revoked.json.message, "Unauthorized");
});

test("a configMap volume follows its ConfigMap through ..data swaps", async () => {
  const cm = await c.admin("POST", `/api/v1/namespaces/${NS}/configmaps`, {
    metadata: { name: "app-config" },
    data: { "mode.txt": "first" },
  });
  assert.equal(cm.status, 201, cm.text);
  await createPod(c, NS, {
    metadata: { name: "config-reader" },
    spec: {
      volumes: [{ name: "config", configMap: { name: "app-config", defaultMode: 0o440 } }],
      containers: [{ name: "sleeper", image: "busybox", command: ["sleep", "60"] }],
    },
  });
  const pod = await c.waitForPod(NS, "config-reader", (p) => p.status?.phase === "Running", "running");
  const dir = await volumeDir(pod, "kubernetes.io~configmap", "config");
  assert.equal(await readFile(path.join(dir, "mode.txt"), "utf8"), "first");
  const before = await readlink(path.join(dir, "..data"));

  const patched = await c.admin(
    "PATCH",
    `/api/v1/namespaces/${NS}/configmaps/app-config`,
    { data: { "mode.txt": "second", extra: "x" } },
    "application/merge-patch+json",
  );
  assert.equal(patched.status, 200, patched.text);
  await eventually(
    async () => (await readFile(path.join(dir, "extra"), "utf8").catch(() => "")) === "x",
    5000,
    "the new key's symlink",
  );
  assert.notEqual(await readlink(path.join(dir, "..data")), before);
  assert.equal(await readFile(path.join(dir, "mode.txt"), "utf8"), "second");
  assert.equal((await stat(path.join(dir, "extra"))).mode & 0o777, 0o440);
});
