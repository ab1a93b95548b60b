// Incremental decoder for a watch body: newline-delimited JSON events arriving in arbitrary chunks (a chunk
// may end mid-line or mid-UTF-8-character). A malformed line is an error, not silently dropped as
// client-node does: a corrupted stream must be re-established, not trusted. Lines are bounded in bytes: a
// server streaming one endless line must not grow the process without limit.

export interface RawWatchEvent {
  type: string;
  object: unknown;
}

export class WatchDecodeError extends Error {
  override name = "WatchDecodeError";
}

/** One event carries one object; etcd's default request limit keeps objects under 1.5 MiB. */
export const DEFAULT_MAX_WATCH_EVENT_BYTES = 16 * 1024 * 1024;

/** A single event line over the limit: resuming the watch would meet the same object again. */
export class WatchEventTooLargeError extends Error {
  override name = "WatchEventTooLargeError";
  readonly limitBytes: number;

  constructor(limitBytes: number) {
    super(`a watch event is longer than ${limitBytes} bytes`);
    this.limitBytes = limitBytes;
  }
}

const NEWLINE = 0x0a;

export class WatchDecoder {
  readonly #maxLineBytes: number;
  /** The current line's bytes so far (a newline byte never occurs inside a UTF-8 sequence). */
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(maxLineBytes = DEFAULT_MAX_WATCH_EVENT_BYTES) {
    this.#maxLineBytes = maxLineBytes;
  }

  /** Feeds a chunk; returns the events completed by it. */
  push(chunk: Buffer | string): RawWatchEvent[] {
    let data = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    const events: RawWatchEvent[] = [];
    for (let newline = data.indexOf(NEWLINE); newline >= 0; newline = data.indexOf(NEWLINE)) {
      const event = parseLine(this.#takeLine(data.subarray(0, newline)));
      if (event) events.push(event);
      data = data.subarray(newline + 1);
    }
    if (data.length > 0) {
      this.#pendingBytes += data.length;
      if (this.#pendingBytes > this.#maxLineBytes) throw new WatchEventTooLargeError(this.#maxLineBytes);
      this.#pending.push(data);
    }
    return events;
  }

  /** The stream ended: a final event without a trailing newline is still an event. */
  end(): RawWatchEvent[] {
    const event = parseLine(this.#takeLine(Buffer.alloc(0)));
    return event ? [event] : [];
  }

  #takeLine(tail: Buffer): string {
    const size = this.#pendingBytes + tail.length;
    if (size > this.#maxLineBytes) throw new WatchEventTooLargeError(this.#maxLineBytes);
    const bytes = this.#pending.length === 0 ? tail : Buffer.concat([...this.#pending, tail], size);
    this.#pending = [];
    this.#pendingBytes = 0;
    return bytes.toString("utf8");
  }
}

function parseLine(line: string): RawWatchEvent | undefined {
  const text = line.trim();
  if (text === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new WatchDecodeError(
      `malformed watch event (not JSON): ${text.slice(0, 120)}${text.length > 120 ? "…" : ""}`,
    );
  }
  const event = value as Partial<RawWatchEvent>;
  if (!event || typeof event !== "object" || typeof event.type !== "string" || !("object" in event)) {
    throw new WatchDecodeError(`malformed watch event (needs "type" and "object"): ${text.slice(0, 120)}`);
  }
  return { type: event.type, object: event.object };
}
