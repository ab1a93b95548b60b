// One HTTP watch request as an async iterable of raw events, with an inactivity timeout: TCP keep-alive
// alone takes ~11 minutes (Linux defaults) to notice a half-open connection, and load balancers cut idle
// ones silently; client-node's watches "hang forever" for exactly this reason.
import { ConnectionError, ResponseError } from "./errors.ts";
import { formatBytes, type QueryValue, type Transport } from "./transport.ts";
import { type RawWatchEvent, WatchDecoder, WatchEventTooLargeError } from "./watch-decoder.ts";

/**
 * Default inactivity limit. Servers send a BOOKMARK about once a minute to watches that asked for them, and
 * TCP keep-alive probes start after 30 s, so 2.5 minutes of silence means the connection is dead (or the
 * server sends no periodic bookmarks, in which case reconnecting from the last resourceVersion is cheap).
 */
export const DEFAULT_INACTIVITY_TIMEOUT_MS = 150_000;

export interface WatchStream {
  events: AsyncIterable<RawWatchEvent>;
  /** Ends the request; a pending iteration finishes without error. */
  close(): void;
}

export interface OpenWatchOptions {
  path: string;
  query: Record<string, QueryValue>;
  accept?: string;
  signal?: AbortSignal;
  inactivityTimeoutMs?: number;
  /** A member to drop from every event before parsing (e.g. EVENT_MANAGED_FIELDS; see json-cutter.ts). */
  cut?: readonly string[];
}

export async function openWatchStream(transport: Transport, options: OpenWatchOptions): Promise<WatchStream> {
  const response = await transport.stream({
    path: options.path,
    query: { ...options.query, watch: "true" },
    accept: options.accept,
    signal: options.signal,
  });
  const limit = options.inactivityTimeoutMs ?? DEFAULT_INACTIVITY_TIMEOUT_MS;
  let closedByUs = false;
  let idle = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle = true;
      response.close();
    }, limit);
  };

  async function* events(): AsyncGenerator<RawWatchEvent> {
    const decoder = new WatchDecoder(transport.maxWatchEventBytes, options.cut);
    arm();
    try {
      for await (const chunk of response.body) {
        arm();
        yield* decoder.push(chunk as Buffer);
      }
      yield* decoder.end();
    } catch (error) {
      if (idle) throw idleError(options.path, limit);
      if (error instanceof WatchEventTooLargeError) throw eventTooLarge(options.path, error.limitBytes);
      if (closedByUs || options.signal?.aborted) return;
      throw streamError(error, options.path, transport.server.origin);
    } finally {
      clearTimeout(timer);
      response.close();
    }
    if (idle) throw idleError(options.path, limit);
  }

  return {
    events: events(),
    close: () => {
      closedByUs = true;
      clearTimeout(timer);
      response.close();
    },
  };
}

function idleError(path: string, limitMs: number): ConnectionError {
  return new ConnectionError(
    `no data on the watch for ${Math.round(limitMs / 1000)} s: assuming a dead connection`,
    {
      code: "WATCH_IDLE_TIMEOUT",
      method: "GET",
      path,
      server: "",
    },
  );
}

function eventTooLarge(path: string, limitBytes: number): ResponseError {
  return new ResponseError(
    `a watch event on ${path} is larger than the ${formatBytes(limitBytes)} limit: raise the client option maxWatchEventBytes if objects this large are expected`,
    { code: "RESPONSE_TOO_LARGE", method: "GET", path },
  );
}

function streamError(error: unknown, path: string, server: string): Error {
  if (error instanceof ConnectionError || (error as Error)?.name === "WatchDecodeError")
    return error as Error;
  const code = (error as NodeJS.ErrnoException)?.code ?? "ECONNRESET";
  return new ConnectionError(`the watch connection broke: ${(error as Error)?.message ?? String(error)}`, {
    code: code === "ERR_STREAM_PREMATURE_CLOSE" ? "ECONNRESET" : code,
    method: "GET",
    path,
    server,
    cause: error,
  });
}
