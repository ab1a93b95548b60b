// The watch fan-out measurement (bench/server-scale.ts section 4), for the API server and for the floor peer
// (floor-peer.ts) alike: W watches opened by P client processes (watchers-child.ts), then a source produces
// events at a rate; each event's latency is from its acknowledgement to its first and last receipt, and the
// CPU time of the serving process and of the watcher processes is divided by the deliveries.
import { fork } from "node:child_process";

export interface FanOutSource {
  url: string;
  caPem: string;
  token: string;
  /** Where the watches start (an informer's list → watch). */
  resourceVersion: string;
  /** CPU time (user + system, µs) the serving process has used so far. */
  cpuMicros(): Promise<number>;
  /** Produces `total` events at `perSec`; each event's resourceVersion → acknowledgement time (timeOrigin ms). */
  produce(total: number, perSec: number): Promise<Map<string, number>>;
}

export interface FanOutOptions {
  watchers: number;
  processes: number;
  perSec: number;
  seconds: number;
  /** Spread the watchers over these namespaces (one each) instead of watching all. */
  namespaces?: string[];
  /** The watchers' client: "https" (Node's https module, the default) or "raw-tls" (watchers-child.ts). */
  client?: string;
}

export interface FanOutResult {
  opened: number;
  dropped: number;
  writes: number;
  writeSeconds: number;
  deliveries: number;
  expected: number;
  /** Events no watcher received. */
  missing: number;
  p50: number;
  p99: number;
  /** The serving process's CPU over the write period (and 2 s after), µs. */
  serverCpuMicros: number;
  /** The watcher processes' CPU over the same period, µs. */
  clientCpuMicros: number;
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

type Report = { received: [string, number, number, number][]; dropped: number; cpuMicros: number };

export async function measureFanOut(source: FanOutSource, o: FanOutOptions): Promise<FanOutResult> {
  const children = Array.from({ length: o.processes }, (_, p) => {
    const first = Math.floor((p * o.watchers) / o.processes);
    const count = Math.floor(((p + 1) * o.watchers) / o.processes) - first;
    return fork(
      new URL("./watchers-child.ts", import.meta.url).pathname,
      [
        JSON.stringify({
          url: source.url,
          caPem: source.caPem,
          token: source.token,
          watchers: count,
          first,
          resourceVersion: source.resourceVersion,
          namespaces: o.namespaces,
          client: o.client,
        }),
      ],
      { stdio: ["ignore", "inherit", "inherit", "ipc"] },
    );
  });
  const ask = <T>(child: (typeof children)[number], message?: object) =>
    new Promise<T>((resolve, reject) => {
      child.once("message", (m) => resolve(m as T));
      child.once("exit", (code) => reject(new Error(`a watcher process exited (${code})`)));
      if (message) child.send(message);
    });
  const opened = (await Promise.all(children.map((c) => ask<{ opened: number }>(c)))).reduce(
    (n, m) => n + m.opened,
    0,
  );
  const cpuBefore = await source.cpuMicros();
  const began = performance.now();
  const acks = await source.produce(o.perSec * o.seconds, o.perSec);
  const writeSeconds = (performance.now() - began) / 1000;
  await sleep(2000); // let the last events arrive
  const serverCpuMicros = (await source.cpuMicros()) - cpuBefore;
  const reports = await Promise.all(children.map((c) => ask<Report>(c, { type: "report" })));

  const received = new Map<string, { first: number; last: number; count: number }>();
  let dropped = 0;
  let clientCpuMicros = 0;
  for (const r of reports) {
    dropped += r.dropped;
    clientCpuMicros += r.cpuMicros;
    for (const [rv, first, last, count] of r.received) {
      const seen = received.get(rv);
      if (!seen) received.set(rv, { first, last, count });
      else {
        seen.first = Math.min(seen.first, first);
        seen.last = Math.max(seen.last, last);
        seen.count += count;
      }
    }
  }
  const latencies: number[] = [];
  let deliveries = 0;
  let missing = 0;
  for (const [rv, ack] of acks) {
    const r = received.get(rv);
    if (!r) {
      missing++;
      continue;
    }
    deliveries += r.count;
    // Each delivery's latency lies between the first and last receipt; both ends are recorded.
    latencies.push(Math.max(0, r.first - ack), Math.max(0, r.last - ack));
  }
  latencies.sort((a, b) => a - b);
  const perEvent = o.namespaces ? o.watchers / o.namespaces.length : o.watchers;
  return {
    opened,
    dropped,
    writes: acks.size,
    writeSeconds,
    deliveries,
    expected: acks.size * perEvent,
    missing,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    serverCpuMicros,
    clientCpuMicros,
  };
}

export interface FloorPeer {
  url: string;
  caPem: string;
  cpuMicros(): Promise<number>;
  produce(total: number, perSec: number): Promise<Map<string, number>>;
  stop(): void;
}

const FLOOR_MALLOC_TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=67108864";

/** The floor peer (floor-peer.ts) in a process of its own, serving with the PKI in `pkiDir`, frames like `object`. */
export async function startFloorPeer(pkiDir: string, object: string): Promise<FloorPeer> {
  const child = fork(
    new URL("./floor-peer.ts", import.meta.url).pathname,
    [JSON.stringify({ pkiDir, object })],
    {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      // A fresh process's glibc malloc gives the TLS layer's ~16–40 KB buffers back to the kernel after each
      // write and page-faults them in again (a quarter of the peer's CPU in `perf`); the API server's
      // thresholds were raised by its own large buffers (glibc's dynamic mmap threshold), so it does not.
      env: { GLIBC_TUNABLES: FLOOR_MALLOC_TUNABLES, ...process.env },
    },
  );
  const ask = <T>(message?: object) =>
    new Promise<T>((resolve, reject) => {
      child.once("message", (m) => resolve(m as T));
      child.once("exit", (code) => reject(new Error(`the floor peer exited (${code})`)));
      if (message) child.send(message);
    });
  const ready = await ask<{ url: string; caPem: string }>();
  return {
    url: ready.url,
    caPem: ready.caPem,
    cpuMicros: async () => (await ask<{ micros: number }>({ type: "cpu" })).micros,
    produce: async (total, perSec) =>
      new Map((await ask<{ acks: [string, number][] }>({ type: "produce", total, perSec })).acks),
    stop: () => void child.send({ type: "stop" }),
  };
}
