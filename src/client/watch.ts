// A watch that keeps going: an async iterable of events that survives stream ends, server timeouts, dead
// connections and expired resourceVersions, and surfaces only what a human must act on (typed errors).
//
// Contract for consumers — apply events in order and your state equals the server's:
// - Without `resourceVersion`, the watch starts with the current state: one ADDED per object, then SYNCED.
// - Event types are normalised against what this watch already emitted: ADDED = first time you hear of the
//   object, MODIFIED = a new version of one you have, DELETED = gone. Duplicates (same resourceVersion) are
//   dropped; an object re-created under the same name (new uid) arrives as DELETED then ADDED.
// - 410 Gone (HTTP, or an ERROR event: history compacted) → relist. The relist is diffed against what was
//   emitted: ADDED/MODIFIED/DELETED (flag `synthetic`) for what changed in the gap, then SYNCED with
//   relist: true. DELETED found this way carries only metadata (name, namespace, uid, resourceVersion).
// - Stream end, server timeout (random 5–10 min, like client-go), inactivity (DEFAULT_INACTIVITY_TIMEOUT_MS),
//   connection loss: resume from the last resourceVersion (BOOKMARKs included), backing off 0.8 s → 30 s
//   with jitter on failures, reset after 2 healthy minutes. Reported through onStatus, never thrown.
// - Everything else (401, 403, 404, 5xx after the transport's retries, non-410 ERROR events) is thrown as a
//   typed ApiError. Iterating the same Watcher again resumes where it stopped (the informer does this).
// - useWatchList: the initial state comes from one streaming watch (sendInitialEvents=true) ending at the
//   BOOKMARK annotated k8s.io/initial-events-end; a 4xx rejection or no such bookmark within
//   watchListTimeoutMs of silence falls back to LIST+WATCH for good.
// - Aborting `signal` (or breaking out of the loop) ends the iteration quietly.
import type { ObjectMeta } from "kubernetes-types/meta/v1.d.ts";
import type { Status } from "../meta/status.ts";
import { Backoff, type BackoffOptions, sleep } from "./backoff.ts";
import { ApiError, ConnectionError, errorFromStatus, isGone, parseStatus, reasonForCode } from "./errors.ts";
import { loadForbiddenFix } from "./explain-forbidden.ts";
import { listPages, type ObjectList, type PageRequest } from "./list.ts";
import { WatchDecodeError } from "./watch-decoder.ts";
import type { WatchStream } from "./watch-stream.ts";

/** The least an API object has. Typed kinds from kubernetes-types (Pod, Deployment…) fit it. */
export interface ApiObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export type ObjectEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface ObjectEvent<T> {
  type: ObjectEventType;
  object: T;
  /** objectKey(object): "namespace/name" (or "name"), the one string the watcher and a Store key it by. */
  key: string;
  /** Produced by a (re)list diff rather than sent by the server's watch. */
  synthetic?: boolean;
}

/** Only with emitBookmarks: the object holds just kind, apiVersion and metadata.resourceVersion. */
export interface BookmarkEvent {
  type: "BOOKMARK";
  object: ApiObject;
}

/** Everything up to here is the full current state (initial list, or a relist after 410). */
export interface SyncedEvent {
  type: "SYNCED";
  resourceVersion: string;
  relist: boolean;
}

export type WatchEvent<T> = ObjectEvent<T> | BookmarkEvent | SyncedEvent;

export interface WatchQuery {
  resourceVersion?: string;
  timeoutSeconds: number;
  allowWatchBookmarks: true;
  sendInitialEvents?: true;
  resourceVersionMatch?: "NotOlderThan";
}

/** Where the watcher gets lists and watch streams (HTTP in api.ts; fakes in tests). */
export interface WatchSource<T> {
  /** Collection path, for error messages. */
  readonly path: string;
  list(page: PageRequest, signal: AbortSignal): Promise<ObjectList<T>>;
  watch(query: WatchQuery, signal: AbortSignal): Promise<WatchStream>;
}

