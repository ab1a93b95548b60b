// ServiceAccount JWTs as kube-apiserver issues and verifies them: bound tokens (TokenRequest) and
// legacy Secret-based tokens. Claim shapes, the verification order and every error text follow
// kubernetes/kubernetes pkg/serviceaccount/{jwt.go,claims.go,legacy.go,openidmetadata.go}.
import { type KeyObject, randomUUID, timingSafeEqual } from "node:crypto";
import {
  SERVICE_ACCOUNTS_GROUP,
  serviceAccountUsername,
  splitServiceAccountUsername,
} from "../../meta/service-account.ts";
import { goQuote } from "../../meta/status.ts";
import type { UserInfo } from "../../meta/types.ts";
import { decodeCompactJws, jwsSignatureError, publicJwk, signCompactJws } from "../pki/jws.ts";
import { jwsAlgorithmForKey, keyIdFromPublicKey, type ServiceAccountKey } from "../pki/signing-keys.ts";

export interface ServiceAccountTokenConfig {
  /** --service-account-issuer, e.g. "https://kubernetes.default.svc.cluster.local". */
  issuer: string;
  /** --api-audiences; empty or absent means [issuer], as kube-apiserver defaults it. */
  apiAudiences?: string[];
  signingKey: ServiceAccountKey;
  /** --service-account-key-file keys; default [signingKey.publicKey]. */
  verifyKeys?: KeyObject[];
  /** --service-account-extend-token-expiration, default true. */
  extendExpiration?: boolean;
  /** --service-account-max-token-expiration in seconds; 0/absent = no cap. */
  maxExpirationSeconds?: number;
}

export interface BoundTokenRequest {
  serviceAccount: { namespace: string; name: string; uid: string };
  audiences?: string[];
  expirationSeconds?: number;
  pod?: { name: string; uid: string; nodeName?: string };
  /** The Node a token is bound to, or the Pod's node (uid only when the Node object exists). */
  node?: { name: string; uid?: string };
  secret?: { name: string; uid: string };
  now?: Date;
}

export interface IssuedBoundToken {
  token: string;
  /** now + expirationSeconds (after the max cap, never the 1-year extension). */
  expirationTimestamp: Date;
  expirationSeconds: number;
  audiences: string[];
  jti: string;
  warnings: string[];
}

export interface ObjectState {
  uid: string;
  deletionTimestamp?: string;
}

/** Reads the server's store; undefined = not found. */
export interface TokenObjectLookup {
  serviceAccount(namespace: string, name: string): ObjectState | undefined;
  /** `token` is the decoded data.token of a service-account-token Secret. */
  secret(namespace: string, name: string): (ObjectState & { token?: string }) | undefined;
  pod(namespace: string, name: string): ObjectState | undefined;
  node(name: string): ObjectState | undefined;
}

export type TokenVerdict =
  | { status: "authenticated"; user: UserInfo; audiences: string[]; auditAnnotations: Record<string, string> }
  | { status: "not-mine" }
  | { status: "rejected"; error: string };

export const LEGACY_ISSUER = "kubernetes/serviceaccount";
/** The kubelet's projected-volume expiry; such tokens get the 1-year extension. */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 60 * 60 + 7;
export const EXPIRATION_EXTENSION_SECONDS = 24 * 365 * 60 * 60;
export const DEFAULT_EXPIRATION_SECONDS = 3600;
/** go-jose's jwt.DefaultLeeway, also the grace for objects being deleted. */
const LEEWAY_MS = 60_000;

const EXTRA_POD_NAME = "authentication.kubernetes.io/pod-name";
const EXTRA_POD_UID = "authentication.kubernetes.io/pod-uid";
const EXTRA_NODE_NAME = "authentication.kubernetes.io/node-name";
const EXTRA_NODE_UID = "authentication.kubernetes.io/node-uid";
const EXTRA_CREDENTIAL_ID = "authentication.kubernetes.io/credential-id";
const LEGACY_CLAIM = {
  namespace: "kubernetes.io/serviceaccount/namespace",
  secretName: "kubernetes.io/serviceaccount/secret.name",
  serviceAccountName: "kubernetes.io/serviceaccount/service-account.name",
  serviceAccountUID: "kubernetes.io/serviceaccount/service-account.uid",
} as const;
const INVALIDATED = "service account token has been invalidated";

