// Which node network a runtime uses. Two local clusters on one machine must not share a bridge, a Pod CIDR
// or NAT chains, so each data dir claims a number N under /run/incluster/networks (root-only, gone at
// reboot as the namespaces are): bridge cni-incluster<N>, Pod CIDR 10.244.<N>.0/24, netns and chain names
// with N in them. A data dir keeps its number across restarts (so a restart after a crash finds and cleans
// what it left); a claim whose data dir no longer exists is taken over.
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";

export const CLAIMS_DIR = "/run/incluster/networks";
/** Bridge names are at most 15 bytes: "cni-incluster" + two digits. */
const MAX_CLAIMS = 100;

export interface NodeNetworkNames {
  index: number;
  /** CNI network name (host-local keeps leases per name). */
  network: string;
  bridge: string;
  subnet: string;
  /** Prefix of this runtime's netns names. */
  netnsPrefix: string;
  /** Prefix of this runtime's iptables chains (at most 28 bytes per chain name). */
  chainPrefix: string;
}

export function namesFor(index: number, subnet?: string): NodeNetworkNames {
  return {
    index,
    network: `incluster-${index}`,
    bridge: `cni-incluster${index}`,
    subnet: subnet ?? `10.244.${index}.0/24`,
    netnsPrefix: `incluster-${index}-`,
    chainPrefix: `INCL${index}-`,
  };
}

const read = (file: string) =>
  readFile(file, "utf8").then(
    (s) => s.trim(),
    () => undefined,
  );

/** Claims (or re-finds) this data dir's number. `dir` is for tests. */
export async function claimNetwork(dataDir: string, dir = CLAIMS_DIR): Promise<number> {
  const owner = path.resolve(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return withLock(dir, async () => {
    for (let i = 0; i < MAX_CLAIMS; i++) {
      if ((await read(path.join(dir, String(i)))) === owner) return i;
    }
    for (let i = 0; i < MAX_CLAIMS; i++) {
      const file = path.join(dir, String(i));
      const holder = await read(file);
      // A claim whose data dir is gone belongs to a cluster that is gone; the caller cleans its leftovers.
      if (holder === undefined || !existsSync(holder)) {
        await writeFile(file, `${owner}\n`, { mode: 0o600 });
        return i;
      }
    }
    throw new Error(
      `all ${MAX_CLAIMS} local Pod networks are claimed (${dir}); remove the files of clusters that no longer run`,
    );
  });
}

export async function releaseNetwork(index: number, dataDir: string, dir = CLAIMS_DIR): Promise<void> {
  const file = path.join(dir, String(index));
  await withLock(dir, async () => {
    if ((await read(file)) === path.resolve(dataDir)) await rm(file, { force: true });
  });
}

/** Claims change under an exclusive lock file; one left by a crash is broken after LOCK_STALE_MS. */
const LOCK_STALE_MS = 10_000;
async function withLock<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, ".lock");
  for (;;) {
    try {
      await writeFile(lock, String(process.pid), { flag: "wx", mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > LOCK_STALE_MS) await rm(lock, { force: true });
      else await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
    }
  }
  try {
    return await body();
  } finally {
    await rm(lock, { force: true });
  }
}
