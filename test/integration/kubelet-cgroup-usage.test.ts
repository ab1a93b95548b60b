// Usage from cgroups in the real runtime (root, cgroups v2 or v1), read back through metrics.k8s.io as
// kubectl top does: memory held by a container counts in its working set; a big file it read stays in
// its cgroup (page cache charged to it) but, inactive, does not count, as cAdvisor reports it; and the
// QoS classes' cgroups carry the kubelet's CPU weights as Burstable Pods come and go.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { CgroupManager, detectCgroups } from "../../src/kubelet/cgroups.ts";
import { cpuSharesToWeight, milliCPUToShares } from "../../src/kubelet/cgroups-resources.ts";
import { PodMetricsRouter } from "../../src/kubelet/index.ts";
import { quantityMilli } from "../../src/meta/quantity.ts";
import { eventually } from "../helpers/cluster.ts";
import {
  containerState,
  createNamespace,
  createPod,
  NODE,
  type RuntimeCluster,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "cgroup-usage";
const MiB = 1024 * 1024;
const FILE_MIB = 128;

/** As root (CI is root) cgroups must be usable; only a kernel without them is a reason to skip. */
async function cgroupSkipReason(): Promise<string | false> {
  if (process.getuid?.() !== 0) throw new Error("the cgroup tests run as root (CI is root)");
  const found = await detectCgroups();
  await found.manager?.removeAll();
  return found.manager ? false : `this host gives no usable cgroups: ${found.detail}`;
}
const skip = await cgroupSkipReason();

let c: RuntimeCluster;
let parents: string[] = [];
before(async () => {
  if (skip) return;
  const metrics = new PodMetricsRouter();
  c = await startRuntimeCluster({ allowHostCommands: true, metrics, usageIntervalMs: 1000 }, { metrics });
  assert.ok(c.runtime.cgroups, "the runtime found its cgroups");
  parents = c.runtime.cgroups.parents;
  await createNamespace(c, NS);
});
after(async () => {
  if (skip) return;
  await c.stop();
});

const v2 = () => c.runtime.cgroups?.version === 2;

/** A BestEffort Pod of one container running a host command. */
const run = (name: string, command: string[], resources = {}) =>
  createPod(c, NS, {
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: "main", image: "busybox", command, resources }],
    },
  });

/** The working set metrics.k8s.io reports for the Pod's container, once sampled after `ready` held. */
async function reportedWorkingSet(name: string): Promise<number> {
  return eventually(
    async () => {
      const r = await c.admin("GET", `/apis/metrics.k8s.io/v1beta1/namespaces/${NS}/pods/${name}`);
      if (r.status !== 200) return undefined;
      const memory = r.json?.containers?.[0]?.usage?.memory as string | undefined;
      return memory === undefined ? undefined : Number(quantityMilli(memory) / 1000n);
    },
    60_000,
    `${name}: PodMetrics`,
  );
}

/** A file of the container's memory cgroup. */
async function memoryFile(pod: Pod, file: string): Promise<string> {
  const id = containerState(pod)!.containerID!.replace("incluster://", "");
  const podPath = CgroupManager.podPath(pod.metadata!.uid!, pod.status?.qosClass);
  const found = parents.map((p) => path.join(p, podPath, id, file)).find(existsSync);
  assert.ok(found, `the container's cgroup has ${file}`);
  return readFile(found, "utf8");
}

const logged = (name: string, text: string) =>
  eventually(
    async () => (await c.kubectl(["logs", "-n", NS, name])).stdout.includes(text),
    60_000,
    `${name} logs ${text}`,
  );

test("64 MiB of anonymous memory count in the working set metrics.k8s.io reports", { skip }, async () => {
  const script = await c.script(
    "hold.js",
    "const held = Buffer.alloc(64 * 1024 * 1024, 1); console.log('held'); setInterval(() => held[0]++, 60_000);\n",
  );
  await run("holder", [NODE, script]);
  await logged("holder", "held");
  // A sample taken after the memory was touched: wait for the figure to include it.
  const reported = await eventually(
    async () => {
      const ws = await reportedWorkingSet("holder");
      return ws >= 64 * MiB && ws;
    },
    60_000,
    "holder's working set reaches 64 MiB",
  );
  assert.ok(reported >= 64 * MiB, `${reported}`);
});

test("a big file's page cache is charged to the container but, inactive, left out of its working set", {
  skip,
}, async () => {
  // Written past the page cache (O_DIRECT), so the container's read is what brings it in. On a disk, not in
  // the scratch dir: a tmpfs /tmp has no O_DIRECT and its pages are not file cache.
  const dir = await mkdtemp(path.join("/var/tmp", "incluster-cache-"));
  after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, "big.bin");
  await promisify(execFile)("dd", [
    "if=/dev/zero",
    `of=${file}`,
    "bs=1M",
    `count=${FILE_MIB}`,
    "oflag=direct",
  ]);
  await run("reader", ["sh", "-c", `cat ${file} >/dev/null && echo read && exec sleep 3600`]);
  await logged("reader", "read");
  const pod = await c.waitForPod(NS, "reader", (p) => Boolean(containerState(p)?.state?.running), "running");
  const usage = Number((await memoryFile(pod, v2() ? "memory.current" : "memory.usage_in_bytes")).trim());
  assert.ok(usage >= (FILE_MIB - 16) * MiB, `the cache is the container's: usage ${usage}`);
  // Sampled after the read: the timestamp of a later sample is past the log line.
  const readAt = Date.now();
  const reported = await eventually(
    async () => {
      const r = await c.admin("GET", `/apis/metrics.k8s.io/v1beta1/namespaces/${NS}/pods/reader`);
      if (r.status !== 200 || Date.parse(r.json.timestamp) <= readAt) return undefined;
      return Number(quantityMilli(r.json.containers[0].usage.memory as string) / 1000n);
    },
    60_000,
    "a sample after the read",
  );
  assert.ok(reported < 32 * MiB, `working set ${reported} leaves the ${FILE_MIB} MiB of inactive cache out`);
});

test("the QoS cgroups weigh Burstable Pods' summed CPU requests; BestEffort gets 2", { skip }, async () => {
  const file = v2() ? "cpu.weight" : "cpu.shares";
  const weight = async (qos: string) => {
    const found = parents.map((p) => path.join(p, qos, file)).find(existsSync);
    assert.ok(found, `${qos}/${file}`);
    return Number((await readFile(found, "utf8")).trim());
  };
  const expect = (shares: number) => (v2() ? cpuSharesToWeight(shares) : shares);
  assert.equal(await weight("besteffort"), expect(2));
  const burstable = (name: string, cpu: string) => run(name, ["sleep", "3600"], { requests: { cpu } });
  await burstable("weighed-a", "300m");
  await burstable("weighed-b", "200m");
  for (const name of ["weighed-a", "weighed-b"])
    await c.waitForPod(NS, name, (p) => Boolean(containerState(p)?.state?.running), "running", 30_000);
  assert.equal(await weight("burstable"), expect(milliCPUToShares(500)));
  assert.equal(await weight("besteffort"), expect(2), "BestEffort Pods running alongside change nothing");
  const deleted = await c.admin("DELETE", `/api/v1/namespaces/${NS}/pods/weighed-a?gracePeriodSeconds=0`);
  assert.equal(deleted.status, 200, deleted.text);
  await eventually(
    async () => (await weight("burstable")) === expect(milliCPUToShares(200)),
    30_000,
    "burstable weighs the remaining Pod",
  );
});
