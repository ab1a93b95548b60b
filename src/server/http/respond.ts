import type { ServerResponse } from "node:http";
import type { Status } from "../../meta/status.ts";

/** Headers every API response carries. */
export const BASE_HEADERS = { "Cache-Control": "no-cache, private" };

/** Writes an already-serialized JSON body: the fast path splices stored JSON without re-encoding. */
export function sendJson(
  res: ServerResponse,
  code: number,
  body: string | Buffer,
  contentType = "application/json",
): void {
  res.writeHead(code, {
    ...BASE_HEADERS,
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(body),
  });
  res.end(body);
}

export function sendObject(res: ServerResponse, code: number, obj: unknown, contentType?: string): void {
  sendJson(res, code, JSON.stringify(obj), contentType);
}

export function sendStatus(res: ServerResponse, status: Status): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = {};
  const retry = status.details?.retryAfterSeconds;
  if (retry) headers["Retry-After"] = String(retry);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  sendObject(res, status.code, status);
}
