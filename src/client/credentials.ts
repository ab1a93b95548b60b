// Bearer credentials: a static token, and a token file that follows the kubelet's atomic `..data` swaps.
// Also home of FollowedFile, the "watch the directory, re-read at least every minute, keep the last good
// content" logic shared with the CA bundle (ca.ts).
import { type FSWatcher, watch } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { redactToken } from "../token/redact.ts";

export interface CredentialProvider {
  /** Value for the Authorization header ("Bearer …"), or undefined when there are no bearer credentials. */
  header(): Promise<string | undefined>;
  /** After a 401: re-read/refresh immediately. Resolves true when the credential changed (worth exactly one retry). */
  refresh(): Promise<boolean>;
  /** One-line redacted description, e.g. `token file /var/run/.../token (eyJ…(redacted, sha256:…))`. */
  describe(): string;
  /** Current raw token if bearer-based (for decode/diagnostics only; never log it). */
  currentToken?(): string | undefined;
  close(): void;
}

/** PEM client certificate and key for mutual TLS. */
export interface ClientCertificate {
  cert: string;
  key: string;
}

/** A credential could not be produced (no readable token, failing exec plugin...). The message is safe to print. */
export class CredentialError extends Error {
  override name = "CredentialError";
}

/** client-go re-reads token files every minute; the kubelet refreshes long before expiry, so this is a safe floor. */
export const DEFAULT_MAX_AGE_MS = 60_000;
/** The kubelet's swap is several renames in a row; wait for it to settle before re-reading. */
export const DEFAULT_DEBOUNCE_MS = 15;

export interface FollowedFileOptions {
  /** "token file", "CA file": used in messages. */
  label: string;
  /** What is kept when a read fails, for the warning: "token", "CA bundle". */
  contentName: string;
  /** Validates and normalises the text; throws with a readable message when the content is unusable. */
  parse: (text: string) => string;
  maxAgeMs?: number;
  debounceMs?: number;
  /** Called once per run of failed reads while the last good content is kept. */
  onWarning?: (message: string) => void;
}

/**
 * A small file (token, CA bundle) that changes underneath us. Watches the containing DIRECTORY because the
 * kubelet replaces `..data` by renaming `..data_tmp` over it: a watch on the file's inode would never fire.
 * Reads are async, serialised, and a failed read keeps the last good content.
 */
export class FollowedFile {
  readonly path: string;
  readonly #options: FollowedFileOptions;
  readonly #maxAgeMs: number;
  readonly #listeners = new Set<(content: string) => void>();
  #content: string | undefined;
  #lastError: Error | undefined;
  #lastAttemptAt = Number.NEGATIVE_INFINITY;
  #warned = false;
  #watcher: FSWatcher | undefined;
  #watchProblem: string | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #running: Promise<boolean> | undefined;
  #queued: Promise<boolean> | undefined;
  #closed = false;

  constructor(path: string, options: FollowedFileOptions) {
    this.path = path;
    this.#options = options;
    this.#maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.#startWatching();
  }

  /** The last good content, without touching the disk. */
  get content(): string | undefined {
    return this.#content;
  }

  /** Why the directory is not watched (only the periodic re-read applies), if it is not. */
  get watchProblem(): string | undefined {
    return this.#watchProblem;
  }

  /** Content no older than maxAgeMs. Throws only when no read has ever succeeded. */
  async get(): Promise<string> {
    if (this.#content === undefined || Date.now() - this.#lastAttemptAt >= this.#maxAgeMs)
      await this.reload();
    if (this.#content === undefined)
      throw this.#lastError ?? new Error(`${this.#options.label} ${this.path} was never read`);
    return this.#content;
  }

  /** Reads now; a read already in flight may predate the caller's reason, so this queues one after it. Resolves true when the content changed. */
  reload(): Promise<boolean> {
    this.#queued ??= (async () => {
      await this.#running?.catch(() => undefined);
      this.#queued = undefined;
      const read = this.#readOnce();
      this.#running = read;
      try {
        return await read;
      } finally {
        if (this.#running === read) this.#running = undefined;
      }
    })();
    return this.#queued;
  }

  onChange(listener: (content: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    this.#watcher = undefined;
    clearTimeout(this.#debounce);
    this.#listeners.clear();
  }

  async #readOnce(): Promise<boolean> {
    this.#lastAttemptAt = Date.now();
    let next: string;
    try {
      next = this.#options.parse(await readFile(this.path, "utf8"));
    } catch (error) {
      this.#recordFailure(error);
      return false;
    }
    this.#lastError = undefined;
    this.#warned = false;
    if (next === this.#content) return false;
    this.#content = next;
    for (const listener of this.#listeners) listener(next);
    return true;
  }

  #recordFailure(error: unknown): void {
    const message = `${this.#options.label} ${this.path}: ${describeReadError(error)}`;
    this.#lastError = new Error(message, { cause: error });
    if (this.#content !== undefined && !this.#warned) {
      this.#warned = true;
      this.#options.onWarning?.(`${message}; still using the last good ${this.#options.contentName}`);
    }
  }

  #startWatching(): void {
    const name = basename(this.path);
    try {
      this.#watcher = watch(dirname(this.path), { persistent: false }, (_event, changed) => {
        // `..data` / `..data_tmp` are the kubelet's swap; the file's own name covers plain rewrites.
        if (changed == null || changed === name || changed.startsWith("..data")) this.#scheduleReload();
      });
      this.#watcher.on("error", (error) => this.#stopWatching(error));
    } catch (error) {
      this.#stopWatching(error);
    }
  }

