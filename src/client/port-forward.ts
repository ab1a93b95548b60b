// pods/{name}/portforward over a websocket (subprotocol v4.channel.k8s.io, the ports in the query), as the
// kubelet's websocket port-forward serves it (pkg/kubelet/cri/streaming/portforward/websocket.go; the
// API server passes the upgrade on): port i has data channel 2i and error channel 2i+1, and the server opens
// each by sending the port (uint16, little-endian) on it. One websocket carries one connection to one port,
// so each local connection gets its own. The protocol has no half-close: a connection ends when either side
// closes it.
import net from "node:net";
import { Duplex } from "node:stream";
import { PORT_FORWARD_WEBSOCKET_V4 } from "../meta/remotecommand.ts";
import { ResponseError } from "./errors.ts";
import type { Transport } from "./transport.ts";
import { CLOSE_NORMAL, connectWebSocket, type WebSocket } from "./websocket.ts";

const DATA_CHANNEL = 0;
const ERROR_CHANNEL = 1;
/** Writes go out in pieces of this size (servers cap a websocket message at a few MiB). */
const PIECE_BYTES = 32 * 1024;
/** What may wait unread before the websocket is paused (a server's message is up to 64 KiB or more). */
const READ_AHEAD_BYTES = 1024 * 1024;

export interface PortForwardStreamOptions {
  /** Default: the client's namespace. */
  namespace?: string;
  /** Until the server answers the upgrade. Default: the client's timeoutMs. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Opens one connection to `port` in the Pod; resolves once the websocket is open. */
export async function openPortForwardStream(
  transport: Transport,
  path: string,
  port: number,
  options: PortForwardStreamOptions = {},
): Promise<Duplex> {
  checkPort(port, "port");
  const ws = await connectWebSocket(transport, {
    path,
    query: { ports: port },
    protocols: [PORT_FORWARD_WEBSOCKET_V4],
    signal: options.signal,
    timeoutMs: options.timeoutMs,
  });
  return new ForwardedConnection(ws, port, path);
}

/** One forwarded connection: bytes written go to the Pod's port, the Pod's answer is read. */
class ForwardedConnection extends Duplex {
  readonly #ws: WebSocket;
  /** Each channel's first message is the port header, not data. */
  readonly #opened = new Set<number>();
  #failure: Error | undefined;

