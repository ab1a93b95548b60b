// A websocket client (RFC 6455) on Node built-ins, over the transport's agents (CA, client certificates,
// rotation) and credentials: the handshake is an HTTP/1.1 upgrade whose refusals become the client's typed
// errors (a 401 re-reads the credentials and retries once); client frames are masked, messages may be
// fragmented, and a heartbeat keeps the connection honest as client-go's websocket executor does
// (staging/src/k8s.io/client-go/tools/remotecommand/websocket.go: a ping every 5 s, the connection presumed
// dead when nothing arrived for 61 s). The server (src/server/streaming) uses the `ws` package; the client
// keeps its runtime dependencies at `yaml`, so it carries this small codec instead.
import { createHash, randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";
import { ResponseError } from "./errors.ts";
import type { PreparedConnection, QueryValue, Transport } from "./transport.ts";

const ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

export const CLOSE_NORMAL = 1000;
const CLOSE_PROTOCOL_ERROR = 1002;
const CLOSE_TOO_BIG = 1009;
/** No close frame arrived: the connection was lost. */
export const CLOSE_ABNORMAL = 1006;

/** client-go's heartbeat: pingPeriod and pingReadDeadline (12 periods + 1 s). */
const PING_INTERVAL_MS = 5_000;
const DEAD_AFTER_MS = 61_000;
/** A refusal's body is read up to this much (a Status is far smaller). */
const MAX_REFUSAL_BYTES = 64 * 1024;
/** A server that never finishes the closing handshake is dropped after this. */
const CLOSE_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export interface WebSocketOptions {
  path: string;
  /** Arrays become repeated parameters (exec's `command`). */
  query?: Record<string, QueryValue | readonly QueryValue[]>;
  /** Subprotocols, most preferred first; the server must choose one of them. */
  protocols: readonly string[];
  signal?: AbortSignal;
  /** Until the server answers the upgrade. Default: the client's timeoutMs. */
  timeoutMs?: number;
  maxMessageBytes?: number;
}

/** Opens a websocket to the API server; refusals reject with ApiError, network failures with ConnectionError. */
export async function connectWebSocket(transport: Transport, options: WebSocketOptions): Promise<WebSocket> {
  let refreshed: boolean | undefined;
  for (;;) {
    const prepared = await transport.prepareConnection("GET", { path: options.path, signal: options.signal });
    for (const [key, value] of Object.entries(options.query ?? {})) {
      for (const item of Array.isArray(value) ? value : [value])
        if (item !== undefined && item !== null) prepared.url.searchParams.append(key, String(item));
    }
    const answer = await handshake(prepared, options);
    if ("socket" in answer) {
      const socket = new WebSocket(answer.socket, answer.protocol, options.maxMessageBytes);
      if (answer.head.length > 0) socket.receive(answer.head);
      return socket;
    }
    const credentials = transport.config.credentials;
    if (answer.status === 401 && credentials && refreshed === undefined) {
      refreshed = await credentials.refresh().catch(() => false);
      if (refreshed) continue;
    }
    throw await prepared.error(answer.status, answer.body, refreshed);
  }
}

type HandshakeAnswer = { socket: Duplex; head: Buffer; protocol: string } | { status: number; body: string };

function handshake(prepared: PreparedConnection, options: WebSocketOptions): Promise<HandshakeAnswer> {
  const key = randomBytes(16).toString("base64");
  const headers = {
    ...prepared.headers,
    Connection: "Upgrade",
    Upgrade: "websocket",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": key,
    "Sec-WebSocket-Protocol": options.protocols.join(", "),
  };
  const client = prepared.url.protocol === "http:" ? http : https;
  const timeoutMs = options.timeoutMs ?? prepared.timeoutMs;
  const { signal } = options;
  return new Promise((resolve, reject) => {
    const request = client.request(prepared.url, { method: "GET", headers, agent: prepared.lease.agent });
    // A connection asked to upgrade is not pooled after a refusal: servers close it then, and a retry at
    // once would take it from the pool before its end arrived.
    let connection: Duplex | undefined;
    request.on("socket", (socket) => (connection = socket));
    let settled = false;
    const settle = (then: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      prepared.lease.release();
      then();
    };
    const fail = (error: unknown) =>
      settle(() => {
        request.destroy();
        reject(error);
      });
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            const error = Object.assign(
              new Error(
                `no answer to the websocket upgrade within ${timeoutMs} ms: raise the client option timeoutMs if the server is just slow`,
              ),
              { code: "REQUEST_TIMEOUT" },
            );
            fail(prepared.connectionError(error));
          }, timeoutMs)
        : undefined;
    const onAbort = () => fail(signal?.reason);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    request.on("error", (error) => fail(prepared.connectionError(error)));
    request.on("upgrade", (response: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (settled) return void socket.destroy();
      const problem = handshakeProblem(response, key, options.protocols);
      if (problem) {
        socket.destroy();
        return fail(
          new ResponseError(`the websocket upgrade of GET ${options.path} failed: ${problem}`, {
            code: "INVALID_RESPONSE",
            method: "GET",
            path: options.path,
          }),
        );
      }
      const protocol = String(response.headers["sec-websocket-protocol"]);
      settle(() => resolve({ socket, head, protocol }));
    });
    request.on("response", (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_REFUSAL_BYTES) chunks.push(chunk);
      });
      response.on("end", () => {
        connection?.destroy();
        settle(() =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
      });
      response.on("error", (error) => fail(prepared.connectionError(error)));
    });
    request.end();
  });
}