  #stopWatching(error: unknown): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#watchProblem = `cannot watch ${dirname(this.path)} (${describeReadError(error)}); re-reading every ${Math.round(this.#maxAgeMs / 1000)} s instead`;
    // A missing directory is reported by the read itself; anything else (inotify limits) deserves a word.
    if ((error as NodeJS.ErrnoException)?.code !== "ENOENT") this.#options.onWarning?.(this.#watchProblem);
  }

  #scheduleReload(): void {
    if (this.#closed) return;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      if (!this.#closed) this.reload().catch(() => undefined);
    }, this.#options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
    this.#debounce.unref();
  }
}

function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === "ENOENT") return "does not exist";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "is a directory, not a file";
  return error instanceof Error ? error.message : String(error);
}

export function parseToken(text: string): string {
  const token = text.trim();
  if (token === "") throw new Error("is empty");
  return token;
}

export interface TokenFileProviderOptions {
  onWarning?: (message: string) => void;
  maxAgeMs?: number;
  debounceMs?: number;
  /** Used until the file yields a token (kubeconfig `token` next to `tokenFile`: the file wins once read). */
  fallbackToken?: string;
}

/** Bearer token read from a file (ServiceAccount token, kubeconfig tokenFile), following rotation. */
export function createTokenFileProvider(
  path: string,
  options: TokenFileProviderOptions = {},
): CredentialProvider {
  const file = new FollowedFile(path, {
    label: "token file",
    contentName: "token",
    parse: parseToken,
    maxAgeMs: options.maxAgeMs,
    debounceMs: options.debounceMs,
    onWarning: options.onWarning,
  });
  const fallback = options.fallbackToken?.trim() || undefined;
  const current = () => file.content ?? fallback;
  const handout = trackHandout();
  return {
    async header() {
      let token: string;
      try {
        token = await file.get();
      } catch (error) {
        if (!fallback)
          throw new CredentialError(`no bearer token: ${(error as Error).message}`, { cause: error });
        token = fallback;
      }
      return `Bearer ${handout.give(token)}`;
    },
    async refresh() {
      await file.reload();
      return handout.replaceIfChanged(current());
    },
    describe() {
      const token = current();
      return `token file ${path} (${token ? redactToken(token) : "not read yet"})`;
    },
    currentToken: current,
    close: () => file.close(),
  };
}

/** A fixed token (kubeconfig `token`, --token). It cannot be refreshed. */
export function createStaticTokenProvider(token: string, source = "static token"): CredentialProvider {
  const trimmed = token.trim();
  if (trimmed === "") throw new CredentialError(`${source} is empty`);
  return {
    header: async () => `Bearer ${trimmed}`,
    refresh: async () => false,
    describe: () => `${source} (${redactToken(trimmed)})`,
    currentToken: () => trimmed,
    close: () => undefined,
  };
}

/**
 * Remembers the credential last put on a request. refresh() answers "changed" relative to it, so a
 * watcher that already swapped the token in after the failing request was sent still earns one retry.
 */
export function trackHandout<T>(): { give(value: T): T; replaceIfChanged(value: T | undefined): boolean } {
  let handedOut: T | undefined;
  return {
    give(value) {
      handedOut = value;
      return value;
    },
    replaceIfChanged(value) {
      if (value === undefined || value === handedOut) return false;
      handedOut = value;
      return true;
    },
  };
}
