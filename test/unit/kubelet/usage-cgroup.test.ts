// Usage from cgroup statistics on fake cgroup trees (v1 and v2): cAdvisor's CPU counter and working set
// (usage − inactive file cache, clamped at 0), the reader's fallback to /proc trees for containers without
// a cgroup, the sampler's default, and the QoS classes' CPU weights as Pods come and go.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { CgroupManager, ContainerCgroup } from "../../../src/kubelet/cgroups.ts";
import { placeContainer } from "../../../src/kubelet/cgroups-pod.ts";
import { cpuSharesToWeight, podCPURequestMilli } from "../../../src/kubelet/cgroups-resources.ts";
import { type CumulativeUsage, type UsageReader, UsageSampler } from "../../../src/kubelet/usage.ts";
import { CgroupUsageReader, workingSet } from "../../../src/kubelet/usage-cgroup.ts";

const MiB = 1024 * 1024;

async function withTree(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "incluster-usage-cgroup-"));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function files(dir: string, contents: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(contents)) await writeFile(path.join(dir, name), text);
}

describe("working set (cAdvisor's setMemoryStats)", () => {
  const v1Stat = "cache 9000\nrss 100\ninactive_file 5\ntotal_cache 9000\ntotal_inactive_file 3000\n";
  test("v1 subtracts the hierarchical total_inactive_file, not the cgroup-local inactive_file", () => {
    assert.equal(workingSet(10_000n, v1Stat, 1), 7000n);
  });
  test("v2 subtracts inactive_file", () => {
    assert.equal(
      workingSet(10_000n, "anon 4000\nfile 6000\nactive_file 1000\ninactive_file 5000\n", 2),
      5000n,
    );
  });
  test("a cache larger than the usage (racy reads) clamps at 0; without the key the usage stays", () => {
    assert.equal(workingSet(100n, "inactive_file 5000\n", 2), 0n);
    assert.equal(workingSet(100n, "anon 100\n", 2), 100n);
    assert.equal(workingSet(100n, "inactive_file 5000\n", 1), 100n, "v1 reads total_inactive_file only");
  });
});

describe("ContainerCgroup.usage", () => {
  test("cgroup v2: cpu.stat usage_usec and memory.current − inactive_file", () =>
    withTree(async (dir) => {
      await files(dir, {
        "cpu.stat": "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n",
        "memory.current": String(200 * MiB),
        "memory.stat": `anon ${70 * MiB}\nfile ${130 * MiB}\nactive_file ${10 * MiB}\ninactive_file ${120 * MiB}\n`,
      });
      const cgroup = new ContainerCgroup(2, [{ controllers: new Set(["cpu", "memory", "pids"]), dir }]);
      assert.deepEqual(await cgroup.usage(), { cpuNanoSeconds: 2.5e9, memoryBytes: 80 * MiB });
    }));

  test("cgroup v1: cpuacct.usage and memory.usage_in_bytes − total_inactive_file, each in its hierarchy", () =>
    withTree(async (dir) => {
      const cpu = path.join(dir, "cpu,cpuacct/x");
      const memory = path.join(dir, "memory/x");
      await files(cpu, { "cpuacct.usage": "123456789\n" });
      await files(memory, {
        "memory.usage_in_bytes": `${100 * MiB}\n`,
        "memory.stat": `cache ${60 * MiB}\ninactive_file 1\ntotal_inactive_file ${40 * MiB}\n`,
      });
      const cgroup = new ContainerCgroup(1, [
        { controllers: new Set(["cpu", "cpuacct"]), dir: cpu },
        { controllers: new Set(["memory"]), dir: memory },
      ]);
      assert.deepEqual(await cgroup.usage(), { cpuNanoSeconds: 123456789, memoryBytes: 60 * MiB });
    }));

  test("a removed cgroup has no usage", () =>
    withTree(async (dir) => {
      const cgroup = new ContainerCgroup(2, [
        { controllers: new Set(["cpu", "memory"]), dir: path.join(dir, "gone") },
      ]);
      assert.equal(await cgroup.usage(), undefined);
    }));
});

class ScriptedReader implements UsageReader {
  asked: number[] = [];
  async containers(targets: readonly { pid: number }[]) {
    this.asked.push(...targets.map((t) => t.pid));
    return new Map(targets.map((t) => [t.pid, { cpuNanoSeconds: t.pid, memoryBytes: t.pid }] as const));
  }
  async node() {
    return { cpuNanoSeconds: 1, memoryBytes: 2 };
  }
}
const source = (usage: CumulativeUsage | undefined | Error) => ({
  usage: async () => {
    if (usage instanceof Error) throw usage;
    return usage;
  },
});

