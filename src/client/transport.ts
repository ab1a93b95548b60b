// HTTP(S) to the API server: pooled keep-alive connections, client-side rate limit, retries with backoff,
// Retry-After, 401 → credential refresh → one retry, Warning headers, one deadline for the whole request
// (retries included), bounded response bodies, AbortSignal, streaming bodies for watches, and a metrics hook.
// Non-2xx answers become typed errors (errors.ts).
import type { ClientRequest, IncomingHttpHeaders, IncomingMessage } from "node:http";
import http from "node:http";
import https from "node:https";
import { createRequire } from "node:module";
import type { Socket } from "node:net";
import { AgentPool, type Lease } from "./agent-pool.ts";
import { fullJitter, sleep } from "./backoff.ts";
import type { ClientCertificate, ClusterConfig } from "./config.ts";
import { ConnectionError, type ErrorContext, errorFromResponse, ResponseError } from "./errors.ts";
import { loadForbiddenFix } from "./explain-forbidden.ts";
import { TokenBucket } from "./rate-limit.ts";
import { defaultWarningHandler, WarningDeduper } from "./warnings.ts";
import { DEFAULT_MAX_WATCH_EVENT_BYTES } from "./watch-decoder.ts";

export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";
export type QueryValue = string | number | boolean | undefined | null;

/**
 * One finished request, for Prometheus or logs. `status` is 0 when no HTTP answer arrived. Streams (watches)
 * are reported when their headers arrive. `path` holds object names: template it before using it as a label.
 */
export interface RequestMetrics {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  retries: number;
  /** Time spent waiting for the client-side rate limiter. */
  rateLimitWaitMs: number;
  /** ConnectionError code when no HTTP answer arrived. */
  error?: string;
}

export interface TransportOptions {
  /** Requests per second (token bucket). Default 50; 0 disables. See rate-limit.ts for why. */
  qps?: number;
  /** Bucket size. Default 100. */
  burst?: number;
  /**
   * Deadline for a whole request: connecting, TLS, headers and body, retries and their back-off included
   * (streams: until the headers arrive). Default 30 s; 0 means none.
   */
  timeoutMs?: number;
  /** Largest response body read into memory (everything but watches). Default 128 MiB. */
  maxResponseBytes?: number;
  /** Largest single watch event (one JSON line). Default 16 MiB. */
  maxWatchEventBytes?: number;
  /** Retries for retryable failures. Default 5. */
  retries?: number;
  /** Retry-After values above this are capped. Default 30 s. */
  maxRetryAfterSeconds?: number;
  /** Full-jitter backoff base and cap when there is no Retry-After. Defaults 200 ms and 10 s. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Each distinct server Warning header text, once. Default: `Warning: text` on stderr, like kubectl. */
  onWarning?: (text: string) => void;
  /** Default "incluster/<version> (node <version>; <platform>/<arch>)". */
  userAgent?: string;
  onRequest?: (metrics: RequestMetrics) => void;
}

export interface RequestOptions {
  method?: HttpMethod;
  /** Absolute API path, e.g. /api/v1/namespaces/default/pods. Appended to the server URL's own path. */
  path: string;
  query?: Record<string, QueryValue>;
  /** Objects are sent as JSON; strings and Buffers as they are. */
  body?: unknown;
  contentType?: string;
  accept?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
  maxResponseBytes?: number;
  retries?: number;
  /**
   * Whether retrying after the server may have seen the request is safe. Default: true for
   * GET/HEAD/PUT/DELETE/OPTIONS, false for POST/PATCH. Read-only POSTs (access reviews) pass true.
   */
  idempotent?: boolean;
  /**
   * Reads a 2xx body chunk by chunk instead of buffering it whole (one collector per attempt); its end()
   * is the body text the caller gets. Error bodies are always read whole (they carry the Status).
   */
  collectBody?: () => BodyCollector;
}

export interface BodyCollector {
  write(chunk: Buffer): void;
  end(): string;
}

export interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface StreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** Ends the stream and frees the connection slot. */
  close(): void;
}

/** See Transport.prepareConnection. */
export interface PreparedConnection {
  url: URL;
  /** User-Agent, and Authorization when there are credentials. */
  headers: Record<string, string>;
  lease: Lease;
  /** The client's deadline (timeoutMs): for an upgrade, until the server answers it. */
  timeoutMs: number;
  /** The typed error (ApiError and its subclasses) for a non-success answer with this body. */
  error(status: number, body: string, credentialsRefreshed?: boolean): Promise<Error>;
  /** A ConnectionError for a failure to connect or a connection lost before the answer. */
  connectionError(error: unknown): ConnectionError;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);
