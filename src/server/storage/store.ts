// The versioned object store behind the local API server: one global, strictly increasing resourceVersion
// (each write takes the next integer, like an etcd revision), optimistic concurrency, a bounded event history
// for watches and "as of" lists, watch fan-out, and optional durability (datadir.ts).
//
// Visibility: a write becomes visible to get/list/watch only once committed — immediately in memory mode,
// after its batch's fsync with a data dir. Writes see staged-but-uncommitted writes, so conflicts and
// AlreadyExists are decided in rv order.
import { randomUUID } from "node:crypto";
import type { KubeObject, StoredObject } from "../../meta/types.ts";
import type { RawState, SnapshotRow } from "./datadir.ts";
import { DataDir } from "./datadir.ts";
import type { Entry, EventType, ResourceIndexer, StoreEvent } from "./entry.ts";
import { indexJson, makeEntry, restamp, serialize, spliceRV } from "./entry.ts";
import {
  alreadyExists,
  CONFLICT_MODIFIED,
  conflict,
  expired,
  notFound,
  tooLarge,
  unavailable,
} from "./errors.ts";
import { GroupCommit } from "./group-commit.ts";
import { History } from "./history.ts";
import { LoadedEntries } from "./loaded.ts";
import { encodeDelete, encodePut } from "./records.ts";
import type { ListOptions, ListResult, PastStates } from "./table.ts";
import { ResourceTable } from "./table.ts";
import { StorageView, type ViewDefinition } from "./view.ts";
import { WatchHub } from "./watch-hub.ts";

export interface StoreOptions {
  /** Directory for the write-ahead log and snapshots; in-memory only when unset. */
  dataDir?: string;
  /** Events kept for watches and "as of" lists (default 10,000). */
  historySize?: number;
  /** fsync each commit batch (default true). Without it a kill -9 still loses nothing; a power cut may. */
  fsync?: boolean;
  /** Snapshot and start a new log once the log exceeds this many bytes (default 64 MiB). */
  compactBytes?: number;
  /** Shorthand for calling register() for each right after open. */
  resources?: Record<string, ResourceIndexer>;
}

export interface Preconditions {
  /** resourceVersion the caller last saw; a different current one → Conflict. */
  expectedRV?: number;
  expectedUID?: string;
}

export interface WatchOptions {
  /** One namespace; undefined or "" = all. */
  namespace?: string;
  /** Deliver events with rv > fromRV: history first (synchronously, inside watch()), then live ones. */
  fromRV: number;
}

interface Change {
  type: EventType;
  table: ResourceTable;
  key: string;
  entry: Entry;
  prev?: Entry;
}

/** A change queued for the next durable batch, with its log line. */
interface Staged {
  change: Change;
  line: string;
}

/** A staged change that later writes must see; `done` settles with its batch. */
interface Pending {
  change: Change;
  done: Promise<void>;
}

const DEFAULT_HISTORY = 10_000;
const DEFAULT_COMPACT_BYTES = 64 * 1024 * 1024;
/** How often a failed data dir is probed for writability. */
const RECOVERY_PROBE_MS = 1000;

/** Both update and delete refuse to act on a different incarnation of the object. */
function checkUID(
  resource: string,
  namespace: string,
  name: string,
  key: string,
  current: Entry,
  opts: Preconditions,
): void {
  if (opts.expectedUID !== undefined && opts.expectedUID !== current.uid) {
    throw conflict(
      resource,
      namespace,
      name,
      uidPreconditionFailed(resource, key, opts.expectedUID, current.uid),
    );
  }
}

export class Store {
  private readonly tables = new Map<string, ResourceTable>();
  /** Resources served from another resource's storage (view.ts). */
  private readonly views = new Map<string, StorageView>();
  /** Objects replayed from disk for resources nobody registered yet; indexed on register(). */
  private readonly unindexed: RawState;
  private readonly hub = new WatchHub();
  private readonly history: History;
  private readonly disk: DataDir | undefined;
  private readonly commits: GroupCommit<Staged> | undefined;
  /** Newest staged change per "resource\0key", until committed. */
  private readonly staged = new Map<string, Pending>();
  private readonly compactBytes: number;
  /** Readers waiting for a resourceVersion to be committed (waitUntilFresh). */
  private readonly freshWaiters = new Set<{ rv: number; settle(fresh: boolean): void }>();
  private committedRV: number;
  private assignedRV: number;
  private snapshotting: Promise<void> | undefined;
  /** Serializes log appends with explicit compactions (rotation must fall between batches). */
  private diskTurn: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Loaded records lacked a usable index (an older data dir): the first batch rewrites the snapshot. */
  private migrate = false;
  private recovering: NodeJS.Timeout | undefined;

