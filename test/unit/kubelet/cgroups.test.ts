// The kubelet's cgroup conversions against upstream's test tables (pkg/kubelet/cm/helpers_linux_test.go),
// the runc/crun shares→weight conversion, Pod/container resource configs, the files each cgroup version
// gets, and the Downward API's resourceFieldRef values (pkg/api/v1/resource/helpers_test.go cases).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import { CgroupManager, detectCgroups, settings } from "../../../src/kubelet/cgroups.ts";
import { placeContainer } from "../../../src/kubelet/cgroups-pod.ts";
import {
  containerResourceConfig,
  cpuSharesToWeight,
  MAX_SHARES,
  MIN_SHARES,
  milliCPUToQuota,
  milliCPUToShares,
  podResourceConfig,
} from "../../../src/kubelet/cgroups-resources.ts";
import { resourceFieldValue } from "../../../src/kubelet/downward.ts";
import { podConditions, RESOURCES_CONDITION } from "../../../src/kubelet/pod-status.ts";

test("MilliCPUToQuota: upstream's TestMilliCPUToQuota table", () => {
  const cases: [input: number, quota: number, period: number][] = [
    [0, 0, 0],
    [5, 1000, 100000],
    [9, 1000, 100000],
    [10, 1000, 100000],
    [200, 20000, 100000],
    [500, 50000, 100000],
    [1000, 100000, 100000],
    [1500, 150000, 100000],
  ];
  for (const [input, quota, period] of cases)
    assert.equal(milliCPUToQuota(input, period), quota, `milliCPU ${input}`);
});

test("MilliCPUToShares: upstream's TestMilliCPUToShares table", () => {
  const cases: [input: number, shares: number][] = [
    [0, MIN_SHARES],
    [1, MIN_SHARES],
    [2, MIN_SHARES],
    [3, 3],
    [100, 102],
    [500, 512],
    [1000, 1024],
    [255999, Math.trunc((255999 * 1024) / 1000)],
    [256000, MAX_SHARES],
    [256001, MAX_SHARES],
    [1000000, MAX_SHARES],
    [-1, MIN_SHARES],
    [-1000000, MIN_SHARES],
  ];
  for (const [input, shares] of cases) assert.equal(milliCPUToShares(input), shares, `milliCPU ${input}`);
});

test("cpu.shares → cpu.weight: the runc/crun quadratic through min, default and max", () => {
  // opencontainers/cgroups utils_test.go TestConvertCPUSharesToCgroupV2Value (min, default, max, around them).
  const cases: [shares: number, weight: number][] = [
    [0, 0],
    [1, 1],
    [2, 1],
    [3, 2],
    [1024, 100],
    [262143, 10000],
    [262144, 10000],
    [262145, 10000],
  ];
  for (const [shares, weight] of cases) assert.equal(cpuSharesToWeight(shares), weight, `shares ${shares}`);
});

const container = (name: string, requests?: Record<string, string>, limits?: Record<string, string>) =>
  ({ name, resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } }) as Container;
const podOf = (containers: Container[], initContainers: Container[] = []): Pod => ({
  metadata: { uid: "u1" },
  spec: { containers, initContainers },
});

test("a container's cgroup: shares from its request (else its limit), quota and memory from its limits", () => {
  assert.deepEqual(
    containerResourceConfig(container("a", { cpu: "250m" }, { cpu: "500m", memory: "64Mi" })),
    {
      cpuShares: 256,
      cpuQuota: 50000,
      cpuPeriod: 100000,
      memory: 67108864n,
    },
  );
  assert.deepEqual(containerResourceConfig(container("b", undefined, { cpu: "2" })), {
    cpuShares: 2048,
    cpuQuota: 200000,
    cpuPeriod: 100000,
  });
  assert.deepEqual(containerResourceConfig(container("c")), { cpuShares: MIN_SHARES });
});

test("ResourceConfigForPod: upstream's cases (guaranteed, burstable with and without all limits, besteffort)", () => {
  // TestResourceConfigForPod: 100m/100Mi guaranteed; burstable with partial limits gets shares only.
  const guaranteed = podOf([
    container("a", { cpu: "100m", memory: "100Mi" }, { cpu: "100m", memory: "100Mi" }),
  ]);
  assert.deepEqual(podResourceConfig(guaranteed, "Guaranteed"), {
    cpuShares: 102,
    cpuQuota: 10000,
    cpuPeriod: 100000,
    memory: 104857600n,
  });
  const partial = podOf([
    container("a", { cpu: "100m", memory: "100Mi" }, { cpu: "200m", memory: "200Mi" }),
    container("b", { cpu: "100m", memory: "100Mi" }),
  ]);
  assert.deepEqual(podResourceConfig(partial, "Burstable"), { cpuShares: 204 });
  const bounded = podOf([
    container("a", { cpu: "100m", memory: "100Mi" }, { cpu: "200m", memory: "200Mi" }),
    container("b", { cpu: "100m", memory: "100Mi" }, { cpu: "200m", memory: "200Mi" }),
  ]);
  assert.deepEqual(podResourceConfig(bounded, "Burstable", 1024), {
    pids: 1024,
    cpuShares: 204,
    cpuQuota: 40000,
    cpuPeriod: 100000,
    memory: 419430400n,
  });
  assert.deepEqual(podResourceConfig(podOf([container("a")]), "BestEffort"), { cpuShares: MIN_SHARES });
  // An init container larger than the sum of the containers sets the Pod's size (PodLimits).
  const withInit = podOf(
    [container("a", undefined, { cpu: "100m", memory: "10Mi" })],
    [container("i", undefined, { cpu: "1", memory: "1Gi" })],
  );
  assert.equal(podResourceConfig(withInit, "Burstable").memory, 1073741824n);
  assert.equal(podResourceConfig(withInit, "Burstable").cpuQuota, 100000);
});