const RETRYABLE_STATUS = new Set([429, 503, 504]);
/** Connection failures after which an idempotent request may be retried. */
const RETRYABLE_CONNECTION = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "REQUEST_TIMEOUT",
]);
/** Failures where the server cannot have seen a byte: safe to retry even POST and PATCH. */
const NOTHING_SENT = new Set(["ECONNREFUSED", "EAI_AGAIN"]);

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRIES = 5;
/**
 * A page of 500 Pods is 5–25 MB of JSON; 128 MiB leaves room for pages of big objects and unpaged lists of
 * a few thousand, and stops a misbehaving server or proxy from growing the process without bound.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 128 * 1024 * 1024;

export class Transport {
  readonly server: URL;
  readonly userAgent: string;
  readonly #config: ClusterConfig;
  readonly #limiter: TokenBucket;
  readonly #agents = new AgentPool();
  readonly #warnings: WarningDeduper;
  readonly #options: TransportOptions;
  readonly #unsubscribeCa: (() => void) | undefined;
  #closed = false;

  constructor(config: ClusterConfig, options: TransportOptions = {}) {
    this.#config = config;
    this.#options = options;
    this.server = new URL(config.server);
    this.userAgent = options.userAgent ?? defaultUserAgent();
    this.#limiter = new TokenBucket({ qps: options.qps, burst: options.burst });
    this.#warnings = new WarningDeduper(options.onWarning ?? defaultWarningHandler);
    this.#unsubscribeCa = config.ca?.onChange(() => this.#agents.invalidate());
  }

  get config(): ClusterConfig {
    return this.#config;
  }

  /** Number of Agents built so far (1 + CA/certificate rotations). */
  get agentsCreated(): number {
    return this.#agents.created;
  }

  /** The limit for one watch event (watch-stream.ts enforces it while decoding). */
  get maxWatchEventBytes(): number {
    return this.#options.maxWatchEventBytes ?? DEFAULT_MAX_WATCH_EVENT_BYTES;
  }

  /** A buffered request. Resolves for 2xx; anything else rejects with ApiError or ConnectionError. */
  async request(options: RequestOptions): Promise<Response> {
    const { response, body } = await this.#send(options, false);
    return { status: response.statusCode ?? 0, headers: response.headers, body: body ?? "" };
  }

  /** A buffered request whose 2xx body is JSON. */
  async requestJson<T>(options: RequestOptions, parse: (text: string) => unknown = JSON.parse): Promise<T> {
    const response = await this.request({ accept: "application/json", ...options });
    if (response.body === "") return undefined as T;
    try {
      return parse(response.body) as T;
    } catch (error) {
      // A proxy or login page answering 200 in the API server's place.
      const method = options.method ?? "GET";
      const type = response.headers["content-type"] ?? "no Content-Type";
      throw new ResponseError(
        `the answer to ${method} ${options.path} is not JSON (${type}, starting ${JSON.stringify(response.body.slice(0, 60))}; ${(error as Error).message}): is the server URL an API server, not a proxy or login page?`,
        { code: "INVALID_RESPONSE", method, path: options.path },
      );
    }
  }

  /**
   * A streaming request (watch). Retries apply until a 2xx status line arrives; after that the caller owns
   * the body and must consume or close() it.
   */
  async stream(options: RequestOptions): Promise<StreamResponse> {
    const { response, lease } = await this.#send(options, true);
    if (!lease) throw new Error("internal: a stream without its connection lease");
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      response.destroy();
      lease.release();
    };
    response.once("close", close);
    return { status: response.statusCode ?? 0, headers: response.headers, body: response, close };
  }

  /**
   * What a connection outside request()/stream() needs (websocket upgrades: exec, attach, port-forward): a
   * rate-limiter slot, the request headers with credentials, an agent lease for the current CA and client
   * certificate (release it once the server answered), and the typed errors for a failed answer.
   */
  async prepareConnection(
    method: HttpMethod,
    options: Pick<RequestOptions, "path" | "query" | "signal">,
  ): Promise<PreparedConnection> {
    if (this.#closed) throw new Error("the client was closed");
    options.signal?.throwIfAborted();
    await this.#limiter.acquire(options.signal);
    const authorization = await this.#config.credentials?.header();
    const clientCertificate = await this.#clientCertificate();
    const headers: Record<string, string> = { "User-Agent": this.userAgent };
    if (authorization) headers.Authorization = authorization;
    return {
      url: this.#url(options),
      headers,
      lease: this.#lease(clientCertificate),
      timeoutMs: this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      error: async (status, body, credentialsRefreshed) => {
        if (status === 403) await loadForbiddenFix();
        const context = this.#errorContext(
          method,
          options as RequestOptions,
          authorization,
          clientCertificate,
          undefined,
          credentialsRefreshed,
        );
        return errorFromResponse(status, body, context);
      },
      connectionError: (error) => this.#connectionError(error, method, options.path),
    };
  }

  close(): void {
    this.#closed = true;
    this.#unsubscribeCa?.();
    this.#agents.close();
  }

  /**
   * The retry loop. Buffered: resolves with a 2xx response and its body. Streaming: with a 2xx response whose
   * body is unread, and the agent lease to release once it is consumed.
   */
  async #send(
    options: RequestOptions,
    streaming: boolean,
  ): Promise<{ response: IncomingMessage; body?: string; lease?: Lease }> {
    const method = options.method ?? "GET";
    const idempotent = options.idempotent ?? IDEMPOTENT.has(method);
    const maxRetries = options.retries ?? this.#options.retries ?? DEFAULT_RETRIES;
    const maxBytes = options.maxResponseBytes ?? this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadline: Deadline = { at: timeoutMs > 0 ? started + timeoutMs : Infinity, timeoutMs, attempts: 0 };
    // A retry is only worth starting when its back-off ends before the deadline.
    const fitsBudget = (delayMs: number) => performance.now() + delayMs < deadline.at;
    let retries = 0;
    let rateLimitWaitMs = 0;
    // undefined: no 401 refresh tried; false: re-read, unchanged; true: a new credential was retried.
    let credentialsRefreshed: boolean | undefined;
    const report = (status: number, error?: string) =>
      this.#options.onRequest?.({
        method,
        path: options.path,
        status,
        durationMs: performance.now() - started,
        retries,
        rateLimitWaitMs,
        ...(error ? { error } : {}),
      });

    for (;;) {
      if (this.#closed) throw new Error("the client was closed");
      options.signal?.throwIfAborted();
      rateLimitWaitMs += await this.#limiter.acquire(options.signal);
      deadline.attempts++;
      const authorization = await this.#config.credentials?.header();
      const clientCertificate = await this.#clientCertificate();
      const lease = this.#lease(clientCertificate);

      let response: IncomingMessage | undefined;
      let body: string | undefined;
      try {
        response = await this.#attempt(options, method, lease, authorization, streaming, deadline);
        // A body cut off halfway is a connection failure like any other (retried when idempotent).
        if (!streaming || !isSuccess(response.statusCode))
          body = await readBody(
            response,
            options.signal,
            deadline,
            maxBytes,
            method,
            options.path,
            (isSuccess(response.statusCode) && options.collectBody?.()) || new BufferedBody(),
          );
      } catch (error) {
        lease.release();
        if (options.signal?.aborted) throw options.signal.reason;
        if (error instanceof ResponseError) {
          report(response?.statusCode ?? 0, error.code);
          throw error;
        }
        const failure = this.#connectionError(error, method, options.path);
        const retryable =
          RETRYABLE_CONNECTION.has(failure.code) && (idempotent || NOTHING_SENT.has(failure.code));
        const delayMs = this.#backoff(retries);
        if (retryable && retries < maxRetries && fitsBudget(delayMs)) {
          await sleep(delayMs, options.signal);
          retries++;
          continue;
        }
        report(0, failure.code);
        throw failure;
      }

      const status = response.statusCode ?? 0;
      this.#warnings.report(response.headersDistinct.warning);
      if (isSuccess(status)) {
        report(status);
        if (streaming) return { response, lease };
        lease.release();
        return { response, body };
      }
      lease.release();
      body ??= "";
      const retryAfterSeconds = parseRetryAfter(response.headers["retry-after"]);

      if (status === 401 && this.#config.credentials && credentialsRefreshed === undefined) {
        credentialsRefreshed = await this.#config.credentials.refresh().catch(() => false);
        if (credentialsRefreshed) {
          retries++;
          continue;
        }
      } else if (RETRYABLE_STATUS.has(status) && idempotent && retries < maxRetries) {
        const delayMs = this.#retryDelay(retries, retryAfterSeconds);
        if (fitsBudget(delayMs)) {
          await sleep(delayMs, options.signal);
          retries++;
          continue;
        }
      }
      report(status);
      if (status === 403) await loadForbiddenFix(); // so that the ForbiddenError's explain() can propose the fix
      throw errorFromResponse(
        status,
        body,
        this.#errorContext(
          method,
          options,
          authorization,
          clientCertificate,
          retryAfterSeconds,
          credentialsRefreshed,
        ),
      );
    }
  }

  /** One HTTP exchange, resolved when the status line and headers arrive. */
  #attempt(
    options: RequestOptions,
    method: HttpMethod,
    lease: Lease,
    authorization: string | undefined,
    streaming: boolean,
    deadline: Deadline,
  ): Promise<IncomingMessage> {
    const url = this.#url(options);
    const payload = encodeBody(options.body);
    const headers: Record<string, string> = {
      "User-Agent": this.userAgent,
      Accept: options.accept ?? "application/json",
      ...options.headers,
    };
    if (authorization) headers.Authorization = authorization;
    if (payload !== undefined) {
      headers["Content-Type"] = options.contentType ?? "application/json";
      headers["Content-Length"] = String(payload.byteLength);
    }
    const transport = url.protocol === "http:" ? http : https;

    return new Promise((resolve, reject) => {
      const request: ClientRequest = transport.request(url, { method, headers, agent: lease.agent });
      let settled = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        cleanup();
        request.destroy();
        reject(error);
      };
      const timer = startDeadline(deadline, (error) => fail(error));
      const onAbort = () => fail(options.signal?.reason);
      const cleanup = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
      request.on("socket", (socket: Socket) => {
        // TCP keep-alive probes on every connection, including long watches that never return to the pool.
        socket.setKeepAlive(true, 30_000);
        socket.setNoDelay(true);
      });
      request.on("error", fail);
      request.on("response", (response) => {
        if (settled) {
          response.destroy();
          return;
        }
        settled = true;
        cleanup();
        if (streaming) {
          // The caller reads the stream; aborting its signal still tears the connection down.
          const abortStream = () => response.destroy(options.signal?.reason);
          options.signal?.addEventListener("abort", abortStream, { once: true });
          response.once("close", () => options.signal?.removeEventListener("abort", abortStream));
        }
        resolve(response);
      });
      request.end(payload);
    });
  }

  #lease(clientCertificate: ClientCertificate | undefined): Lease {
    return this.#agents.lease({
      server: this.server,
      ca: this.#config.ca?.current(),
      clientCertificate,
      insecureSkipTLSVerify: this.#config.insecureSkipTLSVerify,
      tlsServerName: this.#config.tlsServerName,
    });
  }

  #url(options: Pick<RequestOptions, "path" | "query">): URL {
    const base = this.server.pathname.replace(/\/+$/, "");
    const url = new URL(`${base}${options.path}`, this.server.origin);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.append(key, String(value));
    }
    return url;
  }

  async #clientCertificate(): Promise<ClientCertificate | undefined> {
    const source = this.#config.clientCertificate;
    return typeof source === "function" ? source() : source;
  }

  #backoff(attempt: number): number {
    return fullJitter(attempt, this.#options.retryBaseMs ?? 200, this.#options.retryMaxMs ?? 10_000);
  }

  #retryDelay(attempt: number, retryAfterSeconds: number | undefined): number {
    if (retryAfterSeconds === undefined || retryAfterSeconds <= 0) return this.#backoff(attempt);
    return Math.min(retryAfterSeconds, this.#options.maxRetryAfterSeconds ?? 30) * 1000;
  }

  #errorContext(
    method: string,
    options: RequestOptions,
    authorization: string | undefined,
    clientCertificate: ClientCertificate | undefined,
    retryAfterSeconds: number | undefined,
    credentialsRefreshed: boolean | undefined,
  ): ErrorContext {
    const credentials = this.#config.credentials;
    return {
      method,
      path: options.path,
      retryAfterSeconds,
      credentialsSent: Boolean(authorization || clientCertificate),
      credentialsDescription:
        credentials?.describe() ?? (clientCertificate ? "client certificate" : "no credentials configured"),
      token: authorization ? credentials?.currentToken?.() : undefined,
      credentialsRefreshed,
    };
  }

  #connectionError(error: unknown, method: string, path: string): ConnectionError {
    if (error instanceof ConnectionError) return error;
    const cause = error as NodeJS.ErrnoException;
    const code = cause?.code ?? "UNKNOWN";
    const tls = /CERT|SIGNATURE|TLS|SSL/.test(code);
    const ca = tls ? ` (CA: ${this.#config.ca?.describe() ?? "the system trust store"})` : "";
    return new ConnectionError(`${cause?.message ?? String(error)}${ca}`, {
      code,
      method,
      path,
      server: this.server.origin,
      cause: error,
    });
  }
}

