// SPDY/3.1 server sessions, the multiplexing Kubernetes streaming uses (port-forward; exec/attach before 1.30).
// Ported from k8s.io/apimachinery/pkg/util/httpstream/httpstream.go (Handshake), .../httpstream/spdy/{upgrade.go,
// connection.go} and github.com/moby/spdystream {connection.go,stream.go} — framing is in spdy-frames.ts.
//
// API
//   acceptSpdy(req, socket, head, protocols, options?): SpdySession | undefined
//     For an HTTP server's 'upgrade' request. Negotiates X-Stream-Protocol-Version against `protocols` (upstream's
//     400/403 texts when that fails), checks Connection/Upgrade: SPDY/3.1 (400), answers 101 and returns the
//     session (session.protocol = the chosen protocol); undefined when it answered an error (socket ended).
//   new SpdySession(transport, options?) — a session over any byte Duplex (a socket, a websocket tunnel).
//   session.on("stream", (stream: SpdyStream) => …) — a stream the client opened. Call stream.reset() inside the
//     listener to reject it; otherwise the session replies (SYN_REPLY, no headers) once the listeners return.
//   session.on("close", (error?: Error) => …) — once; error says what the peer got wrong, if anything.
//   session.close() — resets open streams, sends GOAWAY, ends the transport. session.destroy(error?) — at once.
//   SpdyStream is a Duplex: .id, .headers (lower-case name → values), .header(name) (first value); end() sends
//     FIN; reset() sends RST_STREAM CANCEL; 'headers' for a HEADERS frame; .resetByPeer after the peer's RST.
//
// Flow control is spdystream's: none at the SPDY level (WINDOW_UPDATE and SETTINGS are read and ignored, and
// the peer, spdystream, ignores ours), so backpressure is TCP's: a stream whose reader is behind pauses reading
// the whole session, as spdystream's unbuffered channels do.
import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import { Duplex } from "node:stream";
import {
  controlFrame,
  dataFrame,
  decodeHeaderBlock,
  encodeHeaderBlock,
  FLAG_FIN,
  FLAG_UNIDIRECTIONAL,
  FRAME_HEADER_BYTES,
  FrameType,
  GoAwayStatus,
  goAwayFrame,
  HeaderCompressor,
  HeaderDecompressor,
  MAX_DATA_LENGTH,
  MAX_STREAM_ID,
  pingFrame,
  RstStatus,
  rstStreamFrame,
  SPDY_VERSION,
  type SpdyHeaders,
  SpdyProtocolError,
} from "./spdy-frames.ts";

export { type SpdyHeaders, SpdyProtocolError } from "./spdy-frames.ts";

export const HEADER_SPDY_31 = "SPDY/3.1";
export const HEADER_PROTOCOL_VERSION = "X-Stream-Protocol-Version";
export const HEADER_ACCEPTED_PROTOCOL_VERSIONS = "X-Accepted-Stream-Protocol-Versions";

export interface SpdySessionOptions {
  /** Streams open at once; more are refused (RST_STREAM REFUSED_STREAM). */
  maxStreams?: number;
  /** A frame longer than this ends the session (a DATA frame may be up to 16 MiB by the spec). */
  maxFrameBytes?: number;
  /** A header block decompressing to more than this ends the session. */
  maxHeaderBytes?: number;
  /** No frame read or written for this long closes the session (spdystream's SetIdleTimeout); 0 = never. */
  idleTimeoutMs?: number;
}

const DEFAULTS: Required<SpdySessionOptions> = {
  maxStreams: 1000,
  maxFrameBytes: 1 << 20,
  maxHeaderBytes: 256 << 10,
  idleTimeoutMs: 0,
};

/** Bytes read ahead of the frame being handled before the session stops reading the transport. */
const READ_AHEAD_BYTES = 1 << 20;

export type Negotiation =
  | { protocol: string }
  | { code: 400 | 403; message: string; headers: Record<string, string[]> };

