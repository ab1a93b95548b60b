// List+watch cache that never silently stops (client-node's informer stops on its first 403, ECONNRESET or
// 5xx). Every failure is reported (state, lastError, an "error" event carrying the typed error, e.g. a
// ForbiddenError whose explain() says which Role is missing), then retried with capped backoff, forever,
// until stop(). `state` and health() are made for a /readyz handler.
import { Backoff, type BackoffOptions, sleep } from "./backoff.ts";
import { Store } from "./store.ts";
import {
  type ApiObject,
  type KnownObjects,
  type WatchEvent,
  Watcher,
  type WatcherOptions,
  type WatchSource,
  type WatchStatus,
} from "./watch.ts";

export type InformerState = "starting" | "synced" | "backoff" | "stopped";

export interface InformerOptions<T = ApiObject>
  extends Pick<WatcherOptions, "useWatchList" | "watchListTimeoutMs" | "pageSize" | "random"> {
  /** Re-deliver every cached object as an update (old === new) this often; 0/undefined = never. */
  resyncPeriodMs?: number;
  /** Backoff after errors; defaults 0.8 s → 30 s, reset after 2 healthy minutes (client-go's reflector). */
  backoff?: BackoffOptions;
  /** Start at construction (default true). Events cannot arrive before your synchronous on() calls. */
  autoStart?: boolean;
  /**
   * Applied to every object before it enters the store or reaches a handler (client-go's SetTransform):
   * drop what the app never reads, so the cache holds one lean copy. Return a new object or the same one.
   */
  transform?: (object: T) => T;
}

export interface InformerHealth {
  state: InformerState;
  synced: boolean;
  objects: number;
  restarts: number;
  lastSyncTime?: Date;
  /** Message of the last error; explain() of the error itself is on the "error" event. */
  lastError?: string;
}

interface Handlers<T> {
  add: (object: T) => void;
  update: (object: T, previous: T) => void;
  delete: (object: T) => void;
  error: (error: Error) => void;
  synced: () => void;
}
type HandlerName = keyof Handlers<unknown>;

