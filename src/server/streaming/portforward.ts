// The port-forward protocol over SPDY ("portforward.k8s.io"): the client opens an error stream and a data
// stream per forwarded connection (headers streamType, port, requestID); the server connects to the port and
// copies bytes until either side ends; a failure is written as text to the error stream.
// Ported from pkg/kubelet/cri/streaming/portforward/{httpstream.go,portforward.go}.
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import type { PortForwardTarget } from "../context.ts";
import type { SpdySession, SpdyStream } from "./spdy.ts";

export const PORT_FORWARD_PROTOCOL_V1 = "portforward.k8s.io";
/** pkg/kubelet/cri/streaming/portforward: the protocols the kubelet accepts, most preferred first. */
export const SUPPORTED_PORT_FORWARD_PROTOCOLS = [PORT_FORWARD_PROTOCOL_V1];

// k8s.io/api/core/v1 constants.
const PORT_HEADER = "port";
const STREAM_TYPE_HEADER = "streamType";
const REQUEST_ID_HEADER = "requestID";
const STREAM_TYPE_DATA = "data";
const STREAM_TYPE_ERROR = "error";

/** The kubelet's defaults (KubeletConfiguration streamingConnectionIdleTimeout; streaming.DefaultConfig). */
export const STREAM_IDLE_TIMEOUT_MS = 4 * 60 * 60 * 1000;
export const STREAM_CREATION_TIMEOUT_MS = 30_000;

/** A port header value as the kubelet parses it (strconv.ParseUint(s, 10, 16), then > 0); else the error. */
export function parsePort(text: string): number | string {
  if (!/^[0-9]+$/.test(text))
    return `unable to parse ${JSON.stringify(text)} as a port: strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`;
  const port = Number(text);
  if (port > 0xffff)
    return `unable to parse ${JSON.stringify(text)} as a port: strconv.ParseUint: parsing ${JSON.stringify(text)}: value out of range`;
  if (port < 1) return `port ${JSON.stringify(text)} must be > 0`;
  return port;
}

/**
 * The `ports` query parameter as the apiserver converts it into PodPortForwardOptions
 * (metav1.Convert_Slice_string_To_Slice_int32: repeated or comma-separated, each ParseUint(…, 10, 16)).
 */
export function queryPorts(values: readonly string[]): number[] | string {
  const ports: number[] = [];
  for (const value of values) {
    for (const part of value.split(",")) {
      if (!/^[0-9]+$/.test(part))
        return `cannot convert to []int32: strconv.ParseUint: parsing ${JSON.stringify(part)}: invalid syntax`;
      if (Number(part) > 0xffff)
        return `cannot convert to []int32: strconv.ParseUint: parsing ${JSON.stringify(part)}: value out of range`;
      ports.push(Number(part));
    }
  }
  return ports;
}

/** httpStreamReceived: why a new stream is rejected, or undefined when it is acceptable. */
function rejectReason(stream: SpdyStream): string | undefined {
  const port = stream.header(PORT_HEADER);
  if (!port) return `${JSON.stringify(PORT_HEADER)} header is required`;
  const parsed = parsePort(port);
  if (typeof parsed === "string") return parsed;
  const type = stream.header(STREAM_TYPE_HEADER);
  if (!type) return `${JSON.stringify(STREAM_TYPE_HEADER)} header is required`;
  if (type !== STREAM_TYPE_ERROR && type !== STREAM_TYPE_DATA)
    return `invalid stream type ${JSON.stringify(type)}`;
  return undefined;
}

interface StreamPair {
  requestId: string;
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** Serves port-forward streams on a SPDY session until it closes (httpStreamHandler.run). */
export function servePortForward(
  session: SpdySession,
  target: PortForwardTarget,
  log: Logger,
  streamCreationTimeoutMs = STREAM_CREATION_TIMEOUT_MS,
): void {
  const pairs = new Map<string, StreamPair>();
  const open = new Set<Duplex>();

  session.on("stream", (stream) => {
    const reason = rejectReason(stream);
    if (reason) {
      log.warn({ pod: target.id, stream: stream.id }, `Stream rejected: ${reason}`);
      stream.reset();
      return;
    }
    stream.on("error", (err) =>
      log.debug({ err: err.message, stream: stream.id }, "port-forward stream failed"),
    );
    const requestId = requestIdOf(stream);
    let pair = pairs.get(requestId);
    if (!pair) {
      const created: StreamPair = {
        requestId,
        timer: setTimeout(() => {
          const message = `(conn=${session.protocol}, request=${requestId}) timed out waiting for streams`;
          log.warn({ pod: target.id }, message);
          printError(created, message);
          pairs.delete(requestId);
        }, streamCreationTimeoutMs),
      };
      created.timer.unref();
      pair = created;
      pairs.set(requestId, pair);
    }
    const kind = stream.header(STREAM_TYPE_HEADER) === STREAM_TYPE_ERROR ? "error" : "data";
    if (pair[kind]) {
      const message = `error processing stream for request ${requestId}: ${kind} stream already assigned`;
      log.warn({ pod: target.id }, message);
      printError(pair, message);
      return;
    }
    pair[kind] = stream;
    if (pair.data && pair.error) {
      clearTimeout(pair.timer);
      pairs.delete(requestId);
      void forward(pair.data, pair.error, target, log, open);
    }
  });

  session.on("close", (err) => {
    for (const pair of pairs.values()) clearTimeout(pair.timer);
    pairs.clear();
    for (const socket of open) socket.destroy();
    if (err) log.warn({ pod: target.id, err: err.message }, "port-forward connection closed on an error");
    else log.debug({ pod: target.id }, "port-forward connection closed");
  });
}

/** The requestID header; older clients send none, so it is derived from the stream id as upstream does. */
function requestIdOf(stream: SpdyStream): string {
  const id = stream.header(REQUEST_ID_HEADER);
  if (id) return id;
  return String(stream.header(STREAM_TYPE_HEADER) === STREAM_TYPE_ERROR ? stream.id : stream.id - 2);
}

function printError(pair: StreamPair, message: string): void {
  if (pair.error && !pair.error.destroyed && pair.error.writable) pair.error.write(message);
}

/** httpStreamHandler.portForward: connect, copy both ways, report a failure on the error stream. */
async function forward(
  data: SpdyStream,
  error: SpdyStream,
  target: PortForwardTarget,
  log: Logger,
  open: Set<Duplex>,
): Promise<void> {
  const port = Number(data.header(PORT_HEADER));
  try {
    const socket = await target.connect(port);
    if (data.destroyed) {
      socket.destroy();
      return;
    }
    open.add(socket);
    await pipeBothWays(data, socket);
    open.delete(socket);
  } catch (e) {
    const message = `error forwarding port ${port} to pod ${target.id}, uid : ${(e as Error).message}`;
    log.info({ port }, message);
    if (!error.destroyed) error.write(message);
  } finally {
    if (!data.destroyed) data.end();
    if (!error.destroyed) error.end();
  }
}

/**
 * Copies a stream and a socket into each other, half-closes following FINs both ways; resolves when the socket
 * is closed. A stream reset by the client (or a closed session) closes the socket.
 */
function pipeBothWays(stream: SpdyStream, socket: Duplex): Promise<void> {
  return new Promise((resolve) => {
    socket.on("error", () => socket.destroy());
    socket.once("close", () => resolve());
    stream.once("close", () => socket.destroy());
    stream.pipe(socket);
    socket.pipe(stream);
  });
}