/** What is wrong with a 101 answer (RFC 6455 §4.1), or undefined. */
function handshakeProblem(
  response: IncomingMessage,
  key: string,
  protocols: readonly string[],
): string | undefined {
  const expected = createHash("sha1")
    .update(key + ACCEPT_GUID)
    .digest("base64");
  if ((response.headers.upgrade ?? "").toLowerCase() !== "websocket") return "no Upgrade: websocket header";
  if (response.headers["sec-websocket-accept"] !== expected) return "wrong Sec-WebSocket-Accept";
  const chosen = response.headers["sec-websocket-protocol"];
  if (!chosen)
    return `the server chose no subprotocol (offered ${protocols.join(", ")}): a proxy in between may not pass websocket subprotocols on`;
  if (!protocols.includes(chosen)) return `the server chose ${chosen}, which was not offered`;
  return undefined;
}

interface WebSocketEvents {
  /** A whole message: its payload, and whether it was binary. */
  message: [data: Buffer, binary: boolean];
  /** Once, when the connection is gone: the close code (1006 when none arrived) and reason. */
  close: [code: number, reason: string];
}

/** An open client websocket. Events: message, close. */
export class WebSocket extends EventEmitter<WebSocketEvents> {
  readonly protocol: string;
  readonly #socket: Duplex;
  readonly #maxMessageBytes: number;
  /** Bytes received but not yet parsed, and how many the next frame needs before parsing is worth it. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #needed = 2;
  #fragments: Buffer[] = [];
  #fragmentBytes = 0;
  #fragmentOpcode = 0;
  #closeSent = false;
  #finished = false;
  /** Why the connection failed, for the close event's reason. */
  #failure = "";
  readonly #ping: NodeJS.Timeout;
  readonly #dead: NodeJS.Timeout;

  constructor(socket: Duplex, protocol: string, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {
    super();
    this.protocol = protocol;
    this.#socket = socket;
    this.#maxMessageBytes = maxMessageBytes;
    const tcp = socket as { setNoDelay?: (on: boolean) => void; setTimeout?: (ms: number) => void };
    tcp.setNoDelay?.(true);
    // The agent's idle timeout is for pooled sockets; this connection has its heartbeat and dead timer, and
    // an armed socket timeout would be re-armed on every read and write.
    tcp.setTimeout?.(0);
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", (error) => (this.#failure ||= error.message));
    socket.on("close", () => this.#finish(CLOSE_ABNORMAL, this.#failure));
    this.#ping = setInterval(() => this.#write(OP_PING, Buffer.alloc(0)), PING_INTERVAL_MS).unref();
    this.#dead = setTimeout(() => {
      this.#failure = `nothing arrived from the server for ${DEAD_AFTER_MS / 1000} s (not even a pong)`;
      socket.destroy();
    }, DEAD_AFTER_MS).unref();
  }

  /** Sends a binary message; `done` runs once it is written (the backpressure signal). */
  send(data: Buffer, done?: (error?: Error | null) => void): void {
    if (this.#closeSent || this.#finished) {
      done?.(new Error("the websocket is closed"));
      return;
    }
    this.#write(OP_BINARY, data, done);
  }