export interface WatchStatus {
  /** listing: fetching the state; watching: a stream is open; retrying: waiting after a network failure. */
  phase: "listing" | "watching" | "retrying";
  error?: Error;
  delayMs?: number;
}

export interface WatcherOptions {
  /** Start from this resourceVersion instead of listing first (no initial ADDED events). */
  resourceVersion?: string;
  /** Initial state through a streaming watch (sendInitialEvents) instead of a paged LIST. Default false. */
  useWatchList?: boolean;
  /** Silence allowed while waiting for the initial-events-end bookmark. Default 10 s. */
  watchListTimeoutMs?: number;
  /** Yield BOOKMARK events (they are always used internally). Default false. */
  emitBookmarks?: boolean;
  /** Page size of (re)lists. Default 500. */
  pageSize?: number;
  signal?: AbortSignal;
  onStatus?: (status: WatchStatus) => void;
  backoff?: BackoffOptions;
  random?: () => number;
  /**
   * Where the watcher remembers what it emitted (default: a map of its own). An informer lends its store,
   * whose objects carry the same facts, so a big cache is not remembered twice.
   */
  known?: KnownObjects;
}

/** What a watcher remembers of an object it emitted. */
export interface Known {
  resourceVersion?: string;
  uid?: string;
}

/**
 * What the watcher emitted, by key. A lender (an informer's store) applies every event before it asks for
 * the next one, so it is already up to date: remember() and forget() are for the watcher's own map.
 */
export interface KnownObjects {
  readonly size: number;
  get(key: string): Known | undefined;
  /** A copy of every entry: deletions are emitted while it is walked. */
  entries(): [string, Known][];
  remember(key: string, known: Known): void;
  forget(key: string): void;
}

class KnownMap implements KnownObjects {
  readonly #map = new Map<string, Known>();
  get size(): number {
    return this.#map.size;
  }
  get(key: string): Known | undefined {
    return this.#map.get(key);
  }
  entries(): [string, Known][] {
    return [...this.#map];
  }
  remember(key: string, known: Known): void {
    this.#map.set(key, known);
  }
  forget(key: string): void {
    this.#map.delete(key);
  }
}

export const INITIAL_EVENTS_END = "k8s.io/initial-events-end";
const MIN_HEALTHY_STREAM_MS = 1000;

type StreamOutcome = "ended" | "expired";

export class Watcher<T extends ApiObject> implements AsyncIterable<WatchEvent<T>> {
  readonly #source: WatchSource<T>;
  readonly #options: WatcherOptions;
  readonly #backoff: Backoff;
  readonly #known: KnownObjects;
  readonly #random: () => number;
  #resourceVersion: string | undefined;
  #needsSync: boolean;
  #synced: boolean;
  #useWatchList: boolean;
  #received = 0;
  #typeMeta: { apiVersion?: string; kind?: string } = {};

  constructor(source: WatchSource<T>, options: WatcherOptions = {}) {
    this.#source = source;
    this.#options = options;
    this.#backoff = new Backoff(options.backoff);
    this.#random = options.random ?? Math.random;
    this.#known = options.known ?? new KnownMap();
    this.#resourceVersion = options.resourceVersion;
    this.#needsSync = options.resourceVersion === undefined;
    // Starting from a resourceVersion means the caller holds a state: a later full list replaces it.
    this.#synced = !this.#needsSync;
    this.#useWatchList = options.useWatchList ?? false;
  }

  /** The last resourceVersion seen (events, bookmarks, lists): where a resumed watch starts. */
  get resourceVersion(): string | undefined {
    return this.#resourceVersion;
  }

  /** Whether streaming lists are (still) in use: false after a fallback to LIST+WATCH. */
  get usingWatchList(): boolean {
    return this.#useWatchList;
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    return this.events();
  }

  async *events(): AsyncGenerator<WatchEvent<T>> {
    for await (const batch of this.batches()) yield* batch;
  }

