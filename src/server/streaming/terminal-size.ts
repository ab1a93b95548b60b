// The resize stream (SPDY streamType "resize", websocket channel 4): remotecommand.TerminalSize values as
// JSON, one after another, as client-go's terminal size queue encodes them. Ported from
// pkg/kubelet/cri/streaming/remotecommand/httpstream.go (handleResizeEvents: a json.Decoder over the stream
// that stops at its first error) and containerd's handleResizing (a size with a side below 1 is skipped).
// Go decodes the fields case-insensitively into uint16: a value that is not an integer literal in
// 0..65535 (a string, 80.5, 8e1, -1, 70000) is an error, which ends the stream's resizing.

/** client-go's tools/remotecommand.TerminalSize, in cells. */
export interface TerminalSize {
  width: number;
  height: number;
}

/** A JSON value larger than this is not a TerminalSize: the decoder stops rather than buffer it. */
const MAX_VALUE_BYTES = 4096;
const UINT16 = /^(0|[1-9][0-9]{0,4})$/;

/** Reads sizes from the stream until it ends or holds something that is not one; calls onSize per size. */
export function readTerminalSizes(stream: NodeJS.ReadableStream, onSize: (size: TerminalSize) => void): void {
  const decoder = new TerminalSizeDecoder();
  let stopped = false;
  stream.on("data", (chunk: Buffer | string) => {
    if (stopped) return; // drained and dropped: the client keeps writing, nobody reads (as upstream)
    const result = decoder.push(typeof chunk === "string" ? chunk : chunk.toString("utf8"));
    for (const size of result.sizes) if (size.width >= 1 && size.height >= 1) onSize(size);
    if (result.stopped) stopped = true;
  });
  stream.on("error", () => undefined);
}

/** An incremental json.Decoder for TerminalSize values. */
export class TerminalSizeDecoder {
  #buffer = "";
  #stopped = false;

  push(text: string): { sizes: TerminalSize[]; stopped: boolean } {
    const sizes: TerminalSize[] = [];
    if (this.#stopped) return { sizes, stopped: true };
    this.#buffer += text;
    for (;;) {
      this.#buffer = this.#buffer.replace(/^[ \t\r\n]+/, "");
      if (this.#buffer === "") break;
      const end = valueEnd(this.#buffer);
      if (end === "invalid" || (end === "incomplete" && this.#buffer.length > MAX_VALUE_BYTES)) {
        this.#stopped = true;
        break;
      }
      if (end === "incomplete") break;
      const size = decodeSize(this.#buffer.slice(0, end));
      this.#buffer = this.#buffer.slice(end);
      if (size === undefined) {
        this.#stopped = true;
        break;
      }
      sizes.push(size);
    }
    return { sizes, stopped: this.#stopped };
  }
}

/** Where the JSON value at the start of text ends (an object or null; anything else cannot be a size). */
function valueEnd(text: string): number | "incomplete" | "invalid" {
  if (text[0] !== "{") {
    // null decodes into a struct as a no-op; a number, string, array or bool is a type error.
    if ("null".startsWith(text)) return "incomplete";
    return text.startsWith("null") && !/^null[A-Za-z0-9_]/.test(text) ? 4 : "invalid";
  }
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return "incomplete";
}

/** The value as a TerminalSize (null: zero, skipped later), or undefined when Go's Decode would fail. */
function decodeSize(json: string): TerminalSize | undefined {
  const size: TerminalSize = { width: 0, height: 0 };
  const fields: { holder: unknown; field: keyof TerminalSize; value: unknown; source?: string }[] = [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(
      json,
      function (this: unknown, key: string, value: unknown, context?: { source?: string }) {
        const field = key.toLowerCase();
        if (field === "width" || field === "height")
          fields.push({ holder: this, field, value, source: context?.source });
        return value;
      },
    );
  } catch {
    return undefined;
  }
  // Only the top-level object's own fields count (a nested "width" is some other field's content).
  for (const { holder, field, value, source } of fields) {
    if (holder !== parsed || value === null) continue; // null leaves a Go field as it was
    if (typeof value !== "number" || source === undefined || !UINT16.test(source) || value > 65535)
      return undefined;
    size[field] = value;
  }
  return size;
}