test("each cgroup version gets its own files, in the order the kernel accepts", () => {
  const config = { cpuShares: 1024, cpuQuota: 50000, cpuPeriod: 100000, memory: 1048576n, pids: 64 };
  assert.deepEqual(settings(1, config), [
    ["cpu", "cpu.shares", "1024"],
    ["cpu", "cpu.cfs_period_us", "100000"],
    ["cpu", "cpu.cfs_quota_us", "50000"],
    ["memory", "memory.limit_in_bytes", "1048576"],
    ["memory", "memory.memsw.limit_in_bytes", "1048576"],
    ["pids", "pids.max", "64"],
  ]);
  assert.deepEqual(settings(2, config), [
    ["cpu", "cpu.weight", "100"],
    ["cpu", "cpu.max", "50000 100000"],
    ["memory", "memory.max", "1048576"],
    ["memory", "memory.swap.max", "0"],
    ["pids", "pids.max", "64"],
  ]);
  assert.deepEqual(settings(2, { cpuShares: 2 }), [["cpu", "cpu.weight", "1"]]);
});

test("Pods sit below their QoS class's cgroup as the kubelet names them", () => {
  assert.equal(CgroupManager.podPath("u1", "Guaranteed"), "podu1");
  assert.equal(CgroupManager.podPath("u1", "Burstable"), "burstable/podu1");
  assert.equal(CgroupManager.podPath("u1", "BestEffort"), "besteffort/podu1");
});

test("resourceFieldRef: divisor, rounding up, and limits defaulting to the node's allocatable", () => {
  const app = container("app", { cpu: "250m", memory: "32Mi" }, { cpu: "1500m", memory: "64Mi" });
  const bare = container("bare");
  const pod = podOf([app, bare]);
  const allocatable = { cpu: "2", memory: "4Gi", "ephemeral-storage": "0" };
  const value = (c: Container | undefined, resource: string, divisor?: string, containerName?: string) =>
    resourceFieldValue(
      pod,
      c,
      { resource, ...(divisor ? { divisor } : {}), ...(containerName ? { containerName } : {}) },
      allocatable,
    );
  assert.equal(value(app, "limits.cpu"), "2", "1.5 cpu rounds up");
  assert.equal(value(app, "limits.cpu", "1m"), "1500");
  assert.equal(value(app, "requests.cpu", "1m"), "250");
  assert.equal(value(app, "requests.cpu", "0"), "1", "a zero divisor means 1");
  assert.equal(value(app, "limits.memory"), "67108864");
  assert.equal(value(app, "limits.memory", "1Mi"), "64");
  assert.equal(value(app, "requests.memory", "1Gi"), "1");
  assert.equal(value(bare, "limits.cpu"), "2", "no limit: the node's allocatable");
  assert.equal(value(bare, "limits.memory", "1Mi"), "4096");
  assert.equal(value(bare, "requests.cpu"), "0", "requests never default");
  assert.equal(value(undefined, "limits.cpu", "1m", "app"), "1500", "containerName picks the container");
  assert.equal(value(app, "limits.hugepages-2Mi"), "0");
  const missing = value(undefined, "limits.cpu", undefined, "nope");
  assert.ok(missing instanceof Error);
  assert.equal(missing.message, "container nope not found");
  const unsupported = value(app, "limits.gpu");
  assert.ok(unsupported instanceof Error);
  assert.equal(unsupported.message, "unsupported container resource : limits.gpu");
});

