// SPDY/3 framing: frame headers, the frames a server writes, header blocks and their zlib compression.
// Ported from github.com/moby/spdystream spdy/{types,read,write,dictionary}.go (the framer Kubernetes uses) and
// the SPDY/3 draft (https://www.chromium.org/spdy/spdy-protocol/spdy-protocol-draft3-1/).
import zlib from "node:zlib";

export const SPDY_VERSION = 3;
export const FRAME_HEADER_BYTES = 8;
/** A DATA frame's payload is at most 2^24 - 1 bytes (the length field). */
export const MAX_DATA_LENGTH = 0xffffff;
export const MAX_STREAM_ID = 0x7fffffff;

export const FrameType = {
  SynStream: 1,
  SynReply: 2,
  RstStream: 3,
  Settings: 4,
  Ping: 6,
  GoAway: 7,
  Headers: 8,
  WindowUpdate: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes. */
export const RstStatus = {
  ProtocolError: 1,
  InvalidStream: 2,
  RefusedStream: 3,
  UnsupportedVersion: 4,
  Cancel: 5,
  InternalError: 6,
  FlowControlError: 7,
  StreamInUse: 8,
  StreamAlreadyClosed: 9,
  InvalidCredentials: 10,
  FrameTooLarge: 11,
} as const;

export const GoAwayStatus = { Ok: 0, ProtocolError: 1, InternalError: 2 } as const;

/** Lower-case header name → its values (a SPDY value holds several, separated by NUL). */
export type SpdyHeaders = Record<string, string[]>;

/** Headers a peer must not send (spdystream's invalidReqHeaders): hop-by-hop HTTP/1 headers. */
const FORBIDDEN_HEADERS = new Set([
  "connection",
  "host",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
]);

/** The SPDY/3 header compression dictionary (section 2.6.10.1 of the draft), base64 of its 1,423 bytes. */
export const SPDY_DICTIONARY = Buffer.from(
  "AAAAB29wdGlvbnMAAAAEaGVhZAAAAARwb3N0AAAAA3B1dAAAAAZkZWxldGUAAAAFdHJhY2UAAAAGYWNjZXB0AAAADmFjY2VwdC1jaGFyc2V0" +
    "AAAAD2FjY2VwdC1lbmNvZGluZwAAAA9hY2NlcHQtbGFuZ3VhZ2UAAAANYWNjZXB0LXJhbmdlcwAAAANhZ2UAAAAFYWxsb3cAAAANYXV0aG9y" +
    "aXphdGlvbgAAAA1jYWNoZS1jb250cm9sAAAACmNvbm5lY3Rpb24AAAAMY29udGVudC1iYXNlAAAAEGNvbnRlbnQtZW5jb2RpbmcAAAAQY29u" +
    "dGVudC1sYW5ndWFnZQAAAA5jb250ZW50LWxlbmd0aAAAABBjb250ZW50LWxvY2F0aW9uAAAAC2NvbnRlbnQtbWQ1AAAADWNvbnRlbnQtcmFu" +
    "Z2UAAAAMY29udGVudC10eXBlAAAABGRhdGUAAAAEZXRhZwAAAAZleHBlY3QAAAAHZXhwaXJlcwAAAARmcm9tAAAABGhvc3QAAAAIaWYtbWF0" +
    "Y2gAAAARaWYtbW9kaWZpZWQtc2luY2UAAAANaWYtbm9uZS1tYXRjaAAAAAhpZi1yYW5nZQAAABNpZi11bm1vZGlmaWVkLXNpbmNlAAAADWxh" +
    "c3QtbW9kaWZpZWQAAAAIbG9jYXRpb24AAAAMbWF4LWZvcndhcmRzAAAABnByYWdtYQAAABJwcm94eS1hdXRoZW50aWNhdGUAAAATcHJveHkt" +
    "YXV0aG9yaXphdGlvbgAAAAVyYW5nZQAAAAdyZWZlcmVyAAAAC3JldHJ5LWFmdGVyAAAABnNlcnZlcgAAAAJ0ZQAAAAd0cmFpbGVyAAAAEXRy" +
    "YW5zZmVyLWVuY29kaW5nAAAAB3VwZ3JhZGUAAAAKdXNlci1hZ2VudAAAAAR2YXJ5AAAAA3ZpYQAAAAd3YXJuaW5nAAAAEHd3dy1hdXRoZW50" +
    "aWNhdGUAAAAGbWV0aG9kAAAAA2dldAAAAAZzdGF0dXMAAAAGMjAwIE9LAAAAB3ZlcnNpb24AAAAISFRUUC8xLjEAAAADdXJsAAAABnB1Ymxp" +
    "YwAAAApzZXQtY29va2llAAAACmtlZXAtYWxpdmUAAAAGb3JpZ2luMTAwMTAxMjAxMjAyMjA1MjA2MzAwMzAyMzAzMzA0MzA1MzA2MzA3NDAy" +
    "NDA1NDA2NDA3NDA4NDA5NDEwNDExNDEyNDEzNDE0NDE1NDE2NDE3NTAyNTA0NTA1MjAzIE5vbi1BdXRob3JpdGF0aXZlIEluZm9ybWF0aW9u" +
    "MjA0IE5vIENvbnRlbnQzMDEgTW92ZWQgUGVybWFuZW50bHk0MDAgQmFkIFJlcXVlc3Q0MDEgVW5hdXRob3JpemVkNDAzIEZvcmJpZGRlbjQw" +
    "NCBOb3QgRm91bmQ1MDAgSW50ZXJuYWwgU2VydmVyIEVycm9yNTAxIE5vdCBJbXBsZW1lbnRlZDUwMyBTZXJ2aWNlIFVuYXZhaWxhYmxlSmFu" +
    "IEZlYiBNYXIgQXByIE1heSBKdW4gSnVsIEF1ZyBTZXB0IE9jdCBOb3YgRGVjIDAwOjAwOjAwIE1vbiwgVHVlLCBXZWQsIFRodSwgRnJpLCBT" +
    "YXQsIFN1biwgR01UY2h1bmtlZCx0ZXh0L2h0bWwsaW1hZ2UvcG5nLGltYWdlL2pwZyxpbWFnZS9naWYsYXBwbGljYXRpb24veG1sLGFwcGxp" +
    "Y2F0aW9uL3hodG1sK3htbCx0ZXh0L3BsYWluLHRleHQvamF2YXNjcmlwdCxwdWJsaWNwcml2YXRlbWF4LWFnZT1nemlwLGRlZmxhdGUsc2Rj" +
    "aGNoYXJzZXQ9dXRmLThjaGFyc2V0PWlzby04ODU5LTEsdXRmLSwqLGVucT0wLg==",
  "base64",
);

/** A violation of the protocol by the peer: the session ends with this message. */
export class SpdyProtocolError extends Error {
  override name = "SpdyProtocolError";
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32BE((0x8000 | SPDY_VERSION) * 0x10000 + type, 0);
  frame.writeUInt32BE(flags * 0x1000000 + payload.length, 4);
  payload.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

export function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32BE(streamId, 0);
  header.writeUInt32BE(flags * 0x1000000 + data.length, 4);
  return data.length ? Buffer.concat([header, data]) : header;
}

function u32s(...values: number[]): Buffer {
  const b = Buffer.allocUnsafe(values.length * 4);
  for (const [i, v] of values.entries()) b.writeUInt32BE(v >>> 0, i * 4);
  return b;
}

export function rstStreamFrame(streamId: number, status: number): Buffer {
  return controlFrame(FrameType.RstStream, 0, u32s(streamId, status));
}

export function pingFrame(id: number): Buffer {
  return controlFrame(FrameType.Ping, 0, u32s(id));
}

export function goAwayFrame(lastGoodStreamId: number, status: number): Buffer {
  return controlFrame(FrameType.GoAway, 0, u32s(lastGoodStreamId, status));
}

/** The uncompressed name/value block: count, then (length, name, length, values joined by NUL) per header. */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [u32s(Object.keys(headers).length)];
  for (const [name, values] of Object.entries(headers)) {
    const n = Buffer.from(name.toLowerCase());
    const v = Buffer.from(values.join("\0"));
    parts.push(u32s(n.length), n, u32s(v.length), v);
  }
  return Buffer.concat(parts);
}

