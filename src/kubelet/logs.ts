// Container logs: every container instance writes a CRI-format file under
// <dir>/<namespace>_<pod>_<uid>/<container>/<restartCount>.log (the kubelet's /var/log/pods layout), and
// read() serves pods/log for the API server (kubectl logs, -f, --previous, --tail, --timestamps), choosing
// the instance from the container status exactly as the kubelet's validateContainerLogStatus does.
import { EventEmitter } from "node:events";
import { type FileHandle, mkdir, open, readFile, rm } from "node:fs/promises";
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
  follow: boolean;
  timestamps: boolean;
  signal: AbortSignal;
}

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
  readonly #handle: Promise<FileHandle>;
  #chain: Promise<unknown> = Promise.resolve();
  #tail: string[] = [];

  constructor(instance: Instance) {
    this.#instance = instance;
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
      .then(async () => (await this.#handle).appendFile(text))
      .then(() => this.#instance.events.emit("append"))
      .catch(() => undefined); // a full disk must not crash the runtime; the log just stops growing
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

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Starts the log of a new container instance. */
  openInstance(ref: InstanceRef): LogWriter {
    const entry = this.#entry(ref.namespace, ref.pod, ref.uid);
    const instance: Instance = {
      path: path.join(entry.dir, ref.container, `${ref.restartCount}.log`),
      open: true,
      events: new EventEmitter(),
    };
    instance.events.setMaxListeners(0);
    this.#instances.set(ref.containerID, instance);
    return new LogWriter(instance);
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
  ): Promise<AsyncIterable<string> | string> {
    const entry = this.#pods.get(`${namespace}/${pod}`);
    if (!entry) throw new PodLogError(`pod "${pod}" cannot be found - no logs available`);
    const name = container ?? [...entry.statuses.keys()][0] ?? "";
    const status = entry.statuses.get(name);
    if (!status)
      throw new PodLogError(`container "${name}" in pod "${pod}" is waiting to start - no logs yet`);
    const containerID = chooseContainer(status, pod, opts.previous);
    const instance = this.#instances.get(containerID);
    if (!instance) throw new PodLogError(`container "${name}" in pod "${pod}" has no logs on this node`);
    if (!opts.follow || !instance.open) return render(await readRecords(instance.path), opts);
    return follow(instance, opts);
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

async function readRecords(file: string) {
  return parseRecords(await readFile(file, "utf8").catch(() => ""));
}

function render(records: ReturnType<typeof parseRecords>, opts: LogReadOptions): string {
  const shown =
    opts.tailLines === undefined ? records : opts.tailLines === 0 ? [] : records.slice(-opts.tailLines);
  return shown.map((r) => renderRecord(r, opts.timestamps)).join("");
}

/** Existing content (after --tail), then new records as they land, until the instance ends or the client leaves. */
async function* follow(instance: Instance, opts: LogReadOptions): AsyncGenerator<string> {
  let dirty = true;
  let notify: (() => void) | undefined;
  const wake = () => {
    dirty = true;
    notify?.();
  };
  instance.events.on("append", wake);
  instance.events.on("close", wake);
  opts.signal.addEventListener("abort", wake);
  let file: FileHandle | undefined;
  try {
    let offset = 0;
    let first = true;
    for (;;) {
      dirty = false;
      const wasOpen = instance.open;
      file ??= await open(instance.path, "r").catch(() => undefined); // the writer may not have created it yet
      const fresh = file ? await readFrom(file, offset) : Buffer.alloc(0);
      const end = fresh.lastIndexOf(0x0a) + 1; // whole records only
      offset += end;
      const records = parseRecords(fresh.subarray(0, end).toString("utf8"));
      const chunk = render(records, first ? opts : { ...opts, tailLines: undefined });
      first = false;
      if (chunk) yield chunk;
      if (opts.signal.aborted || !wasOpen) return;
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

async function readFrom(file: FileHandle, offset: number): Promise<Buffer> {
  const { size } = await file.stat();
  if (size <= offset) return Buffer.alloc(0);
  const buffer = Buffer.alloc(size - offset);
  const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
  return buffer.subarray(0, bytesRead);
}
