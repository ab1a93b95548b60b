import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, test } from "node:test";
import {
  type CumulativeUsage,
  PodMetricsRouter,
  type UsageReader,
  UsageSampler,
  type UsageTarget,
} from "../../../src/kubelet/usage.ts";
import {
  childrenOf,
  type ProcStat,
  ProcUsageReader,
  parseMeminfoWorkingSet,
  parseProcStat,
  parseProcStatCpu,
  readProcesses,
  treeUsage,
} from "../../../src/kubelet/usage-proc.ts";

describe("/proc parsing", () => {
  test("stat fields are counted after the command's last parenthesis", () => {
    const line =
      "4242 (my (odd) cmd) S 17 4242 4242 0 -1 4194560 500 0 0 0 150 50 7 3 20 0 1 0 9000 10000000 2560 18446744073709551615";
    assert.deepEqual(parseProcStat(line), { pid: 4242, ppid: 17, ticks: 210, rssPages: 2560 });
    assert.equal(parseProcStat("garbage"), undefined);
    assert.equal(parseProcStat("12 (x) S"), undefined);
  });

  test("a tree's usage sums its live processes, and nothing outside it", () => {
    const procs = new Map<number, ProcStat>(
      [
        { pid: 10, ppid: 1, ticks: 100, rssPages: 10 },
        { pid: 11, ppid: 10, ticks: 50, rssPages: 20 },
        { pid: 12, ppid: 11, ticks: 25, rssPages: 30 },
        { pid: 20, ppid: 1, ticks: 999, rssPages: 999 },
      ].map((p) => [p.pid, p]),
    );
    const unit = { ticksPerSecond: 100, pageSize: 4096 };
    assert.deepEqual(treeUsage(procs, childrenOf(procs), 10, unit), {
      cpuNanoSeconds: 1.75e9,
      memoryBytes: 60 * 4096,
    });
    assert.deepEqual(treeUsage(procs, childrenOf(procs), 11, unit), {
      cpuNanoSeconds: 0.75e9,
      memoryBytes: 50 * 4096,
    });
    assert.equal(treeUsage(procs, childrenOf(procs), 99, unit), undefined);
  });

  test("node CPU leaves out idle and iowait; memory is MemTotal − MemAvailable", () => {
    const stat = "cpu  100 20 30 5000 40 5 6 7 8 9\ncpu0 50 10 15 2500 20 2 3 3 4 4\nintr 1\n";
    assert.equal(parseProcStatCpu(stat, { ticksPerSecond: 100, pageSize: 4096 }), 1.68e9);
    const meminfo = "MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    6000000 kB\n";
    assert.equal(parseMeminfoWorkingSet(meminfo), 10_000_000 * 1024);
    assert.equal(parseMeminfoWorkingSet("MemTotal: 1 kB\n"), undefined);
  });

  test("the host's /proc: a child's tree includes its own child, and the node has usage", async () => {
    const child = spawn("sh", ["-c", "sleep 30 & wait"], { stdio: "ignore" });
    try {
      const reader = new ProcUsageReader();
      let usage: CumulativeUsage | undefined;
      // The shell forks sleep right away; wait until the tree has both.
      for (let i = 0; i < 100 && !usage; i++) {
        const read = (await reader.containers([{ pid: child.pid! }])).get(child.pid!);
        const kids = childrenOf(await readProcesses());
        if (read && (kids.get(child.pid!)?.length ?? 0) > 0) usage = read;
        else await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(usage, "the shell and its sleep were read");
      assert.ok(usage.memoryBytes > 0);
      assert.ok(usage.cpuNanoSeconds >= 0);
      const node = await reader.node();
      assert.ok(node && node.cpuNanoSeconds > 0 && node.memoryBytes > 0);
    } finally {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
  });
});

/** A reader returning what the test sets, per root PID. */
class ScriptedReader implements UsageReader {
  values = new Map<number, CumulativeUsage>();
  nodeValue: CumulativeUsage | undefined;
  async containers(targets: readonly UsageTarget[]) {
    return new Map(
      targets.flatMap(({ pid }) => (this.values.has(pid) ? [[pid, this.values.get(pid)!] as const] : [])),
    );
  }
  async node() {
    return this.nodeValue;
  }
}

describe("UsageSampler", () => {
  const setup = () => {
    const reader = new ScriptedReader();
    const clock = { t: 1_000_000 };
    let running = [
      { uid: "u1", container: "a", pid: 100 },
      { uid: "u1", container: "b", pid: 200 },
    ];
    const sampler = new UsageSampler({ reader, running: () => running, now: () => clock.t });
    return { reader, clock, sampler, setRunning: (r: typeof running) => (running = r) };
  };

  test("usage is the CPU rate over the window between the last two samples and the last memory", async () => {
    const { reader, clock, sampler } = setup();
    reader.values.set(100, { cpuNanoSeconds: 1e9, memoryBytes: 1000 });
    reader.values.set(200, { cpuNanoSeconds: 0, memoryBytes: 50 });
    reader.nodeValue = { cpuNanoSeconds: 10e9, memoryBytes: 1 << 30 };
    await sampler.sample();
    assert.equal(sampler.podUsage("u1"), undefined, "one sample has no window");
    assert.equal(sampler.nodeUsage(), undefined);
    clock.t += 2000;
    reader.values.set(100, { cpuNanoSeconds: 2e9, memoryBytes: 3000 });
    reader.values.set(200, { cpuNanoSeconds: 0.1e9, memoryBytes: 60 });
    reader.nodeValue = { cpuNanoSeconds: 13e9, memoryBytes: 2 << 30 };
    await sampler.sample();
    assert.deepEqual(sampler.podUsage("u1"), {
      timestamp: new Date(clock.t),
      windowMs: 2000,
      containers: [
        { name: "a", usage: { cpuNanoCores: 500_000_000, memoryBytes: 3000 } },
        { name: "b", usage: { cpuNanoCores: 50_000_000, memoryBytes: 60 } },
      ],
    });
    assert.deepEqual(sampler.nodeUsage(), {
      timestamp: new Date(clock.t),
      windowMs: 2000,
      usage: { cpuNanoCores: 1_500_000_000, memoryBytes: 2 << 30 },
    });
  });

  test("a restarted container has no window until sampled twice, and its Pod is left out until then", async () => {
    const { reader, clock, sampler, setRunning } = setup();
    reader.values.set(100, { cpuNanoSeconds: 1e9, memoryBytes: 1 });
    reader.values.set(200, { cpuNanoSeconds: 1e9, memoryBytes: 1 });
    await sampler.sample();
    clock.t += 1000;
    await sampler.sample();
    assert.ok(sampler.podUsage("u1"));
    // b restarted as PID 300.
    setRunning([
      { uid: "u1", container: "a", pid: 100 },
      { uid: "u1", container: "b", pid: 300 },
    ]);
    reader.values.set(300, { cpuNanoSeconds: 0, memoryBytes: 1 });
    clock.t += 1000;
    await sampler.sample();
    assert.equal(sampler.podUsage("u1"), undefined);
    clock.t += 1000;
    await sampler.sample();
    assert.deepEqual(
      sampler.podUsage("u1")?.containers.map((c) => c.name),
      ["a", "b"],
    );
  });

  test("a container younger than one interval but at least 10 s old gets a window from its start", async () => {
    const reader = new ScriptedReader();
    const clock = { t: 1_000_000 };
    const running = [
      { uid: "u1", container: "fresh", pid: 100, startedAt: clock.t - 12_000 },
      { uid: "u2", container: "new", pid: 200, startedAt: clock.t - 5_000 },
    ];
    const sampler = new UsageSampler({
      reader,
      running: () => running,
      now: () => clock.t,
      intervalMs: 15_000,
    });
    reader.values.set(100, { cpuNanoSeconds: 6e9, memoryBytes: 7 });
    reader.values.set(200, { cpuNanoSeconds: 1e9, memoryBytes: 7 });
    await sampler.sample();
    assert.deepEqual(sampler.podUsage("u1"), {
      timestamp: new Date(clock.t),
      windowMs: 12_000,
      containers: [{ name: "fresh", usage: { cpuNanoCores: 500_000_000, memoryBytes: 7 } }],
    });
    assert.equal(sampler.podUsage("u2"), undefined, "younger than 10 s: too short a window");
  });

  test("a falling process-tree counter reads as no CPU, not a negative rate", async () => {
    const { reader, clock, sampler } = setup();
    reader.values.set(100, { cpuNanoSeconds: 5e9, memoryBytes: 1 });
    reader.values.set(200, { cpuNanoSeconds: 0, memoryBytes: 1 });
    await sampler.sample();
    clock.t += 1000;
    reader.values.set(100, { cpuNanoSeconds: 4e9, memoryBytes: 1 });
    await sampler.sample();
    assert.equal(sampler.podUsage("u1")?.containers[0]?.usage.cpuNanoCores, 0);
  });

  test("the router asks the sampler of the Pod's node; an unregistered node has no usage", async () => {
    const { reader, clock, sampler } = setup();
    reader.values.set(100, { cpuNanoSeconds: 0, memoryBytes: 1 });
    reader.values.set(200, { cpuNanoSeconds: 0, memoryBytes: 1 });
    reader.nodeValue = { cpuNanoSeconds: 0, memoryBytes: 1 };
    await sampler.sample();
    clock.t += 1000;
    await sampler.sample();
    const router = new PodMetricsRouter();
    const stop = router.register("n1", sampler);
    assert.ok(router.pod({ node: "n1", namespace: "ns", name: "p", uid: "u1" }));
    assert.equal(router.pod({ node: "n2", namespace: "ns", name: "p", uid: "u1" }), undefined);
    assert.equal(router.pod({ node: "n1", namespace: "ns", name: "p", uid: "other" }), undefined);
    assert.ok(router.node("n1"));
    stop();
    assert.equal(router.node("n1"), undefined);
  });
});
