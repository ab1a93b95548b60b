// gRPC probes: one grpc.health.v1.Health/Check call over HTTP/2 cleartext, with the results and messages of
// the kubelet's prober (pkg/probe/grpc/grpc.go; grpc-go v1.68.1, which Kubernetes 1.33 builds with, for the
// dial and status behaviour). The request and response are two one-field protobuf messages, encoded here.

import { STATUS_CODES } from "node:http";
import http2 from "node:http2";
import { goDuration } from "./backoff.ts";
import type { ProbeResult } from "./probes.ts";

/** grpc.WithUserAgent("kube-probe/1.33") plus grpc-go's own product token, as the kubelet sends it. */
export const GRPC_PROBE_USER_AGENT = "kube-probe/1.33 grpc-go/1.68.1";
const HEALTH_CHECK_PATH = "/grpc.health.v1.Health/Check";
/** grpc-go's reconnect back-off base delay: a refused dial is retried until the probe's timeout. */
const RECONNECT_DELAY_MS = 1000;
/** grpc-go's default maximum received message (4 MiB), plus the 5-byte frame header. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024 + 5;

/** HealthCheckResponse.ServingStatus names (enum String()); other numbers print as the number. */
const SERVING_STATUS = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"];
const SERVING = 1;

/** google.golang.org/grpc/codes String(). */
const CODE_NAMES = [
  "OK",
  "Canceled",
  "Unknown",
  "InvalidArgument",
  "DeadlineExceeded",
  "NotFound",
  "AlreadyExists",
  "PermissionDenied",
  "ResourceExhausted",
  "FailedPrecondition",
  "Aborted",
  "OutOfRange",
  "Unimplemented",
  "Internal",
  "Unavailable",
  "DataLoss",
  "Unauthenticated",
];
const UNIMPLEMENTED = 12;
const DEADLINE_EXCEEDED = 4;

/** grpc-go's HTTP status → code table for a response that is not a gRPC one. */
const HTTP_STATUS_CODES: Record<number, number> = {
  400: 13,
  401: 16,
  403: 7,
  404: 12,
  429: 14,
  502: 14,
  503: 14,
  504: 14,
};

class RpcError extends Error {
  readonly code: number;
  readonly description: string;
  constructor(code: number, description: string) {
    super(`rpc error: code = ${CODE_NAMES[code] ?? `Code(${code})`} desc = ${description}`);
    this.code = code;
    this.description = description;
  }
}

/** The gRPC frame of a HealthCheckRequest{service}: field 1, length-delimited (omitted when empty). */
export function encodeHealthCheckRequest(service: string): Buffer {
  const text = Buffer.from(service, "utf8");
  const body =
    text.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a]), varint(text.length), text]);
  const frame = Buffer.alloc(5);
  frame.writeUInt32BE(body.length, 1); // byte 0: not compressed
  return Buffer.concat([frame, body]);
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

/** HealthCheckResponse.status (field 1, varint) from a protobuf message; 0 when absent (proto3 default). */
export function decodeServingStatus(message: Buffer): number | Error {
  let status = 0;
  let i = 0;
  const readVarint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 35 && i < message.length; shift += 7) {
      const byte = message[i++];
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    return undefined;
  };
  while (i < message.length) {
    const key = readVarint();
    if (key === undefined) return new Error("unexpected EOF");
    const [field, wire] = [Math.floor(key / 8), key & 7];
    if (wire === 0) {
      const value = readVarint();
      if (value === undefined) return new Error("unexpected EOF");
      if (field === 1) status = value;
    } else if (wire === 2) {
      const length = readVarint();
      if (length === undefined || i + length > message.length) return new Error("unexpected EOF");
      i += length;
    } else if (wire === 1 || wire === 5) {
      i += wire === 1 ? 8 : 4;
    } else {
      return new Error(`cannot parse invalid wire-format data`);
    }
  }
  return status;
}

export interface GrpcTarget {
  host: string;
  port: number;
  service: string;
}