  /** Starts the closing handshake; the socket is dropped if the server does not finish it. */
  close(code = CLOSE_NORMAL, reason = ""): void {
    if (this.#finished) return;
    if (!this.#closeSent) {
      const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
      payload.writeUInt16BE(code);
      payload.write(reason, 2);
      this.#write(OP_CLOSE, payload);
      this.#closeSent = true;
    }
    setTimeout(() => this.#socket.destroy(), CLOSE_TIMEOUT_MS).unref();
  }

  /** Drops the connection at once. */
  terminate(): void {
    this.#socket.destroy();
  }

  /** Stops reading from the server (a slow consumer); resume() reads on. */
  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  /** Parses received bytes into frames (the handshake's leftover bytes come through here too). */
  receive(chunk: Buffer): void {
    this.#dead.refresh();
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    while (!this.#finished && this.#pendingBytes >= this.#needed) {
      if (this.#pending[0].length < this.#needed) this.#coalesce(this.#needed);
      const buffer = this.#pending[0];
      const consumed = this.#frame(buffer);
      if (consumed === 0) continue; // #needed grew (or the connection failed): wait or coalesce more
      if (consumed === buffer.length) this.#pending.shift();
      else this.#pending[0] = buffer.subarray(consumed);
      this.#pendingBytes -= consumed;
      this.#needed = 2;
    }
  }

  /**
   * Makes the first `bytes` pending bytes one buffer, copying exactly those: a frame spread over several
   * reads is copied once, and what follows it stays a view of the chunk it arrived in.
   */
  #coalesce(bytes: number): void {
    const merged = Buffer.allocUnsafe(bytes);
    let at = 0;
    let used = 0;
    while (at < bytes) {
      const chunk = this.#pending[used];
      const taken = chunk.copy(merged, at, 0, bytes - at);
      at += taken;
      if (taken === chunk.length) used++;
      else this.#pending[used] = chunk.subarray(taken);
    }
    this.#pending.splice(0, used, merged);
  }

  /** Handles one frame at the start of buffer: the bytes it took, or 0 (and #needed set) when incomplete. */
  #frame(buffer: Buffer): number {
    const first = buffer[0];
    const second = buffer[1];
    let length = second & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (buffer.length < 4) return this.#need(4);
      length = buffer.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (buffer.length < 10) return this.#need(10);
      const high = buffer.readUInt32BE(2);
      length = high * 2 ** 32 + buffer.readUInt32BE(6);
      offset = 10;
    }
    const fin = (first & 0x80) !== 0;
    const opcode = first & 0x0f;
    if ((first & 0x70) !== 0) return this.#fail(CLOSE_PROTOCOL_ERROR, "a frame with reserved bits set");
    if ((second & 0x80) !== 0) return this.#fail(CLOSE_PROTOCOL_ERROR, "a masked frame from the server");
    if (opcode >= OP_CLOSE && (!fin || length > 125))
      return this.#fail(CLOSE_PROTOCOL_ERROR, "a fragmented or oversized control frame");
    if (opcode < OP_CLOSE && this.#fragmentBytes + length > this.#maxMessageBytes)
      return this.#fail(CLOSE_TOO_BIG, `a message over the ${this.#maxMessageBytes}-byte limit`);
    if (buffer.length < offset + length) return this.#need(offset + length);
    const payload = buffer.subarray(offset, offset + length);
    switch (opcode) {
      case OP_PING:
        this.#write(OP_PONG, payload);
        break;
      case OP_PONG:
        break;
      case OP_CLOSE:
        this.#closed(payload);
        break;
      case OP_TEXT:
      case OP_BINARY:
      case OP_CONTINUATION: {
        const starts = opcode !== OP_CONTINUATION;
        if (starts && this.#fragmentOpcode !== 0)
          return this.#fail(CLOSE_PROTOCOL_ERROR, "a new message inside a fragmented one");
        if (!starts && this.#fragmentOpcode === 0)
          return this.#fail(CLOSE_PROTOCOL_ERROR, "a continuation frame outside a message");
        if (starts) this.#fragmentOpcode = opcode;
        // A view: received chunks are never written to again.
        this.#fragments.push(payload);
        this.#fragmentBytes += length;
        if (fin) {
          const message = this.#fragments.length === 1 ? this.#fragments[0] : Buffer.concat(this.#fragments);
          const binary = this.#fragmentOpcode === OP_BINARY;
          this.#fragments = [];
          this.#fragmentBytes = 0;
          this.#fragmentOpcode = 0;
          this.emit("message", message, binary);
        }
        break;
      }
      default:
        return this.#fail(CLOSE_PROTOCOL_ERROR, `an unknown opcode ${opcode}`);
    }
    return offset + length;
  }

  #need(bytes: number): number {
    this.#needed = bytes;
    return 0;
  }

  /** The server's close frame: answer it (unless we started), then the server ends the TCP connection. */
  #closed(payload: Buffer): void {
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    const reason = payload.subarray(2).toString("utf8");
    if (!this.#closeSent) {
      this.#write(OP_CLOSE, payload.subarray(0, 2));
      this.#closeSent = true;
    }
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), CLOSE_TIMEOUT_MS).unref();
    this.#finish(code, reason);
  }

  #fail(code: number, problem: string): number {
    this.#failure = `protocol error: the server sent ${problem}`;
    this.close(code);
    this.#socket.destroy();
    this.#finish(code, this.#failure);
    return 0;
  }

  #finish(code: number, reason: string): void {
    if (this.#finished) return;
    this.#finished = true;
    clearInterval(this.#ping);
    clearTimeout(this.#dead);
    this.emit("close", code, reason);
  }

  #write(opcode: number, payload: Buffer, done?: (error?: Error | null) => void): void {
    if (this.#socket.destroyed || !this.#socket.writable) {
      done?.(new Error("the websocket is closed"));
      return;
    }
    this.#socket.write(encodeFrame(opcode, payload), done);
  }
}

/** One final, masked client frame. */
export function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const frame = Buffer.allocUnsafe(2 + lengthBytes + 4 + length);
  frame[0] = 0x80 | opcode;
  if (lengthBytes === 0) frame[1] = 0x80 | length;
  else if (lengthBytes === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  const maskAt = 2 + lengthBytes;
  randomBytes(4).copy(frame, maskAt);
  const data = maskAt + 4;
  for (let i = 0; i < length; i++) frame[data + i] = payload[i] ^ frame[maskAt + (i & 3)];
  return frame;
}