test("without usable cgroups a container's limits are reported, not silently dropped", async () => {
  const pod = podOf([container("app", { cpu: "100m" }, { memory: "64Mi" }), container("plain")]);
  const reason = { detail: "not running as root" };
  const limited = await placeContainer(reason, pod, pod.spec!.containers[0], "incluster://abc");
  assert.deepEqual(limited, {
    ok: true,
    notApplied: [
      "limits.memory, requests.cpu (this node has no usable cgroups; see the runtime's start-up log)",
    ],
  });
  const plain = await placeContainer(reason, pod, pod.spec!.containers[1], "incluster://def");
  assert.deepEqual(plain, { ok: true, notApplied: [] });
  const conditions = podConditions({
    pod,
    phase: "Running",
    sandboxReady: true,
    initStatuses: [],
    statuses: [],
    now: new Date("2026-01-01T00:00:00Z"),
    resourcesNotApplied: new Map([
      ["app", limited.ok ? limited.notApplied : []],
      ["plain", []],
    ]),
  });
  assert.deepEqual(
    conditions.find((c) => c.type === RESOURCES_CONDITION),
    {
      type: "incluster.dev/ResourcesApplied",
      status: "False",
      reason: "NotSupportedByRuntime",
      message:
        "container app: limits.memory, requests.cpu (this node has no usable cgroups; see the runtime's start-up log)",
      lastTransitionTime: "2026-01-01T00:00:00Z",
    },
  );
});

test("cgroup v2: controllers delegated down the runtime's tree, v2 files, OOM kills from memory.events", async () => {
  // A stand-in cgroup2 mount (regular files accept what the kernel's would); the runtime's own cgroup
  // cannot delegate (it does not exist here), so the parent goes below the root, as on a host whose
  // session cgroup holds processes.
  const dir = await mkdtemp(path.join(os.tmpdir(), "incluster-cgroup2-"));
  try {
    const mount = path.join(dir, "cgroup");
    await mkdir(path.join(dir, "proc/self"), { recursive: true });
    await mkdir(mount);
    await writeFile(path.join(mount, "cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
    await writeFile(
      path.join(dir, "proc/self/mountinfo"),
      `31 23 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n41 31 0:38 / ${mount} rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n`,
    );
    await writeFile(path.join(dir, "proc/self/cgroup"), "0::/user.slice/session-1.scope\n");
    const found = await detectCgroups({ procRoot: path.join(dir, "proc") });
    assert.ok(found.manager, found.detail);
    assert.equal(found.manager.version, 2);
    const [parent] = found.manager.parents;
    assert.equal(path.dirname(parent), mount);
    assert.match(path.basename(parent), /^incluster-\d+-[0-9a-f]{8}$/);
    const read = (p: string) => readFile(path.join(parent, p), "utf8");
    assert.equal(await readFile(path.join(mount, "cgroup.subtree_control"), "utf8"), "+memory +cpu +pids");
    assert.equal(await read("cgroup.subtree_control"), "+memory +cpu +pids");
    assert.equal(
      await read("cpu.weight"),
      String(cpuSharesToWeight(milliCPUToShares(os.availableParallelism() * 1000))),
    );

    const pod = podOf([container("app", { cpu: "250m" }, { cpu: "500m", memory: "64Mi" })]);
    await assert.rejects(found.manager.ensurePod("../../etc", "Burstable", {}), /cannot name a cgroup/);
    await found.manager.ensurePod("u1", "Burstable", podResourceConfig(pod, "Burstable", 100));
    assert.equal(await read("burstable/cgroup.subtree_control"), "+memory +cpu +pids");
    assert.equal(await read("burstable/podu1/cgroup.subtree_control"), "+memory +cpu +pids");
    assert.equal(await read("burstable/podu1/memory.max"), "67108864");
    assert.equal(await read("burstable/podu1/pids.max"), "100");
    await writeFile(path.join(parent, "burstable/podu1/memory.swap.max"), "max"); // swap accounting on
    const cgroup = await found.manager.createContainer(
      "u1",
      "c0ffee",
      containerResourceConfig(pod.spec!.containers[0]),
    );
    assert.equal(await read("burstable/podu1/c0ffee/cpu.weight"), String(cpuSharesToWeight(256)));
    assert.equal(await read("burstable/podu1/c0ffee/cpu.max"), "50000 100000");
    assert.equal(await read("burstable/podu1/c0ffee/memory.max"), "67108864");
    assert.equal(
      existsSync(path.join(parent, "burstable/podu1/c0ffee/memory.swap.max")),
      false,
      "no swap file: nothing written",
    );
    assert.deepEqual(cgroup.joinArgv(["sleep", "1"]).slice(-4), [
      path.join(parent, "burstable/podu1/c0ffee/cgroup.procs"),
      "--",
      "sleep",
      "1",
    ]);
    const events = path.join(parent, "burstable/podu1/c0ffee/memory.events");
    await writeFile(events, "low 0\nhigh 0\nmax 12\noom 1\noom_kill 0\noom_group_kill 0\n");
    assert.equal(await cgroup.oomKilled(), false);
    await writeFile(events, "low 0\nhigh 0\nmax 40\noom 1\noom_kill 1\noom_group_kill 0\n");
    assert.equal(await cgroup.oomKilled(), true);
    await writeFile(
      path.join(parent, "burstable/podu1/c0ffee/cpu.stat"),
      "usage_usec 1500\nuser_usec 1000\n",
    );
    await writeFile(path.join(parent, "burstable/podu1/c0ffee/memory.current"), "4096\n");
    assert.deepEqual(await cgroup.usage(), { cpuNanoSeconds: 1500000, memoryBytes: 4096 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
