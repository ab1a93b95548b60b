// HTTP semantics of the OpenAPI endpoints, as kube-openapi's handlers implement them
// (pkg/handler/handler.go for /openapi/v2, pkg/handler3/handler.go for /openapi/v3), as a pure
// request → response decision so the HTTP server only has to write the result.
import type { ResourceDef } from "../../registry/types.ts";
import { parseAccept } from "../negotiate.ts";
import { publish, type Serialized } from "./published.ts";

export interface OpenAPIRequest {
  /** URL path without the query, e.g. "/openapi/v3/apis/rbac.authorization.k8s.io/v1". */
  path: string;
  /** The `hash` query parameter, if any. */
  hash?: string | null;
  accept?: string;
  ifNoneMatch?: string;
}

export interface OpenAPIResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

export const JSON_TYPE = "application/json";
export const V2_PROTOBUF_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
/** The name kubectl 1.27–1.33 ask for; upstream answers it with V2_PROTOBUF_TYPE. */
export const V2_PROTOBUF_TYPE_DEPRECATED = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

const NO_CACHE = "no-cache, private";
const V3_PREFIX = "/openapi/v3/";

/** The response for an OpenAPI path, or undefined when `path` is not one. */
export function respondOpenAPI(defs: ResourceDef[], req: OpenAPIRequest): OpenAPIResponse | undefined {
  const docs = publish(defs);
  if (req.path === "/openapi/v2") return respondV2(req, docs.v2, docs.v2Protobuf);
  if (req.path === "/openapi/v3" || req.path === "/openapi/v3/")
    return respondDocument(req, docs.root, { cache: NO_CACHE });
  if (!req.path.startsWith(V3_PREFIX)) return undefined;

  const key = req.path.slice(V3_PREFIX.length).replace(/\/$/, "");
  const gv = docs.groupVersions.get(key);
  if (!gv)
    return {
      status: 404,
      headers: { "Content-Type": "text/plain", "Cache-Control": NO_CACHE },
      body: "404 page not found\n",
    };
  if (!pickType(req.accept, [JSON_TYPE])) return notAcceptable();
  if (req.hash && req.hash !== gv.hash) {
    // A stale hash (the client cached an old root): point it at the current document.
    return {
      status: 301,
      headers: { Location: `${V3_PREFIX}${key}?hash=${gv.hash}`, "Cache-Control": NO_CACHE },
      body: "",
    };
  }
  // Only a hashed URL names immutable content; kubectl's HTTP cache then skips even revalidation.
  const immutable = { cache: "public, immutable", Expires: oneYearFromNow() };
  return respondDocument(req, gv, req.hash ? immutable : { cache: NO_CACHE });
}

function respondV2(
  req: OpenAPIRequest,
  v2: Serialized<unknown>,
  protobuf: () => Uint8Array,
): OpenAPIResponse {
  const type = pickType(req.accept, [JSON_TYPE, V2_PROTOBUF_TYPE_DEPRECATED, V2_PROTOBUF_TYPE]);
  if (!type) return notAcceptable();
  if (type === JSON_TYPE) return respondDocument(req, v2, { cache: NO_CACHE });
  // Both representations share the ETag of the JSON form, as upstream.
  return withEtag(req, v2.hash, {
    status: 200,
    headers: { "Content-Type": V2_PROTOBUF_TYPE, "Cache-Control": NO_CACHE, Vary: "Accept" },
    body: protobuf(),
  });
}

function respondDocument(
  req: OpenAPIRequest,
  s: Serialized<unknown>,
  caching: { cache: string; Expires?: string },
): OpenAPIResponse {
  const headers: Record<string, string> = {
    "Content-Type": JSON_TYPE,
    "Cache-Control": caching.cache,
    Vary: "Accept",
  };
  if (caching.Expires) headers.Expires = caching.Expires;
  return withEtag(req, s.hash, { status: 200, headers, body: s.json });
}

/** Adds the ETag and turns a matching If-None-Match into 304 Not Modified. */
function withEtag(req: OpenAPIRequest, hash: string, res: OpenAPIResponse): OpenAPIResponse {
  const etag = `"${hash}"`;
  res.headers.ETag = etag;
  if (etagMatches(req.ifNoneMatch, etag)) return { status: 304, headers: res.headers, body: "" };
  return res;
}

function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((t) => {
    const tag = t.trim().replace(/^W\//, "");
    return tag === "*" || tag === etag;
  });
}

/** The first offered type the Accept header allows, honouring q-values and wildcards; no header accepts anything. */
export function pickType(accept: string | undefined, offered: string[]): string | undefined {
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return offered[0];
  const ordered = ranges
    .map((r, index) => ({ type: r.type, q: Number(r.params.q ?? "1"), index }))
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || specificity(b.type) - specificity(a.type) || a.index - b.index);
  for (const range of ordered) {
    const match = offered.find((o) => matches(range.type, o));
    if (match) return match;
  }
  return undefined;
}

function specificity(range: string): number {
  if (range === "*/*") return 0;
  return range.endsWith("/*") ? 1 : 2;
}

function matches(range: string, type: string): boolean {
  if (range === "*/*") return true;
  if (range.endsWith("/*")) return type.startsWith(range.slice(0, -1));
  return range === type;
}

function notAcceptable(): OpenAPIResponse {
  return {
    status: 406,
    headers: { "Content-Type": "text/plain", "Cache-Control": NO_CACHE },
    body: "406 Not Acceptable\n",
  };
}

function oneYearFromNow(): string {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() + 1);
  return d.toUTCString();
}
