// Why did the API server answer 401? It never says (the cause is only in its log), so reason from the
// token the client holds: decode it (no verification) and check the claims that make tokens fail.
import { type DecodedToken, decodeToken, formatDuration } from "../token/index.ts";

/** The decoded claims a diagnosis keeps (never the token itself). */
const CLAIM_FIELDS = [
  "format",
  "issuer",
  "audiences",
  "issuedAt",
  "notBefore",
  "expiresAt",
  "warnAfter",
  "serviceAccount",
  "pod",
  "node",
  "secret",
  "username",
] as const;

export type TokenClaims = Pick<DecodedToken, (typeof CLAIM_FIELDS)[number]>;

/** What the client could tell about its credentials when a 401 arrived. Holds claims only, never the token. */
export interface TokenDiagnosis {
  /** Credentials (Authorization header or client certificate) went with the request. */
  sent: boolean;
  /** A bearer token was available to decode. */
  present: boolean;
  decodeError?: string;
  claims?: TokenClaims;
}

export function diagnoseToken(token: string | undefined, sent: boolean): TokenDiagnosis {
  if (!token) return { sent, present: false };
  try {
    const decoded = decodeToken(token);
    const claims = Object.fromEntries(CLAIM_FIELDS.map((k) => [k, decoded[k]])) as TokenClaims;
    return { sent, present: true, claims };
  } catch (error) {
    return { sent, present: true, decodeError: (error as Error).message };
  }
}

export interface UnauthorizedContext {
  method: string;
  path: string;
  now: Date;
  credentialsDescription?: string;
  credentialsRefreshed?: boolean;
}

type Confidence = "found" | "likely" | "possible";
interface Cause {
  confidence: Confidence;
  text: string;
}

/** Tolerated clock difference before "issued in the future" is worth mentioning. */
const CLOCK_SKEW_MS = 60_000;

export function explainUnauthorized(diagnosis: TokenDiagnosis, context: UnauthorizedContext): string {
  const causes = collectCauses(diagnosis, context);
  const order: Confidence[] = ["found", "likely", "possible"];
  causes.sort((a, b) => order.indexOf(a.confidence) - order.indexOf(b.confidence));
  const lines = [
    `401 Unauthorized on ${context.method} ${context.path}: the API server did not accept the credentials.`,
    "It never says why (only its log does). From what this client holds, most likely first:",
    ...causes.map((cause, i) => `  ${i + 1}. [${cause.confidence}] ${cause.text}`),
  ];
  if (context.credentialsDescription) lines.push(`Credentials: ${context.credentialsDescription}`);
  if (context.credentialsRefreshed === false) {
    lines.push(
      "The client re-read its credentials after the 401: they had not changed, so retrying will not help.",
    );
  }
  lines.push(
    "Check: decode the token (incluster token), or compare with `kubectl auth whoami` from the same Pod.",
  );
  return lines.join("\n");
}

