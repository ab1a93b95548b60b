// Container resource limits in the real runtime (root, cgroups v2 or v1): the kubelet's values land in the
// container's and the Pod's cgroups, processes (and kubectl exec) run inside them, a container past its
// memory limit ends OOMKilled (137) and restarts by its restartPolicy, a CPU-limited busy loop is throttled
// to its quota, resourceFieldRef reaches env and downwardAPI volumes, and the cgroups go with the Pod and
// with the runtime (a dead runtime's at the next start).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { CgroupManager, detectCgroups } from "../../src/kubelet/cgroups.ts";
import { cpuSharesToWeight, milliCPUToShares } from "../../src/kubelet/cgroups-resources.ts";
import { eventually } from "../helpers/cluster.ts";
import {
  containerState,
  createNamespace,
  createPod,
  type RuntimeCluster,
  sandboxSkipReason,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "cgroups";

/** As root (CI is root) cgroups must be usable; only a kernel without them is a reason to skip. */
async function cgroupSkipReason(): Promise<string | false> {
  if (process.getuid?.() !== 0) throw new Error("the cgroup tests run as root (CI is root)");
  const found = await detectCgroups();
  await found.manager?.removeAll();
  return found.manager ? false : `this host gives no usable cgroups: ${found.detail}`;
}
const skip = await cgroupSkipReason();
const sandboxSkip = skip || (await sandboxSkipReason());

let c: RuntimeCluster;
let parents: string[] = [];
before(async () => {
  if (skip) return;
  c = await startRuntimeCluster({ allowHostCommands: true });
  assert.ok(c.runtime.cgroups, "the runtime found its cgroups");
  parents = c.runtime.cgroups.parents;
  await createNamespace(c, NS);
});
after(async () => {
  if (skip) return;
  await c.stop();
  for (const parent of parents) assert.equal(existsSync(parent), false, `${parent} removed at stop`);
});

/** The Pod's cgroup directories (one per hierarchy). */
const podDirs = (pod: Pod) =>
  parents.map((p) => path.join(p, CgroupManager.podPath(pod.metadata!.uid!, pod.status?.qosClass)));
/** The directory of the hierarchy holding `file` for a running container. */
function containerFile(pod: Pod, file: string, index = 0): string {
  const id = containerState(pod, index)!.containerID!.replace("incluster://", "");
  const dir = podDirs(pod)
    .map((d) => path.join(d, id))
    .find((d) => existsSync(path.join(d, file)));
  assert.ok(dir, `a cgroup of the container has ${file}`);
  return path.join(dir, file);
}
const readNumber = async (file: string) => Number((await readFile(file, "utf8")).trim());
const v2 = () => c.runtime.cgroups?.version === 2;
const running = (p: Pod) => Boolean(containerState(p)?.state?.running);

test("limits land in the container's and the Pod's cgroups, and the container runs inside", {
  skip,
}, async () => {
  await createPod(c, NS, {
    metadata: { name: "limited" },
    spec: {
      containers: [
        {
          name: "app",
          image: "busybox",
          command: ["sh", "-c", "cat /proc/self/cgroup; exec sleep 3600"],
          resources: { requests: { cpu: "250m", memory: "32Mi" }, limits: { cpu: "500m", memory: "64Mi" } },
        },
      ],
    },
  });
  const pod = await c.waitForPod(NS, "limited", running, "running", 30_000);
  assert.equal(pod.status?.qosClass, "Burstable");
  const id = containerState(pod)!.containerID!.replace("incluster://", "");
  if (v2()) {
    assert.equal((await readFile(containerFile(pod, "memory.max"), "utf8")).trim(), "67108864");
    assert.equal((await readFile(containerFile(pod, "cpu.max"), "utf8")).trim(), "50000 100000");
    assert.equal(await readNumber(containerFile(pod, "cpu.weight")), 35); // shares 256
  } else {
    assert.equal(await readNumber(containerFile(pod, "memory.limit_in_bytes")), 67108864);
    assert.equal(await readNumber(containerFile(pod, "cpu.cfs_quota_us")), 50000);
    assert.equal(await readNumber(containerFile(pod, "cpu.cfs_period_us")), 100000);
    assert.equal(await readNumber(containerFile(pod, "cpu.shares")), 256);
  }
  // The Pod's cgroup: the sum of the (single) container's values, below burstable/.
  const podMemory = podDirs(pod)
    .map((d) => path.join(d, v2() ? "memory.max" : "memory.limit_in_bytes"))
    .find(existsSync);
  assert.ok(podMemory, "the Pod's memory cgroup");
  assert.ok(podMemory.includes(`/burstable/pod${pod.metadata!.uid}/`), podMemory);
  assert.equal(await readNumber(podMemory), 67108864);
  // Each Pod's processes are capped (podPidsLimit, default 4096).
  const pidsMax = podDirs(pod)
    .map((d) => path.join(d, "pids.max"))
    .find(existsSync);
  if (pidsMax) assert.equal(await readNumber(pidsMax), 4096);
  // The runtime's parent weighs the node's allocatable CPUs, as kubepods does.
  const weightFile = parents.map((p) => path.join(p, v2() ? "cpu.weight" : "cpu.shares")).find(existsSync);
  assert.ok(weightFile, "the parent's cpu weight");
  const shares = milliCPUToShares(os.availableParallelism() * 1000);
  assert.equal(await readNumber(weightFile), v2() ? cpuSharesToWeight(shares) : shares);
  // The command itself printed its cgroups: the container's, in every hierarchy it was placed in.
  const printed = await eventually(
    async () => {
      const r = await c.kubectl(["logs", "-n", NS, "limited"]);
      return r.stdout.includes(id) && r.stdout;
    },
    30_000,
    "the container's /proc/self/cgroup in its log",
  );
  const memoryLine = printed.split("\n").find((l) => (v2() ? l.startsWith("0::") : /^\d+:memory:/.test(l)));
  assert.ok(memoryLine?.endsWith(`/pod${pod.metadata!.uid}/${id}`), memoryLine);
  // kubectl exec joins the container's cgroup before its command runs.
  const exec = await c.kubectl(["exec", "-n", NS, "limited", "--", "cat", "/proc/self/cgroup"]);
  assert.equal(exec.code, 0, exec.stderr);
  const execLine = exec.stdout.split("\n").find((l) => (v2() ? l.startsWith("0::") : /^\d+:memory:/.test(l)));
  assert.ok(execLine?.endsWith(`/pod${pod.metadata!.uid}/${id}`), execLine);
});

test("a container allocating past its memory limit ends OOMKilled (137) and restarts by its policy", {
  skip,
}, async () => {
  await createPod(c, NS, {
    metadata: { name: "hungry" },
    spec: {
      restartPolicy: "OnFailure",
      containers: [
        {
          name: "app",
          image: "busybox",
          // tail keeps the whole "line" of /dev/zero (no newline) in memory: it grows until killed.
          command: ["tail", "/dev/zero"],
          resources: { limits: { memory: "32Mi" } },
        },
        // A plain failure under the same limit stays an Error: OOMKilled comes from the kernel's count.
        {
          name: "failing",
          image: "busybox",
          command: ["sh", "-c", "exit 3"],
          resources: { limits: { memory: "32Mi" } },
        },
      ],
    },
  });
  const pod = await c.waitForPod(
    NS,
    "hungry",
    (p) =>
      [0, 1].every(
        (i) =>
          (containerState(p, i)?.restartCount ?? 0) >= 1 &&
          Boolean(containerState(p, i)?.lastState?.terminated),
      ),
    "restarted after its first exit",
    60_000,
  );
  const terminated = containerState(pod)!.lastState!.terminated!;
  assert.equal(terminated.reason, "OOMKilled");
  assert.equal(terminated.exitCode, 137);
  const failed = containerState(pod, 1)!.lastState!.terminated!;
  assert.equal(failed.reason, "Error");
  assert.equal(failed.exitCode, 3);
  await c.admin("DELETE", `/api/v1/namespaces/${NS}/pods/hungry?gracePeriodSeconds=0`);
});

test("a CPU-limited busy loop gets its quota, no more (cgroup CPU accounting)", { skip }, async (t) => {
  await createPod(c, NS, {
    metadata: { name: "spinner" },
    spec: {
      containers: [
        {
          name: "app",
          image: "busybox",
          command: ["sh", "-c", "while :; do :; done"],
          resources: { limits: { cpu: "200m", memory: "32Mi" } },
        },
      ],
    },
  });
  const pod = await c.waitForPod(NS, "spinner", running, "running", 30_000);
  const usageFile = v2() ? containerFile(pod, "cpu.stat") : containerFile(pod, "cpuacct.usage");
  const usageNanos = async () => {
    const text = await readFile(usageFile, "utf8");
    return v2() ? Number(/^usage_usec (\d+)$/m.exec(text)![1]) * 1000 : Number(text.trim());
  };
  const start = { usage: await usageNanos(), at: process.hrtime.bigint() };
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const used = (await usageNanos()) - start.usage;
  const elapsed = Number(process.hrtime.bigint() - start.at);
  const share = used / elapsed;
  t.diagnostic(
    `a 200m-limited busy loop used ${share.toFixed(3)} of a CPU over ${(elapsed / 1e9).toFixed(1)} s`,
  );
  // 200m = 20 ms per 100 ms period; an unlimited loop would use a whole core (1.0). Generous either side:
  // the machine is shared, so the loop may get less than its quota, never much more.
  assert.ok(share <= 0.3, `used ${share.toFixed(3)} of a CPU with a 0.2 limit`);
  assert.ok(share > 0.01, `the loop ran (${share.toFixed(3)} of a CPU)`);
  const stat = await readFile(containerFile(pod, "cpu.stat"), "utf8");
  assert.ok(Number(/^nr_throttled (\d+)$/m.exec(stat)?.[1]) > 0, `throttled by its quota:\n${stat}`);
  await c.admin("DELETE", `/api/v1/namespaces/${NS}/pods/spinner?gracePeriodSeconds=0`);
});

test("resourceFieldRef: env and downwardAPI volume values, node allocatable for unset limits", {
  skip,
}, async () => {
  const mountPath = path.join(c.scratch, "podinfo");
  await mkdir(mountPath, { recursive: true });
  await createPod(c, NS, {
    metadata: { name: "downward" },
    spec: {
      restartPolicy: "Never",
      containers: [
        {
          name: "app",
          image: "busybox",
          command: [
            "sh",
            "-c",
            `echo "mem=$MEM cpu=$CPU node=$NODE_CPU"; echo "file=$(cat ${mountPath}/mem) $(cat ${mountPath}/cpu)"`,
          ],
          resources: { requests: { cpu: "250m", memory: "16Mi" }, limits: { cpu: "1500m", memory: "64Mi" } },
          env: [
            { name: "MEM", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
            { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
            {
              name: "NODE_CPU",
              valueFrom: {
                resourceFieldRef: { containerName: "other", resource: "limits.cpu", divisor: "1m" },
              },
            },
          ],
          volumeMounts: [{ name: "podinfo", mountPath }],
        },
        { name: "other", image: "busybox", command: ["true"] },
      ],
      volumes: [
        {
          name: "podinfo",
          downwardAPI: {
            items: [
              {
                path: "mem",
                resourceFieldRef: { containerName: "app", resource: "requests.memory", divisor: "1Ki" },
              },
              {
                path: "cpu",
                resourceFieldRef: { containerName: "app", resource: "requests.cpu", divisor: "1m" },
              },
            ],
          },
        },
      ],
    },
  });
  await c.waitForPod(NS, "downward", (p) => p.status?.phase === "Succeeded", "succeeded", 30_000);
  const logs = await c.kubectl(["logs", "-n", NS, "downward", "-c", "app"]);
  const nodeCpu = JSON.parse((await c.kubectl(["get", "node", c.runtime.nodeName, "-o", "json"])).stdout)
    .status.allocatable.cpu;
  // 1500m rounds up to 2 cpus; the other container sets no limit: the node's allocatable, in millicores.
  assert.equal(logs.stdout, `mem=64 cpu=2 node=${Number(nodeCpu) * 1000}\nfile=16384 250\n`);
});

test("sandboxed containers (the incluster image) run in their cgroup and end OOMKilled past their limit", {
  skip: sandboxSkip,
}, async () => {
  const code = (source: string) => [
    { name: "NODE_OPTIONS", value: `--import=data:text/javascript,${encodeURIComponent(source)}` },
  ];
  const printCgroup = `console.log(process.getBuiltinModule("node:fs").readFileSync("/proc/self/cgroup", "utf8")); process.exit(0);`;
  const allocate = "const kept = []; for (;;) kept.push(Buffer.alloc(1 << 20, 1));";
  await createPod(c, NS, {
    metadata: { name: "boxed" },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      containers: [
        {
          name: "print",
          image: "ghcr.io/incluster/incluster",
          env: code(printCgroup),
          resources: { limits: { memory: "256Mi" } },
        },
        {
          name: "hungry",
          image: "ghcr.io/incluster/incluster",
          env: code(allocate),
          resources: { limits: { memory: "128Mi" } },
        },
      ],
    },
  });
  const pod = await c.waitForPod(
    NS,
    "boxed",
    (p) => [0, 1].every((i) => containerState(p, i)?.state?.terminated),
    "both containers ended",
    60_000,
  );
  assert.equal(containerState(pod, 0)?.state?.terminated?.reason, "Completed");
  const id = containerState(pod, 0)!.containerID!.replace("incluster://", "");
  const logs = await c.kubectl(["logs", "-n", NS, "boxed", "-c", "print"]);
  const memoryLine = logs.stdout
    .split("\n")
    .find((l) => (v2() ? l.startsWith("0::") : /^\d+:memory:/.test(l)));
  assert.ok(memoryLine?.endsWith(`/pod${pod.metadata!.uid}/${id}`), logs.stdout);
  const hungry = containerState(pod, 1)!.state!.terminated!;
  assert.equal(hungry.reason, "OOMKilled");
  assert.equal(hungry.exitCode, 137);
});

test("a deleted Pod's cgroups are removed; so are those of a runtime that died", { skip }, async () => {
  const pod = await c.waitForPod(NS, "limited", running, "running", 30_000);
  const dirs = podDirs(pod);
  assert.ok(dirs.every(existsSync), "the Pod's cgroups exist while it runs");
  const deleted = await c.admin("DELETE", `/api/v1/namespaces/${NS}/pods/limited?gracePeriodSeconds=0`);
  assert.equal(deleted.status, 200, deleted.text);
  await eventually(async () => dirs.every((d) => !existsSync(d)), 30_000, "the Pod's cgroups removed");

  // A runtime that died leaves its parent behind: the next start removes it (and what runs in it).
  const dead = spawn("true");
  await new Promise((resolve) => dead.once("exit", resolve));
  const leftover = parents.map((p) => path.join(path.dirname(p), `incluster-${dead.pid}-0badc0de`));
  for (const dir of leftover) await mkdir(path.join(dir, "burstable"), { recursive: true });
  const next = await detectCgroups();
  assert.ok(next.manager);
  try {
    assert.ok((await next.manager.removeLeftovers()) >= 1);
    for (const dir of leftover) assert.equal(existsSync(dir), false, `${dir} removed`);
    for (const parent of parents) assert.ok(existsSync(parent), "a live runtime's cgroups stay");
  } finally {
    await next.manager.removeAll();
  }
});
