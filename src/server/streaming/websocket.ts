// Channels over a websocket, as wsstream.Conn multiplexes them: each message starts with its channel number
// (a byte, or an ASCII digit before base64 for the base64 protocols); v5.channel.k8s.io adds the CLOSE signal
// [255, channel] that half-closes a stream (stdin EOF). Ported from
// staging/src/k8s.io/apimachinery/pkg/util/httpstream/wsstream/conn.go and the protocol tables of
// pkg/kubelet/cri/streaming/remotecommand/websocket.go and staging/src/k8s.io/apiserver/pkg/util/proxy/websocket.go.
import type { IncomingMessage } from "node:http";
import { PassThrough, Writable } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import {
  BASE64_CHANNEL_PROTOCOL,
  type ChannelStatus,
  STREAM_CLOSE,
  STREAM_ERROR,
  STREAM_PROTOCOL_V1,
  STREAM_PROTOCOL_V4,
  STREAM_PROTOCOL_V5,
  STREAM_RESIZE,
  STREAM_STDERR,
  STREAM_STDIN,
  STREAM_STDOUT,
  type StreamOptions,
} from "./remotecommand.ts";
import { rejectUpgrade, type UpgradeSocket } from "./upgrade.ts";

interface ProtocolConfig {
  binary: boolean;
  /** The error channel carries a JSON Status (v4+) rather than the failure's text (v1–v3). */
  jsonStatus: boolean;
  /** Understands the CLOSE signal (v5). */
  streamClose: boolean;
}

/** Every subprotocol the kubelet's websocket server (v1–v4) and the API server's translator (v5) accept. */
const PROTOCOLS: ReadonlyMap<string, ProtocolConfig> = new Map([
  [STREAM_PROTOCOL_V5, { binary: true, jsonStatus: true, streamClose: true }],
  [STREAM_PROTOCOL_V4, { binary: true, jsonStatus: true, streamClose: false }],
  [`v4.${BASE64_CHANNEL_PROTOCOL}`, { binary: false, jsonStatus: true, streamClose: false }],
  [STREAM_PROTOCOL_V1, { binary: true, jsonStatus: false, streamClose: false }],
  [BASE64_CHANNEL_PROTOCOL, { binary: false, jsonStatus: false, streamClose: false }],
  ["", { binary: true, jsonStatus: false, streamClose: false }],
]);

/** The translator's and the kubelet's idle timeout (no frame either way for this long closes the connection). */
const IDLE_TIMEOUT_MS = 4 * 60 * 60 * 1000;
/** The largest message accepted from a client (kubectl sends stdin in 32 KiB pieces). */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const server = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  maxPayload: MAX_MESSAGE_BYTES,
});

/** IsWebSocketRequest: Upgrade: websocket with Connection naming upgrade. */
export function isWebSocketRequest(req: IncomingMessage): boolean {
  return (
    (req.headers.upgrade ?? "").toLowerCase() === "websocket" &&
    /(^|,)\s*upgrade\s*(,|$)/i.test(req.headers.connection ?? "")
  );
}

/** The client's first subprotocol this server speaks ("" when it named none), or undefined. */
export function negotiateProtocol(req: IncomingMessage): string | undefined {
  const header = req.headers["sec-websocket-protocol"];
  const requested = (header ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  if (requested.length === 0) return "";
  return requested.find((p) => PROTOCOLS.has(p));
}

export interface ChannelConnection {
  protocol: string;
  /** Channel 0 from the client; ends at the CLOSE signal or when the connection goes. */
  stdin?: PassThrough;
  stdout?: Writable;
  stderr?: Writable;
  /** Channel 4: the client's terminal sizes as JSON (terminal-size.ts reads them). */
  resize: PassThrough;
  /** The exec's outcome on the error channel (v1–v3: only a failure's message, as text). */
  writeStatus(status: ChannelStatus): Promise<void>;
  /** Resolves when the connection is gone, whoever closed it. */
  closed: Promise<void>;
  close(): void;
}

/**
 * Completes the websocket handshake on a socket taken over from the HTTP server and opens the channels the
 * options ask for (createChannels: stdin read, stdout/stderr write, error write, resize read). Resolves
 * undefined when the handshake failed (the client was answered).
 */
export function openChannels(
  req: IncomingMessage,
  upgrade: UpgradeSocket,
  opts: StreamOptions,
): Promise<ChannelConnection | undefined> {
  const protocol = negotiateProtocol(req);
  if (protocol === undefined) {
    // x/net/websocket answers a failed subprotocol handshake with a bare 403.
    rejectUpgrade(upgrade.socket, 403, "Forbidden", "");
    return Promise.resolve(undefined);
  }
  const config = PROTOCOLS.get(protocol)!;
  // The client may have left while the session was being set up.
  if (upgrade.socket.destroyed || !upgrade.socket.writable) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const failed = () => resolve(undefined);
    upgrade.socket.once("close", failed);
    server.handleUpgrade(req, upgrade.socket, upgrade.head, (ws) => {
      upgrade.socket.off("close", failed);
      resolve(channelConnection(ws, protocol, config, opts));
    });
  });
}

