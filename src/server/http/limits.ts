// Request and connection limits, as kube-apiserver's: staging/src/k8s.io/apiserver/pkg/server/filters/
// maxinflight.go (429), timeout.go (504), longrunning.go + cmd/kube-apiserver's long-running check, and
// options/server_run_options.go (defaults). The connection guard has no upstream twin (Go servers rely on the
// file-descriptor limit); it keeps a flood of sockets from starving every client of descriptors.
import { readFileSync } from "node:fs";
import type { Server, Socket } from "node:net";
import type { Logger } from "pino";
import { failure, Status } from "../../meta/status.ts";
import type { UserInfo } from "../../meta/types.ts";
import type { RequestInfo } from "./request-info.ts";

export interface ServerLimits {
  /** --max-requests-inflight: concurrent non-mutating requests (get, list) before 429s; 0 = unlimited. */
  maxRequestsInflight: number;
  /** --max-mutating-requests-inflight: concurrent mutating requests before 429s; 0 = unlimited. */
  maxMutatingRequestsInflight: number;
  /** --request-timeout: a non-long-running request that takes longer gets a 504 Timeout Status. */
  requestTimeoutMs: number;
  /** --min-request-timeout: a watch without timeoutSeconds lasts this long ×[1,2) (spreads reconnects). */
  minRequestTimeoutSeconds: number;
  /** TLS handshake plus request headers must arrive within this (slow-loris protection). */
  headerTimeoutMs: number;
  /** Open connections served normally; the next ones get a 503, and beyond a margin they are dropped. */
  maxConnections: number;
  /** Bytes a watch may have queued for a client that does not read before the watch is terminated. */
  watchBufferBytes: number;
}

export const MAX_HEADER_BYTES = 1 << 20; // secure_serving.go: MaxHeaderBytes 1 << 20
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Open descriptors allowed to this process (Linux), so the default connection cap stays below it. */
function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function defaultLimits(): ServerLimits {
  const fds = openFileLimit();
  return {
    maxRequestsInflight: 400,
    maxMutatingRequestsInflight: 200,
    requestTimeoutMs: 60_000,
    minRequestTimeoutSeconds: 1800,
    headerTimeoutMs: 15_000,
    // Half the descriptors: the rest serve the store, logs, the pod runtime and the over-limit margin.
    maxConnections: fds ? Math.max(64, Math.floor(fds / 2)) : 4096,
    watchBufferBytes: 2 * 1024 * 1024,
  };
}

// kube-apiserver's BasicLongRunningRequestCheck(sets.NewString("watch", "proxy"),
// sets.NewString("attach", "exec", "proxy", "log", "portforward")).
const LONG_RUNNING_VERBS = new Set(["watch", "proxy"]);
const LONG_RUNNING_SUBRESOURCES = new Set(["attach", "exec", "proxy", "log", "portforward"]);

/** Long-running requests are exempt from the inflight limits and the request timeout. */
export function isLongRunning(info: RequestInfo): boolean {
  if (LONG_RUNNING_VERBS.has(info.verb)) return true;
  return info.isResourceRequest && LONG_RUNNING_SUBRESOURCES.has(info.subresource);
}

const NON_MUTATING_VERBS = new Set(["get", "list", "watch"]);
const SYSTEM_MASTERS = "system:masters";
const RETRY_AFTER_SECONDS = 1;

/** 429 as filters/maxinflight.go answers it (upstream writes the message as text; here it is a Status). */
export const tooManyRequests = () =>
  Status.tooManyRequests("Too many requests, please try again later.", RETRY_AFTER_SECONDS);

/** 504 as filters/timeout.go answers it (apierrors.NewTimeoutError(..., 0): details present, empty). */
export const requestTimedOut = () =>
  failure(504, "Timeout", "Timeout: request did not complete within the allotted timeout", {});

const release = () => undefined;

/** --max-requests-inflight / --max-mutating-requests-inflight: two counters instead of two Go channels. */
export class InflightLimiter {
  private readOnly = 0;
  private mutating = 0;
  private readonly limits: ServerLimits;

  constructor(limits: ServerLimits) {
    this.limits = limits;
  }

