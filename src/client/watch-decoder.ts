// Incremental decoder for a watch body: newline-delimited JSON events arriving in arbitrary chunks (a chunk
// may end mid-line or mid-UTF-8-character). A malformed line is an error, not silently dropped as
// client-node does: a corrupted stream must be re-established, not trusted.
import { StringDecoder } from "node:string_decoder";

export interface RawWatchEvent {
  type: string;
  object: unknown;
}

export class WatchDecodeError extends Error {
  override name = "WatchDecodeError";
}

/** Longest line kept while waiting for its newline; a runaway line means the stream is not a watch. */
const MAX_LINE_BYTES = 64 * 1024 * 1024;

export class WatchDecoder {
  readonly #text = new StringDecoder("utf8");
  #pending = "";

  /** Feeds a chunk; returns the events completed by it. */
  push(chunk: Buffer | string): RawWatchEvent[] {
    this.#pending += typeof chunk === "string" ? chunk : this.#text.write(chunk);
    const events: RawWatchEvent[] = [];
    let newline = this.#pending.indexOf("\n");
    while (newline >= 0) {
      const line = this.#pending.slice(0, newline);
      this.#pending = this.#pending.slice(newline + 1);
      const event = parseLine(line);
      if (event) events.push(event);
      newline = this.#pending.indexOf("\n");
    }
    if (this.#pending.length > MAX_LINE_BYTES) {
      throw new WatchDecodeError(`watch line longer than ${MAX_LINE_BYTES} bytes without a newline`);
    }
    return events;
  }

  /** The stream ended: a final event without a trailing newline is still an event. */
  end(): RawWatchEvent[] {
    const rest = this.#pending + this.#text.end();
    this.#pending = "";
    const event = parseLine(rest);
    return event ? [event] : [];
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
