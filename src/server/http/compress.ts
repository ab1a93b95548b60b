// Response compression as kube-apiserver's deferredResponseWriter (k8s.io/apiserver v0.33.0
// pkg/endpoints/handlers/responsewriters/writers.go): an encoded object or list is gzipped, at level 1, when the
// client sent `Accept-Encoding: gzip` and the body is larger than 128 KiB; then `Content-Encoding: gzip` and
// `Vary: Accept-Encoding`. Only serialized objects go through it (SerializeObject): watches, log streams,
// exec/attach/port-forward and proxies never are. APIResponseCompression is Beta and on by default since 1.16.
import type { IncomingMessage, ServerResponse } from "node:http";
import { constants, createGzip, type Gzip, gzip } from "node:zlib";

/** defaultGzipThresholdBytes: bodies up to this size are sent as they are. */
export const GZIP_THRESHOLD_BYTES = 128 * 1024;
/**
 * defaultGzipContentEncodingLevel = 1: the least CPU for ratios within 1.1–1.3× of higher levels
 * (kubernetes/kubernetes#112296).
 */
export const GZIP_LEVEL = constants.Z_BEST_SPEED;

/** negotiateContentEncoding: "gzip" among the comma-separated Accept-Encoding tokens (exactly; no q-values). */
export function acceptsGzip(req: IncomingMessage | undefined): boolean {
  const header = req?.headers["accept-encoding"];
  if (!header) return false;
  return header.split(",").some((token) => token.trim() === "gzip");
}

/**
 * Writes a whole encoded body with its status and headers, gzipped when the client accepts it and the body
 * is above the threshold (the response's own request tells which).
 */
export function writeEncodedBody(
  res: ServerResponse,
  code: number,
  headers: Record<string, string | number>,
  body: string | Buffer,
): void {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  if (bytes.length > GZIP_THRESHOLD_BYTES && acceptsGzip(res.req)) {
    // Compressed on libuv's thread pool, so the event loop keeps serving other requests meanwhile. The status
    // is set now for whoever looks before the body is written (the audit record).
    res.statusCode = code;
    gzip(bytes, { level: GZIP_LEVEL }, (error, gzipped) => {
      if (res.headersSent || res.destroyed) return; // a timeout answered first, or the client left
      if (error) return void res.destroy(error);
      res.writeHead(code, { ...headers, ...GZIP_HEADERS, "Content-Length": gzipped.length });
      res.end(gzipped);
    });
    return;
  }
  res.writeHead(code, { ...headers, "Content-Length": bytes.length });
  res.end(bytes);
}

const GZIP_HEADERS = { "Content-Encoding": "gzip", Vary: "Accept-Encoding" };

/**
 * For a body written in pieces whose size is known to be above the threshold (a streamed list): the writable to
 * write into (a gzip stream piped into the response, or the response itself), after the headers are sent.
 */
export function startEncodedStream(
  res: ServerResponse,
  code: number,
  headers: Record<string, string>,
): ServerResponse | Gzip {
  if (!acceptsGzip(res.req)) {
    res.writeHead(code, headers);
    return res;
  }
  res.writeHead(code, { ...headers, ...GZIP_HEADERS });
  const gzip = createGzip({ level: GZIP_LEVEL });
  gzip.pipe(res);
  // A client gone mid-body: stop compressing for it.
  res.once("close", () => gzip.destroy());
  return gzip;
}
