// Compact JWS the way kube-apiserver's go-jose v2 produces and checks it: header {"alg","kid"} only,
// payload as Go's encoding/json writes a map (keys sorted at every level, <>& escaped), and go-jose's
// error texts for failed signatures. jose (46 modules) loads on the first token signed or verified, not
// with the server: most start-ups see no ServiceAccount token for a while.
import type { KeyObject } from "node:crypto";
import { type JwsAlgorithm, jwsAlgorithmForKey } from "./signing-keys.ts";

let joseModule: Promise<typeof import("jose")> | undefined;
const jose = () => (joseModule ??= import("jose"));

export interface JwsSigningKey {
  privateKey: KeyObject;
  alg: JwsAlgorithm;
  kid: string;
}

export const CRYPTO_FAILURE = "go-jose/go-jose: error in cryptographic primitive";
export const UNSUPPORTED_ALGORITHM = "go-jose/go-jose: unknown/unsupported algorithm";

function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortedDeep(v)]));
}

/** JSON as Go's json.Marshal writes a map[string]interface{}: sorted keys, HTML-safe escapes. */
export function goJson(value: unknown): string {
  return JSON.stringify(sortedDeep(value)).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

export async function signCompactJws(payload: object, key: JwsSigningKey): Promise<string> {
  const { CompactSign } = await jose();
  return new CompactSign(new TextEncoder().encode(goJson(payload)))
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .sign(key.privateKey);
}

export interface DecodedJws {
  header: Record<string, unknown>;
  payload: unknown;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodeJsonSegment(segment: string): unknown {
  if (!BASE64URL.test(segment)) throw new Error("not base64url");
  return JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
}

/** Unverified decode of header and payload; undefined when it is not a compact JWS at all. */
export function decodeCompactJws(token: string): DecodedJws | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || !BASE64URL.test(parts[2])) return undefined;
  try {
    const header = decodeJsonSegment(parts[0]);
    if (header === null || typeof header !== "object" || Array.isArray(header)) return undefined;
    return { header: header as Record<string, unknown>, payload: decodeJsonSegment(parts[1]) };
  } catch {
    return undefined;
  }
}

/** undefined when `key` verifies the signature, otherwise go-jose's error text. */
export async function jwsSignatureError(token: string, key: KeyObject): Promise<string | undefined> {
  const { compactVerify, errors } = await jose();
  try {
    await compactVerify(token, key, { algorithms: [jwsAlgorithmForKey(key)] });
    return undefined;
  } catch (err) {
    return err instanceof errors.JWSSignatureVerificationFailed ? CRYPTO_FAILURE : UNSUPPORTED_ALGORITHM;
  }
}

export interface PublicJwk {
  use: "sig";
  kty: string;
  kid: string;
  crv?: string;
  alg: JwsAlgorithm;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

/** A public JWK with go-jose's field order (use, kty, kid, crv, alg, x, y, n, e). */
export function publicJwk(publicKey: KeyObject, kid: string): PublicJwk {
  const { kty, crv, x, y, n, e } = publicKey.export({ format: "jwk" });
  const jwk: PublicJwk = {
    use: "sig",
    kty: kty ?? "",
    kid,
    crv,
    alg: jwsAlgorithmForKey(publicKey),
    x,
    y,
    n,
    e,
  };
  for (const field of ["crv", "x", "y", "n", "e"] as const) {
    if (jwk[field] === undefined) delete jwk[field];
  }
  return jwk;
}
