// Replays what another kube-apiserver answered (test/fixtures/older-servers/*.json) from a real HTTPS
// server on loopback, so the client and tools are tested against servers we do not run. Each exchange
// matches on method, path, a subset of the query, a substring of Accept and a subset of the JSON body; the
// first match answers. Anything else gets the recorded server's answer for unknown paths and is kept in
// `unmatched`, so a test can assert the client asked nothing the recording does not cover.
import { readFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import path from "node:path";
import { type HttpsPeer, type PeerRequest, startHttpsPeer } from "./https-peer.ts";

interface RecordedResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON value, or the raw text of a non-JSON answer. */
  body: unknown;
}

interface RecordedExchange {
  note?: string;
  request: {
    method: string;
    path: string;
    query?: Record<string, string>;
    /** A substring the Accept header must contain. */
    accept?: string;
    /** A subset the request's JSON body must contain. */
    body?: unknown;
  };
  response: RecordedResponse;
}

export interface Recording {
  server: string;
  /** Where each response's shape comes from (upstream source of that release). */
  origin: string[];
  unmatched: RecordedResponse;
  exchanges: RecordedExchange[];
}

export interface ReplayServer extends HttpsPeer {
  recording: Recording;
  /** Requests the recording has no answer for. */
  unmatched: PeerRequest[];
}

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/older-servers");

export async function startReplayServer(name: string): Promise<ReplayServer> {
  const recording = JSON.parse(await readFile(path.join(FIXTURES, `${name}.json`), "utf8")) as Recording;
  const unmatched: PeerRequest[] = [];
  const peer = await startHttpsPeer((req, res) => {
    const exchange = recording.exchanges.find((candidate) => matches(candidate.request, req));
    if (exchange) return reply(res, exchange.response);
    unmatched.push(req);
    reply(res, recording.unmatched);
  });
  return Object.assign(peer, { recording, unmatched });
}

function matches(expected: RecordedExchange["request"], req: PeerRequest): boolean {
  if (expected.method !== req.method || expected.path !== req.url.pathname) return false;
  for (const [key, value] of Object.entries(expected.query ?? {}))
    if (req.url.searchParams.get(key) !== value) return false;
  if (expected.accept !== undefined && !String(req.headers.accept ?? "").includes(expected.accept))
    return false;
  if (expected.body === undefined) return true;
  try {
    return containsSubset(JSON.parse(req.body), expected.body);
  } catch {
    return false;
  }
}

function containsSubset(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== "object") return actual === expected;
  if (actual === null || typeof actual !== "object") return false;
  return Object.entries(expected).every(([key, value]) =>
    containsSubset((actual as Record<string, unknown>)[key], value),
  );
}

function reply(res: ServerResponse, response: RecordedResponse): void {
  const body = typeof response.body === "string" ? response.body : JSON.stringify(response.body);
  res.writeHead(response.status, response.headers ?? {});
  res.end(body);
}
