// Continue tokens, byte-compatible with k8s.io/apiserver pkg/storage/continue.go: base64url (no padding) of
// {"v":"meta.k8s.io/v1","rv":N,"start":"<lastKey>\u0000"}. The NUL makes the start key exclusive, as etcd3's
// store does; decodeContinue hands back the last returned key, ready for Store.list's startAfter.
import { posix } from "node:path";
import { StorageError } from "./errors.ts";

const VERSION = "meta.k8s.io/v1";

/** rv -1 marks an "inconsistent" token (continue at the latest resourceVersion), as upstream issues on 410. */
export function encodeContinue(rv: number, lastKey: string): string {
  const json = goJSON({ v: VERSION, rv, start: `${lastKey}\u0000` });
  return Buffer.from(json, "utf8").toString("base64url");
}

/** Throws StorageError "BadRequest" whose message is upstream's full 400 text. rv < 0 means "latest". */
export function decodeContinue(token: string): { rv: number; startKey: string } {
  const bad = (why: string) => new StorageError("BadRequest", `invalid continue token: ${why}`);
  const invalidByte = firstInvalidBase64Byte(token);
  if (invalidByte >= 0)
    throw bad(`continue key is not valid: illegal base64 data at input byte ${invalidByte}`);

  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch (err) {
    throw bad(`continue key is not valid: ${(err as Error).message}`);
  }
  const t = (parsed ?? {}) as { v?: unknown; rv?: unknown; start?: unknown };
  if (typeof t !== "object" || Array.isArray(t)) throw bad("continue key is not valid: not a JSON object");
  if (t.v !== VERSION) {
    throw bad(`continue key is not valid: server does not recognize this encoded version ${t.v ?? ""}`);
  }
  const rv = t.rv ?? 0;
  if (typeof rv !== "number" || !Number.isSafeInteger(rv) || rv === 0) {
    throw bad("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  }
  const start = t.start ?? "";
  if (typeof start !== "string" || start === "") {
    throw bad("continue key is not valid: encoded start key empty (version meta.k8s.io/v1)");
  }
  // Refuse path traversal exactly like upstream: the key must already be in path.Clean form.
  const rooted = start.startsWith("/") ? start : `/${start}`;
  if (goPathClean(rooted) !== rooted) throw bad(`continue key is not valid: ${start}`);
  const key = rooted.slice(1);
  return { rv, startKey: key.endsWith("\u0000") ? key.slice(0, -1) : key };
}

/** Go's json.Marshal escapes <, > and & (and U+2028/9); mirror it so tokens match upstream's bytes. */
function goJSON(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Index Go's base64.RawURLEncoding would report as corrupt, or -1. */
function firstInvalidBase64Byte(s: string): number {
  const bad = s.search(/[^A-Za-z0-9_-]/);
  if (bad >= 0) return bad;
  return s.length % 4 === 1 ? s.length - 1 : -1;
}

/** path.Clean for rooted paths: Node's normalize plus dropping a trailing slash. */
function goPathClean(p: string): string {
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
}