  constructor(ws: WebSocket, port: number, path: string) {
    super({ readableHighWaterMark: READ_AHEAD_BYTES });
    this.#ws = ws;
    ws.on("message", (data, binary) => {
      if (!binary) return this.#fail(protocolError(path, "a text message"));
      if (data.length === 0) return;
      const channel = data[0];
      const payload = data.subarray(1);
      if (channel !== DATA_CHANNEL && channel !== ERROR_CHANNEL) return; // not ours: discarded
      if (!this.#opened.has(channel)) {
        this.#opened.add(channel);
        if (payload.length !== 2 || payload.readUInt16LE(0) !== port)
          this.#fail(protocolError(path, `channel ${channel} opened for another port`));
        return;
      }
      if (channel === ERROR_CHANNEL) {
        if (payload.length > 0) this.#fail(new Error(payload.toString("utf8")));
        return;
      }
      if (!this.push(payload)) ws.pause();
    });
    ws.on("close", () => {
      if (this.#failure) this.destroy(this.#failure);
      else this.push(null);
    });
  }

  override _read(): void {
    this.#ws.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    let offset = 0;
    const next = (error?: Error | null) => {
      if (error || offset >= chunk.length) return callback(error);
      const piece = chunk.subarray(offset, offset + PIECE_BYTES);
      offset += piece.length;
      this.#ws.send(Buffer.concat([Buffer.of(DATA_CHANNEL), piece]), next);
    };
    next();
  }

  override _final(callback: (error?: Error | null) => void): void {
    callback(); // no half-close in this protocol: the connection ends when either side closes it
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#ws.close(CLOSE_NORMAL);
    callback(error);
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#ws.close(CLOSE_NORMAL);
  }
}

function protocolError(path: string, what: string): ResponseError {
  return new ResponseError(`the port-forward stream of ${path} sent ${what}`, {
    code: "INVALID_RESPONSE",
    method: "GET",
    path,
  });
}

function checkPort(port: number, what: string, allowZero = false): void {
  if (!Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65_535)
    throw new Error(`${what} ${port} is not a TCP port: use an integer in ${allowZero ? 0 : 1}..65535`);
}

/** A forwarded port: `remote` in the Pod, or "LOCAL:REMOTE" / { local, remote } (local 0: any free port). */
export type PortSpec = number | string | { local?: number; remote: number };

export interface PortForwardOptions extends PortForwardStreamOptions {
  /** Local address to listen on. Default 127.0.0.1. */
  address?: string;
  /** A connection that could not be forwarded (the Pod refused, the connection failed). Default: stderr. */
  onError?: (error: Error, port: { local: number; remote: number }) => void;
}

export interface PortForwarder {
  /** What listens where: local port (on `address`) → remote port in the Pod. */
  ports: { local: number; remote: number }[];
  address: string;
  /** Stops listening and ends every forwarded connection. */
  close(): Promise<void>;
}

/** Listens locally and forwards each connection to its port in the Pod (kubectl port-forward). */
export async function listenPortForward(
  open: (port: number) => Promise<Duplex>,
  specs: readonly PortSpec[],
  options: PortForwardOptions = {},
): Promise<PortForwarder> {
  if (specs.length === 0) throw new Error("port-forward needs at least one port, e.g. [8080] or ['9000:80']");
  const address = options.address ?? "127.0.0.1";
  const onError =
    options.onError ??
    ((error, port) =>
      process.stderr.write(`error forwarding port ${port.local} -> ${port.remote}: ${error.message}\n`));
  const wanted = specs.map(parseSpec);
  const servers: net.Server[] = [];
  const connections = new Set<net.Socket | Duplex>();
  const ports: { local: number; remote: number }[] = [];
  const close = async () => {
    for (const connection of connections) connection.destroy();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  };
  try {
    for (const { local, remote } of wanted) {
      const server = net.createServer((socket) => {
        const port = { local: (server.address() as net.AddressInfo).port, remote };
        connections.add(socket);
        socket.once("close", () => connections.delete(socket));
        socket.on("error", () => socket.destroy());
        socket.pause();
        open(remote).then(
          (forwarded) => {
            connections.add(forwarded);
            forwarded.once("close", () => connections.delete(forwarded));
            forwarded.on("error", (error) => {
              onError(error, port);
              socket.destroy();
            });
            socket.once("close", () => forwarded.destroy());
            forwarded.once("end", () => socket.end());
            socket.pipe(forwarded);
            forwarded.pipe(socket, { end: false });
            socket.resume();
          },
          (error: Error) => {
            onError(error, port);
            socket.destroy();
          },
        );
      });
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(local, address, () => {
          server.off("error", reject);
          resolve();
        });
      });
      ports.push({ local: (server.address() as net.AddressInfo).port, remote });
    }
  } catch (error) {
    await close();
    throw error;
  }
  options.signal?.addEventListener("abort", () => void close(), { once: true });
  return { ports, address, close };
}

function parseSpec(spec: PortSpec): { local: number; remote: number } {
  if (typeof spec === "number") {
    checkPort(spec, "port");
    return { local: spec, remote: spec };
  }
  if (typeof spec === "object") {
    checkPort(spec.remote, "remote port");
    const local = spec.local ?? spec.remote;
    checkPort(local, "local port", true);
    return { local, remote: spec.remote };
  }
  // kubectl's forms: "8080", "9000:80", ":80" (any free local port).
  const match = /^(\d*):(\d+)$|^(\d+)$/.exec(spec);
  if (!match) throw new Error(`port ${JSON.stringify(spec)} is not PORT, LOCAL:REMOTE or :REMOTE`);
  const remote = Number(match[2] ?? match[3]);
  const local = match[3] !== undefined ? remote : match[1] === "" ? 0 : Number(match[1]);
  checkPort(remote, "remote port");
  checkPort(local, "local port", true);
  return { local, remote };
}