describe("CgroupUsageReader", () => {
  test("containers with a cgroup are read from it, the others (and the node) through the fallback", async () => {
    const fallback = new ScriptedReader();
    const reader = new CgroupUsageReader(fallback);
    const read = await reader.containers([
      { pid: 10, cgroup: source({ cpuNanoSeconds: 5e9, memoryBytes: 64 * MiB }) },
      { pid: 20 },
      { pid: 30, cgroup: source(undefined) },
      { pid: 40, cgroup: source(new Error("EACCES")) },
    ]);
    assert.deepEqual(
      [...read].sort(([a], [b]) => a - b),
      [
        [10, { cpuNanoSeconds: 5e9, memoryBytes: 64 * MiB }],
        [20, { cpuNanoSeconds: 20, memoryBytes: 20 }],
      ],
    );
    assert.deepEqual(fallback.asked, [20], "a cgroup that cannot be read is not mixed with /proc");
    assert.deepEqual(await reader.node(), { cpuNanoSeconds: 1, memoryBytes: 2 });
  });

  test("the sampler reads a container's cgroup by default", async () => {
    const clock = { t: 1_000_000 };
    let cpu = 0;
    const cgroup = { usage: async () => ({ cpuNanoSeconds: cpu, memoryBytes: 64 * MiB }) };
    // PID 2^22 + 1 exceeds pid_max: /proc could not have read this container.
    const sampler = new UsageSampler({
      running: () => [{ uid: "u1", container: "app", pid: 4194305, cgroup }],
      now: () => clock.t,
    });
    await sampler.sample();
    clock.t += 2000;
    cpu = 1e9;
    await sampler.sample();
    assert.deepEqual(sampler.podUsage("u1")?.containers, [
      { name: "app", usage: { cpuNanoCores: 500_000_000, memoryBytes: 64 * MiB } },
    ]);
  });
});

const pod = (uid: string, qosClass: string, cpu?: string, initCpu?: string): Pod => ({
  metadata: { uid },
  spec: {
    containers: [{ name: "app", image: "x", resources: cpu ? { requests: { cpu } } : {} }],
    ...(initCpu
      ? { initContainers: [{ name: "init", image: "x", resources: { requests: { cpu: initCpu } } }] }
      : {}),
  },
  status: { qosClass: qosClass as "Burstable" },
});

test("PodRequests' cpu: containers summed, an init container's larger request wins", () => {
  assert.equal(podCPURequestMilli(pod("u", "Burstable", "250m")), 250);
  assert.equal(podCPURequestMilli(pod("u", "Burstable", "250m", "1")), 1000);
  assert.equal(podCPURequestMilli(pod("u", "BestEffort")), 0);
});

for (const version of [1, 2] as const) {
  test(`QoS CPU weights on cgroup v${version}: burstable = its Pods' summed requests, besteffort = 2`, () =>
    withTree(async (dir) => {
      const parent = path.join(dir, "incluster-1-00000000");
      await mkdir(parent);
      const controllers = new Set(version === 2 ? ["cpu", "memory", "pids"] : ["cpu", "cpuacct"]);
      const manager = new CgroupManager(version, [{ controllers, parent }]);
      const file = version === 2 ? "cpu.weight" : "cpu.shares";
      const weight = (qos: string) => readFile(path.join(parent, qos, file), "utf8").then(Number);
      const expect = (shares: number) => (version === 2 ? cpuSharesToWeight(shares) : shares);

      await manager.configureParent();
      assert.equal(await weight("burstable"), expect(2), "no burstable Pod: the minimum");
      assert.equal(await weight("besteffort"), expect(2));

      const cgroups = { manager, detail: "fake" };
      const place = (p: Pod, id: string) =>
        placeContainer(cgroups, p, p.spec!.containers[0], `incluster://${id}`);
      const a = pod("ua", "Burstable", "250m");
      const b = pod("ub", "Burstable", "500m", "1");
      assert.ok((await place(a, "a1")).ok);
      assert.equal(await weight("burstable"), expect(256));
      assert.ok((await place(b, "b1")).ok);
      assert.ok((await place(a, "a2")).ok, "a second container of the same Pod adds nothing");
      assert.equal(await weight("burstable"), expect(1280), "250m + 1 (the init container's request)");
      assert.ok((await place(pod("ue", "BestEffort"), "e2")).ok);
      const g = await place(pod("ug", "Guaranteed", "2"), "f1");
      assert.ok(g.ok, JSON.stringify(g));
      assert.equal(await weight("burstable"), expect(1280), "other classes do not count");
      assert.equal(await weight("besteffort"), expect(2));

      // cgroupfs removes a cgroup's files with it; a plain directory needs them gone first.
      const removePod = async (uid: string) => {
        await rm(path.join(parent, "burstable", `pod${uid}`), { recursive: true });
        await manager.removePod(uid);
      };
      await removePod("ub");
      assert.equal(await weight("burstable"), expect(256));
      await removePod("ua");
      assert.equal(await weight("burstable"), expect(2));
    }));
}
