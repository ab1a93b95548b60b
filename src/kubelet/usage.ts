// Resource usage of the runtime's containers and node, as metrics-server serves it (kubernetes-sigs/
// metrics-server pkg/storage/{pod,node,types}.go): every interval the runtime samples cumulative CPU time
// and the memory working set; usage is the CPU rate between the last two samples (nanocores) and the
// memory of the last one, reported with the last sample's time and the window between the two. A
// container whose process changed between samples (a restart) has no window yet, and a Pod is reported
// only when every running container has one, as metrics-server's storage does.
// Where numbers come from is a UsageReader: by default usage-cgroup.ts reads a container's cgroup (as
// cAdvisor does) and usage-proc.ts the process trees of containers without one, and the node.

import type {
  MetricsSource,
  NodeUsage,
  PodRef,
  PodUsage,
  ResourceUsage,
  UsageWindow,
} from "../meta/usage.ts";
import type { CgroupUsageSource } from "./usage-cgroup.ts";
import { CgroupUsageReader } from "./usage-cgroup.ts";
import { ProcUsageReader } from "./usage-proc.ts";

/** Counters at one moment: CPU time used since the process (or host) started, and the working set. */
export interface CumulativeUsage {
  cpuNanoSeconds: number;
  memoryBytes: number;
}

/** A container to read: the root of its process tree and, when it has one, its cgroup. */
export interface UsageTarget {
  pid: number;
  cgroup?: CgroupUsageSource;
}

/** Reads cumulative usage of containers (keyed by their root PID) and of the node. */
export interface UsageReader {
  containers(targets: readonly UsageTarget[]): Promise<Map<number, CumulativeUsage>>;
  node(): Promise<CumulativeUsage | undefined>;
}

/** A running container: its Pod and the root of its process tree. */
export interface RunningProcess {
  uid: string;
  container: string;
  pid: number;
  /** When it started (epoch ms): its CPU counter was zero then. */
  startedAt?: number;
  /** Its cgroup, when the runtime placed it in one. */
  cgroup?: CgroupUsageSource;
}

/** metrics-server's default --metric-resolution. */
export const DEFAULT_USAGE_INTERVAL_MS = 15_000;
/** freshContainerMinMetricsResolution: a window from a container's start must be at least this long. */
const FRESH_CONTAINER_MIN_WINDOW_MS = 10_000;

interface Point {
  pid: number;
  at: number;
  usage: CumulativeUsage;
}

const NODE_KEY = "";

/** The rate between two points (resourceUsage in metrics-server's types.go). A process tree's CPU counter
 * can fall when a process whose parent left the tree exits (cgroup counters cannot): that window reads 0. */
function rate(last: Point, prev: Point): (ResourceUsage & UsageWindow) | undefined {
  const windowMs = last.at - prev.at;
  if (windowMs <= 0) return undefined;
  const cpu = Math.max(last.usage.cpuNanoSeconds - prev.usage.cpuNanoSeconds, 0);
  return {
    cpuNanoCores: Math.floor(cpu / (windowMs / 1000)),
    memoryBytes: last.usage.memoryBytes,
    timestamp: new Date(last.at),
    windowMs,
  };
}

export interface UsageSamplerOptions {
  /** The running containers at this moment. */
  running: () => readonly RunningProcess[];
  reader?: UsageReader;
  intervalMs?: number;
  now?: () => number;
  /** Told about a failed sample (unreadable /proc); sampling goes on. */
  onError?: (error: Error) => void;
}

/** Samples one runtime's containers and node every interval and keeps the last two points of each. */
export class UsageSampler {
  readonly #options: UsageSamplerOptions;
  readonly #reader: UsageReader;
  #last = new Map<string, Point>();
  #prev = new Map<string, Point>();
  /** The containers of each Pod in the last sample. */
  #pods = new Map<string, string[]>();
  #timer: NodeJS.Timeout | undefined;
  #sampling: Promise<void> | undefined;

  constructor(options: UsageSamplerOptions) {
    this.#options = options;
    this.#reader = options.reader ?? new CgroupUsageReader(new ProcUsageReader());
  }

