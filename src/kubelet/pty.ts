// The terminal channel between the runtime and pty-relay.ts, the process that holds a container's pty inside
// its sandbox. The relay's stdin carries frames (the terminal's input, window sizes, the end of input), its
// stdout is the terminal's output as it is: one pipe each way, no extra descriptor for the command to inherit.
//   frame = type (1 byte) · payload length (4 bytes, big endian) · payload
import { Writable } from "node:stream";

/** A terminal's window, in character cells (remotecommand.TerminalSize). */
export interface TerminalSize {
  width: number;
  height: number;
}

const INPUT = 0;
const RESIZE = 1;
const END = 2;
const HEADER_BYTES = 5;
/** The largest payload the relay accepts (the runtime writes stdin in pieces far below this). */
const MAX_PAYLOAD_BYTES = 1 << 20;

export type TerminalFrame =
  | { kind: "input"; data: Buffer }
  | { kind: "resize"; size: TerminalSize }
  | { kind: "end" };

function frame(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = type;
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

export function encodeFrame(f: TerminalFrame): Buffer {
  switch (f.kind) {
    case "input":
      return frame(INPUT, f.data);
    case "resize": {
      const payload = Buffer.alloc(4);
      payload.writeUInt16BE(f.size.width, 0);
      payload.writeUInt16BE(f.size.height, 2);
      return frame(RESIZE, payload);
    }
    case "end":
      return frame(END, Buffer.alloc(0));
  }
}

/** Splits the relay's stdin into frames; a malformed frame is an error (the writer is the runtime itself). */
export class FrameDecoder {
  #pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): TerminalFrame[] {
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    const frames: TerminalFrame[] = [];
    while (this.#pending.length >= HEADER_BYTES) {
      const type = this.#pending[0];
      const length = this.#pending.readUInt32BE(1);
      if (length > MAX_PAYLOAD_BYTES) throw new Error(`terminal frame of ${length} bytes is too large`);
      if (this.#pending.length < HEADER_BYTES + length) break;
      const payload = this.#pending.subarray(HEADER_BYTES, HEADER_BYTES + length);
      this.#pending = this.#pending.subarray(HEADER_BYTES + length);
      if (type === INPUT) frames.push({ kind: "input", data: Buffer.from(payload) });
      else if (type === RESIZE && length === 4)
        frames.push({
          kind: "resize",
          size: { width: payload.readUInt16BE(0), height: payload.readUInt16BE(2) },
        });
      else if (type === END && length === 0) frames.push({ kind: "end" });
      else throw new Error(`malformed terminal frame (type ${type}, ${length} bytes)`);
    }
    return frames;
  }
}

/**
 * The terminal's input as a stream, written into the relay's stdin as frames; ending it ends the
 * terminal's input (the relay types EOF), while resize() keeps working for as long as the pipe is open.
 */
export class TerminalInput extends Writable {
  readonly #pipe: NodeJS.WritableStream;
  /** The latest size not yet written (the pipe was full). */
  #pendingSize: TerminalSize | undefined;

  constructor(pipe: NodeJS.WritableStream) {
    super();
    this.#pipe = pipe;
    // Input after the end (another attach of a stdinOnce container) or after the relay is gone is dropped.
    this.on("error", () => undefined);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // The pipe's own buffer is the backpressure: a command not reading stops the client's input. A chunk
    // may be larger than a frame may carry (a websocket message of up to 4 MiB): it goes in several.
    let flowing = true;
    for (let at = 0; at < chunk.length || at === 0; at += MAX_PAYLOAD_BYTES)
      flowing = this.#pipe.write(
        encodeFrame({ kind: "input", data: chunk.subarray(at, at + MAX_PAYLOAD_BYTES) }),
      );
    if (flowing) callback();
    else this.#pipe.once("drain", () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#pipe.write(encodeFrame({ kind: "end" }));
    callback();
  }

  resize(size: TerminalSize): void {
    // Sizes have no backpressure (the client's resize channel), and the command can stop its relay: while
    // the pipe is full only the latest size waits, written once it drains.
    const waiting = this.#pendingSize !== undefined;
    this.#pendingSize = size;
    if (waiting) return;
    if (!(this.#pipe as Writable).writableNeedDrain) return this.#writeSize();
    this.#pipe.once("drain", () => this.#writeSize());
  }

  #writeSize(): void {
    const size = this.#pendingSize;
    this.#pendingSize = undefined;
    if (size) this.#pipe.write(encodeFrame({ kind: "resize", size }));
  }
}