/** httpstream.Handshake: the first client protocol (in the client's order) the server supports. */
export function negotiateStreamProtocol(
  req: IncomingMessage,
  serverProtocols: readonly string[],
): Negotiation {
  const raw = req.headersDistinct[HEADER_PROTOCOL_VERSION.toLowerCase()];
  if (!raw) {
    const count = new Set(rawHeaderNames(req)).size;
    return failure(400, `header ${HEADER_PROTOCOL_VERSION} does not exist in request with ${count} headers`);
  }
  return negotiateProtocols(raw, serverProtocols);
}

/** Handshake's negotiation over the X-Stream-Protocol-Version values (each may be a comma-separated list). */
export function negotiateProtocols(
  values: readonly string[],
  serverProtocols: readonly string[],
): Negotiation {
  const client = values.flatMap((v) => v.split(",").map((p) => p.trim())).filter((p) => p.length > 0);
  if (client.length === 0)
    return failure(
      400,
      `header ${HEADER_PROTOCOL_VERSION} contains ${goSlice(values)}, but no valid protocols`,
    );
  const protocol = client.find((p) => serverProtocols.includes(p));
  if (!protocol) {
    const message = `unable to negotiate protocol: client supports ${goSlice(client)}, server accepts ${goSlice(serverProtocols)}`;
    return {
      ...failure(403, message),
      headers: { [HEADER_ACCEPTED_PROTOCOL_VERSIONS]: [...serverProtocols] },
    };
  }
  return { protocol };
}

function failure(code: 400 | 403, message: string): Negotiation {
  return { code, message: `unable to upgrade: ${message}`, headers: {} };
}

/** Go's %v of a []string. */
function goSlice(values: readonly string[]): string {
  return `[${values.join(" ")}]`;
}

function rawHeaderNames(req: IncomingMessage): string[] {
  const names: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) names.push(canonicalHeaderKey(req.rawHeaders[i]!));
  return names;
}

/** Go's http.CanonicalHeaderKey ("x-stream-protocol-version" → "X-Stream-Protocol-Version"). */
function canonicalHeaderKey(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

/** Go's %#v of an http.Header (keys sorted), as upgrade.go prints the request's headers. */
function goHeaderDump(req: IncomingMessage): string {
  const byKey = new Map<string, string[]>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const key = canonicalHeaderKey(req.rawHeaders[i]!);
    byKey.set(key, [...(byKey.get(key) ?? []), req.rawHeaders[i + 1]!]);
  }
  // Go keeps Host out of the header map.
  byKey.delete("Host");
  const entries = [...byKey.keys()].sort().map(
    (k) =>
      `${JSON.stringify(k)}:[]string{${byKey
        .get(k)!
        .map((v) => JSON.stringify(v))
        .join(", ")}}`,
  );
  return `http.Header{${entries.join(", ")}}`;
}

/** Writes Go's http.Error response (text/plain, the message and a newline) to a raw socket, then ends it. */
export function writeHttpError(
  socket: Duplex,
  code: number,
  message: string,
  headers: Record<string, string[]> = {},
): void {
  const body = `${message}\n`;
  const reason = code === 400 ? "Bad Request" : code === 403 ? "Forbidden" : "Internal Server Error";
  const lines = [`HTTP/1.1 ${code} ${reason}`];
  for (const [k, vs] of Object.entries(headers)) for (const v of vs) lines.push(`${k}: ${v}`);
  lines.push(
    "Content-Type: text/plain; charset=utf-8",
    "X-Content-Type-Options: nosniff",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
  );
  socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
}

/** The checks upgrade.go's UpgradeResponse makes before switching protocols. */
export function isSpdyUpgrade(req: IncomingMessage): boolean {
  const connection = (req.headers.connection ?? "").toLowerCase();
  const upgrade = (req.headers.upgrade ?? "").toLowerCase();
  return connection.includes("upgrade") && upgrade.includes(HEADER_SPDY_31.toLowerCase());
}

