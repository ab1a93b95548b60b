// A SPDY/3.1 client peer for tests: frames built from the SPDY/3 draft, with Node's own zlib (the SPDY
// dictionary, sync flushes) standing in for a Go peer's compressor.
import assert from "node:assert/strict";
import type { Duplex } from "node:stream";
import zlib from "node:zlib";
import { SPDY_DICTIONARY } from "../../src/server/streaming/spdy-frames.ts";

export interface Frame {
  control: boolean;
  type: number;
  streamId: number;
  flags: number;
  payload: Buffer;
  headers?: Record<string, string[]>;
}

export function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  for (const [i, v] of values.entries()) b.writeUInt32BE(v >>> 0, i * 4);
  return b;
}

export function control(type: number, flags: number, payload: Buffer, version = 3): Buffer {
  return Buffer.concat([u32(((0x8000 | version) << 16) | type, (flags << 24) | payload.length), payload]);
}

export function data(streamId: number, flags: number, body: Buffer | string): Buffer {
  const b = Buffer.from(body);
  return Buffer.concat([u32(streamId, (flags << 24) | b.length), b]);
}

export function headerBlock(headers: Record<string, string>): Buffer {
  const parts = [u32(Object.keys(headers).length)];
  for (const [k, v] of Object.entries(headers))
    parts.push(u32(Buffer.byteLength(k)), Buffer.from(k), u32(Buffer.byteLength(v)), Buffer.from(v));
  return Buffer.concat(parts);
}

/** The client half of a session: a real zlib compressor with the dictionary and a frame reader. */
export class Peer {
  readonly frames: Frame[] = [];
  private waiters: (() => void)[] = [];
  private buf = Buffer.alloc(0);
  private readonly deflate = zlib.createDeflate({ dictionary: SPDY_DICTIONARY });
  private compressedIn = Buffer.alloc(0);
  private inflatedBytes = 0;
  closed = false;

  readonly socket: Duplex;

  constructor(socket: Duplex) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      this.parse();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("end", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => undefined);
  }

  async compress(block: Buffer): Promise<Buffer> {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => chunks.push(c);
    this.deflate.on("data", onData);
    this.deflate.write(block);
    await new Promise<void>((resolve) => this.deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
    this.deflate.off("data", onData);
    return Buffer.concat(chunks);
  }

  async synStream(id: number, headers: Record<string, string>, flags = 0): Promise<void> {
    const block = await this.compress(headerBlock(headers));
    this.socket.write(control(1, flags, Buffer.concat([u32(id, 0), Buffer.from([0, 0]), block])));
  }

  async next(match: (f: Frame) => boolean = () => true, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex(match);
      if (i >= 0) return this.frames.splice(i, 1)[0]!;
      if (this.closed) throw new Error("the session closed before the frame came");
      if (Date.now() > deadline) throw new Error("timed out waiting for a frame");
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  async untilClosed(): Promise<void> {
    while (!this.closed) await new Promise((r) => setTimeout(r, 10));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private parse(): void {
    while (this.buf.length >= 8) {
      const word = this.buf.readUInt32BE(0);
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + len) return;
      const payload = this.buf.subarray(8, 8 + len);
      const frame: Frame = {
        control: (word & 0x80000000) !== 0,
        type: word & 0xffff,
        streamId: word & 0x7fffffff,
        flags: this.buf[4]!,
        payload,
      };
      if (frame.control && (frame.type === 2 || frame.type === 8)) {
        frame.streamId = payload.readUInt32BE(0);
        frame.headers = this.inflateHeaders(payload.subarray(4));
      }
      this.frames.push(frame);
      this.buf = this.buf.subarray(8 + len);
    }
    this.wake();
  }

  /** Inflates everything received so far (one zlib stream per direction) and decodes the new block. */
  private inflateHeaders(block: Buffer): Record<string, string[]> {
    this.compressedIn = Buffer.concat([this.compressedIn, block]);
    const all = zlib.inflateSync(this.compressedIn, {
      dictionary: SPDY_DICTIONARY,
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
    const out = all.subarray(this.inflatedBytes);
    this.inflatedBytes = all.length;
    const headers: Record<string, string[]> = {};
    let at = 4;
    for (let i = 0; i < out.readUInt32BE(0); i++) {
      const nl = out.readUInt32BE(at);
      const name = out.toString("utf8", at + 4, at + 4 + nl);
      at += 4 + nl;
      const vl = out.readUInt32BE(at);
      headers[name] = out.toString("utf8", at + 4, at + 4 + vl).split("\0");
      at += 4 + vl;
    }
    assert.equal(at, out.length, "the header block is exactly one name/value block");
    return headers;
  }
}
