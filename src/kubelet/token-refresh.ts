// When a projected ServiceAccount token must be re-requested: the kubelet token manager's requiresRefresh
// (pkg/kubelet/token/token_manager.go). iat is derived from the TokenRequest *status* expirationTimestamp,
// which for the 3607 s pod tokens says ~1 h even though the JWT itself is valid for a year.

/** A token is refreshed at the latest when it is this old, whatever its TTL. */
export const MAX_TOKEN_AGE_MS = 24 * 60 * 60 * 1000;
/** Refresh decisions are spread by up to this much so many pods do not refresh in lock-step. */
export const MAX_REFRESH_JITTER_MS = 10_000;

export interface IssuedTokenTimes {
  /** status.expirationTimestamp of the TokenRequest. */
  expirationTimestamp: Date;
  /** spec.expirationSeconds of the TokenRequest. */
  expirationSeconds: number;
}

/** Upstream: time.Duration(rand.Float64()*maxJitter.Seconds()) * time.Second, i.e. whole seconds 0–9. */
export function refreshJitterMs(random: () => number = Math.random): number {
  return Math.trunc(random() * (MAX_REFRESH_JITTER_MS / 1000)) * 1000;
}

/** True when the token is older than 24 h or than 80 % of its TTL (minus jitter), or the clock went back. */
export function requiresRefresh(token: IssuedTokenTimes, nowMs: number, jitterMs: number): boolean {
  const exp = token.expirationTimestamp.getTime();
  const iat = exp - token.expirationSeconds * 1000;
  if (nowMs < iat) return true;
  if (nowMs > iat + MAX_TOKEN_AGE_MS - jitterMs) return true;
  // Within 20 % of the TTL of the expiry; Go's integer division on seconds.
  const twentyPercentSeconds = Math.trunc((token.expirationSeconds * 20) / 100);
  return nowMs > exp - twentyPercentSeconds * 1000 - jitterMs;
}

/** The moment requiresRefresh turns true without jitter, for "next refresh at" messages. */
export function refreshDueAt(token: IssuedTokenTimes): Date {
  const exp = token.expirationTimestamp.getTime();
  const iat = exp - token.expirationSeconds * 1000;
  const eighty = exp - Math.trunc((token.expirationSeconds * 20) / 100) * 1000;
  return new Date(Math.min(eighty, iat + MAX_TOKEN_AGE_MS));
}