  private constructor(opts: StoreOptions, rv: number, disk: DataDir | undefined, loaded: RawState) {
    this.committedRV = rv;
    this.assignedRV = rv;
    this.history = new History(opts.historySize ?? DEFAULT_HISTORY, rv);
    this.disk = disk;
    this.compactBytes = opts.compactBytes ?? DEFAULT_COMPACT_BYTES;
    this.unindexed = loaded;
    this.commits = disk ? new GroupCommit((batch) => this.flush(batch)) : undefined;
    for (const [resource, indexer] of Object.entries(opts.resources ?? {})) this.register(resource, indexer);
  }

  static async open(opts: StoreOptions = {}): Promise<Store> {
    if (!opts.dataDir) return new Store(opts, 0, undefined, new Map());
    const { dataDir, state, rv } = await DataDir.open(opts.dataDir, opts.fsync ?? true);
    return new Store(opts, rv, dataDir, state);
  }

  register(resource: string, indexer: ResourceIndexer): void {
    if (this.tables.has(resource)) throw new Error(`storage: resource ${resource} is already registered`);
    const table = new ResourceTable(resource, indexer);
    const loaded = new LoadedEntries(resource, indexer);
    for (const [key, raw] of this.unindexed.get(resource) ?? []) table.put(key, loaded.entry(key, raw));
    if (loaded.parsedWithoutIndex) this.migrate = true;
    this.unindexed.delete(resource);
    this.tables.set(resource, table);
  }

  /** Serves `resource` from `def.target`'s storage, converting on the way in and out (view.ts). */
  view(resource: string, def: ViewDefinition): void {
    if (this.tables.has(resource) || this.views.has(resource))
      throw new Error(`storage: resource ${resource} is already registered`);
    this.views.set(resource, new StorageView(resource, def));
  }

  /** Events the history holds (the watch cache's capacity, which sizes a watcher's buffer). */
  get historyCapacity(): number {
    return this.history.capacity;
  }

  /** The resourceVersion of the newest committed write (what a list or get reflects). */
  currentRV(): number {
    return this.committedRV;
  }