  /** A release function when the request may run, undefined when it must get a 429. */
  admit(info: RequestInfo, user: UserInfo): (() => void) | undefined {
    if (isLongRunning(info)) return release;
    const mutating = !NON_MUTATING_VERBS.has(info.verb);
    const limit = mutating ? this.limits.maxMutatingRequestsInflight : this.limits.maxRequestsInflight;
    if (limit <= 0) return release;
    const inUse = mutating ? this.mutating : this.readOnly;
    if (inUse >= limit) {
      // "A system:master is so powerful that they should always get an answer" (served, not counted).
      return user.groups?.includes(SYSTEM_MASTERS) ? release : undefined;
    }
    if (mutating) this.mutating++;
    else this.readOnly++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (mutating) this.mutating--;
      else this.readOnly--;
    };
  }
}

/** Over the limit, a connection still gets one clear answer; past this margin it is closed unanswered. */
const DROP_MARGIN_FRACTION = 0.1;
const MIN_DROP_MARGIN = 16;
const WARN_INTERVAL_MS = 10_000;

export const tooManyConnections = (limit: number) =>
  failure(
    503,
    "ServiceUnavailable",
    `the server has too many open connections (limit ${limit}); close idle connections, or raise the limit with --max-connections`,
    { retryAfterSeconds: RETRY_AFTER_SECONDS },
  );

export interface ConnectionGuard {
  /** True for a connection accepted over the limit: its requests get a 503 and it is closed. */
  overLimit(socket: Socket | null | undefined): boolean;
  /** A request arrived on the connection: its first headers were in time. */
  requestStarted(socket: Socket | null | undefined): void;
  /** Closes every connection, TLS handshakes in progress included (server stop). */
  destroyAll(): void;
  readonly open: number;
}

/** The TCP socket under a TLS socket (the https server's requests see the TLS one). */
const rawOf = (socket: Socket): Socket => (socket as Socket & { _parent?: Socket })._parent ?? socket;

/**
 * Counts TCP connections (before TLS: a handshake flood counts too) and bounds how long a connection may take
 * from accept to its first request's headers, TLS handshake included (as Go's ReadHeaderTimeout does); Node's
 * headersTimeout covers the later requests on a kept-alive connection.
 */
export function guardConnections(server: Server, limits: ServerLimits, log: Logger): ConnectionGuard {
  const sockets = new Set<Socket>();
  const over = new WeakSet<Socket>();
  const headerTimers = new WeakMap<Socket, NodeJS.Timeout>();
  const margin = Math.max(MIN_DROP_MARGIN, Math.ceil(limits.maxConnections * DROP_MARGIN_FRACTION));
  const dropAbove = limits.maxConnections + margin;
  let lastWarning = 0;
  const warn = (msg: string) => {
    const now = Date.now();
    if (now - lastWarning < WARN_INTERVAL_MS) return;
    lastWarning = now;
    log.warn({ open: sockets.size, limit: limits.maxConnections }, msg);
  };

  server.on("connection", (socket: Socket) => {
    if (sockets.size >= dropAbove) {
      warn("connection limit exceeded; closing new connections unanswered (raise --max-connections?)");
      socket.destroy();
      return;
    }
    sockets.add(socket);
    if (sockets.size > limits.maxConnections) {
      warn("connection limit reached; answering new connections with 503");
      over.add(socket);
    }
    const timer = setTimeout(() => socket.destroy(), limits.headerTimeoutMs);
    timer.unref();
    headerTimers.set(socket, timer);
    socket.once("close", () => {
      clearTimeout(timer);
      sockets.delete(socket);
    });
  });

  return {
    overLimit: (socket) => (socket ? over.has(rawOf(socket)) : false),
    requestStarted: (socket) => {
      if (!socket) return;
      const raw = rawOf(socket);
      const timer = headerTimers.get(raw);
      if (timer) {
        clearTimeout(timer);
        headerTimers.delete(raw);
      }
    },
    destroyAll: () => {
      for (const s of sockets) s.destroy();
    },
    get open() {
      return sockets.size;
    },
  };
}
