// Authentication chain, in kube-apiserver's order: x509 client certificate → bearer token
// (static token file, then ServiceAccount JWTs) → anonymous. Every failure is a bare 401 for the
// client; the reason goes to the server log and to TokenReview only.
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import type { UserInfo } from "../../meta/types.ts";
import {
  type ServiceAccountTokenConfig,
  type TokenObjectLookup,
  type TokenVerdict,
  verifyServiceAccountToken,
} from "./serviceaccount-tokens.ts";

export const ANONYMOUS: UserInfo = { username: "system:anonymous", groups: ["system:unauthenticated"] };

export type AuthnResult = { ok: true; user: UserInfo; method: string } | { ok: false; error: string };

export interface StaticToken {
  token: string;
  user: UserInfo;
}

export interface AuthenticatorOptions {
  serviceAccounts: ServiceAccountTokenConfig;
  lookup: TokenObjectLookup;
  staticTokens?: StaticToken[];
  anonymous?: boolean; // --anonymous-auth, default true as kube-apiserver
  cacheTtlMs?: number; // success cache, as kube-apiserver's 10 s token cache
}

/** Adds system:authenticated the way the apiserver's authn chain does. */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.groups.includes("system:authenticated") || user.groups.includes("system:unauthenticated"))
    return user;
  return { ...user, groups: [...user.groups, "system:authenticated"] };
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^bearer\s+(.+)$/i.exec(header.trim()); // Python's old loader sends "bearer"
  return match ? match[1].trim() : "";
}

export class Authenticator {
  private readonly opts: AuthenticatorOptions;
  private readonly staticTokens: Map<string, UserInfo>;
  private readonly cache = new Map<string, { user: UserInfo; expires: number }>();

  constructor(opts: AuthenticatorOptions) {
    this.opts = opts;
    this.staticTokens = new Map((opts.staticTokens ?? []).map((t) => [t.token, t.user]));
  }

  async authenticate(req: IncomingMessage): Promise<AuthnResult> {
    const fromCertificate = certificateIdentity(req.socket as TLSSocket);
    if (fromCertificate) return fromCertificate;

    const token = bearerToken(req);
    if (token !== undefined) {
      if (!token) return { ok: false, error: "invalid bearer token: empty" };
      const verdict = await this.authenticateToken(token);
      if (verdict.status === "authenticated") return { ok: true, user: verdict.user, method: "token" };
      return { ok: false, error: verdict.status === "rejected" ? verdict.error : "invalid bearer token" };
    }

    if (this.opts.anonymous === false)
      return { ok: false, error: "no credentials and anonymous auth is disabled" };
    return { ok: true, user: ANONYMOUS, method: "anonymous" };
  }

  /** Token → identity, also used by TokenReview (with its own audiences, uncached). */
  async authenticateToken(token: string, audiences?: string[]): Promise<TokenVerdict> {
    const fixed = this.staticTokens.get(token);
    if (fixed)
      return {
        status: "authenticated",
        user: withAuthenticatedGroup(fixed),
        audiences: [],
        auditAnnotations: {},
      };

    const now = Date.now();
    if (!audiences) {
      const hit = this.cache.get(token);
      if (hit && hit.expires > now)
        return { status: "authenticated", user: hit.user, audiences: [], auditAnnotations: {} };
    }
    const verdict = await verifyServiceAccountToken(token, this.opts.serviceAccounts, this.opts.lookup, {
      audiences,
    });
    if (verdict.status !== "authenticated") return verdict;
    const user = withAuthenticatedGroup(verdict.user);
    if (!audiences) {
      if (this.cache.size > 10_000) this.cache.clear(); // bounded: a flood of distinct tokens cannot grow memory
      this.cache.set(token, { user, expires: now + (this.opts.cacheTtlMs ?? 10_000) });
    }
    return { ...verdict, user };
  }

  /** Drops cached identities, e.g. after a ServiceAccount/Pod/Secret deletion. */
  invalidateCache(): void {
    this.cache.clear();
  }
}

/**
 * What the connection's client certificate says, remembered per connection. getPeerCertificate() decodes the
 * certificate and hashes it three ways on every call (~10% of the CPU of a POST from kubectl); the answer only
 * changes with a new handshake (TLS 1.2 renegotiation), which changes the Finished message it is keyed by.
 */
const certificateIdentities = new WeakMap<TLSSocket, { finished: Buffer; result: AuthnResult | undefined }>();

function certificateIdentity(socket: TLSSocket): AuthnResult | undefined {
  if (typeof socket.getPeerCertificate !== "function") return undefined;
  const finished = typeof socket.getFinished === "function" ? socket.getFinished() : undefined;
  const known = finished && certificateIdentities.get(socket);
  if (known && finished && known.finished.equals(finished)) return known.result;
  const result = identityFromCertificate(socket);
  if (finished) certificateIdentities.set(socket, { finished, result });
  return result;
}

function identityFromCertificate(socket: TLSSocket): AuthnResult | undefined {
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return undefined;
  if (!socket.authorized)
    return { ok: false, error: `x509: ${socket.authorizationError ?? "certificate rejected"}` };
  return {
    ok: true,
    user: withAuthenticatedGroup(
      userFromCertificate(cert.subject as unknown as Record<string, string | string[]>),
    ),
    method: "x509",
  };
}

function userFromCertificate(subject: Record<string, string | string[]> | undefined): UserInfo {
  const cn = subject?.CN;
  const o = subject?.O;
  return {
    username: Array.isArray(cn) ? cn[0] : (cn ?? ""),
    groups: o === undefined ? [] : Array.isArray(o) ? o : [o],
  };
}
