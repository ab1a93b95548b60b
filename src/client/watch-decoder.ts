// Incremental decoder for a watch body: newline-delimited JSON events arriving in arbitrary chunks (a chunk
// may end mid-line or mid-UTF-8-character). A malformed line is an error, not silently dropped as
// client-node does: a corrupted stream must be re-established, not trusted. Lines are bounded in bytes: a
// server streaming one endless line must not grow the process without limit. With `cut`, each line streams
// through a JsonCutter, so the member it names (an informer's managedFields) is never held or parsed.
import { JsonCutter } from "./json-cutter.ts";

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
  readonly #cut: readonly string[] | undefined;
  /** The current line's bytes so far (a newline byte never occurs inside a UTF-8 sequence)… */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** …or, with `cut`, what its cutter kept of them. */
  #cutter: JsonCutter | undefined;

  /** cut: the path of a member to drop from every event before parsing (json-cutter.ts). */
  constructor(maxLineBytes = DEFAULT_MAX_WATCH_EVENT_BYTES, cut?: readonly string[]) {
    this.#maxLineBytes = maxLineBytes;
    this.#cut = cut;
  }

  /** Feeds a chunk; returns the events completed by it. */
  push(chunk: Buffer | string): RawWatchEvent[] {
    let data = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    const events: RawWatchEvent[] = [];
    for (let newline = data.indexOf(NEWLINE); newline >= 0; newline = data.indexOf(NEWLINE)) {
      this.#add(data.subarray(0, newline));
      const event = this.#takeEvent();
      if (event) events.push(event);
      data = data.subarray(newline + 1);
    }
    if (data.length > 0) this.#add(data);
    return events;
  }

  /** The stream ended: a final event without a trailing newline is still an event. */
  end(): RawWatchEvent[] {
    const event = this.#takeEvent();
    return event ? [event] : [];
  }

  #add(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes > this.#maxLineBytes) throw new WatchEventTooLargeError(this.#maxLineBytes);
    if (this.#cut) {
      this.#cutter ??= new JsonCutter(this.#cut);
      this.#cutter.write(bytes);
    } else this.#pending.push(bytes);
  }

  #takeEvent(): RawWatchEvent | undefined {
    const cutter = this.#cutter;
    const pending = this.#pending;
    const size = this.#pendingBytes;
    this.#cutter = undefined;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (cutter) {
      if (cutter.empty) return undefined;
      const text = cutter.end();
      if (cutter.error) throw notJson(text, cutter.error);
      return parseLine(text);
    }
    return parseLine((pending.length === 1 ? pending[0] : Buffer.concat(pending, size)).toString("utf8"));
  }
}

function notJson(text: string, error: Error): WatchDecodeError {
  return new WatchDecodeError(
    `malformed watch event (not JSON: ${error.message}): ${text.slice(0, 120)}${text.length > 120 ? "…" : ""}`,
  );
}

function parseLine(line: string): RawWatchEvent | undefined {
  const text = line.trim();
  if (text === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw notJson(text, error as Error);
  }
  const event = value as Partial<RawWatchEvent>;
  if (!event || typeof event !== "object" || typeof event.type !== "string" || !("object" in event)) {
    throw new WatchDecodeError(`malformed watch event (needs "type" and "object"): ${text.slice(0, 120)}`);
  }
  return { type: event.type, object: event.object };
}
