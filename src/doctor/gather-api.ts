// I/O at the edge: what the API server answers — SelfSubjectReview, OIDC discovery and JWKS (to verify the
// token's signature locally), SelfSubjectAccessReviews for the needs, and /version.
import { compactVerify, importJWK, type JWK } from "jose";
import {
  ApiError,
  ConnectionError,
  isNotFound,
  type KubeClient,
  UnauthorizedError,
} from "../client/index.ts";
import { SELF_SUBJECT_REVIEW_VERSIONS, servesSelfSubjectReview } from "../client/reviews.ts";
import type { UserInfo } from "../meta/types.ts";
import { parseForbidden } from "../rbac/index.ts";
import type { AccessFacts, AuthFacts, DiscoveryFacts, Need, VersionFacts } from "./types.ts";

const describe = (error: unknown) =>
  error instanceof ApiError
    ? `${error.code} ${error.reason}`
    : error instanceof ConnectionError
      ? `${error.code}: ${error.message}`
      : (error as Error).message;

/** SelfSubjectReview, newest version first; an old server's 403 is told from a removed permission by discovery. */
export async function authFacts(client: KubeClient): Promise<AuthFacts> {
  let forbidden: ApiError | undefined;
  for (const version of SELF_SUBJECT_REVIEW_VERSIONS) {
    try {
      const review = await client.requestJson<{ status?: { userInfo?: Partial<UserInfo> } }>({
        method: "POST",
        path: `/apis/authentication.k8s.io/${version}/selfsubjectreviews`,
        body: { apiVersion: `authentication.k8s.io/${version}`, kind: "SelfSubjectReview" },
        idempotent: true,
      });
      const info = review.status?.userInfo ?? {};
      const user: UserInfo = { username: info.username ?? "", groups: info.groups ?? [] };
      if (info.uid) user.uid = info.uid;
      if (info.extra) user.extra = info.extra;
      return { outcome: "authenticated", user };
    } catch (error) {
      if (error instanceof UnauthorizedError) return { outcome: "unauthorized" };
      if (isNotFound(error)) continue;
      if (error instanceof ApiError && error.code === 403) {
        forbidden = error;
        break;
      }
      return { outcome: "error", message: describe(error) };
    }
  }
  if (!forbidden) return { outcome: "unsupported" };
  const info = parseForbidden(forbidden.message);
  // Before 1.27 authorization answers 403 for the missing resource: the server is old, not misconfigured.
  if (!info?.anonymous && (await servesSelfSubjectReview(client.transport)) === false)
    return { outcome: "unsupported", ...(info?.user ? { username: info.user } : {}) };
  return { outcome: "forbidden", message: forbidden.message };
}

/** Verifies the JWS with the keys whose kid matches (all keys when the token has none). */
async function verifySignature(token: string, keys: JWK[]): Promise<DiscoveryFacts["signature"]> {
  let header: { kid?: string; alg?: string };
  try {
    header = JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  const candidates = header.kid ? keys.filter((k) => k.kid === header.kid) : keys;
  if (candidates.length === 0) return "unknown-key";
  for (const jwk of candidates) {
    try {
      await compactVerify(token, await importJWK(jwk, jwk.alg ?? header.alg));
      return "valid";
    } catch {
      // try the next key
    }
  }
  return "invalid";
}

/** The issuer and signing keys, read with `client` (the token, or no credentials after a 401). */
export async function discoveryFacts(
  client: KubeClient,
  via: DiscoveryFacts["via"],
  token: string | undefined,
): Promise<DiscoveryFacts> {
  try {
    const config = await client.requestJson<{ issuer?: string }>({
      path: "/.well-known/openid-configuration",
    });
    const jwks = await client.requestJson<{ keys?: JWK[] }>({ path: "/openid/v1/jwks" });
    const keys = jwks.keys ?? [];
    const facts: DiscoveryFacts = { via, keyIds: keys.map((k) => k.kid ?? "(no kid)") };
    if (config.issuer) facts.issuer = config.issuer;
    const signature = token ? await verifySignature(token, keys) : undefined;
    if (signature) facts.signature = signature;
    return facts;
  } catch (error) {
    return { via, error: `${describe(error)}${via === "anonymous" ? " without credentials" : ""}` };
  }
}

export async function accessFacts(
  client: KubeClient,
  needs: Need[],
  defaultNamespace: string,
): Promise<AccessFacts[]> {
  return Promise.all(
    needs.map(async (need): Promise<AccessFacts> => {
      const namespace =
        need.allNamespaces || need.resource.startsWith("/") ? "" : (need.namespace ?? defaultNamespace);
      try {
        const result = await client.canI(need.verb, need.resource, {
          namespace: namespace || undefined,
          allNamespaces: namespace === "",
          ...(need.name ? { name: need.name } : {}),
          ...(need.subresource ? { subresource: need.subresource } : {}),
        });
        return { need, namespace, result };
      } catch (error) {
        return { need, namespace, error: describe(error) };
      }
    }),
  );
}

export async function versionFacts(client: KubeClient): Promise<VersionFacts> {
  try {
    const v = await client.requestJson<VersionFacts>({ path: "/version" });
    return { gitVersion: v.gitVersion, major: v.major, minor: v.minor };
  } catch (error) {
    return { error: describe(error) };
  }
}