function channelConnection(
  ws: WebSocket,
  protocol: string,
  config: ProtocolConfig,
  opts: StreamOptions,
): ChannelConnection {
  let idle: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => ws.terminate(), IDLE_TIMEOUT_MS).unref();
  };
  touch();
  const closed = new Promise<void>((resolve) =>
    ws.once("close", () => {
      clearTimeout(idle);
      resolve();
    }),
  );
  ws.on("error", () => ws.terminate());

  const send = (channel: number, data: Buffer, done: (err?: Error) => void) => {
    if (ws.readyState !== ws.OPEN) return done(new Error("the connection is closed"));
    touch();
    if (config.binary) ws.send(Buffer.concat([Buffer.of(channel), data]), { binary: true }, done);
    else ws.send(String.fromCharCode(48 + channel) + data.toString("base64"), { binary: false }, done);
  };
  // A writer per output channel; the send callback is the backpressure (a slow client slows the command).
  const writer = (channel: number) =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        send(channel, chunk, () => callback()); // after a close the output has nowhere to go: dropped
      },
    });

  const stdin = opts.stdin ? new PassThrough() : undefined;
  const readers = new Map<number, PassThrough>();
  if (stdin) readers.set(STREAM_STDIN, stdin);
  const resize = new PassThrough();
  readers.set(STREAM_RESIZE, resize);
  const channelCount = STREAM_RESIZE + 1;
  const endReaders = () => {
    for (const r of readers.values()) r.end();
  };
  ws.once("close", endReaders);
  ws.on("ping", touch);

  ws.on("message", (raw: Buffer | ArrayBuffer | Buffer[]) => {
    touch();
    const data = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (data.length === 0) return;
    if (config.streamClose && data[0] === STREAM_CLOSE) {
      // A malformed or misdirected CLOSE ends the connection, as the upstream reader loop does.
      if (data.length !== 2 || data[1] >= channelCount) return void ws.close();
      readers.get(data[1])?.end();
      return;
    }
    const channel = config.binary ? data[0] : data[0] - 48;
    const reader = readers.get(channel);
    if (!reader || reader.writableEnded) return; // not a readable channel: ignored
    let payload = data.subarray(1);
    if (!config.binary) {
      const text = payload.toString("latin1").replace(/[\r\n]/g, "");
      if (!STRICT_BASE64.test(text)) return; // upstream logs the decode error and drops the frame
      payload = Buffer.from(text, "base64");
    }
    // A command not reading its stdin stops the client's frames too (TCP backpressure), not memory.
    if (!reader.write(payload)) {
      ws.pause();
      reader.once("drain", () => ws.resume());
    }
  });

  // Tell the client the connection is established: an empty message on the lowest writable channel.
  const first = opts.stdout ? STREAM_STDOUT : opts.stderr ? STREAM_STDERR : STREAM_ERROR;
  send(first, Buffer.alloc(0), () => undefined);

  return {
    protocol,
    stdin,
    stdout: opts.stdout ? writer(STREAM_STDOUT) : undefined,
    stderr: opts.stderr ? writer(STREAM_STDERR) : undefined,
    resize,
    writeStatus: (status) => {
      const body = config.jsonStatus
        ? JSON.stringify(status)
        : status.status === "Success"
          ? undefined
          : (status.message ?? "");
      if (body === undefined) return Promise.resolve();
      return new Promise((resolve) => send(STREAM_ERROR, Buffer.from(body), () => resolve()));
    },
    closed,
    close: () => {
      if (ws.readyState === ws.OPEN) ws.close(1000);
      else if (ws.readyState !== ws.CLOSED) ws.terminate();
      // A client that never answers the closing handshake is dropped.
      setTimeout(() => ws.terminate(), 5000).unref();
    },
  };
}
