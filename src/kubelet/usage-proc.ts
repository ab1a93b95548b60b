// Cumulative CPU time and working set from /proc, for hosts (or containers) without per-container cgroup
// statistics: a container's usage is that of its process tree, the node's that of the whole host. What
// cAdvisor reads from cgroups for the kubelet's /metrics/resource, approximated from processes:
//   - CPU: utime + stime of every live process in the tree, plus cutime + cstime (children that exited and
//     were waited for inside the tree), in clock ticks (proc(5), /proc/PID/stat);
//   - memory: the tree's resident set (RSS); cgroups count page cache too, processes cannot;
//   - node CPU: /proc/stat's "cpu" line without idle and iowait; node memory: MemTotal − MemAvailable
//     (the working set the kubelet's eviction manager derives for the root cgroup).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import type { CumulativeUsage, UsageReader, UsageTarget } from "./usage.ts";

/** getconf VAR as a number, else the value every mainstream Linux architecture has. */
function sysconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync("getconf", [name], { encoding: "utf8", timeout: 5000 }).trim());
    return Number.isInteger(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

let units: { ticksPerSecond: number; pageSize: number } | undefined;
/** USER_HZ and the page size, asked once. */
function procUnits(): { ticksPerSecond: number; pageSize: number } {
  units ??= { ticksPerSecond: sysconf("CLK_TCK", 100), pageSize: sysconf("PAGESIZE", 4096) };
  return units;
}

/** One process as /proc/PID/stat describes it (times in clock ticks, rss in pages). */
export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime. */
  ticks: number;
  rssPages: number;
}

/** Parses /proc/PID/stat; the command name (field 2) may contain spaces and parentheses, so fields are
 * counted after its last ")". */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  const pid = Number.parseInt(text, 10);
  const f = text
    .slice(close + 2)
    .trim()
    .split(" ");
  // f[0] is field 3 (state): field N is f[N - 3].
  const num = (field: number) => Number(f[field - 3]);
  const values = [num(4), num(14), num(15), num(16), num(17), num(24)];
  if (!Number.isInteger(pid) || values.some((v) => !Number.isFinite(v))) return undefined;
  const [ppid, utime, stime, cutime, cstime, rss] = values as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { pid, ppid, ticks: utime + stime + cutime + cstime, rssPages: Math.max(rss, 0) };
}

/** How many stat files are read between two turns of the event loop. */
const BATCH = 64;

/**
 * Every process of the host (of this PID namespace), read at one moment. Synchronous reads of these small
 * files cost a twentieth of asynchronous ones (one thread-pool round trip per open, read and close: 140 ms
 * against 6 ms for 150 processes on a loaded 2-core host); batches keep the event loop turning.
 */
export async function readProcesses(procDir = "/proc"): Promise<Map<number, ProcStat>> {
  const names = (await readdir(procDir)).filter((n) => /^\d+$/.test(n));
  const out = new Map<number, ProcStat>();
  for (let i = 0; i < names.length; i++) {
    if (i > 0 && i % BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
    let text: string;
    try {
      text = readFileSync(`${procDir}/${names[i]}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    const stat = parseProcStat(text);
    if (stat) out.set(stat.pid, stat);
  }
  return out;
}

/** The usage of the tree rooted at `root` (undefined when the root is gone). */
export function treeUsage(
  processes: ReadonlyMap<number, ProcStat>,
  children: ReadonlyMap<number, number[]>,
  root: number,
  unit = procUnits(),
): CumulativeUsage | undefined {
  if (!processes.has(root)) return undefined;
  let ticks = 0;
  let pages = 0;
  const pending = [root];
  const seen = new Set<number>();
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    const p = processes.get(pid);
    if (!p || seen.has(pid)) continue;
    seen.add(pid);
    ticks += p.ticks;
    pages += p.rssPages;
    pending.push(...(children.get(pid) ?? []));
  }
  return { cpuNanoSeconds: (ticks * 1e9) / unit.ticksPerSecond, memoryBytes: pages * unit.pageSize };
}

export function childrenOf(processes: ReadonlyMap<number, ProcStat>): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const p of processes.values()) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  return children;
}

/** Busy CPU time of the host from /proc/stat's first line, in nanoseconds. */
export function parseProcStatCpu(text: string, unit = procUnits()): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is already part of user and nice).
  const [user, nice, system, , , irq, softirq, steal] = line
    .slice(4)
    .trim()
    .split(/\s+/)
    .map((v) => Number(v) || 0);
  const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
  return (busy * 1e9) / unit.ticksPerSecond;
}

/** MemTotal − MemAvailable from /proc/meminfo, in bytes. */
export function parseMeminfoWorkingSet(text: string): number | undefined {
  const kib = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB$`, "m").exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const total = kib("MemTotal");
  const available = kib("MemAvailable");
  if (total === undefined || available === undefined) return undefined;
  return Math.max(total - available, 0) * 1024;
}

/** The UsageReader of containers without a cgroup, and of the node. */
export class ProcUsageReader implements UsageReader {
  readonly #procDir: string;

  constructor(procDir = "/proc") {
    this.#procDir = procDir;
  }

  async containers(targets: readonly UsageTarget[]): Promise<Map<number, CumulativeUsage>> {
    const processes = await readProcesses(this.#procDir);
    const children = childrenOf(processes);
    const out = new Map<number, CumulativeUsage>();
    for (const { pid: root } of targets) {
      const usage = treeUsage(processes, children, root);
      if (usage) out.set(root, usage);
    }
    return out;
  }

  async node(): Promise<CumulativeUsage | undefined> {
    const [stat, meminfo] = await Promise.all([
      readFile(`${this.#procDir}/stat`, "utf8"),
      readFile(`${this.#procDir}/meminfo`, "utf8"),
    ]);
    const cpu = parseProcStatCpu(stat);
    const memory = parseMeminfoWorkingSet(meminfo);
    if (cpu === undefined || memory === undefined) return undefined;
    return { cpuNanoSeconds: cpu, memoryBytes: memory };
  }
}
