// pods/{name}/log as a stream: the query of PodLogOptions (k8s.io/api/core/v1 types.go), the body read as it
// arrives. As for watches, the client's deadline and retries apply until the headers; after that the body
// runs as long as the server sends it (with follow, until the container ends). A refusal is an ApiError with
// the server's Status, e.g. 400 `container "c" in pod "p" is waiting to start: ContainerCreating`.
import type { Readable } from "node:stream";
import type { StreamResponse, Transport } from "./transport.ts";

export interface PodLogOptions {
  /** Default: the client's namespace. */
  namespace?: string;
  /** Needed when the Pod has more than one container. */
  container?: string;
  /** Go on as the container writes, until it ends. */
  follow?: boolean;
  /** The previous (terminated) instance of the container. */
  previous?: boolean;
  /** Only lines newer than this many seconds (not with sinceTime). */
  sinceSeconds?: number;
  /** Only lines from this time on (RFC 3339; not with sinceSeconds). */
  sinceTime?: Date | string;
  /** The last N lines. */
  tailLines?: number;
  /** Stop after this many bytes (the last line may be cut). */
  limitBytes?: number;
  /** Prefix every line with its RFC 3339 timestamp. */
  timestamps?: boolean;
  /** Let the API server skip verifying the kubelet's serving certificate (a broken node's logs). */
  insecureSkipTLSVerifyBackend?: boolean;
  /** Until the headers arrive. Default: the client's timeoutMs. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** A line longer than this is split (a program writing without newlines must not grow memory). Default 1 MiB. */
  maxLineBytes?: number;
}

const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/**
 * A Pod's log: iterate it for lines (without their "\n"), or take chunks(), text() or readable(). Nothing is
 * requested until one of them is used; each use is one request.
 */
export class PodLogs implements AsyncIterable<string> {
  readonly #transport: Transport;
  readonly #path: string;
  readonly #options: PodLogOptions;

  constructor(transport: Transport, path: string, options: PodLogOptions) {
    this.#transport = transport;
    this.#path = path;
    this.#options = options;
  }

  /** The raw body. Resolves once the headers arrived (errors reject here); destroy it to stop early. */
  async readable(): Promise<Readable> {
    return (await this.#open()).body;
  }

  /** The bytes as they arrive. */
  async *chunks(): AsyncGenerator<Buffer> {
    const stream = await this.#open();
    try {
      for await (const chunk of stream.body) yield chunk as Buffer;
    } finally {
      stream.close();
    }
  }

  /** The lines as they arrive; a last line without "\n" comes at the end. */
  async *lines(): AsyncGenerator<string> {
    const max = this.#options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isInteger(max) || max < 1)
      throw new Error(`maxLineBytes ${max} is not a positive integer: leave it out for the 1 MiB default`);
    let partial: Buffer[] = [];
    let partialBytes = 0;
    const line = () => {
      const text = Buffer.concat(partial).toString("utf8");
      partial = [];
      partialBytes = 0;
      return text;
    };
    for await (const chunk of this.chunks()) {
      let start = 0;
      while (start < chunk.length) {
        const newline = chunk.indexOf(10, start);
        const end = newline < 0 ? chunk.length : newline;
        const room = max - partialBytes;
        if (end - start > room) {
          partial.push(chunk.subarray(start, start + room));
          start += room;
          yield line();
          continue;
        }
        partial.push(chunk.subarray(start, end));
        partialBytes += end - start;
        if (newline < 0) break;
        start = newline + 1;
        yield line();
      }
    }
    if (partialBytes > 0) yield Buffer.concat(partial).toString("utf8");
  }

  [Symbol.asyncIterator](): AsyncIterator<string> {
    return this.lines();
  }

  /** The whole log as text (without follow: it ends; bound it with limitBytes or tailLines). */
  async text(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.chunks()) chunks.push(chunk);
    return Buffer.concat(chunks).toString("utf8");
  }

  #open(): Promise<StreamResponse> {
    const o = this.#options;
    const sinceTime = o.sinceTime instanceof Date ? rfc3339(o.sinceTime) : o.sinceTime;
    return this.#transport.stream({
      path: this.#path,
      // The log is text; kubectl asks for anything.
      accept: "*/*",
      query: {
        container: o.container || undefined,
        follow: o.follow || undefined,
        previous: o.previous || undefined,
        sinceSeconds: o.sinceSeconds,
        sinceTime,
        tailLines: o.tailLines,
        limitBytes: o.limitBytes,
        timestamps: o.timestamps || undefined,
        insecureSkipTLSVerifyBackend: o.insecureSkipTLSVerifyBackend || undefined,
      },
      timeoutMs: o.timeoutMs,
      signal: o.signal,
    });
  }
}

/** metav1.Time's query form: RFC 3339 in UTC, whole seconds. */
function rfc3339(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new Error("sinceTime is an invalid Date");
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
