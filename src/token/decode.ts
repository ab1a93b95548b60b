// Decodes a ServiceAccount JWT for diagnostics. It never verifies the signature: only the API server can.
// Claim layout follows kubernetes pkg/serviceaccount legacy.go (flat keys) and claims.go (nested "kubernetes.io").
import { serviceAccountUsername, splitServiceAccountUsername } from "../meta/service-account.ts";

/** The issuer every legacy (Secret-based) ServiceAccount token carries. */
export const LEGACY_ISSUER = "kubernetes/serviceaccount";

const LEGACY_CLAIM = {
  namespace: "kubernetes.io/serviceaccount/namespace",
  secretName: "kubernetes.io/serviceaccount/secret.name",
  serviceAccountName: "kubernetes.io/serviceaccount/service-account.name",
  serviceAccountUid: "kubernetes.io/serviceaccount/service-account.uid",
} as const;

const BOUND_CLAIM = "kubernetes.io";

export interface TokenHeader {
  alg: string;
  kid?: string;
  typ?: string;
  [field: string]: unknown;
}

export interface DecodedToken {
  /** "legacy": Secret-based, never expires; "bound": TokenRequest/projected; "other": not a ServiceAccount token. */
  format: "bound" | "legacy" | "other";
  header: TokenHeader;
  claims: Record<string, unknown>;
  issuer?: string;
  subject?: string;
  audiences: string[];
  issuedAt?: Date;
  notBefore?: Date;
  expiresAt?: Date;
  /** Bound tokens with extended expiry: using the token after this adds a stale-token audit annotation. */
  warnAfter?: Date;
  jti?: string;
  serviceAccount?: { namespace: string; name: string; uid?: string };
  pod?: { name: string; uid: string };
  node?: { name: string; uid?: string };
  secret?: { name: string; uid?: string };
  /** system:serviceaccount:<namespace>:<name> */
  username?: string;
}

export class TokenDecodeError extends Error {
  override name = "TokenDecodeError";
}

/** Decodes without verifying. Throws TokenDecodeError that says what is wrong; the message never contains the token. */
export function decodeToken(jwt: string): DecodedToken {
  const token = jwt.trim();
  if (token === "") throw new TokenDecodeError("token is empty (nothing but whitespace, or an empty file)");
  if (/^bearer\s/i.test(token)) {
    throw new TokenDecodeError(
      'token starts with "Bearer ": pass the token itself, not the Authorization header',
    );
  }
  const parts = token.split(".");
  if (parts.length !== 3) {
    const hint = parts.length === 5 ? " — 5 parts means an encrypted JWE, not a ServiceAccount token" : "";
    throw new TokenDecodeError(
      `token is not a JWT: expected 3 dot-separated parts (header.payload.signature), found ${parts.length}${hint}`,
    );
  }
  const header = decodeJsonPart(parts[0], "header");
  if (typeof header.alg !== "string" || header.alg === "") {
    throw new TokenDecodeError('JWT header has no "alg" field');
  }
  const claims = decodeJsonPart(parts[1], "payload");
  if (!isBase64Url(parts[2])) throw new TokenDecodeError("JWT signature is not valid base64url");
  return interpretClaims(header as TokenHeader, claims);
}

function decodeJsonPart(part: string, what: "header" | "payload"): Record<string, unknown> {
  if (part === "") throw new TokenDecodeError(`JWT ${what} is empty`);
  if (!isBase64Url(part)) throw new TokenDecodeError(`JWT ${what} is not valid base64url`);
  const text = Buffer.from(part, "base64url").toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TokenDecodeError(`JWT ${what} is not JSON`);
  }
  if (!isRecord(value)) throw new TokenDecodeError(`JWT ${what} is JSON but not an object`);
  return value;
}

// Unpadded base64url as JWS compact serialisation requires; a length of 4n+1 can never be produced by an encoder.
function isBase64Url(text: string): boolean {
  return /^[A-Za-z0-9_-]*$/.test(text) && text.length % 4 !== 1;
}

function interpretClaims(header: TokenHeader, claims: Record<string, unknown>): DecodedToken {
  const decoded: DecodedToken = {
    format: "other",
    header,
    claims,
    issuer: stringClaim(claims.iss),
    subject: stringClaim(claims.sub),
    audiences: audiencesOf(claims.aud),
    issuedAt: numericDate(claims.iat),
    notBefore: numericDate(claims.nbf),
    expiresAt: numericDate(claims.exp),
    jti: stringClaim(claims.jti),
  };
  const bound = claims[BOUND_CLAIM];
  if (isRecord(bound)) {
    decoded.format = "bound";
    applyBoundClaims(decoded, bound);
  } else if (decoded.issuer === LEGACY_ISSUER || typeof claims[LEGACY_CLAIM.namespace] === "string") {
    decoded.format = "legacy";
    applyLegacyClaims(decoded, claims);
  }
  decoded.serviceAccount ??= serviceAccountFromSubject(decoded.subject);
  if (decoded.serviceAccount) {
    decoded.username = serviceAccountUsername(decoded.serviceAccount.namespace, decoded.serviceAccount.name);
  }
  return dropUndefined(decoded);
}

function applyBoundClaims(decoded: DecodedToken, k8s: Record<string, unknown>): void {
  const namespace = stringClaim(k8s.namespace);
  const sa = objectRef(k8s.serviceaccount);
  if (namespace && sa) decoded.serviceAccount = dropUndefined({ namespace, name: sa.name, uid: sa.uid });
  const pod = objectRef(k8s.pod);
  if (pod?.uid) decoded.pod = { name: pod.name, uid: pod.uid };
  const node = objectRef(k8s.node);
  if (node) decoded.node = node;
  const secret = objectRef(k8s.secret);
  if (secret) decoded.secret = secret;
  decoded.warnAfter = numericDate(k8s.warnafter);
}

function applyLegacyClaims(decoded: DecodedToken, claims: Record<string, unknown>): void {
  const namespace = stringClaim(claims[LEGACY_CLAIM.namespace]);
  const name = stringClaim(claims[LEGACY_CLAIM.serviceAccountName]);
  if (namespace && name) {
    decoded.serviceAccount = dropUndefined({
      namespace,
      name,
      uid: stringClaim(claims[LEGACY_CLAIM.serviceAccountUid]),
    });
  }
  const secretName = stringClaim(claims[LEGACY_CLAIM.secretName]);
  if (secretName) decoded.secret = { name: secretName };
}

function serviceAccountFromSubject(subject: string | undefined): DecodedToken["serviceAccount"] {
  return subject === undefined ? undefined : splitServiceAccountUsername(subject);
}

function objectRef(value: unknown): { name: string; uid?: string } | undefined {
  if (!isRecord(value)) return undefined;
  const name = stringClaim(value.name);
  if (!name) return undefined;
  return dropUndefined({ name, uid: stringClaim(value.uid) });
}

// "aud" may be a single string or an array (RFC 7519 §4.1.3); Kubernetes writes an array.
function audiencesOf(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((a): a is string => typeof a === "string");
  return [];
}

function numericDate(value: unknown): Date | undefined {
  return typeof value === "number" && Number.isFinite(value) ? new Date(value * 1000) : undefined;
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Keeps results free of `key: undefined` so deepEqual and JSON output stay clean.
function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}