  start(): void {
    if (this.#timer) return;
    void this.sample();
    this.#timer = setInterval(
      () => void this.sample(),
      this.#options.intervalMs ?? DEFAULT_USAGE_INTERVAL_MS,
    );
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#sampling;
  }

  /** Takes one sample now (a slow one still running is awaited instead of overlapped). */
  sample(): Promise<void> {
    this.#sampling ??= this.#sample()
      .catch((error: Error) => this.#options.onError?.(error))
      .finally(() => (this.#sampling = undefined));
    return this.#sampling;
  }

  async #sample(): Promise<void> {
    const running = this.#options.running();
    const at = (this.#options.now ?? Date.now)();
    const [containers, node] = await Promise.all([this.#reader.containers(running), this.#reader.node()]);
    const last = new Map<string, Point>();
    const prev = new Map<string, Point>();
    const pods = new Map<string, string[]>();
    const resolution = this.#options.intervalMs ?? DEFAULT_USAGE_INTERVAL_MS;
    const keep = (key: string, point: Point, startedAt?: number) => {
      last.set(key, point);
      const before = this.#last.get(key);
      const age = startedAt === undefined ? undefined : at - startedAt;
      if (age !== undefined && age < resolution && age >= FRESH_CONTAINER_MIN_WINDOW_MS) {
        // A container younger than one interval: its start (CPU counter zero) begins the window, as
        // metrics-server's storage does, so it is reported after one sample.
        prev.set(key, { pid: point.pid, at: startedAt!, usage: { ...point.usage, cpuNanoSeconds: 0 } });
      } else if (before && before.pid === point.pid && before.at < point.at) {
        // The same process sampled again: its last point starts the window (a restarted one has none yet).
        prev.set(key, before);
      }
    };
    for (const r of running) {
      const usage = containers.get(r.pid);
      if (!usage) continue;
      keep(`${r.uid}/${r.container}`, { pid: r.pid, at, usage }, r.startedAt);
      const names = pods.get(r.uid);
      if (names) names.push(r.container);
      else pods.set(r.uid, [r.container]);
    }
    if (node) keep(NODE_KEY, { pid: 0, at, usage: node });
    this.#last = last;
    this.#prev = prev;
    this.#pods = pods;
  }

  #rate(key: string) {
    const last = this.#last.get(key);
    const prev = this.#prev.get(key);
    return last && prev ? rate(last, prev) : undefined;
  }

  nodeUsage(): NodeUsage | undefined {
    const r = this.#rate(NODE_KEY);
    if (!r) return undefined;
    const { timestamp, windowMs, ...usage } = r;
    return { timestamp, windowMs, usage };
  }

  /** The Pod's usage, when every container running at the last sample has a window. */
  podUsage(uid: string): PodUsage | undefined {
    const names = this.#pods.get(uid);
    if (!names) return undefined;
    const containers: PodUsage["containers"] = [];
    let earliest: UsageWindow | undefined;
    for (const name of names) {
      const r = this.#rate(`${uid}/${name}`);
      if (!r) return undefined;
      const { timestamp, windowMs, ...usage } = r;
      containers.push({ name, usage });
      if (!earliest || earliest.timestamp > timestamp) earliest = { timestamp, windowMs };
    }
    return earliest && { ...earliest, containers };
  }
}

/** Which Pod a metrics request is about. */
/**
 * The API server's way to the runtimes' usage (startServer({ metrics }), startRuntime({ metrics })): the
 * metrics.k8s.io handlers ask it for a node or a Pod, and it asks the sampler of the runtime serving
 * that node, as metrics-server scrapes each node's kubelet.
 */
export class PodMetricsRouter implements MetricsSource {
  readonly #nodes = new Map<string, UsageSampler>();

  /** A runtime serves its node's usage; the returned function stops that. */
  register(node: string, sampler: UsageSampler): () => void {
    this.#nodes.set(node, sampler);
    return () => {
      if (this.#nodes.get(node) === sampler) this.#nodes.delete(node);
    };
  }

  node(name: string): NodeUsage | undefined {
    return this.#nodes.get(name)?.nodeUsage();
  }

  pod(ref: PodRef): PodUsage | undefined {
    return this.#nodes.get(ref.node)?.podUsage(ref.uid);
  }
}