export function apiAudiences(cfg: ServiceAccountTokenConfig): string[] {
  return cfg.apiAudiences?.length ? cfg.apiAudiences : [cfg.issuer];
}

function verifyKeys(cfg: ServiceAccountTokenConfig): KeyObject[] {
  return cfg.verifyKeys ?? [cfg.signingKey.publicKey];
}

const kidCache = new WeakMap<KeyObject, string>();
function kidOf(key: KeyObject): string {
  let kid = kidCache.get(key);
  if (kid === undefined) {
    kid = keyIdFromPublicKey(key);
    kidCache.set(key, kid);
  }
  return kid;
}

const unixSeconds = (d: Date) => Math.floor(d.getTime() / 1000);

/** Go's omitempty on claims.go's ref{Name, UID}. */
function ref(name: string | undefined, uid: string | undefined): { name?: string; uid?: string } {
  return { ...(name ? { name } : {}), ...(uid ? { uid } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Issuing

export async function issueBoundToken(
  cfg: ServiceAccountTokenConfig,
  req: BoundTokenRequest,
): Promise<IssuedBoundToken> {
  if (req.secret && (req.pod || req.node))
    throw new Error("internal error, token can only be bound to one object type");
  const now = req.now ?? new Date();
  const kubeAudiences = apiAudiences(cfg);
  const audiences = req.audiences?.length ? req.audiences : kubeAudiences;
  const warnings: string[] = [];

  let expirationSeconds = req.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  const max = cfg.maxExpirationSeconds ?? 0;
  if (max > 0 && expirationSeconds > max) {
    warnings.push(`requested expiration of ${expirationSeconds} seconds shortened to ${max} seconds`);
    expirationSeconds = max;
  }
  // Safe rollout of bound tokens (token.go): kubelet-style requests get a year, but carry warnafter.
  const extended =
    (cfg.extendExpiration ?? true) &&
    req.pod !== undefined &&
    expirationSeconds === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS &&
    audiences.every((a) => kubeAudiences.includes(a));

  const iat = unixSeconds(now);
  const jti = randomUUID();
  const { namespace, name, uid } = req.serviceAccount;
  const node = req.node ?? (req.pod?.nodeName ? { name: req.pod.nodeName } : undefined);
  const payload = {
    iss: cfg.issuer,
    sub: serviceAccountUsername(namespace, name),
    aud: audiences,
    exp: iat + (extended ? EXPIRATION_EXTENSION_SECONDS : expirationSeconds),
    nbf: iat,
    iat,
    jti,
    "kubernetes.io": {
      namespace,
      serviceaccount: ref(name, uid),
      pod: req.pod ? ref(req.pod.name, req.pod.uid) : undefined,
      secret: req.secret ? ref(req.secret.name, req.secret.uid) : undefined,
      node: node ? ref(node.name, node.uid) : undefined,
      warnafter: extended ? iat + expirationSeconds : undefined,
    },
  };
  return {
    token: await signCompactJws(payload, cfg.signingKey),
    expirationTimestamp: new Date(now.getTime() + expirationSeconds * 1000),
    expirationSeconds,
    audiences,
    jti,
    warnings,
  };
}

/** The token the legacy token controller writes into a kubernetes.io/service-account-token Secret. */
export function issueLegacyToken(
  cfg: ServiceAccountTokenConfig,
  o: { namespace: string; serviceAccountName: string; serviceAccountUID: string; secretName: string },
): Promise<string> {
  return signCompactJws(
    {
      iss: LEGACY_ISSUER,
      sub: serviceAccountUsername(o.namespace, o.serviceAccountName),
      [LEGACY_CLAIM.namespace]: o.namespace,
      [LEGACY_CLAIM.secretName]: o.secretName,
      [LEGACY_CLAIM.serviceAccountName]: o.serviceAccountName,
      [LEGACY_CLAIM.serviceAccountUID]: o.serviceAccountUID,
    },
    cfg.signingKey,
  );
}

// ---------------------------------------------------------------------------------------------
// Verification (jwt.go AuthenticateToken, then the bound or legacy validator)

interface PublicClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti: string;
}

type Payload = Record<string, unknown>;

class Rejection extends Error {}

const NOT_MINE: TokenVerdict = { status: "not-mine" };

function isObject(v: unknown): v is Payload {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Go's %q of a []string: ["a" "b"]. */
function quoteList(list: string[]): string {
  return `[${list.map(goQuote).join(" ")}]`;
}

/** Go's utilerrors aggregate: one message as is, several de-duplicated inside [a, b]. */
function aggregate(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] : `[${unique.join(", ")}]`;
}

function stringClaim(payload: Payload, claim: string): string {
  const v = payload[claim];
  if (v === undefined || v === null) return "";
  if (typeof v !== "string")
    throw new Rejection(`json: cannot unmarshal ${typeof v} into Go value of type string`);
  return v;
}

/** NumericDate: any JSON number, truncated to whole seconds. */
function dateClaim(payload: Payload, claim: string): number | undefined {
  const v = payload[claim];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number") throw new Rejection("square/go-jose/jwt: expected number date");
  return Math.trunc(v);
}

function audienceClaim(payload: Payload): string[] {
  const v = payload.aud;
  if (v === undefined || v === null) return [];
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.every((a) => typeof a === "string")) return v;
  throw new Rejection("square/go-jose/jwt: expected string or array value to unmarshal to Audience");
}

function publicClaims(payload: Payload): PublicClaims {
  return {
    iss: stringClaim(payload, "iss"),
    sub: stringClaim(payload, "sub"),
    aud: audienceClaim(payload),
    exp: dateClaim(payload, "exp"),
    nbf: dateClaim(payload, "nbf"),
    iat: dateClaim(payload, "iat"),
    jti: stringClaim(payload, "jti"),
  };
}

async function verifySignature(token: string, kid: string, keys: KeyObject[]): Promise<void> {
  const candidates = kid ? keys.filter((k) => kidOf(k) === kid) : keys;
  if (candidates.length === 0) throw new Rejection("invalid signature, no keys found");
  const errors: string[] = [];
  for (const key of candidates) {
    const error = await jwsSignatureError(token, key);
    if (error === undefined) return;
    errors.push(error);
  }
  throw new Rejection(aggregate(errors));
}

export async function verifyServiceAccountToken(
  token: string,
  cfg: ServiceAccountTokenConfig,
  lookup: TokenObjectLookup,
  o: { audiences?: string[]; now?: Date } = {},
): Promise<TokenVerdict> {
  // hasCorrectIssuer + ParseSigned: anything not shaped like our JWT belongs to another authenticator.
  if (token.trimStart().startsWith("{")) return NOT_MINE;
  const decoded = decodeCompactJws(token);
  if (!decoded || !isObject(decoded.payload)) return NOT_MINE;
  const unverifiedIssuer = decoded.payload.iss ?? "";
  const legacy = unverifiedIssuer === LEGACY_ISSUER;
  if (!legacy && unverifiedIssuer !== cfg.issuer) return NOT_MINE;

  const payload = decoded.payload;
  const now = o.now ?? new Date();
  try {
    const kid = typeof decoded.header.kid === "string" ? decoded.header.kid : "";
    await verifySignature(token, kid, verifyKeys(cfg));
    const claims = publicClaims(payload);
    if (claims.iss !== (legacy ? LEGACY_ISSUER : cfg.issuer)) {
      throw new Rejection(`token issuer ${goQuote(claims.iss)} is invalid`);
    }

    const auditAnnotations: Record<string, string> = {};
    const kubeAudiences = apiAudiences(cfg);
    let tokenAudiences = claims.aud;
    if (tokenAudiences.length === 0) {
      // Only API audiences are implied for tokens without aud (legacy tokens).
      auditAnnotations["authentication.k8s.io/legacy-token"] = claims.sub;
      tokenAudiences = kubeAudiences;
    }
    const requested = o.audiences?.length ? o.audiences : kubeAudiences;
    const audiences = tokenAudiences.filter((a) => requested.includes(a));
    if (audiences.length === 0 && kubeAudiences.length > 0) {
      throw new Rejection(
        `token audiences ${quoteList(tokenAudiences)} is invalid for the target audiences ${quoteList(requested)}`,
      );
    }

    const info = legacy
      ? validateLegacy(token, claims, payload, lookup, auditAnnotations)
      : validateBound(claims, payload, lookup, now, auditAnnotations);
    return { status: "authenticated", user: userInfo(info), audiences, auditAnnotations };
  } catch (err) {
    if (err instanceof Rejection) return { status: "rejected", error: err.message };
    throw err;
  }
}

interface ServiceAccountInfo {
  namespace: string;
  name: string;
  uid: string;
  podName?: string;
  podUID?: string;
  nodeName?: string;
  nodeUID?: string;
  credentialId?: string;
}

/** apiserver serviceaccount.ServiceAccountInfo.UserInfo(); system:authenticated is the chain's job. */
function userInfo(sa: ServiceAccountInfo): UserInfo {
  const extra: Record<string, string[]> = {};
  if (sa.podName && sa.podUID) {
    extra[EXTRA_POD_NAME] = [sa.podName];
    extra[EXTRA_POD_UID] = [sa.podUID];
  }
  if (sa.credentialId) extra[EXTRA_CREDENTIAL_ID] = [sa.credentialId];
  if (sa.nodeName) {
    extra[EXTRA_NODE_NAME] = [sa.nodeName];
    if (sa.nodeUID) extra[EXTRA_NODE_UID] = [sa.nodeUID];
  }
  return {
    username: serviceAccountUsername(sa.namespace, sa.name),
    uid: sa.uid,
    groups: [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${sa.namespace}`],
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

interface Ref {
  name: string;
  uid: string;
}

function refClaim(v: unknown): Ref | undefined {
  if (!isObject(v)) return undefined;
  return { name: typeof v.name === "string" ? v.name : "", uid: typeof v.uid === "string" ? v.uid : "" };
}

/** claims.go validator.Validate. */
function validateBound(
  claims: PublicClaims,
  payload: Payload,
  lookup: TokenObjectLookup,
  now: Date,
  auditAnnotations: Record<string, string>,
): ServiceAccountInfo {
  const nowMs = now.getTime();
  if (claims.nbf !== undefined && nowMs + LEEWAY_MS < claims.nbf * 1000) {
    throw new Rejection("service account token is not valid yet");
  }
  if (claims.exp !== undefined && nowMs - LEEWAY_MS > claims.exp * 1000) {
    throw new Rejection("service account token has expired");
  }
  if (claims.iat !== undefined && nowMs + LEEWAY_MS < claims.iat * 1000) {
    throw new Rejection("service account token is issued in the future");
  }

  const k8s = isObject(payload["kubernetes.io"]) ? payload["kubernetes.io"] : {};
  const namespace = typeof k8s.namespace === "string" ? k8s.namespace : "";
  const saRef = refClaim(k8s.serviceaccount) ?? { name: "", uid: "" };
  const podRef = refClaim(k8s.pod);
  const secretRef = refClaim(k8s.secret);
  const nodeRef = refClaim(k8s.node);
  // Objects deleted within the leeway still count, so in-flight requests of a terminating pod pass.
  const deleted = (o: ObjectState) =>
    o.deletionTimestamp !== undefined && Date.parse(o.deletionTimestamp) < nowMs - LEEWAY_MS;

  const sa = lookup.serviceAccount(namespace, saRef.name);
  if (!sa) throw new Rejection(`serviceaccounts ${goQuote(saRef.name)} not found`);
  if (sa.uid !== saRef.uid) {
    throw new Rejection(`service account UID (${sa.uid}) does not match claim (${saRef.uid})`);
  }
  if (deleted(sa)) throw new Rejection(`service account ${namespace}/${saRef.name} has been deleted`);

  if (secretRef) {
    const secret = lookup.secret(namespace, secretRef.name);
    if (!secret) throw new Rejection(INVALIDATED);
    if (secret.uid !== secretRef.uid) {
      throw new Rejection(
        `secret UID (${secret.uid}) does not match service account secret ref claim (${secretRef.uid})`,
      );
    }
    if (deleted(secret)) throw new Rejection(INVALIDATED);
  }

  const info: ServiceAccountInfo = { namespace, name: saRef.name, uid: saRef.uid };
  if (podRef) {
    const pod = lookup.pod(namespace, podRef.name);
    if (!pod) throw new Rejection(INVALIDATED);
    if (pod.uid !== podRef.uid) {
      throw new Rejection(
        `pod UID (${pod.uid}) does not match service account pod ref claim (${podRef.uid})`,
      );
    }
    if (deleted(pod)) throw new Rejection(INVALIDATED);
    Object.assign(info, { podName: podRef.name, podUID: podRef.uid });
  }

  if (nodeRef && podRef) {
    // Pod-bound: the node claims are informational and not looked up.
    Object.assign(info, { nodeName: nodeRef.name, nodeUID: nodeRef.uid });
  } else if (nodeRef) {
    const node = lookup.node(nodeRef.name);
    if (!node) throw new Rejection(INVALIDATED);
    if (node.uid !== nodeRef.uid) {
      throw new Rejection(
        `node UID (${node.uid}) does not match service account node ref claim (${nodeRef.uid})`,
      );
    }
    if (deleted(node)) throw new Rejection(INVALIDATED);
    Object.assign(info, { nodeName: nodeRef.name, nodeUID: nodeRef.uid });
  }

  const warnafter = typeof k8s.warnafter === "number" ? Math.trunc(k8s.warnafter) : 0;
  if (warnafter !== 0 && nowMs > warnafter * 1000) {
    auditAnnotations["authentication.k8s.io/stale-token"] =
      `subject: ${claims.sub}, seconds after warning threshold: ${unixSeconds(now) - warnafter}`;
  }
  if (claims.jti) info.credentialId = `JTI=${claims.jti}`;
  return info;
}

function sameToken(stored: string | undefined, presented: string): boolean {
  const a = Buffer.from(stored ?? "");
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** legacy.go legacyValidator.Validate (with lookup, as kube-apiserver runs it). */
function validateLegacy(
  token: string,
  claims: PublicClaims,
  payload: Payload,
  lookup: TokenObjectLookup,
  auditAnnotations: Record<string, string>,
): ServiceAccountInfo {
  if (!claims.sub) throw new Rejection("sub claim is missing");
  const namespace = stringClaim(payload, LEGACY_CLAIM.namespace);
  if (!namespace) throw new Rejection("namespace claim is missing");
  const secretName = stringClaim(payload, LEGACY_CLAIM.secretName);
  if (!secretName) throw new Rejection("secretName claim is missing");
  const name = stringClaim(payload, LEGACY_CLAIM.serviceAccountName);
  if (!name) throw new Rejection("serviceAccountName claim is missing");
  const uid = stringClaim(payload, LEGACY_CLAIM.serviceAccountUID);
  if (!uid) throw new Rejection("serviceAccountUID claim is missing");
  const subject = splitServiceAccountUsername(claims.sub);
  if (!subject || subject.namespace !== namespace || subject.name !== name) {
    throw new Rejection("sub claim is invalid");
  }

  // Legacy tokens have no deletion grace: a Secret or SA being deleted revokes them at once.
  const secret = lookup.secret(namespace, secretName);
  if (!secret || secret.deletionTimestamp !== undefined) throw new Rejection("Token has been invalidated");
  if (!sameToken(secret.token, token)) throw new Rejection("Token does not match server's copy");

  const sa = lookup.serviceAccount(namespace, name);
  if (!sa) throw new Rejection(`serviceaccounts ${goQuote(name)} not found`);
  if (sa.deletionTimestamp !== undefined)
    throw new Rejection(`ServiceAccount ${namespace}/${name} has been deleted`);
  if (sa.uid !== uid) throw new Rejection(`ServiceAccount UID (${sa.uid}) does not match claim (${uid})`);

  // The emulator never auto-generates token Secrets, so every legacy token is a manual one.
  auditAnnotations["authentication.k8s.io/legacy-token-manual-secret"] = secretName;
  return { namespace, name, uid };
}

// ---------------------------------------------------------------------------------------------
// OIDC discovery (openidmetadata.go)

export const OPENID_CONFIGURATION_PATH = "/.well-known/openid-configuration";
export const JWKS_PATH = "/openid/v1/jwks";

/**
 * Body of /.well-known/openid-configuration. `externalUrl` is the server's URL ("https://host:port")
 * or a bare host:port, which gets https:// as kube-apiserver's ExternalAddress does.
 */
export function openIdConfiguration(cfg: ServiceAccountTokenConfig, externalUrl: string): object {
  const origin = externalUrl.includes("://") ? new URL(externalUrl).origin : `https://${externalUrl}`;
  const algs = [...new Set(verifyKeys(cfg).map(jwsAlgorithmForKey))].sort();
  return {
    issuer: cfg.issuer,
    jwks_uri: `${origin}${JWKS_PATH}`,
    response_types_supported: ["id_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: algs,
  };
}

/** Body of /openid/v1/jwks. */
export function jwks(cfg: ServiceAccountTokenConfig): { keys: object[] } {
  return { keys: verifyKeys(cfg).map((k) => publicJwk(k, kidOf(k))) };
}