/** Parses one whole name/value block; anything spdystream's parseHeaderValueBlock rejects is a protocol error. */
export function decodeHeaderBlock(block: Buffer, forResponse = false): SpdyHeaders {
  const fail = (what: string) => new SpdyProtocolError(`invalid SPDY header block: ${what}`);
  if (block.length < 4) throw fail("truncated");
  const count = block.readUInt32BE(0);
  if (count > (block.length - 4) / 8) throw fail(`${count} headers do not fit in ${block.length} bytes`);
  const headers: SpdyHeaders = Object.create(null);
  let at = 4;
  const take = (): string => {
    if (at + 4 > block.length) throw fail("truncated");
    const len = block.readUInt32BE(at);
    at += 4;
    if (at + len > block.length) throw fail("truncated");
    const s = block.toString("utf8", at, at + len);
    at += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const name = take();
    const value = take();
    if (!name) throw fail("empty header name");
    if (name !== name.toLowerCase()) throw fail(`header name ${JSON.stringify(name)} is not lower-case`);
    if (name in headers) throw fail(`header ${JSON.stringify(name)} appears twice`);
    if (FORBIDDEN_HEADERS.has(name) && !(forResponse && name === "host"))
      throw fail(`header ${JSON.stringify(name)} is not allowed`);
    headers[name] = value.split("\0");
  }
  if (at !== block.length) throw fail(`${block.length - at} bytes after the last header`);
  return headers;
}