/** grpcProber.Probe: dial (blocking, retried until the timeout), one Check, the serving status. */
export async function grpcProbe(target: GrpcTarget, timeoutMs: number): Promise<ProbeResult> {
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  const addr = `${host}:${target.port}`;
  const deadline = Date.now() + timeoutMs;
  const timeout = goDuration(timeoutMs);
  const session = await dial(`http://${addr}`, deadline);
  if (!session)
    return {
      ok: false,
      message: `timeout: failed to connect service ${JSON.stringify(addr)} within ${timeout}: context deadline exceeded`,
    };
  try {
    const status = await check(session, target.service, deadline);
    if (status === SERVING) return { ok: true, message: "service healthy" };
    const name = SERVING_STATUS[status] ?? String(status);
    return { ok: false, message: `service unhealthy (responded with ${JSON.stringify(name)})` };
  } catch (error) {
    if (error instanceof RpcError && error.code === UNIMPLEMENTED)
      return {
        ok: false,
        message: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${error.description}`,
      };
    if (error instanceof RpcError && error.code === DEADLINE_EXCEEDED)
      return { ok: false, message: `timeout: health rpc did not complete within ${timeout}` };
    return { ok: false, message: `error: health rpc probe failed: ${(error as Error).message}` };
  } finally {
    session.destroy();
  }
}

/** An HTTP/2 session once connected, or undefined when the deadline passed first (grpc.WithBlock). */
async function dial(authority: string, deadline: number): Promise<http2.ClientHttp2Session | undefined> {
  while (Date.now() < deadline) {
    const session = await new Promise<http2.ClientHttp2Session | undefined>((resolve) => {
      const s = http2.connect(authority);
      const timer = setTimeout(() => {
        s.destroy();
        resolve(undefined);
      }, deadline - Date.now());
      s.once("connect", () => {
        clearTimeout(timer);
        // Later session errors (GOAWAY, a reset socket) also fail the call's stream, which reports them.
        s.on("error", () => {});
        resolve(s);
      });
      s.once("error", () => {
        clearTimeout(timer);
        s.destroy();
        resolve(undefined);
      });
    });
    if (session) return session;
    const wait = Math.min(RECONNECT_DELAY_MS, deadline - Date.now());
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return undefined;
}

/** The unary call; resolves the serving status or rejects with the call's gRPC status. */
function check(session: http2.ClientHttp2Session, service: string, deadline: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const remaining = Math.max(1, deadline - Date.now());
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request({
        ":method": "POST",
        ":path": HEALTH_CHECK_PATH,
        "content-type": "application/grpc",
        te: "trailers",
        "user-agent": GRPC_PROBE_USER_AGENT,
        "grpc-timeout": `${remaining}m`,
      });
    } catch (error) {
      // The server closed the connection between the dial and the call.
      return reject(new RpcError(14, (error as Error).message));
    }
    const timer = setTimeout(() => {
      stream.close(http2.constants.NGHTTP2_CANCEL);
      reject(new RpcError(DEADLINE_EXCEEDED, "context deadline exceeded"));
    }, remaining);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on("response", (h) => {
      headers = h;
    });
    stream.on("trailers", (t) => {
      trailers = t;
    });
    let received = 0;
    stream.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received <= MAX_RESPONSE_BYTES) chunks.push(chunk);
      else {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        fail(
          new RpcError(
            8,
            `grpc: received message larger than max (${received - 5} vs. ${MAX_RESPONSE_BYTES - 5})`,
          ),
        );
      }
    });
    stream.on("error", (error) => fail(new RpcError(14, error.message)));
    stream.on("close", () => {
      clearTimeout(timer);
      const result = outcome(headers, trailers, Buffer.concat(chunks));
      if (result instanceof Error) reject(result);
      else resolve(result);
    });
    stream.end(encodeHealthCheckRequest(service));
  });
}

/** The call's result from the response headers, trailers and body (grpc-go's http2 client checks). */
function outcome(
  headers: http2.IncomingHttpHeaders,
  trailers: http2.IncomingHttpHeaders,
  body: Buffer,
): number | RpcError {
  // The connection or stream ended before any answer (grpc-go: the transport's read hit EOF).
  if (headers[":status"] === undefined) return new RpcError(14, "error reading from server: EOF");
  const httpStatus = Number(headers[":status"]);
  const grpcStatus = trailers["grpc-status"] ?? headers["grpc-status"];
  if (grpcStatus === undefined) {
    if (httpStatus !== 200) {
      const code = HTTP_STATUS_CODES[httpStatus] ?? 2;
      return new RpcError(
        code,
        `unexpected HTTP status code received from server: ${httpStatus} (${STATUS_CODES[httpStatus] ?? ""})`,
      );
    }
    return new RpcError(13, "server closed the stream without sending trailers");
  }
  const code = Number(grpcStatus);
  if (code !== 0) {
    const raw = String(trailers["grpc-message"] ?? headers["grpc-message"] ?? "");
    let description = raw;
    try {
      description = decodeURIComponent(raw);
    } catch {}
    return new RpcError(code, description);
  }
  if (body.length < 5) return new RpcError(13, "cardinality violation: expected <Message> but got none");
  const length = body.readUInt32BE(1);
  if (body[0] !== 0) return new RpcError(13, "grpc: compressed message received without compressor");
  const status = decodeServingStatus(body.subarray(5, 5 + length));
  if (status instanceof Error)
    return new RpcError(13, `grpc: failed to unmarshal the received message: ${status.message}`);
  return status;
}