function isSuccess(status: number | undefined): boolean {
  return status !== undefined && status >= 200 && status < 300;
}

/** One deadline for a request and all its retries; `attempts` so the timeout message tells the whole story. */
interface Deadline {
  /** performance.now() time; Infinity when timeoutMs is 0. */
  at: number;
  timeoutMs: number;
  attempts: number;
}

function timeoutError(deadline: Deadline): Error {
  const attempts = deadline.attempts > 1 ? ` (${deadline.attempts} attempts)` : "";
  return Object.assign(
    new Error(
      `no complete response from the API server within ${deadline.timeoutMs} ms${attempts}: raise the client option timeoutMs if the server is just slow`,
    ),
    { code: "REQUEST_TIMEOUT" },
  );
}

/** Calls `onTimeout` when the deadline passes (at once if it has); returns the timer to clear. */
function startDeadline(deadline: Deadline, onTimeout: (error: Error) => void): NodeJS.Timeout | undefined {
  if (deadline.at === Infinity) return undefined;
  return setTimeout(() => onTimeout(timeoutError(deadline)), Math.max(0, deadline.at - performance.now()));
}

/** "128 MiB", "16 MiB", "512 KiB", "100 bytes": limits in the unit they were likely set in. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}

function tooLarge(method: string, path: string, maxBytes: number, announced?: number): ResponseError {
  const size = announced === undefined ? "" : ` (Content-Length ${announced})`;
  return new ResponseError(
    `the response to ${method} ${path} is larger than the ${formatBytes(maxBytes)} limit${size}: page large lists (iterate(), or list({ limit })), or raise the client option maxResponseBytes`,
    { code: "RESPONSE_TOO_LARGE", method, path },
  );
}

function encodeBody(body: unknown): Buffer | undefined {
  if (body === undefined) return undefined;
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === "string") return Buffer.from(body);
  return Buffer.from(JSON.stringify(body));
}

/** The default: the whole body as one UTF-8 string. */
class BufferedBody implements BodyCollector {
  readonly #chunks: Buffer[] = [];
  write(chunk: Buffer): void {
    this.#chunks.push(chunk);
  }
  end(): string {
    return Buffer.concat(this.#chunks).toString("utf8");
  }
}

/** Reads a body through `collector` (UTF-8 text), within the request's deadline, signal and size limit. */
function readBody(
  response: IncomingMessage,
  signal: AbortSignal | undefined,
  deadline: Deadline,
  maxBytes: number,
  method: string,
  path: string,
  collector: BodyCollector,
): Promise<string> {
  return new Promise((resolve, reject) => {
    // HEAD answers announce the length of a body they do not send.
    const announced = method === "HEAD" ? 0 : Number(response.headers["content-length"]);
    if (announced > maxBytes) {
      response.destroy();
      reject(tooLarge(method, path, maxBytes, announced));
      return;
    }
    let received = 0;
    const timer = startDeadline(deadline, (error) => response.destroy(error));
    const onAbort = () => response.destroy(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    response.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) {
        response.destroy(tooLarge(method, path, maxBytes));
        return;
      }
      collector.write(chunk);
    });
    response.on("end", () => {
      done();
      try {
        resolve(collector.end());
      } catch (error) {
        reject(error);
      }
    });
    response.on("error", (error) => {
      done();
      reject(error);
    });
    response.on("close", () => {
      if (!response.complete) {
        done();
        reject(
          Object.assign(new Error("the connection closed before the response was complete"), {
            code: "ECONNRESET",
          }),
        );
      }
    });
  });
}

/** Retry-After as seconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

let cachedVersion: string | undefined;
function packageVersion(): string {
  if (cachedVersion) return cachedVersion;
  try {
    // Two levels up from src/client (and dist/client) is the package root.
    cachedVersion = (createRequire(import.meta.url)("../../package.json") as { version: string }).version;
  } catch {
    cachedVersion = "0.0.0";
  }
  return cachedVersion;
}

export function defaultUserAgent(): string {
  return `incluster/${packageVersion()} (node ${process.versions.node}; ${process.platform}/${process.arch})`;
}