/**
 * Compresses header blocks for one direction of a session. Every block is a zlib *stored* block in one continuing
 * zlib stream that names the SPDY dictionary: any SPDY/3 inflater reads it, it is synchronous (so frames keep
 * their order), and it leaks nothing about header values through compressed sizes (CRIME).
 */
export class HeaderCompressor {
  private started = false;

  compress(block: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      // CMF 0x78 (deflate, 32 KiB window), FLG 0xF9 (FDICT, best compression, check bits), the dictionary's id.
      parts.push(Buffer.from([0x78, 0xf9]), u32s(DICTIONARY_ID));
    }
    let at = 0;
    do {
      const chunk = block.subarray(at, at + 0xffff);
      const n = chunk.length;
      // BFINAL=0 BTYPE=00 (stored), LEN and its one's complement, little-endian; the block ends byte-aligned,
      // exactly where a sync flush would.
      parts.push(Buffer.from([0x00, n & 0xff, n >> 8, ~n & 0xff, (~n >> 8) & 0xff]), chunk);
      at += 0xffff;
    } while (at < block.length);
    // The sync-flush marker (an empty stored block): Go's flate reader hands a block's bytes over only at a
    // flush point; without it the peer reads on into the next frame and its header stream breaks.
    parts.push(Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]));
    return Buffer.concat(parts);
  }
}

function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return (b * 65536 + a) >>> 0;
}

const DICTIONARY_ID = adler32(SPDY_DICTIONARY);

/**
 * Decompresses the peer's header blocks: one zlib stream per session (with the SPDY dictionary), each block
 * ending on a sync flush. Output beyond maxBytes per block is a protocol error (a zlib bomb guard).
 */
export class HeaderDecompressor {
  private inflate: zlib.Inflate | undefined;
  private pending: { chunks: Buffer[]; size: number; fail?: Error } | undefined;
  private broken: Error | undefined;

  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  decompress(compressed: Buffer): Promise<Buffer> {
    if (this.broken) return Promise.reject(this.broken);
    const inflate = this.stream();
    const pending: { chunks: Buffer[]; size: number; fail?: Error } = { chunks: [], size: 0 };
    this.pending = pending;
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(this.broken ?? err);
      inflate.once("error", onError);
      inflate.write(compressed);
      inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        inflate.off("error", onError);
        this.pending = undefined;
        if (this.broken) reject(this.broken);
        else if (pending.fail) reject(pending.fail);
        else resolve(Buffer.concat(pending.chunks, pending.size));
      });
    });
  }

  close(): void {
    this.inflate?.destroy();
    this.inflate = undefined;
    this.broken ??= new SpdyProtocolError("the session is closed");
  }

  private stream(): zlib.Inflate {
    if (this.inflate) return this.inflate;
    const inflate = zlib.createInflate({ dictionary: SPDY_DICTIONARY });
    inflate.on("data", (chunk: Buffer) => {
      const p = this.pending;
      if (!p || p.fail) return;
      p.size += chunk.length;
      if (p.size > this.maxBytes)
        p.fail = new SpdyProtocolError(
          `a SPDY header block decompresses to more than ${this.maxBytes} bytes`,
        );
      else p.chunks.push(chunk);
    });
    inflate.on("error", (err) => {
      this.broken = new SpdyProtocolError(`invalid compressed SPDY header block: ${err.message}`);
    });
    this.inflate = inflate;
    return inflate;
  }
}