  /**
   * The same events, a batch at a time (a list page, a watch event): one asynchronous step per batch instead
   * of per event, which at 150,000 objects is most of a sync's garbage. Each batch applies its events as it
   * is iterated, so iterate it to the end before asking for the next one (the informer does this).
   */
  async *batches(): AsyncGenerator<Iterable<WatchEvent<T>>> {
    const userSignal = this.#options.signal;
    if (userSignal?.aborted) return;
    const controller = new AbortController();
    const onAbort = () => controller.abort(userSignal?.reason);
    userSignal?.addEventListener("abort", onAbort, { once: true });
    const signal = controller.signal;
    try {
      while (!signal.aborted) {
        try {
          if (this.#needsSync) yield* this.#sync(signal);
          else yield* this.#watch(signal);
        } catch (error) {
          if (signal.aborted) return;
          if (!resumable(error)) throw error;
          const delayMs = this.#backoff.next();
          this.#options.onStatus?.({ phase: "retrying", error: error as Error, delayMs });
          await sleep(delayMs, signal).catch(() => undefined);
        }
      }
    } finally {
      userSignal?.removeEventListener("abort", onAbort);
      controller.abort();
    }
  }

  async *#sync(signal: AbortSignal): AsyncGenerator<Iterable<WatchEvent<T>>> {
    this.#options.onStatus?.({ phase: "listing" });
    if (this.#useWatchList && (yield* this.#watchListSync(signal))) return;
    yield* this.#listSync(signal);
  }

  async *#listSync(signal: AbortSignal): AsyncGenerator<Iterable<WatchEvent<T>>> {
    // What the list lacks is deleted; when nothing was emitted yet there is nothing to compare (the first
    // sync of a big cache would otherwise hold a second set of every key).
    let seen = this.#known.size > 0 ? new Set<string>() : undefined;
    let resourceVersion = "";
    const pages = listPages((page) => this.#source.list(page, signal), {
      pageSize: this.#options.pageSize,
      onExpired: "restart",
    });
    for await (const { list, restarted } of pages) {
      if (restarted) seen = new Set();
      yield this.#listed(list, seen);
      resourceVersion = list.metadata?.resourceVersion ?? resourceVersion;
    }
    yield this.#finishSync(seen, resourceVersion);
  }