/** The kubelet's order: Handshake (400/403), then UpgradeResponse (400, else 101 and a session). */
export function acceptSpdy(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  protocols: readonly string[],
  options: SpdySessionOptions = {},
): SpdySession | undefined {
  const negotiated = negotiateStreamProtocol(req, protocols);
  if (!("protocol" in negotiated)) {
    writeHttpError(socket, negotiated.code, negotiated.message, negotiated.headers);
    return undefined;
  }
  if (!isSpdyUpgrade(req)) {
    writeHttpError(
      socket,
      400,
      `unable to upgrade: missing upgrade headers in request: ${goHeaderDump(req)}`,
    );
    return undefined;
  }
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\n" +
      "Connection: Upgrade\r\n" +
      `Upgrade: ${HEADER_SPDY_31}\r\n` +
      `${HEADER_PROTOCOL_VERSION}: ${negotiated.protocol}\r\n` +
      `Date: ${new Date().toUTCString()}\r\n\r\n`,
  );
  if (head.length) socket.unshift(head);
  const session = new SpdySession(socket, options);
  session.protocol = negotiated.protocol;
  return session;
}

interface ParsedFrame {
  control: boolean;
  type: number; // control frames
  streamId: number; // data frames
  flags: number;
  payload: Buffer;
}

export class SpdySession extends EventEmitter<{ stream: [SpdyStream]; close: [Error | undefined] }> {
  /** The negotiated X-Stream-Protocol-Version, when acceptSpdy made the session. */
  protocol = "";
  readonly options: Required<SpdySessionOptions>;
  private readonly streams = new Map<number, SpdyStream>();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor: HeaderDecompressor;
  private input: Buffer[] = [];
  private inputBytes = 0;
  private pumping = false;
  /** A stream whose reader is behind: frames wait until it reads. */
  private blockedOn: SpdyStream | undefined;
  private nextRemoteId = 1;
  private goneAway = false;
  private closed = false;
  private idleTimer: NodeJS.Timeout | undefined;

  private readonly transport: Duplex;

