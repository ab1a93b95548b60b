// Container usage from cgroup statistics, the numbers cAdvisor gives the kubelet's /metrics/resource and so
// metrics-server (google/cadvisor container/libcontainer/handler.go setCpuStats, setMemoryStats):
//   - CPU: the cgroup's cumulative usage (cpuacct.usage on v1, cpu.stat usage_usec on v2);
//   - memory working set: usage − inactive file cache (v1 memory.usage_in_bytes − memory.stat
//     total_inactive_file, v2 memory.current − memory.stat inactive_file), 0 when the cache is larger, the
//     whole usage when memory.stat lacks the key.
// Containers without a cgroup (a host without usable cgroups) are read by the fallback (/proc trees).
// The node's usage stays the fallback's (the whole host, as the kubelet's node figure is the root cgroup's,
// not kubepods'): this runtime's parent cgroup holds only its Pods.
import type { CumulativeUsage, UsageReader, UsageTarget } from "./usage.ts";

/** A container cgroup's cumulative counters (ContainerCgroup implements it). */
export interface CgroupUsageSource {
  usage(): Promise<CumulativeUsage | undefined>;
}

/** How many containers are read between two turns of the event loop. */
const BATCH = 32;

/** The memory.stat key cAdvisor subtracts, per cgroup version. */
export const inactiveFileKey = (version: 1 | 2) => (version === 2 ? "inactive_file" : "total_inactive_file");

/** One numeric key of a memory.stat (or cpu.stat) file: "key value" lines. */
export function statValue(text: string, key: string): bigint | undefined {
  const m = new RegExp(`^${key} (\\d+)$`, "m").exec(text);
  return m ? BigInt(m[1]) : undefined;
}

/** cAdvisor's working set: usage less the inactive file cache, clamped at 0. */
export function workingSet(usage: bigint, memoryStat: string, version: 1 | 2): bigint {
  const inactive = statValue(memoryStat, inactiveFileKey(version));
  if (inactive === undefined) return usage;
  return usage < inactive ? 0n : usage - inactive;
}

/** Reads containers with a cgroup from it and those without through `fallback`, and the node through it. */
export class CgroupUsageReader implements UsageReader {
  readonly #fallback: UsageReader;

  constructor(fallback: UsageReader) {
    this.#fallback = fallback;
  }

  async containers(targets: readonly UsageTarget[]): Promise<Map<number, CumulativeUsage>> {
    const withoutCgroup = targets.filter((t) => !t.cgroup);
    const out =
      withoutCgroup.length > 0
        ? await this.#fallback.containers(withoutCgroup)
        : new Map<number, CumulativeUsage>();
    let read = 0;
    for (const { pid, cgroup } of targets) {
      if (!cgroup) continue;
      // ContainerCgroup reads synchronously: batches keep the event loop turning.
      if (++read % BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
      // A cgroup that cannot be read (its container just ended) has no sample: never mix in the process
      // tree's counters, whose CPU time would not continue the cgroup's.
      const usage = await cgroup.usage().catch(() => undefined);
      if (usage) out.set(pid, usage);
    }
    return out;
  }

  node(): Promise<CumulativeUsage | undefined> {
    return this.#fallback.node();
  }
}