  *#listed(list: ObjectList<T>, seen: Set<string> | undefined): Generator<WatchEvent<T>> {
    const typeMeta = itemTypeMeta(list);
    for (const item of list.items ?? []) {
      const object = withTypeMeta(item, typeMeta);
      const key = objectKey(object);
      seen?.add(key);
      yield* this.#apply("ADDED", object, true, key);
    }
  }

  /** Returns false when the server does not do streaming lists (the caller lists instead). */
  async *#watchListSync(signal: AbortSignal): AsyncGenerator<Iterable<WatchEvent<T>>, boolean> {
    let stream: WatchStream;
    try {
      stream = await this.#source.watch(
        {
          resourceVersion: "",
          timeoutSeconds: this.#timeoutSeconds(),
          allowWatchBookmarks: true,
          sendInitialEvents: true,
          resourceVersionMatch: "NotOlderThan",
        },
        signal,
      );
    } catch (error) {
      if (error instanceof ApiError && rejectsParameters(error)) this.#useWatchList = false;
      if (error instanceof ApiError || error instanceof ConnectionError) return false;
      throw error;
    }
    this.#options.onStatus?.({ phase: "watching" });
    const limit = this.#options.watchListTimeoutMs ?? 10_000;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const initial = {
      seen: new Set<string>(),
      done: false,
      arm: () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          timedOut = true;
          stream.close();
        }, limit);
      },
      disarm: () => clearTimeout(timer),
    };
    initial.arm();
    const release = closeOnAbort(stream, signal);
    try {
      const outcome = yield* this.#consume(stream, initial);
      if (timedOut && !initial.done) {
        // Accepted the parameters but never marked the end of the initial state: not supported here.
        this.#useWatchList = false;
        return false;
      }
      if (!initial.done) return false;
      if (outcome === "expired") this.#needsSync = true;
      return true;
    } finally {
      initial.disarm();
      release();
    }
  }

  async *#watch(signal: AbortSignal): AsyncGenerator<Iterable<WatchEvent<T>>> {
    let stream: WatchStream;
    try {
      stream = await this.#source.watch(
        {
          resourceVersion: this.#resourceVersion,
          timeoutSeconds: this.#timeoutSeconds(),
          allowWatchBookmarks: true,
        },
        signal,
      );
    } catch (error) {
      if (isGone(error)) {
        this.#needsSync = true;
        return;
      }
      throw error;
    }
    this.#options.onStatus?.({ phase: "watching" });
    const openedAt = Date.now();
    const receivedBefore = this.#received;
    const release = closeOnAbort(stream, signal);
    try {
      const outcome = yield* this.#consume(stream);
      if (outcome === "expired") {
        this.#needsSync = true;
        return;
      }
    } finally {
      release();
    }
    if (this.#received === receivedBefore && Date.now() - openedAt < MIN_HEALTHY_STREAM_MS) {
      // A server that closes every watch at once would otherwise be hammered in a tight loop.
      throw new ConnectionError("the watch closed immediately without events", {
        code: "WATCH_CLOSED",
        method: "GET",
        path: this.#source.path,
        server: "",
      });
    }
  }

  /** Reads one stream. With `initial`, the stream starts with the state and ends that phase at the bookmark. */
  async *#consume(
    stream: WatchStream,
    initial?: { seen: Set<string>; done: boolean; arm(): void; disarm(): void },
  ): AsyncGenerator<Iterable<WatchEvent<T>>, StreamOutcome> {
    for await (const raw of stream.events) {
      this.#received++;
      const inInitialPhase = initial !== undefined && !initial.done;
      if (inInitialPhase) initial.disarm();
      switch (raw.type) {
        case "ADDED":
        case "MODIFIED":
        case "DELETED": {
          const object = raw.object as T;
          this.#rememberTypeMeta(object);
          if (inInitialPhase) {
            const key = objectKey(object);
            initial.seen.add(key);
            yield this.#apply(raw.type, object, false, key);
          } else {
            this.#noteResourceVersion(object);
            yield this.#apply(raw.type, object, false);
          }
          break;
        }
        case "BOOKMARK": {
          const object = raw.object as ApiObject;
          if (inInitialPhase && object.metadata?.annotations?.[INITIAL_EVENTS_END] === "true") {
            initial.done = true;
            yield this.#finishSync(initial.seen, object.metadata?.resourceVersion ?? "");
          } else if (!inInitialPhase) {
            this.#noteResourceVersion(object);
            if (this.#options.emitBookmarks) yield [{ type: "BOOKMARK", object }];
          }
          break;
        }
        case "ERROR": {
          const status = parseStatus(raw.object) ?? unknownStatus(raw.object);
          if (status.code === 410) return "expired";
          if (status.code === 403) await loadForbiddenFix(); // so that the ForbiddenError's explain() can propose the fix
          throw errorFromStatus(status, { method: "GET", path: this.#source.path });
        }
        default:
          throw new WatchDecodeError(`unknown watch event type ${JSON.stringify(raw.type)}`);
      }
      if (initial !== undefined && !initial.done) initial.arm();
    }
    return "ended";
  }

  /**
   * Emits deletions for what the new state lacks (`seen`: what it has; undefined: all that was emitted),
   * records its resourceVersion, and marks the sync.
   */
  *#finishSync(seen: Set<string> | undefined, resourceVersion: string): Generator<WatchEvent<T>> {
    for (const [key, known] of seen ? this.#known.entries() : []) {
      if (seen?.has(key)) continue;
      this.#known.forget(key);
      yield { type: "DELETED", object: this.#tombstone(key, known), key, synthetic: true };
    }
    const relist = this.#synced;
    this.#synced = true;
    this.#needsSync = false;
    this.#resourceVersion = resourceVersion;
    yield { type: "SYNCED", resourceVersion, relist };
  }

  /** Normalises one event against what was emitted before (see the contract at the top). */
  *#apply(
    type: ObjectEventType,
    object: T,
    synthetic: boolean,
    key = objectKey(object),
  ): Generator<ObjectEvent<T>> {
    const previous = this.#known.get(key);
    const meta = object.metadata ?? {};
    const flag = synthetic ? { synthetic: true } : {};
    if (type === "DELETED") {
      this.#known.forget(key);
      yield { type, object, key, ...flag };
      return;
    }
    if (
      previous &&
      previous.resourceVersion !== undefined &&
      previous.resourceVersion === meta.resourceVersion
    )
      return;
    this.#known.remember(key, { resourceVersion: meta.resourceVersion, uid: meta.uid });
    if (previous?.uid && meta.uid && previous.uid !== meta.uid) {
      yield { type: "DELETED", object: this.#tombstone(key, previous), key, synthetic: true };
      yield { type: "ADDED", object, key, ...flag };
      return;
    }
    yield { type: previous ? "MODIFIED" : "ADDED", object, key, ...flag };
  }

  #tombstone(key: string, known: Known): T {
    const slash = key.indexOf("/");
    const metadata: ObjectMeta = {
      ...(slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) }),
      ...(known.uid ? { uid: known.uid } : {}),
      ...(known.resourceVersion ? { resourceVersion: known.resourceVersion } : {}),
    };
    return { ...this.#typeMeta, metadata } as T;
  }

  #noteResourceVersion(object: ApiObject): void {
    const rv = object.metadata?.resourceVersion;
    if (rv) this.#resourceVersion = rv;
  }

  #rememberTypeMeta(object: ApiObject): void {
    if (this.#typeMeta.kind === undefined && object.kind)
      this.#typeMeta = { apiVersion: object.apiVersion, kind: object.kind };
  }

  #timeoutSeconds(): number {
    return 300 + Math.floor(this.#random() * 300);
  }
}

