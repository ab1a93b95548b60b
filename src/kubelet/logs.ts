// Container logs: every container instance writes a CRI-format file under
// <dir>/<namespace>_<pod>_<uid>/<container>/<restartCount>.log (the kubelet's /var/log/pods layout), rotated
// like the kubelet's container log manager (containerLogMaxSize 10Mi, containerLogMaxFiles 5: the file is
// renamed to <name>.<YYYYMMDD-hhmmss> and the oldest rotated files removed), and read() serves pods/log
// for the API server (follow, previous, tailLines, limitBytes, sinceTime, timestamps) the way the kubelet's
// ReadLogs does (pkg/kubelet/kuberuntime/logs/logs.go): only the current file is read, the tail is found by
// reading backwards in chunks, and nothing is held in memory beyond one chunk. The instance is chosen from
// the container status exactly as the kubelet's validateContainerLogStatus does.
import { EventEmitter } from "node:events";
import { type FileHandle, mkdir, open, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { StringDecoder } from "node:string_decoder";
import type { ContainerStatus } from "kubernetes-types/core/v1.d.ts";
import { failure, type Status } from "../meta/status.ts";
import {
  criTimestamp,
  formatRecord,
  LineSplitter,
  type LogStream,
  parseRecords,
  renderRecord,
} from "./cri-log.ts";

export interface LogReadOptions {
  previous: boolean;
  tailLines?: number;
  /** Stop after this many bytes of output (the last line may be cut). */
  limitBytes?: number;
  /** Only records at or after this time (sinceSeconds is turned into this by the caller). */
  sinceTime?: Date;
  follow: boolean;
  timestamps: boolean;
  signal: AbortSignal;
}

/** The kubelet's containerLogMaxSize and containerLogMaxFiles defaults. */
export interface LogRotation {
  maxBytes: number;
  /** Files kept per container instance, the current one included (at least 2). */
  maxFiles: number;
}
export const DEFAULT_LOG_ROTATION: LogRotation = { maxBytes: 10 * 1024 * 1024, maxFiles: 5 };

/** How much of a file is read at a time. */
const CHUNK_BYTES = 64 * 1024;

/** A log request that cannot be served; the API server answers with `status` (400, like the kubelet). */
export class PodLogError extends Error {
  override name = "PodLogError";
  readonly code = 400;
  readonly status: Status;
  constructor(message: string) {
    super(message);
    this.status = failure(400, "BadRequest", message);
  }
}

export interface InstanceRef {
  namespace: string;
  pod: string;
  uid: string;
  container: string;
  containerID: string;
  restartCount: number;
}

interface Instance {
  path: string;
  open: boolean;
  /** Bumped each time the file is rotated: followers reopen the path. */
  generation: number;
  /** "append" after each write lands on disk, "close" when the process is gone. */
  events: EventEmitter;
}

interface PodEntry {
  uid: string;
  dir: string;
  statuses: Map<string, ContainerStatus>;
}

/** Appends one instance's output; writes are serialised so followers always read whole records. */
export class LogWriter {
  readonly #instance: Instance;
  readonly #splitters = { stdout: new LineSplitter("stdout"), stderr: new LineSplitter("stderr") };
  readonly #decoders = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };
  readonly #rotation: LogRotation;
  #handle: Promise<FileHandle>;
  #size = 0;
  #chain: Promise<unknown> = Promise.resolve();
  #tail: string[] = [];

  constructor(instance: Instance, rotation: LogRotation = DEFAULT_LOG_ROTATION) {
    this.#instance = instance;
    this.#rotation = rotation;
    this.#handle = mkdir(path.dirname(instance.path), { recursive: true }).then(() =>
      open(instance.path, "a"),
    );
  }

  write(stream: LogStream, chunk: Buffer): void {
    const now = criTimestamp(performance.timeOrigin + performance.now());
    const records = this.#splitters[stream].push(this.#decoders[stream].write(chunk), now);
    this.#append(records.map(formatRecord).join(""));
    this.#remember(records.filter((r) => r.full).map((r) => r.content));
  }

  /** The last lines written (terminationMessagePolicy: FallbackToLogsOnError). */
  lastLines(): string[] {
    return [...this.#tail];
  }

  /** Flushes unfinished lines and closes the file; followers end after reading the rest. */
  async close(): Promise<void> {
    const now = criTimestamp(performance.timeOrigin + performance.now());
    for (const stream of ["stdout", "stderr"] as const) {
      const rest = this.#decoders[stream].end();
      const records = [...this.#splitters[stream].push(rest, now), ...this.#splitters[stream].flush(now)];
      this.#append(records.map(formatRecord).join(""));
      this.#remember(records.map((r) => r.content));
    }
    await this.#chain;
    await (await this.#handle).close();
    this.#instance.open = false;
    this.#instance.events.emit("close");
  }

  #append(text: string): void {
    if (text === "") return;
    this.#chain = this.#chain
      .then(async () => {
        await (await this.#handle).appendFile(text);
        this.#size += Buffer.byteLength(text);
        this.#instance.events.emit("append");
        if (this.#size >= this.#rotation.maxBytes) await this.#rotate();
      })
      .catch(() => undefined); // a full disk must not crash the runtime; the log just stops growing
  }

  /** Renames the full file to <name>.<timestamp>, starts a new one, and keeps maxFiles files in all. */
  async #rotate(): Promise<void> {
    const file = this.#instance.path;
    await (await this.#handle).close();
    let rotated = `${file}.${rotationStamp(new Date())}`;
    for (
      let n = 1;
      await open(rotated).then(
        (h) => h.close().then(() => true),
        () => false,
      );
      n++
    ) {
      rotated = `${file}.${rotationStamp(new Date())}.${n}`;
    }
    await rename(file, rotated);
    this.#handle = open(file, "a");
    this.#size = 0;
    this.#instance.generation++;
    const base = path.basename(file);
    const older = (await readdir(path.dirname(file))).filter((name) => name.startsWith(`${base}.`)).sort();
    const excess = older.length - (this.#rotation.maxFiles - 1);
    for (const name of older.slice(0, Math.max(0, excess)))
      await rm(path.join(path.dirname(file), name), { force: true });
    this.#instance.events.emit("append");
  }

  #remember(lines: string[]): void {
    this.#tail.push(...lines);
    if (this.#tail.length > 80) this.#tail = this.#tail.slice(-80);
  }
}

export class PodLogStore {
  readonly dir: string;
  readonly #pods = new Map<string, PodEntry>();
  readonly #instances = new Map<string, Instance>();
  readonly #rotation: LogRotation;

  constructor(dir: string, rotation: Partial<LogRotation> = {}) {
    this.dir = dir;
    this.#rotation = { ...DEFAULT_LOG_ROTATION, ...rotation };
    if (this.#rotation.maxFiles < 2) throw new Error("containerLogMaxFiles must be at least 2");
    if (this.#rotation.maxBytes < 1) throw new Error("containerLogMaxSize must be positive");
  }

  /** Starts the log of a new container instance. */
  openInstance(ref: InstanceRef): LogWriter {
    const entry = this.#entry(ref.namespace, ref.pod, ref.uid);
    const instance: Instance = {
      path: path.join(entry.dir, ref.container, `${ref.restartCount}.log`),
      open: true,
      generation: 0,
      events: new EventEmitter(),
    };
    instance.events.setMaxListeners(0);
    this.#instances.set(ref.containerID, instance);
    return new LogWriter(instance, this.#rotation);
  }

  /** The kubelet decides which instance to show from the Pod's container statuses; keep them current. */
  setStatuses(namespace: string, pod: string, uid: string, statuses: readonly ContainerStatus[]): void {
    const entry = this.#entry(namespace, pod, uid);
    entry.statuses = new Map(statuses.map((s) => [s.name, s]));
  }

  /** Forgets a deleted Pod and removes its files. */
  async removePod(namespace: string, pod: string, uid: string): Promise<void> {
    const key = `${namespace}/${pod}`;
    const entry = this.#pods.get(key);
    if (!entry || entry.uid !== uid) return;
    this.#pods.delete(key);
    for (const status of entry.statuses.values()) {
      for (const id of [status.containerID, status.lastState?.terminated?.containerID]) {
        if (id) this.#instances.delete(id);
      }
    }
    await rm(entry.dir, { recursive: true, force: true });
  }

  /** PodLogSource.read for the API server's pods/log handler. */
  async read(
    namespace: string,
    pod: string,
    container: string | undefined,
    opts: LogReadOptions,
  ): Promise<AsyncIterable<Buffer>> {
    const entry = this.#pods.get(`${namespace}/${pod}`);
    if (!entry) throw new PodLogError(`pod "${pod}" cannot be found - no logs available`);
    const name = container ?? [...entry.statuses.keys()][0] ?? "";
    const status = entry.statuses.get(name);
    if (!status)
      throw new PodLogError(`container "${name}" in pod "${pod}" is waiting to start - no logs yet`);
    const containerID = chooseContainer(status, pod, opts.previous);
    const instance = this.#instances.get(containerID);
    if (!instance) throw new PodLogError(`container "${name}" in pod "${pod}" has no logs on this node`);
    return stream(instance, opts);
  }

  #entry(namespace: string, pod: string, uid: string): PodEntry {
    const key = `${namespace}/${pod}`;
    let entry = this.#pods.get(key);
    if (!entry || entry.uid !== uid) {
      entry = { uid, dir: path.join(this.dir, `${namespace}_${pod}_${uid}`), statuses: new Map() };
      this.#pods.set(key, entry);
    }
    return entry;
  }
}

/** kubelet validateContainerLogStatus: which instance `kubectl logs [--previous]` means. */
export function chooseContainer(status: ContainerStatus, pod: string, previous: boolean): string {
  const name = status.name;
  const last = status.lastState?.terminated;
  const { running, terminated, waiting } = status.state ?? {};
  if (previous) {
    if (!last?.containerID)
      throw new PodLogError(`previous terminated container "${name}" in pod "${pod}" not found`);
    return last.containerID;
  }
  if (running) return status.containerID ?? "";
  if (terminated) {
    if (terminated.containerID) return terminated.containerID;
    if (last?.containerID) return last.containerID;
    throw new PodLogError(`container "${name}" in pod "${pod}" is terminated`);
  }
  if (last) {
    if (!last.containerID) throw new PodLogError(`container "${name}" in pod "${pod}" is terminated`);
    return last.containerID;
  }
  if (waiting) {
    switch (waiting.reason) {
      case "ErrImagePull":
        throw new PodLogError(
          `container "${name}" in pod "${pod}" is waiting to start: image can't be pulled`,
        );
      case "ImagePullBackOff":
        throw new PodLogError(
          `container "${name}" in pod "${pod}" is waiting to start: trying and failing to pull image`,
        );
      default:
        throw new PodLogError(`container "${name}" in pod "${pod}" is waiting to start: ${waiting.reason}`);
    }
  }
  throw new PodLogError(`container "${name}" in pod "${pod}" is waiting to start - no logs yet`);
}

/** The kubelet's rotation suffix, time.Now().Format("20060102-150405"). */
function rotationStamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
}

/** Where the last `lines` lines of the file start, found by reading backwards one chunk at a time. */
export async function tailOffset(file: FileHandle, lines: number, size: number): Promise<number> {
  if (lines <= 0) return size;
  const chunk = Buffer.alloc(CHUNK_BYTES);
  let end = size;
  let found = 0;
  let skipLast = true; // the newline ending the last line does not start a line
  while (end > 0) {
    const start = Math.max(0, end - CHUNK_BYTES);
    const { bytesRead } = await file.read(chunk, 0, end - start, start);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (chunk[i] !== 0x0a) continue;
      if (skipLast && start + i === size - 1) continue;
      if (++found === lines) return start + i + 1;
    }
    skipLast = false;
    end = start;
  }
  return 0;
}

/**
 * The log from the tail offset on: whole records only, filtered by sinceTime, rendered, cut at limitBytes;
 * with follow, new records as they land (across rotations) until the instance ends or the client leaves.
 */
async function* stream(instance: Instance, opts: LogReadOptions): AsyncGenerator<Buffer> {
  let dirty = true;
  let notify: (() => void) | undefined;
  const wake = () => {
    dirty = true;
    notify?.();
  };
  instance.events.on("append", wake);
  instance.events.on("close", wake);
  opts.signal.addEventListener("abort", wake);
  const since = opts.sinceTime?.getTime();
  let remaining = opts.limitBytes ?? Number.POSITIVE_INFINITY;
  let file: FileHandle | undefined;
  let generation = instance.generation;
  let offset = 0;
  let carry = Buffer.alloc(0);
  let drainedOld = false;
  const chunk = Buffer.alloc(CHUNK_BYTES);
  try {
    file = await open(instance.path, "r").catch(() => undefined); // the writer may not have created it yet
    const size = file ? (await file.stat()).size : 0;
    // Without follow, what was there when the request came: a busy writer cannot keep it going forever.
    let stopAt = opts.follow ? Number.POSITIVE_INFINITY : size;
    if (file && opts.tailLines !== undefined) offset = await tailOffset(file, opts.tailLines, size);
    for (;;) {
      dirty = false;
      const wasOpen = instance.open;
      file ??= await open(instance.path, "r").catch(() => undefined);
      for (;;) {
        const want = Math.min(CHUNK_BYTES, stopAt - offset);
        const { bytesRead } = file && want > 0 ? await file.read(chunk, 0, want, offset) : { bytesRead: 0 };
        if (bytesRead === 0) break;
        offset += bytesRead;
        const data = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
        const end = data.lastIndexOf(0x0a) + 1; // whole records only
        carry = Buffer.from(data.subarray(end));
        let records = parseRecords(data.subarray(0, end).toString("utf8"));
        if (since !== undefined) records = records.filter((r) => Date.parse(r.timestamp) >= since);
        const out = Buffer.from(records.map((r) => renderRecord(r, opts.timestamps)).join(""));
        if (out.length >= remaining) {
          yield out.subarray(0, remaining);
          return;
        }
        remaining -= out.length;
        if (out.length > 0) yield out;
        if (opts.signal.aborted) return;
      }
      if (!opts.follow || opts.signal.aborted) return;
      if (generation !== instance.generation) {
        // Rotated: what was appended before the rename is read from the old file first.
        if (!drainedOld) {
          drainedOld = true;
          continue;
        }
        await file?.close();
        file = undefined;
        offset = 0;
        carry = Buffer.alloc(0);
        generation = instance.generation;
        drainedOld = false;
        stopAt = Number.POSITIVE_INFINITY;
        continue;
      }
      if (!wasOpen) return;
      if (!dirty) await new Promise<void>((resolve) => (notify = resolve));
      notify = undefined;
    }
  } finally {
    instance.events.off("append", wake);
    instance.events.off("close", wake);
    opts.signal.removeEventListener("abort", wake);
    await file?.close();
  }
}
