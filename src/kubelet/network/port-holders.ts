// Who holds a port on this host, for the host-network mode (no root or not Linux: Pods share the host's
// ports). When a container that declares a containerPort fails while something listens on that port, the
// runtime names the holder: the listening socket's inode from /proc/net/{tcp,tcp6,udp,udp6}, the process
// owning that inode (/proc/<pid>/fd), and up its parents to a container this runtime started.
import { readdir, readFile, readlink } from "node:fs/promises";

/** LISTEN for TCP; UDP sockets count when bound (state 07, unconnected). */
const BOUND_STATE = { TCP: "0A", UDP: "07", SCTP: "" } as const;

/** Socket inodes bound to `port` in one /proc/net table's text. */
export function boundInodes(table: string, port: number, protocol: "TCP" | "UDP" | "SCTP"): string[] {
  const state = BOUND_STATE[protocol];
  const inodes: string[] = [];
  for (const line of table.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const localPort = Number.parseInt(f[1].split(":")[1] ?? "", 16);
    if (localPort === port && f[3] === state && f[9] !== "0") inodes.push(f[9]);
  }
  return inodes;
}

async function inodesOn(port: number, protocol: "TCP" | "UDP" | "SCTP"): Promise<Set<string>> {
  const base = protocol === "UDP" ? "udp" : "tcp";
  const inodes = new Set<string>();
  for (const file of [`/proc/net/${base}`, `/proc/net/${base}6`]) {
    const text = await readFile(file, "utf8").catch(() => "");
    for (const inode of boundInodes(text, port, protocol)) inodes.add(inode);
  }
  return inodes;
}

async function parentOf(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ")".
  const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
}

export interface PortHolder {
  pid: number;
  /** "namespace/name" of the Pod whose container holds it, when it is one of this runtime's. */
  pod?: string;
}

/**
 * The process holding port/protocol, and its Pod when `podOf` knows one of its ancestors (container main
 * pids). Linux only; elsewhere (or when nothing is bound) undefined.
 */
export async function findPortHolder(
  port: number,
  protocol: "TCP" | "UDP" | "SCTP",
  podOf: (pid: number) => string | undefined,
): Promise<PortHolder | undefined> {
  if (process.platform !== "linux") return undefined;
  const inodes = await inodesOn(port, protocol);
  if (inodes.size === 0) return undefined;
  const wanted = new Set([...inodes].map((i) => `socket:[${i}]`));
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const fds = await readdir(`/proc/${entry}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${entry}/fd/${fd}`).catch(() => "");
      if (!wanted.has(target)) continue;
      const pid = Number(entry);
      for (let p: number | undefined = pid, depth = 0; p && depth < 32; p = await parentOf(p), depth++) {
        const pod = podOf(p);
        if (pod) return { pid, pod };
      }
      return { pid };
    }
  }
  return { pid: 0 };
}