export class Informer<T extends ApiObject> {
  readonly store = new Store<T>();
  /** Resolves after the first complete list; rejects if stop() comes first. */
  readonly synced: Promise<void>;
  readonly #source: WatchSource<T>;
  readonly #options: InformerOptions<T>;
  readonly #handlers: { [K in HandlerName]: Set<Handlers<T>[K]> } = {
    add: new Set(),
    update: new Set(),
    delete: new Set(),
    error: new Set(),
    synced: new Set(),
  };
  readonly #controller = new AbortController();
  readonly #backoff: Backoff;
  #resolveSynced!: () => void;
  #rejectSynced!: (error: Error) => void;
  #state: InformerState = "starting";
  #hasSynced = false;
  #lastError: Error | undefined;
  #lastSyncTime: Date | undefined;
  #restarts = 0;
  #started = false;
  #resyncTimer: NodeJS.Timeout | undefined;
  #watcher: Watcher<T> | undefined;

  constructor(source: WatchSource<T>, options: InformerOptions<T> = {}) {
    this.#source = source;
    this.#options = options;
    this.#backoff = new Backoff(options.backoff);
    this.synced = new Promise<void>((resolve, reject) => {
      this.#resolveSynced = resolve;
      this.#rejectSynced = reject;
    });
    // Nobody may await `synced`; a stop before sync must not become an unhandled rejection.
    this.synced.catch(() => undefined);
    if (options.autoStart !== false) this.start();
  }

  get state(): InformerState {
    return this.#state;
  }
  get lastError(): Error | undefined {
    return this.#lastError;
  }
  get lastSyncTime(): Date | undefined {
    return this.#lastSyncTime;
  }
  /** Times the informer recovered from an error (watch re-established or list retried). */
  get restarts(): number {
    return this.#restarts;
  }
  get hasSynced(): boolean {
    return this.#hasSynced;
  }

  health(): InformerHealth {
    return {
      state: this.#state,
      synced: this.#hasSynced,
      objects: this.store.size,
      restarts: this.#restarts,
      ...(this.#lastSyncTime ? { lastSyncTime: this.#lastSyncTime } : {}),
      ...(this.#lastError ? { lastError: this.#lastError.message } : {}),
    };
  }

  /** Subscribes; returns the unsubscribe function. */
  on<K extends HandlerName>(event: K, handler: Handlers<T>[K]): () => void {
    this.#handlers[event].add(handler);
    return () => this.off(event, handler);
  }

  off<K extends HandlerName>(event: K, handler: Handlers<T>[K]): void {
    this.#handlers[event].delete(handler);
  }

  start(): this {
    if (this.#started || this.#state === "stopped") return this;
    this.#started = true;
    void this.#run();
    if (this.#options.resyncPeriodMs && this.#options.resyncPeriodMs > 0) {
      this.#resyncTimer = setInterval(() => this.#resync(), this.#options.resyncPeriodMs);
    }
    return this;
  }

  stop(): void {
    if (this.#state === "stopped") return;
    this.#setState("stopped");
    clearInterval(this.#resyncTimer);
    this.#controller.abort();
    if (!this.#hasSynced) this.#rejectSynced(new Error("the informer was stopped before it synced"));
  }

  async #run(): Promise<void> {
    const signal = this.#controller.signal;
    this.#watcher = new Watcher(this.#source, {
      useWatchList: this.#options.useWatchList,
      watchListTimeoutMs: this.#options.watchListTimeoutMs,
      pageSize: this.#options.pageSize,
      random: this.#options.random,
      // Without a transform the store holds exactly what the watcher emitted: it is the watcher's memory.
      known: this.#options.transform ? undefined : storeAsKnown(this.store),
      signal,
      onStatus: (status) => this.#onWatchStatus(status),
    });
    while (!signal.aborted) {
      try {
        for await (const batch of this.#watcher.batches()) for (const event of batch) this.#apply(event);
      } catch (error) {
        if (signal.aborted) break;
        this.#fail(error as Error);
        await sleep(this.#backoff.next(), signal).catch(() => undefined);
      }
    }
  }

  #onWatchStatus(status: WatchStatus): void {
    if (this.#state === "stopped") return;
    if (status.phase === "retrying" && status.error) {
      this.#fail(status.error);
    } else if (status.phase === "watching" && this.#state === "backoff") {
      this.#restarts++;
      this.#setState(this.#hasSynced ? "synced" : "starting");
    }
  }

  #fail(error: Error): void {
    this.#lastError = error;
    this.#setState("backoff");
    this.#emit("error", error);
  }

  #apply(event: WatchEvent<T>): void {
    const transform = this.#options.transform;
    if (transform && (event.type === "ADDED" || event.type === "MODIFIED" || event.type === "DELETED"))
      event = { ...event, object: transform(event.object) };
    switch (event.type) {
      case "ADDED":
      case "MODIFIED": {
        const previous = this.store.set(event.object);
        if (previous) this.#emit("update", event.object, previous);
        else this.#emit("add", event.object);
        break;
      }
      case "DELETED": {
        const previous = this.store.delete(event.object);
        // Deletions found by a relist carry only metadata; the cached copy is the better last state.
        this.#emit("delete", event.synthetic && previous ? previous : event.object);
        break;
      }
      case "SYNCED": {
        if (this.#state === "backoff") this.#restarts++;
        this.#lastSyncTime = new Date();
        this.#setState("synced");
        if (!this.#hasSynced) {
          this.#hasSynced = true;
          this.#resolveSynced();
        }
        this.#emit("synced");
        break;
      }
      case "BOOKMARK":
        break;
    }
  }

  #resync(): void {
    if (this.#state !== "synced") return;
    for (const object of this.store.list()) this.#emit("update", object, object);
  }

  #setState(state: InformerState): void {
    this.#state = state;
  }

  #emit<K extends HandlerName>(event: K, ...args: Parameters<Handlers<T>[K]>): void {
    for (const handler of this.#handlers[event]) {
      try {
        const result = (handler as (...a: unknown[]) => unknown)(...args);
        if (result instanceof Promise) result.catch((error: unknown) => this.#handlerFailed(event, error));
      } catch (error) {
        this.#handlerFailed(event, error);
      }
    }
  }

  /** A throwing handler must not stop the informer; it is reported on "error" (unless that handler threw). */
  #handlerFailed(event: HandlerName, error: unknown): void {
    if (event === "error") return;
    const wrapped = new Error(
      `an informer "${event}" handler threw: ${(error as Error)?.message ?? String(error)}`,
      {
        cause: error,
      },
    );
    this.#emit("error", wrapped);
  }
}

/** The store seen as what the watcher emitted (the informer applies each event before the next is made). */
function storeAsKnown(store: Store<ApiObject>): KnownObjects {
  return {
    get size() {
      return store.size;
    },
    get: (key) => store.getByKey(key)?.metadata,
    entries: () => store.keys().map((key) => [key, store.getByKey(key)?.metadata ?? {}]),
    remember: () => undefined,
    forget: () => undefined,
  };
}
