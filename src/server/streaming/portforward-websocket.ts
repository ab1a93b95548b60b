// Port-forward over a plain websocket (subprotocols "", v4.channel.k8s.io, v4.base64.channel.k8s.io; the ports
// in the query), as client libraries (the JavaScript and Python clients) use it. Ported from
// pkg/kubelet/cri/streaming/portforward/websocket.go (handleWebSocketStreams) and the channel framing of
// k8s.io/apimachinery/pkg/util/httpstream/wsstream/conn.go: every message starts with its channel (a byte, or
// an ASCII digit with a base64 body); port i has data channel 2i and error channel 2i+1, each opened by the
// server writing the port (uint16, little-endian).
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { type WebSocket, WebSocketServer } from "ws";
import {
  PORT_FORWARD_WEBSOCKET_V4_BASE64 as V4_BASE64,
  PORT_FORWARD_WEBSOCKET_V4 as V4_BINARY,
} from "../../meta/remotecommand.ts";
import type { PortForwardTarget } from "../context.ts";
import { writeHttpError } from "./spdy.ts";

/** Pod → client bytes waiting in the websocket before the Pod's socket is paused. */
const MAX_BUFFERED = 1 << 20;

const websockets = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  // Go's x/net/websocket handshake: the first requested protocol the server knows, none → 403.
  handleProtocols: (offered) => [...offered].find((p) => p === V4_BINARY || p === V4_BASE64) ?? false,
});

/**
 * NewV4Options on the ports the apiserver passes on (one `port` parameter each, already numbers
 * 0–65535): the list, or the kubelet's 400 text.
 */
export function websocketPorts(ports: readonly number[]): number[] | string {
  if (ports.length === 0) return 'query parameter "port" is required';
  const zero = ports.find((p) => p < 1);
  if (zero !== undefined) return `port ${JSON.stringify(String(zero))} must be > 0`;
  return [...ports];
}

/** Serves one websocket port-forward: a connection per requested port, closed when all of them end. */
export function serveWebSocketPortForward(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  ports: number[] | string,
  target: PortForwardTarget,
  log: Logger,
  idleTimeoutMs: number,
): void {
  if (typeof ports === "string") return void writeHttpError(socket, 400, ports);
  const offered = (req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
  if (offered.some((p) => p) && !offered.some((p) => p === V4_BINARY || p === V4_BASE64)) {
    // x/net/websocket answers a failed protocol handshake with a bare 403.
    return void socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n");
  }
  websockets.handleUpgrade(req, socket, head, (ws) => {
    // wsstream's SetIdleTimeout: no message either way for this long closes the connection.
    const idle = setTimeout(() => ws.terminate(), idleTimeoutMs);
    idle.unref();
    const base64 = ws.protocol === V4_BASE64;
    const send = (channel: number, data: Buffer, done?: () => void) => {
      if (ws.readyState !== ws.OPEN) return done?.();
      idle.refresh();
      if (base64) ws.send(String.fromCharCode(48 + channel) + data.toString("base64"), done);
      else ws.send(Buffer.concat([Buffer.from([channel]), data]), done);
    };
    const connections = ports.map((port, i) => forwardPort(ws, send, 2 * i, port, target, log));
    ws.on("message", (message: Buffer, isBinary: boolean) => {
      idle.refresh();
      if (message.length === 0) return;
      const channel = base64 || !isBinary ? message[0]! - 48 : message[0]!;
      // Only data channels (even numbers) are read; the rest is ignored, as upstream's channels do.
      const connection = channel % 2 === 0 ? connections[channel / 2] : undefined;
      if (!connection) return;
      const body = message.subarray(1);
      connection.write(base64 ? Buffer.from(body.toString("latin1"), "base64") : body);
    });
    ws.on("error", (err) => log.debug({ err: err.message }, "port-forward websocket failed"));
    ws.on("close", () => {
      clearTimeout(idle);
      for (const c of connections) c.close();
    });
    void Promise.all(connections.map((c) => c.done)).then(() => ws.close(1000));
  });
}

interface Forwarded {
  write(data: Buffer): void;
  close(): void;
  done: Promise<void>;
}

/** websocketStreamHandler.portForward for one port: announce it, connect, copy, report a failure. */
function forwardPort(
  ws: WebSocket,
  send: (channel: number, data: Buffer, done?: () => void) => void,
  dataChannel: number,
  port: number,
  target: PortForwardTarget,
  log: Logger,
): Forwarded {
  const portBytes = Buffer.alloc(2);
  portBytes.writeUInt16LE(port);
  send(dataChannel, portBytes);
  send(dataChannel + 1, portBytes);
  let pod: Duplex | undefined;
  let closed = false;
  const early: Buffer[] = [];
  const done = (async () => {
    try {
      pod = await target.connect(port);
    } catch (e) {
      const message = `error forwarding port ${port} to pod ${target.id}, uid : ${(e as Error).message}`;
      log.info({ port }, message);
      send(dataChannel + 1, Buffer.from(message));
      return;
    }
    if (closed) return void pod.destroy();
    for (const chunk of early.splice(0)) pod.write(chunk);
    const socket = pod;
    await new Promise<void>((resolve) => {
      socket.on("data", (chunk: Buffer) => {
        send(dataChannel, chunk, () => {
          if (ws.bufferedAmount < MAX_BUFFERED && socket.isPaused()) socket.resume();
        });
        if (ws.bufferedAmount >= MAX_BUFFERED) socket.pause();
      });
      socket.on("error", () => socket.destroy());
      // The Pod ending its side ends the forward (containerd stops at the first direction that ends).
      socket.once("end", () => socket.destroy());
      socket.once("close", () => resolve());
    });
  })();
  return {
    write: (data) => {
      if (!pod) {
        if (!closed) early.push(data);
      } else if (!pod.write(data)) {
        // The Pod reads slowly: stop reading the websocket until it catches up.
        ws.pause();
        pod.once("drain", () => ws.resume());
      }
    },
    close: () => {
      closed = true;
      pod?.destroy();
    },
    done,
  };
}
