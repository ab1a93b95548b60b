// On-disk layout of a durable store:
//   LOCK                          pid of the owning process
//   snapshot.jsonl                full state at some rv (header line + one put per object), replaced atomically
//   wal-<startRV>.jsonl           append-only log of every write with rv >= startRV; the newest is current
// Opening loads the snapshot, replays the logs (records at or below the snapshot's rv are skipped), drops a
// torn tail of the last log and resumes appending to it.
import { existsSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { chmod, mkdir, open, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { scanLines } from "./line-reader.ts";
import type { LogRecord } from "./records.ts";
import { decodeRecord, encodePut, encodeSnapshotHeader } from "./records.ts";

export interface RawObject {
  rv: number;
  json: string;
  /** The index text written with the object (records.ts); absent in records older than the index. */
  index?: string;
}

/** resource → key → latest stored JSON. */
export type RawState = Map<string, Map<string, RawObject>>;

export interface SnapshotRow {
  resource: string;
  key: string;
  rv: number;
  json: string;
  index?: string;
}

const SNAPSHOT = "snapshot.jsonl";
const SNAPSHOT_TMP = "snapshot.jsonl.tmp";
const PROBE = "probe.tmp";
const PROBE_BYTES = 64 * 1024;
const LOCK = "LOCK";
const WAL_NAME = /^wal-(\d+)\.jsonl$/;
const WRITE_CHUNK = 1 << 20;
const PRIVATE_DIR_MODE = 0o700;
const PRIVATE_FILE_MODE = 0o600;

/** Data dirs held by this process (a second open would corrupt the log just like another process would). */
const heldHere = new Set<string>();

export class DataDir {
  readonly dir: string;
  private readonly fsync: boolean;
  private log: FileHandle;
  private logStart: number;
  private bytes: number;
  /**
   * Older logs not yet covered by a snapshot: a snapshot interrupted by a stop or crash leaves them behind,
   * and they count toward the next compaction (else every restart replays them until the newest log alone
   * outgrows the threshold — a seeded 150,000-Pod data dir replayed 438 MB at each start).
   */
  private earlierBytes: number;
  /** A failed append may have left part of a batch after `bytes`; it is cut off before the next write. */
  private torn = false;

  private constructor(
    dir: string,
    fsync: boolean,
    log: FileHandle,
    logStart: number,
    bytes: number,
    earlierBytes: number,
  ) {
    this.dir = dir;
    this.fsync = fsync;
    this.log = log;
    this.logStart = logStart;
    this.bytes = bytes;
    this.earlierBytes = earlierBytes;
  }

  static async open(
    path: string,
    fsync: boolean,
  ): Promise<{ dataDir: DataDir; state: RawState; rv: number }> {
    const dir = resolve(path);
    // The store holds every object, Secrets and legacy ServiceAccount tokens included: owner only. chmod too,
    // for a directory an older version created with the umask's 0755.
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    await chmod(dir, PRIVATE_DIR_MODE);
    await acquireLock(dir);
    try {
      await rm(join(dir, SNAPSHOT_TMP), { force: true });
      const state: RawState = new Map();
      const snapshotRV = await loadSnapshot(join(dir, SNAPSHOT), state);
      const logs = await logFiles(dir);
      let rv = snapshotRV;
      let tail = 0;
      let earlier = 0;
      for (const [i, log] of logs.entries()) {
        const replay = await replayLog(join(dir, log.name), state, snapshotRV, i === logs.length - 1);
        rv = Math.max(rv, replay.maxRV, log.start - 1);
        earlier += tail;
        tail = replay.validBytes;
      }
      const last = logs.at(-1);
      const logStart = last ? last.start : rv + 1;
      const path = join(dir, walName(logStart));
      if (last) await truncateTo(path, tail);
      const fh = await open(path, "a", PRIVATE_FILE_MODE);
      if (!last) await syncDir(dir, fsync);
      return { dataDir: new DataDir(dir, fsync, fh, logStart, tail, earlier), state, rv };
    } catch (err) {
      await releaseLock(dir);
      throw err;
    }
  }

  /** Log bytes a snapshot would make unnecessary to replay. */
  get logBytes(): number {
    return this.earlierBytes + this.bytes;
  }

  /** One write + one fsync for a whole batch; resolves when it is durable. */
  async append(text: string): Promise<void> {
    await this.repairTail();
    const buf = Buffer.from(text, "utf8");
    try {
      let written = 0;
      while (written < buf.length) {
        const { bytesWritten } = await this.log.write(buf, written, buf.length - written);
        written += bytesWritten;
      }
      if (this.fsync) await this.log.datasync();
    } catch (err) {
      // ENOSPC, EIO…: the batch is not durable. Cut what reached the file so the log still ends at the last
      // good batch (a torn line followed by later writes would read as corruption on the next start).
      this.torn = true;
      await this.repairTail().catch(() => undefined);
      throw err;
    }
    this.bytes += buf.length;
  }

  /** Can the data dir take writes again? Repairs the log's tail, then writes and syncs a small probe file. */
  async probe(): Promise<void> {
    await this.repairTail();
    const path = join(this.dir, PROBE);
    try {
      const fh = await open(path, "w", PRIVATE_FILE_MODE);
      try {
        await fh.writeFile(Buffer.alloc(PROBE_BYTES));
        await fh.sync();
      } finally {
        await fh.close();
      }
    } finally {
      await rm(path, { force: true });
    }
  }

  private async repairTail(): Promise<void> {
    if (!this.torn) return;
    await this.log.truncate(this.bytes);
    await this.log.datasync();
    this.torn = false;
  }

  /** Starts a new log at nextRV; called between batches so the old log ends exactly at nextRV - 1. */
  async rotate(nextRV: number): Promise<void> {
    if (nextRV === this.logStart) return;
    const fh = await open(join(this.dir, walName(nextRV)), "a", PRIVATE_FILE_MODE);
    await syncDir(this.dir, this.fsync);
    const old = this.log;
    this.log = fh;
    this.logStart = nextRV;
    this.bytes = 0;
    this.earlierBytes = 0; // the snapshot that follows a rotation covers every older log
    // Everything in the old log is already durable; failing to close it changes nothing on disk.
    await old.close().catch(() => undefined);
  }

  /**
   * Writes the state at rv (rows must already be captured: the store keeps changing while this runs) as the
   * new snapshot — temp file, fsync, rename, fsync dir — then drops logs wholly covered by it.
   */
  async writeSnapshot(rv: number, rows: readonly SnapshotRow[]): Promise<void> {
    const tmp = join(this.dir, SNAPSHOT_TMP);
    const fh = await open(tmp, "w", PRIVATE_FILE_MODE);
    try {
      let chunk = encodeSnapshotHeader(rv);
      for (const row of rows) {
        chunk += encodePut(row.resource, row.key, row.rv, row.json, row.index);
        if (chunk.length >= WRITE_CHUNK) {
          await fh.writeFile(chunk);
          chunk = "";
        }
      }
      await fh.writeFile(chunk);
      await fh.sync();
    } catch (err) {
      // A half-written snapshot on a full disk would keep the space the log needs to resume.
      await fh.close().catch(() => undefined);
      await rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
    await rename(tmp, join(this.dir, SNAPSHOT));
    await syncDir(this.dir, true);
    for (const log of await logFiles(this.dir)) {
      if (log.start <= rv && log.start < this.logStart) await rm(join(this.dir, log.name), { force: true });
    }
  }

  async close(): Promise<void> {
    await this.log.close();
    await releaseLock(this.dir);
  }
}

function walName(startRV: number): string {
  return `wal-${String(startRV).padStart(16, "0")}.jsonl`;
}

async function logFiles(dir: string): Promise<{ name: string; start: number }[]> {
  const logs: { name: string; start: number }[] = [];
  for (const name of await readdir(dir)) {
    const m = WAL_NAME.exec(name);
    if (m) logs.push({ name, start: Number(m[1]) });
  }
  return logs.sort((a, b) => a.start - b.start);
}

function applyRecord(state: RawState, rec: LogRecord): void {
  if (rec.op === "snapshot") return;
  let objects = state.get(rec.resource);
  if (!objects) {
    objects = new Map();
    state.set(rec.resource, objects);
  }
  // The record itself is the RawObject (rv, json, index): one allocation per object less on a big load.
  if (rec.op === "put") objects.set(rec.key, rec);
  else objects.delete(rec.key);
}

async function loadSnapshot(path: string, state: RawState): Promise<number> {
  if (!existsSync(path)) return 0;
  let rv: number | undefined;
  await scanLines(path, (line) => {
    const rec = line.terminated ? decodeRecord(line.buf, line.text, line.start, line.end) : undefined;
    if (!rec) throw new Error(`storage: corrupt snapshot ${path} at byte ${line.offset}`);
    if (rv === undefined) {
      if (rec.op !== "snapshot") throw new Error(`storage: snapshot ${path} lacks its header`);
      rv = rec.rv;
    } else {
      applyRecord(state, rec);
    }
  });
  if (rv === undefined) throw new Error(`storage: empty snapshot ${path}`);
  return rv;
}

/**
 * Replays one log. Only the last log may end in damage (a write cut short by a crash): from its first bad line
 * on, everything must be bad, and validBytes then ends before it. Damage anywhere else is corruption.
 */
async function replayLog(
  path: string,
  state: RawState,
  afterRV: number,
  isLast: boolean,
): Promise<{ maxRV: number; validBytes: number }> {
  let maxRV = 0;
  let validBytes = 0;
  let damagedAt: number | undefined;
  let previous: { rec: LogRecord; end: number } | undefined;
  const commit = () => {
    if (!previous) return;
    if (previous.rec.rv > afterRV) applyRecord(state, previous.rec);
    maxRV = Math.max(maxRV, previous.rec.rv);
    validBytes = previous.end;
    previous = undefined;
  };
  await scanLines(path, (line) => {
    const rec = line.terminated ? decodeRecord(line.buf, line.text, line.start, line.end) : undefined;
    if (rec && damagedAt === undefined) {
      commit();
      previous = { rec, end: line.offset + (line.end - line.start) + 1 };
      return;
    }
    if (rec || !isLast) throw new Error(`storage: corrupt log ${path} at byte ${damagedAt ?? line.offset}`);
    damagedAt ??= line.offset;
  });
  // The final record is the one a crash could have cut inside its object; prove it (and its index) parses
  // before trusting it.
  const last = previous?.rec;
  if (last?.op === "put" && isLast && !(parses(last.json) && (!last.index || parses(`{${last.index}}`))))
    previous = undefined;
  commit();
  return { maxRV, validBytes };
}

function parses(json: string): boolean {
  try {
    JSON.parse(json);
    return true;
  } catch {
    return false;
  }
}

async function truncateTo(path: string, bytes: number): Promise<void> {
  const fh = await open(path, "r+");
  try {
    const { size } = await fh.stat();
    if (size > bytes) {
      await fh.truncate(bytes);
      await fh.sync();
    }
  } finally {
    await fh.close();
  }
}

async function syncDir(dir: string, fsync: boolean): Promise<void> {
  if (!fsync) return;
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function acquireLock(dir: string): Promise<void> {
  const path = join(dir, LOCK);
  if (heldHere.has(dir)) throw new Error(`storage: data dir ${dir} is already open in this process`);
  try {
    const owner = Number((await readFile(path, "utf8")).trim());
    // Our own pid in the file means a previous incarnation with a recycled pid (e.g. pid 1 in a container).
    if (owner && owner !== process.pid && isAlive(owner)) {
      throw new Error(`storage: data dir ${dir} is locked by running process ${owner}`);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await writeFile(path, `${process.pid}\n`);
  heldHere.add(dir);
}

async function releaseLock(dir: string): Promise<void> {
  if (!heldHere.delete(dir)) return;
  await rm(join(dir, LOCK), { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
