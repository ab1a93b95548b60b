import type { ServerResponse } from "node:http";
import type { Status } from "../../meta/status.ts";
import { writeEncodedBody } from "./compress.ts";

/** Headers every API response carries. */
export const BASE_HEADERS = { "Cache-Control": "no-cache, private" };

/**
 * Writes an already-serialized body (JSON, YAML, Table): the fast path splices stored JSON without re-encoding.
 * Large ones are gzipped for clients that accept it (compress.ts), as kube-apiserver's SerializeObject does.
 */
export function sendJson(
  res: ServerResponse,
  code: number,
  body: string | Buffer,
  contentType = "application/json",
): void {
  writeEncodedBody(res, code, { ...BASE_HEADERS, "Content-Type": contentType }, body);
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