  /**
   * Resolves true once the store has committed `rv`, false after `timeoutMs` (the watch cache's
   * waitUntilFreshAndBlock: a read "not older than" a version a client saw elsewhere waits for it).
   */
  waitUntilFresh(rv: number, timeoutMs: number): Promise<boolean> {
    if (rv <= this.committedRV) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { rv, settle: (_fresh: boolean) => {} };
      const timer = setTimeout(() => waiter.settle(false), timeoutMs);
      waiter.settle = (fresh) => {
        clearTimeout(timer);
        this.freshWaiters.delete(waiter);
        resolve(fresh);
      };
      this.freshWaiters.add(waiter);
    });
  }

  /** Oldest resourceVersion still served by watch and "as of" lists; older → Expired. */
  oldestRV(): number {
    return this.history.floorRV;
  }

  get(resource: string, namespace: string, name: string): Entry | undefined {
    const view = this.views.get(resource);
    if (view) return this.viewed(view, this.get(view.target, namespace, name));
    const table = this.table(resource);
    return table.get(table.keyOf(namespace, name));
  }

  /**
   * The newest state, staged (not yet durable) writes included: what a read-modify-write starts from, as
   * etcd's GuaranteedUpdate reads the latest revision. Reads for clients use get(), which shows only
   * committed state.
   */
  getLatest(resource: string, namespace: string, name: string): Entry | undefined {
    const view = this.views.get(resource);
    if (view) return this.viewed(view, this.getLatest(view.target, namespace, name));
    const table = this.table(resource);
    return this.latest(table, table.keyOf(namespace, name));
  }

  /**
   * Sorted by storage key (etcd order, see keys.ts); startAfter is exclusive; filter applies before limit.
   * With atRV (continue tokens, resourceVersionMatch=Exact): as of that version, or Expired/TooLarge.
   */
  list(resource: string, opts: ListOptions = {}): ListResult {
    const view = this.views.get(resource);
    if (view) {
      const filter = opts.filter;
      const result = this.list(view.target, {
        ...opts,
        ...(filter ? { filter: (e: Entry) => filter(view.entry(e)) } : {}),
      });
      return { ...result, items: result.items.map((e) => view.entry(e)) };
    }
    const table = this.table(resource);
    const atRV = opts.atRV;
    if (atRV === undefined || atRV === this.committedRV) return table.list(this.committedRV, opts);
    if (atRV > this.committedRV) throw tooLarge(atRV, this.committedRV);
    if (atRV < this.history.floorRV) throw expired(atRV, this.history.floorRV);
    return table.list(atRV, opts, this.pastStates(table, atRV));
  }

  count(resource: string, namespace?: string): number {
    const view = this.views.get(resource);
    if (view) return this.count(view.target, namespace);
    return this.table(resource).count(namespace);
  }

  /** Stamps metadata.resourceVersion (uid generated if missing); resolves once committed (durable). */
  async create(resource: string, obj: StoredObject | KubeObject): Promise<Entry> {
    const view = this.views.get(resource);
    if (view) return view.entry(await this.create(view.target, view.toStorage(obj)));
    const table = this.writableTable(resource);
    const { namespace, name, key } = this.identify(table, obj);
    if (this.latest(table, key)) throw alreadyExists(resource, namespace, name);
    const rv = this.assignedRV + 1;
    const s = serialize(obj, rv, obj.metadata?.uid || randomUUID());
    const entry = makeEntry(
      resource,
      namespace,
      s.object,
      rv,
      s.json,
      s.rvAt,
      table.indexer.fields(s.object),
    );
    this.assignedRV = rv;
    return this.commit({ type: "ADDED", table, key, entry });
  }

  /** Replaces the object; an unchanged object is not rewritten and keeps its resourceVersion (like etcd3). */
  async update(resource: string, obj: KubeObject, opts: Preconditions = {}): Promise<Entry> {
    const view = this.views.get(resource);
    if (view) return view.entry(await this.update(view.target, view.toStorage(obj), opts));
    const table = this.writableTable(resource);
    const { namespace, name, key } = this.identify(table, obj);
    const current = this.latest(table, key);
    if (!current) throw notFound(resource, namespace, name);
    checkUID(resource, namespace, name, key, current, opts);
    if (opts.expectedRV !== undefined && opts.expectedRV !== current.rv) {
      throw conflict(resource, namespace, name, CONFLICT_MODIFIED);
    }
    const s = serialize(obj, current.rv, obj.metadata?.uid || current.uid);
    if (s.json === current.json) return this.whenCommitted(resource, key, current);
    const rv = this.assignedRV + 1;
    s.object.metadata.resourceVersion = String(rv);
    const json = spliceRV(s.json, s.rvAt, current.rv, rv);
    const entry = makeEntry(resource, namespace, s.object, rv, json, s.rvAt, table.indexer.fields(s.object));
    this.assignedRV = rv;
    return this.commit({ type: "MODIFIED", table, key, entry, prev: current });
  }

  /** Resolves with the last state stamped with the deletion's resourceVersion (what DELETED events carry). */
  async delete(resource: string, namespace: string, name: string, opts: Preconditions = {}): Promise<Entry> {
    const view = this.views.get(resource);
    if (view) return view.entry(await this.delete(view.target, namespace, name, opts));
    const table = this.writableTable(resource);
    const key = table.keyOf(namespace, name);
    const current = this.latest(table, key);
    if (!current) throw notFound(resource, namespace, name);
    checkUID(resource, namespace, name, key, current, opts);
    if (opts.expectedRV !== undefined && opts.expectedRV !== current.rv) {
      throw conflict(
        resource,
        namespace,
        name,
        rvPreconditionFailed(resource, key, opts.expectedRV, current.rv),
      );
    }
    const rv = this.assignedRV + 1;
    const entry = restamp(current, rv);
    this.assignedRV = rv;
    return this.commit({ type: "DELETED", table, key, entry, prev: current });
  }

  /**
   * Events with rv > fromRV for the resource (one namespace if given). Historical ones are delivered before
   * this returns, live ones synchronously as each write commits, always in rv order. RV 0/unset semantics
   * (synthetic ADDED) are the caller's: list, then watch from the list's rv.
   */
  watch(resource: string, opts: WatchOptions, onEvent: (ev: StoreEvent) => void): { stop(): void } {
    const view = this.views.get(resource);
    if (view) return this.watch(view.target, opts, (ev) => onEvent(view.event(ev)));
    const table = this.table(resource);
    if (opts.fromRV > this.committedRV) throw tooLarge(opts.fromRV, this.committedRV);
    if (opts.fromRV < this.history.floorRV) throw expired(opts.fromRV, this.history.floorRV);
    const namespace = table.indexer.namespaced && opts.namespace ? opts.namespace : undefined;
    return this.hub.add(resource, namespace, opts.fromRV, onEvent, (deliver) => {
      for (const ev of this.history.since(opts.fromRV)) {
        if (ev.entry.resource === resource && (namespace === undefined || ev.entry.namespace === namespace)) {
          deliver(ev);
        }
      }
    });
  }

  private viewed(view: StorageView, entry: Entry | undefined): Entry | undefined {
    return entry && view.entry(entry);
  }

  watcherCount(resource?: string): number {
    return this.hub.count(resource);
  }

  /** Snapshot now and start a fresh log (no-op in memory mode). Resolves when the snapshot is durable. */
  async compact(): Promise<void> {
    if (!this.disk) return;
    await this.exclusive(async () => {
      await this.snapshotting;
      await this.rotateAndSnapshot();
    });
    await this.snapshotting;
  }

  /** Waits for pending writes and any snapshot, then releases the data dir. Watchers are dropped. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.recovering);
    for (const w of this.freshWaiters) w.settle(false);
    await this.commits?.idle();
    await this.snapshotting;
    this.hub.clear();
    await this.disk?.close();
  }

  private table(resource: string): ResourceTable {
    const table = this.tables.get(resource);
    if (!table) throw new Error(`storage: resource ${resource} is not registered`);
    return table;
  }

  private writableTable(resource: string): ResourceTable {
    if (this.closed) throw new Error("storage: store is closed");
    if (this.commits?.failed) throw this.commits.failed;
    return this.table(resource);
  }

  /** Undefined while writes work; else why not (the readiness check reports it). */
  health(): string | undefined {
    return this.commits?.failed?.message;
  }

  /** After a failed write, probe the data dir until it takes writes again, then accept writes (no restart). */
  private recoverLater(): void {
    if (this.recovering || this.closed) return;
    const disk = this.disk as DataDir;
    const attempt = async () => {
      if (this.closed) return;
      try {
        await this.exclusive(() => disk.probe());
        this.commits?.recover();
        this.recovering = undefined;
      } catch {
        this.recovering = setTimeout(attempt, RECOVERY_PROBE_MS);
        this.recovering.unref();
      }
    };
    this.recovering = setTimeout(attempt, RECOVERY_PROBE_MS);
    this.recovering.unref();
  }

  private identify(table: ResourceTable, obj: KubeObject): { namespace: string; name: string; key: string } {
    const name = obj.metadata?.name;
    if (!name) throw new Error(`storage: ${table.resource} object without metadata.name`);
    const namespace = table.indexer.namespaced ? (obj.metadata?.namespace ?? "") : "";
    if (table.indexer.namespaced && !namespace) {
      throw new Error(`storage: namespaced ${table.resource} object without metadata.namespace`);
    }
    return { namespace, name, key: table.keyOf(namespace, name) };
  }

  /** The newest state a write must be checked against: staged (not yet durable) or committed. */
  private latest(table: ResourceTable, key: string): Entry | undefined {
    const staged = this.staged.get(stagedKey(table.resource, key));
    if (staged) return staged.change.type === "DELETED" ? undefined : staged.change.entry;
    return table.get(key);
  }

  /** A no-op update must not be acknowledged before the state it confirms is durable. */
  private async whenCommitted(resource: string, key: string, entry: Entry): Promise<Entry> {
    await this.staged.get(stagedKey(resource, key))?.done;
    return entry;
  }

  private async commit(change: Change): Promise<Entry> {
    if (!this.commits) {
      this.apply(change);
      return change.entry;
    }
    const { resource } = change.table;
    const line =
      change.type === "DELETED"
        ? encodeDelete(resource, change.key, change.entry.rv)
        : encodePut(resource, change.key, change.entry.rv, change.entry.json, indexJson(change.entry));
    const pending: Pending = { change, done: this.commits.submit({ change, line }) };
    const k = stagedKey(resource, change.key);
    this.staged.set(k, pending);
    try {
      await pending.done;
    } finally {
      if (this.staged.get(k) === pending) this.staged.delete(k);
    }
    return change.entry;
  }

  /** Group-commit callback: one append + fsync for the batch, then make it visible in rv order. */
  private flush(batch: Staged[]): Promise<void> {
    return this.exclusive(async () => {
      const disk = this.disk as DataDir;
      try {
        await disk.append(batch.map((s) => s.line).join(""));
      } catch (err) {
        this.recoverLater();
        throw unavailable(err as Error);
      }
      for (const s of batch) this.apply(s.change);
      // The batch is durable and applied: a failed rotation must not fail its writes.
      if (!this.snapshotting && (disk.logBytes > this.compactBytes || this.migrate)) {
        this.migrate = false;
        await this.rotateAndSnapshot().catch((err: Error) =>
          process.emitWarning(`storage: log rotation failed: ${err.message}`),
        );
      }
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const turn = this.diskTurn.then(fn);
    this.diskTurn = turn.catch(() => undefined);
    return turn;
  }

  private apply(change: Change): void {
    const { table, key, entry, type } = change;
    if (type === "DELETED") table.remove(key);
    else table.put(key, entry);
    this.committedRV = entry.rv;
    const ev: StoreEvent = change.prev
      ? { type, rv: entry.rv, entry, prev: change.prev }
      : { type, rv: entry.rv, entry };
    this.history.push(ev);
    this.hub.publish(ev);
    for (const w of this.freshWaiters) if (w.rv <= entry.rv) w.settle(true);
  }

  /** Runs between batches: the new log starts right after the captured state; the snapshot writes behind. */
  private async rotateAndSnapshot(): Promise<void> {
    const disk = this.disk as DataDir;
    const rv = this.committedRV;
    await disk.rotate(rv + 1);
    const rows = this.captureRows();
    this.snapshotting = disk
      .writeSnapshot(rv, rows)
      .catch((err: Error) => process.emitWarning(`storage: snapshot at rv ${rv} failed: ${err.message}`))
      .finally(() => {
        this.snapshotting = undefined;
      });
  }

  /** References to the current (immutable) entries, so the snapshot is consistent while writes go on. */
  private captureRows(): SnapshotRow[] {
    const rows: SnapshotRow[] = [];
    for (const table of this.tables.values()) {
      for (const [key, e] of table.entries())
        rows.push({ resource: table.resource, key, rv: e.rv, json: e.json, index: indexJson(e) });
    }
    for (const [resource, objects] of this.unindexed) {
      for (const [key, raw] of objects)
        rows.push({ resource, key, rv: raw.rv, json: raw.json, index: raw.index });
    }
    return rows;
  }

  /** Each key's state at atRV where it changed since: the prev of its first later event (null if ADDED). */
  private pastStates(table: ResourceTable, atRV: number): PastStates {
    const past = new Map<string, Entry | null>();
    for (const ev of this.history.since(atRV)) {
      if (ev.entry.resource !== table.resource) continue;
      const key = table.keyOf(ev.entry.namespace, ev.entry.name);
      if (!past.has(key)) past.set(key, ev.type === "ADDED" ? null : (ev.prev ?? null));
    }
    return past;
  }
}

function stagedKey(resource: string, key: string): string {
  return `${resource}\u0000${key}`;
}

/** etcd key as upstream's StorageError prints it (group suffix dropped: /registry/roles/…, not …rbac…). */
function registryKey(resource: string, key: string): string {
  return `/registry/${resource.split(".")[0]}/${key}`;
}

function uidPreconditionFailed(resource: string, key: string, expected: string, actual: string): string {
  return invalidObject(
    resource,
    key,
    `Precondition failed: UID in precondition: ${expected}, UID in object meta: ${actual}`,
  );
}

function rvPreconditionFailed(resource: string, key: string, expected: number, actual: number): string {
  return invalidObject(
    resource,
    key,
    `Precondition failed: ResourceVersion in precondition: ${expected}, ResourceVersion in object meta: ${actual}`,
  );
}

/** storage.NewInvalidObjError(...).Error(), which upstream wraps into the Conflict message. */
function invalidObject(resource: string, key: string, msg: string): string {
  return `StorageError: invalid object, Code: 4, Key: ${registryKey(resource, key)}, ResourceVersion: 0, AdditionalErrorMsg: ${msg}`;
}