function collectCauses(diagnosis: TokenDiagnosis, context: UnauthorizedContext): Cause[] {
  const { now } = context;
  const causes: Cause[] = [];
  if (!diagnosis.sent || !diagnosis.present) {
    causes.push({
      confidence: diagnosis.sent ? "likely" : "found",
      text: diagnosis.sent
        ? "No bearer token was sent (only a client certificate, or an exec plugin without a token): the certificate is not trusted by the API server's client CA, or it expired."
        : "No credentials were sent at all: no token file (automountServiceAccountToken: false on the Pod or ServiceAccount?), an unreadable token, or a client configured without credentials. With anonymous auth disabled the server answers 401.",
    });
    return causes;
  }
  if (diagnosis.decodeError) {
    causes.push({
      confidence: "likely",
      text: `The token is not a readable JWT (${diagnosis.decodeError}). Only an authenticator for opaque tokens (webhook, static token file) could accept it; a truncated or corrupted token file looks like this too.`,
    });
    return causes;
  }
  const claims = diagnosis.claims!;
  if (claims.expiresAt && claims.expiresAt.getTime() <= now.getTime()) {
    causes.push({
      confidence: "found",
      text: `The token expired at ${claims.expiresAt.toISOString()} (${formatDuration(now.getTime() - claims.expiresAt.getTime())} ago). The kubelet rewrites a projected token at 80 % of its lifetime, so either this copy is stale (read once and kept, or copied out of the Pod) or the kubelet stopped refreshing it (Pod not running, node problems).`,
    });
  }
  const notBefore = claims.notBefore ?? claims.issuedAt;
  if (notBefore && notBefore.getTime() > now.getTime() + CLOCK_SKEW_MS) {
    causes.push({
      confidence: "found",
      text: `The token is not valid yet: issued for ${notBefore.toISOString()}, ${formatDuration(notBefore.getTime() - now.getTime())} ahead of this machine's clock. Clock skew between this node and the control plane (check NTP).`,
    });
  }
  if (claims.format !== "legacy" && claims.audiences.length > 0 && !looksLikeApiServerAudience(claims)) {
    causes.push({
      confidence: "likely",
      text: `The token's audience is ${claims.audiences.map((a) => JSON.stringify(a)).join(", ")}. The API server only accepts its own --api-audiences (usually "https://kubernetes.default.svc" or the issuer URL): this looks like a token minted for another service (a projected token with a custom audience, e.g. for Vault or cloud IAM).`,
    });
  }
  if (claims.format === "other") {
    causes.push({
      confidence: "likely",
      text: `This is not a ServiceAccount token${claims.issuer ? ` (issuer ${JSON.stringify(claims.issuer)})` : ""}: the API server needs an OIDC or webhook authenticator configured for that issuer.`,
    });
  } else if (claims.issuer) {
    causes.push({
      confidence: "possible",
      text: `The token was issued by ${JSON.stringify(claims.issuer)}. A token from another cluster, or from before this cluster's signing key or --service-account-issuer changed, fails the signature or issuer check.`,
    });
  }
  for (const text of boundObjectCauses(claims)) causes.push({ confidence: "possible", text });
  if (context.credentialsRefreshed !== false && /file/i.test(context.credentialsDescription ?? "")) {
    causes.push({
      confidence: "possible",
      text: "A newer token may be on disk: clients that read the token file once break when it is rotated. This client re-reads it every minute and after a 401.",
    });
  }
  if (causes.length === 0) {
    causes.push({
      confidence: "possible",
      text: "Nothing is wrong with the claims the client can see: the token may have been revoked (its ServiceAccount, Pod or Secret deleted) or the server's authenticator configuration changed.",
    });
  }
  return causes;
}

function boundObjectCauses(claims: NonNullable<TokenDiagnosis["claims"]>): string[] {
  const sa = claims.serviceAccount;
  const saText = sa
    ? `the ServiceAccount ${sa.namespace}/${sa.name}${sa.uid ? ` (uid ${sa.uid})` : ""}`
    : "its ServiceAccount";
  if (claims.format === "legacy") {
    const secret = claims.secret ? `Secret ${JSON.stringify(claims.secret.name)}` : "its Secret";
    return [
      `This is a legacy Secret-based token: it dies with ${secret} or ${saText}, and clusters invalidate legacy tokens unused for a long time (LegacyServiceAccountTokenCleanUp). Use a projected token.`,
    ];
  }
  if (claims.pod) {
    return [
      `The token is bound to Pod ${JSON.stringify(claims.pod.name)} (uid ${claims.pod.uid}): it stops working when that Pod is deleted (e.g. the token was copied out of a Pod that is gone) or when ${saText} is deleted and re-created with a new uid.`,
    ];
  }
  if (claims.secret) {
    return [
      `The token is bound to Secret ${JSON.stringify(claims.secret.name)}: it stops working when that Secret or ${saText} is deleted.`,
    ];
  }
  if (claims.node) {
    return [
      `The token is bound to Node ${JSON.stringify(claims.node.name)}: it stops working when that Node object is deleted.`,
    ];
  }
  return sa
    ? [`If ${saText} was deleted (or deleted and re-created with a new uid), its tokens are rejected.`]
    : [];
}

function looksLikeApiServerAudience(claims: NonNullable<TokenDiagnosis["claims"]>): boolean {
  return claims.audiences.some(
    (audience) =>
      audience === claims.issuer ||
      audience.includes("kubernetes.default.svc") ||
      audience === "kubernetes" ||
      audience === "api" ||
      audience === "k3s",
  );
}