/** Closes the stream when the watch is aborted (whatever the source does with the signal); returns the cleanup. */
function closeOnAbort(stream: WatchStream, signal: AbortSignal): () => void {
  const onAbort = () => stream.close();
  signal.addEventListener("abort", onAbort, { once: true });
  return () => {
    signal.removeEventListener("abort", onAbort);
    stream.close();
  };
}

/** Failures the watcher absorbs (reconnect with backoff); everything else is for the caller. */
function resumable(error: unknown): boolean {
  return error instanceof ConnectionError || error instanceof WatchDecodeError;
}

/** A server that does not know sendInitialEvents/resourceVersionMatch on watches rejects them with 4xx. */
function rejectsParameters(error: ApiError): boolean {
  return error.code >= 400 && error.code < 500 && ![401, 403, 404, 410, 429].includes(error.code);
}

export function objectKey(object: ApiObject): string {
  const meta = object.metadata ?? {};
  return meta.namespace ? namespacePrefix(meta.namespace) + (meta.name ?? "") : (meta.name ?? "");
}

/** "namespace/", one string per namespace that every key of it shares (V8 keeps `prefix + name` as a pair). */
const prefixes = new Map<string, string>();
function namespacePrefix(namespace: string): string {
  let prefix = prefixes.get(namespace);
  if (prefix === undefined) {
    if (prefixes.size >= 10_000) prefixes.clear(); // bounded, whatever comes and goes
    prefix = `${namespace}/`;
    prefixes.set(namespace, prefix);
  }
  return prefix;
}

/** List items usually omit kind/apiVersion; "PodList" in "v1" gives "Pod" in "v1". */
function itemTypeMeta(list: ObjectList<unknown>): { apiVersion?: string; kind?: string } {
  const kind = list.kind?.endsWith("List") ? list.kind.slice(0, -4) : undefined;
  return { apiVersion: list.apiVersion, kind };
}

function withTypeMeta<T extends ApiObject>(item: T, typeMeta: { apiVersion?: string; kind?: string }): T {
  if (item.kind || !typeMeta.kind) return item;
  return { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...item };
}

function unknownStatus(object: unknown): Status {
  const code =
    typeof (object as { code?: unknown })?.code === "number" ? (object as { code: number }).code : 500;
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: `the watch reported an error: ${JSON.stringify(object)?.slice(0, 200)}`,
    reason: reasonForCode(code),
    code,
  };
}