  constructor(transport: Duplex, options: SpdySessionOptions = {}) {
    super();
    this.transport = transport;
    this.options = { ...DEFAULTS, ...options };
    this.decompressor = new HeaderDecompressor(this.options.maxHeaderBytes);
    transport.on("data", (chunk: Buffer) => this.onData(chunk));
    transport.on("end", () => this.destroy());
    transport.on("close", () => this.destroy());
    transport.on("error", (err) => this.destroy(new Error(`SPDY transport failed: ${err.message}`)));
    this.touch();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** As connection.Close: reset every stream, say GOAWAY (last stream accepted, OK), end the transport. */
  close(): void {
    if (this.closed) return;
    for (const stream of [...this.streams.values()]) stream.reset();
    this.write(goAwayFrame(Math.max(0, this.nextRemoteId - 2), GoAwayStatus.Ok));
    this.goneAway = true;
    this.transport.end();
    this.destroy();
  }

  /** Ends the session at once: streams are destroyed (with the error, if any), the transport too. */
  destroy(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    if (error instanceof SpdyProtocolError && this.transport.writable)
      this.transport.write(goAwayFrame(Math.max(0, this.nextRemoteId - 2), GoAwayStatus.ProtocolError));
    for (const stream of [...this.streams.values()]) stream.destroy();
    this.streams.clear();
    this.decompressor.close();
    this.input = [];
    this.inputBytes = 0;
    // Flush what is queued (GOAWAY, RST_STREAMs), then close; a peer that never reads loses the socket anyway.
    this.transport.end();
    if (!this.transport.destroyed) {
      const force = setTimeout(() => this.transport.destroy(), 1000).unref();
      this.transport.once("close", () => clearTimeout(force));
    }
    this.emit("close", error);
  }

  /** Writes one frame; false when the transport is full (wait for its 'drain'). */
  write(frame: Buffer): boolean {
    if (this.closed || this.transport.destroyed || this.transport.writableEnded) return true;
    this.touch();
    return this.transport.write(frame);
  }

  /** Calls fn once the transport can take more. */
  whenWritable(fn: () => void): void {
    if (this.closed || !this.transport.writableNeedDrain) fn();
    else {
      const done = () => {
        this.transport.off("drain", done);
        this.off("close", done);
        fn();
      };
      this.transport.on("drain", done);
      this.on("close", done);
    }
  }

  headerFrame(type: number, streamId: number, flags: number, headers: SpdyHeaders): Buffer {
    const id = Buffer.allocUnsafe(4);
    id.writeUInt32BE(streamId);
    const block = this.compressor.compress(encodeHeaderBlock(headers));
    return controlFrame(type, flags, Buffer.concat([id, block]));
  }

  /** A stream is done in both directions (or reset): forget it. */
  forget(stream: SpdyStream): void {
    this.streams.delete(stream.id);
    if (this.blockedOn === stream) this.unblock();
  }

  /** The blocked stream's reader caught up. */
  unblock(): void {
    this.blockedOn = undefined;
    void this.pump();
  }

  private touch(): void {
    if (!this.options.idleTimeoutMs || this.closed) return;
    if (this.idleTimer) this.idleTimer.refresh();
    else {
      this.idleTimer = setTimeout(() => this.close(), this.options.idleTimeoutMs);
      this.idleTimer.unref();
    }
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.input.push(chunk);
    this.inputBytes += chunk.length;
    if (this.inputBytes > READ_AHEAD_BYTES) this.transport.pause();
    void this.pump();
  }

  /** Handles buffered frames in order; header blocks make it wait for zlib, a slow stream reader too. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed && !this.blockedOn) {
        const frame = this.nextFrame();
        if (!frame) break;
        this.touch();
        await this.handle(frame);
      }
    } catch (e) {
      this.destroy(e instanceof Error ? e : new Error(String(e)));
    } finally {
      this.pumping = false;
    }
    if (!this.closed && this.inputBytes <= READ_AHEAD_BYTES && this.transport.isPaused())
      this.transport.resume();
  }

  private take(n: number): Buffer {
    const first = this.input[0]!;
    let out: Buffer;
    if (first.length >= n) out = first.subarray(0, n);
    else {
      // Only the chunks this frame spans: joining the whole read-ahead per frame made uploads quadratic.
      const parts: Buffer[] = [];
      let have = 0;
      for (const chunk of this.input) {
        parts.push(chunk);
        have += chunk.length;
        if (have >= n) break;
      }
      out = Buffer.concat(parts, have).subarray(0, n);
    }
    this.drop(n);
    return out;
  }

  private drop(n: number): void {
    this.inputBytes -= n;
    while (n > 0) {
      const first = this.input[0]!;
      if (first.length <= n) {
        n -= first.length;
        this.input.shift();
      } else {
        this.input[0] = first.subarray(n);
        n = 0;
      }
    }
  }

  private nextFrame(): ParsedFrame | undefined {
    if (this.inputBytes < FRAME_HEADER_BYTES) return undefined;
    const header = this.take(FRAME_HEADER_BYTES);
    const word = header.readUInt32BE(0);
    const flags = header[4]!;
    const length = header.readUInt32BE(4) & 0xffffff;
    if (length > this.options.maxFrameBytes)
      throw new SpdyProtocolError(
        `a SPDY frame of ${length} bytes exceeds the limit of ${this.options.maxFrameBytes}`,
      );
    if (this.inputBytes < length) {
      this.input.unshift(header); // wait for the rest
      this.inputBytes += FRAME_HEADER_BYTES;
      return undefined;
    }
    const payload = length ? this.take(length) : Buffer.alloc(0);
    const control = (word & 0x80000000) !== 0;
    if (control) {
      const version = (word >>> 16) & 0x7fff;
      if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
    }
    return { control, type: word & 0xffff, streamId: word & 0x7fffffff, flags, payload };
  }

  private async handle(f: ParsedFrame): Promise<void> {
    if (!f.control) return this.onDataFrame(f);
    const p = f.payload;
    const need = (n: number, exact = false) => {
      if (exact ? p.length !== n : p.length < n)
        throw new SpdyProtocolError(`invalid control frame: type ${f.type} with ${p.length} bytes`);
    };
    switch (f.type) {
      case FrameType.SynStream: {
        need(10);
        const headers = decodeHeaderBlock(await this.decompressor.decompress(p.subarray(10)));
        return this.onSynStream(p.readUInt32BE(0) & MAX_STREAM_ID, f.flags, headers);
      }
      case FrameType.SynReply:
        // We never open streams, so a reply answers nothing; its header block still advances the zlib stream.
        need(4);
        await this.decompressor.decompress(p.subarray(4));
        return;
      case FrameType.Headers: {
        need(4);
        const headers = decodeHeaderBlock(await this.decompressor.decompress(p.subarray(4)));
        const stream = this.streams.get(p.readUInt32BE(0) & MAX_STREAM_ID);
        if (stream) stream.onHeaders(headers, (f.flags & FLAG_FIN) !== 0);
        return;
      }
      case FrameType.RstStream: {
        need(8, true);
        const id = p.readUInt32BE(0) & MAX_STREAM_ID;
        if (p.readUInt32BE(4) === 0 || id === 0)
          throw new SpdyProtocolError("invalid control frame: RST_STREAM");
        this.streams.get(id)?.onReset();
        return;
      }
      case FrameType.Settings:
        need(4);
        if (p.length !== 4 + p.readUInt32BE(0) * 8)
          throw new SpdyProtocolError("invalid control frame: SETTINGS");
        return;
      case FrameType.Ping: {
        need(4, true);
        const id = p.readUInt32BE(0);
        if (id === 0 || f.flags !== 0) throw new SpdyProtocolError("invalid control frame: PING");
        // Our pings are even; echo the client's (odd) ones.
        if (id % 2 === 1) this.write(pingFrame(id));
        return;
      }
      case FrameType.GoAway:
        need(8, true);
        // spdystream stops reading at GOAWAY, ends every stream's remote side and closes the connection.
        this.goneAway = true;
        for (const stream of this.streams.values()) stream.onRemoteFinish();
        this.transport.end();
        this.destroy();
        return;
      case FrameType.WindowUpdate:
        need(8, true);
        if (f.flags !== 0) throw new SpdyProtocolError("invalid control frame: WINDOW_UPDATE");
        return;
      default:
        throw new SpdyProtocolError(`unknown SPDY control frame type ${f.type}`);
    }
  }

  private onSynStream(id: number, flags: number, headers: SpdyHeaders): void {
    if (this.goneAway) return;
    // spdystream's validateStreamId: client stream ids rise; we also insist they are odd, as the spec says.
    if (id === 0 || id < this.nextRemoteId || id % 2 === 0) {
      this.write(rstStreamFrame(id || 1, RstStatus.ProtocolError));
      return;
    }
    this.nextRemoteId = id + 2;
    if (this.streams.size >= this.options.maxStreams) {
      this.write(rstStreamFrame(id, RstStatus.RefusedStream));
      return;
    }
    const stream = new SpdyStream(this, id, headers);
    this.streams.set(id, stream);
    if (flags & FLAG_UNIDIRECTIONAL) stream.closeLocal();
    if (flags & FLAG_FIN) stream.onRemoteFinish();
    this.emit("stream", stream);
    stream.reply();
  }

  private onDataFrame(f: ParsedFrame): void {
    if (f.streamId === 0) throw new SpdyProtocolError("stream id zero is disallowed");
    const stream = this.streams.get(f.streamId);
    // As spdystream: data for a stream it does not know (or one already reset) is dropped.
    if (!stream) return;
    if (f.payload.length > 0 && !stream.onData(f.payload)) this.blockedOn = stream;
    if (f.flags & FLAG_FIN) stream.onRemoteFinish();
  }
}

export class SpdyStream extends Duplex {
  /** Set when the peer reset the stream (RST_STREAM). */
  resetByPeer = false;
  private replied = false;
  private waitingForReply: (() => void)[] = [];
  private remoteDone = false;
  private localDone = false;

  private readonly session: SpdySession;
  readonly id: number;
  readonly headers: SpdyHeaders;

  constructor(session: SpdySession, id: number, headers: SpdyHeaders) {
    super({ allowHalfOpen: true });
    this.session = session;
    this.id = id;
    this.headers = headers;
  }

  /** The first value of a header (names are case-insensitive). */
  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()]?.[0];
  }

  /** Rejects (or abandons) the stream: RST_STREAM CANCEL, as spdystream's Stream.Reset. */
  reset(): void {
    this.destroy();
  }

  /** Sends SYN_REPLY unless the stream was already reset. */
  reply(): void {
    if (this.replied || this.destroyed) return;
    this.replied = true;
    this.session.write(this.session.headerFrame(FrameType.SynReply, this.id, 0, {}));
    for (const fn of this.waitingForReply.splice(0)) fn();
  }

  /** Sends a HEADERS frame on the stream. */
  sendHeaders(headers: SpdyHeaders, fin = false): void {
    this.afterReply(() =>
      this.session.write(this.session.headerFrame(FrameType.Headers, this.id, fin ? FLAG_FIN : 0, headers)),
    );
  }

  /** The peer opened the stream unidirectional: we may send nothing, not even FIN. */
  closeLocal(): void {
    this.localDone = true;
    this.end();
  }

  onData(data: Buffer): boolean {
    if (this.remoteDone || this.destroyed) return true;
    return this.push(data);
  }

  onHeaders(headers: SpdyHeaders, fin: boolean): void {
    this.emit("headers", headers);
    if (fin) this.onRemoteFinish();
  }

  onRemoteFinish(): void {
    if (this.remoteDone) return;
    this.remoteDone = true;
    this.push(null);
    this.maybeDone();
  }

  onReset(): void {
    this.resetByPeer = true;
    this.localDone = true; // nothing more may be sent
    this.remoteDone = true;
    this.session.forget(this);
    this.destroy();
  }

  override _read(): void {
    this.session.unblock();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.afterReply(() => {
      if (this.localDone) return callback(new Error(`SPDY stream ${this.id} is closed for writing`));
      let ok = true;
      for (let at = 0; at < chunk.length; at += MAX_DATA_LENGTH)
        ok = this.session.write(dataFrame(this.id, 0, chunk.subarray(at, at + MAX_DATA_LENGTH)));
      if (ok) callback();
      else this.session.whenWritable(() => callback());
    });
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.afterReply(() => {
      if (!this.localDone) {
        this.localDone = true;
        this.session.write(dataFrame(this.id, FLAG_FIN, Buffer.alloc(0)));
      }
      this.maybeDone();
      callback();
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.localDone || !this.remoteDone) {
      // Abandoned before both sides finished: tell the peer (Stream.Reset sends CANCEL).
      if (!this.resetByPeer && !this.session.isClosed)
        this.session.write(rstStreamFrame(this.id, RstStatus.Cancel));
      this.localDone = true;
      this.remoteDone = true;
    }
    this.replied = true; // a reset stream is never replied to
    this.waitingForReply = [];
    this.session.forget(this);
    callback(error);
  }

  private afterReply(fn: () => void): void {
    if (this.replied) fn();
    else this.waitingForReply.push(fn);
  }

  private maybeDone(): void {
    if (this.localDone && this.remoteDone) this.session.forget(this);
  }
}
