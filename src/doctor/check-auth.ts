// Pure: did the API server accept the credentials (SelfSubjectReview), and if not, why. A 401 never says
// why, so the cause is derived from the token's claims and, when readable, the server's JWKS.
import { serviceAccountGroups } from "../client/reviews.ts";
import { parseForbidden } from "../rbac/index.ts";
import { formatDuration } from "../token/index.ts";
import type { CheckResult, DoctorFacts } from "./types.ts";

const WRONG_KEY_FIX = [
  "Use a token this cluster signed: restart the Pod so the kubelet mounts a fresh one; for a legacy Secret token, delete the Secret so the token controller re-creates it with the current key.",
  "If every Pod is affected: kube-apiserver's --service-account-key-file must hold the public key of kube-controller-manager's --service-account-private-key-file (and of --service-account-signing-key-file).",
];

/** The most specific explanation of a 401 the facts allow. */
function diagnoseUnauthorized(f: DoctorFacts): Pick<CheckResult, "summary" | "details" | "fix"> {
  const head = "401 Unauthorized: the API server rejected the token";
  const d = f.token?.decoded;
  if (!f.token) {
    return {
      summary: "401 Unauthorized without a token: anonymous requests are disabled on this server",
      fix: ["Mount the ServiceAccount token (automountServiceAccountToken must not be false)."],
    };
  }
  if (!d)
    return {
      summary: `${head}: it is not a JWT (${f.token.error})`,
      fix: ["Restore the token file from the kubelet's mount."],
    };
  const now = f.now;
  if (d.expiresAt && d.expiresAt <= now) {
    return {
      summary: `${head}: it expired ${formatDuration(now.getTime() - d.expiresAt.getTime())} ago`,
      fix: [
        "Re-read the token file (the kubelet rotates it) instead of keeping a copy; a stale file means the kubelet stopped refreshing it: restart the Pod.",
      ],
    };
  }
  if (d.notBefore && d.notBefore.getTime() > now.getTime() + 60_000) {
    return { summary: `${head}: it is not valid yet (clock skew)`, fix: ["Fix the node's clock (NTP)."] };
  }
  const discovery = f.discovery;
  if (discovery?.signature === "unknown-key" || discovery?.signature === "invalid") {
    const why =
      discovery.signature === "unknown-key"
        ? `its key id ${JSON.stringify(d.header.kid ?? "")} is not among this server's signing keys [${(discovery.keyIds ?? []).join(" ")}]`
        : "its signature does not verify with this server's keys";
    return {
      summary: `${head}: it was signed by a key this API server does not trust (${why})`,
      details: [
        "The API server logs this as `crypto/rsa: verification error`: the token comes from another cluster, or the signing key changed after it was issued.",
      ],
      fix: WRONG_KEY_FIX,
    };
  }
  if (discovery?.issuer && d.issuer && d.format !== "legacy" && d.issuer !== discovery.issuer) {
    return {
      summary: `${head}: it was issued by ${JSON.stringify(d.issuer)}, this server's issuer is ${JSON.stringify(discovery.issuer)}`,
      fix: [
        "Use a token from this cluster (restart the Pod), or add the old issuer to --service-account-issuer during a migration.",
      ],
    };
  }
  const sa = d.serviceAccount
    ? `ServiceAccount ${d.serviceAccount.namespace}/${d.serviceAccount.name}`
    : "its ServiceAccount";
  if (discovery?.signature === "valid") {
    // Genuine, current and for this issuer: only the objects it is bound to can be missing.
    if (d.pod) {
      const copied =
        f.env.hostname && f.env.hostname !== d.pod.name
          ? [`This process runs in Pod ${f.env.hostname}: the token was copied from Pod ${d.pod.name}.`]
          : [];
      return {
        summary: `${head}: it is bound to Pod ${d.pod.name} (uid ${d.pod.uid}), which was deleted (or ${sa} was deleted or re-created)`,
        details: [
          "Signature, issuer and lifetime are valid, so the server refused the objects the token is bound to.",
          ...copied,
        ],
        fix: [
          "A Pod-bound token dies with its Pod: use the token mounted in the running Pod, or request a new one (incluster token create).",
        ],
      };
    }
    if (d.secret) {
      return {
        summary: `${head}: Secret ${d.secret.name} it belongs to was deleted (or ${sa} was)`,
        fix: ["Use a projected token, or re-create the Secret-based token and restart the Pod."],
      };
    }
    return {
      summary: `${head}: ${sa}${d.serviceAccount?.uid ? ` (uid ${d.serviceAccount.uid})` : ""} was deleted (or re-created with a new uid)`,
      details: [
        "Signature, issuer and lifetime are valid, so the server refused the ServiceAccount the token names.",
      ],
      fix: [`Re-create ${sa} and restart the Pod so it gets a token for the new ServiceAccount.`],
    };
  }
  const unreadable = discovery?.error
    ? `the server's signing keys were not readable (${discovery.error}), so the signature was not checked`
    : "the signature was not checked";
  return {
    summary: `${head}: the claims look valid; ${unreadable}`,
    details: [
      "Remaining causes, most likely first:",
      "  1. signed by a key this server does not trust (token from another cluster, or the signing key changed; server log: crypto/rsa: verification error)",
      `  2. ${d.pod ? `Pod ${d.pod.name} the token is bound to was deleted, or ` : ""}${sa} was deleted or re-created`,
      "  3. the audience is not one of the server's --api-audiences",
    ],
    fix: [
      "To let doctor verify the signature without a working token: kubectl create clusterrolebinding oidc-reviewer --clusterrole=system:service-account-issuer-discovery --group=system:unauthenticated",
      ...WRONG_KEY_FIX.slice(0, 1),
    ],
  };
}

function anonymousResult(f: DoctorFacts): CheckResult {
  return {
    id: "authentication",
    status: "fail",
    summary: "the API server sees no credentials: requests run as system:anonymous",
    details: [f.token ? "A token exists but was not sent." : "No token was available to send."],
    fix: [
      "Mount the ServiceAccount token (automountServiceAccountToken must not be false) and let the client read it.",
      "Do not grant RBAC to system:anonymous or system:unauthenticated: that opens the API to everyone.",
    ],
  };
}

export function checkAuthentication(f: DoctorFacts): CheckResult {
  const auth = f.auth;
  switch (auth.outcome) {
    case "authenticated": {
      const user = auth.user;
      const summary = `${user.username} (groups [${user.groups.join(" ")}])`;
      const expected = f.token?.decoded?.username;
      if (expected && expected !== user.username) {
        return {
          id: "authentication",
          status: "warn",
          summary,
          details: [
            `The token names ${expected}, but the server authenticated ${user.username} (impersonation, or another credential took precedence).`,
          ],
        };
      }
      return { id: "authentication", status: "ok", summary };
    }
    case "unauthorized":
      return { id: "authentication", status: "fail", ...diagnoseUnauthorized(f) };
    case "forbidden": {
      const info = parseForbidden(auth.message);
      if (info?.anonymous) return anonymousResult(f);
      return {
        id: "authentication",
        status: "warn",
        summary: `authenticated${info ? ` as ${info.user}` : ""}, but SelfSubjectReview is forbidden: the system:basic-user binding was changed`,
        fix: [
          "Restore the bootstrap ClusterRoleBinding system:basic-user (group system:authenticated); kube-apiserver re-creates it on restart unless autoupdate is false.",
        ],
      };
    }
    case "unsupported": {
      // Identity from what the server said (its 403 names the user) and the token's claims.
      const decoded = f.token?.decoded;
      const username = auth.username ?? decoded?.username;
      const groups = decoded?.serviceAccount
        ? ` (groups from the token: [${serviceAccountGroups(decoded.serviceAccount.namespace).join(" ")}])`
        : "";
      const server = f.version?.gitVersion ? ` (${f.version.gitVersion})` : "";
      const details = [
        `The API server${server} is older than 1.27 and has no SelfSubjectReview API for this client (beta from 1.27, GA in 1.28; at most a disabled alpha before), so identity comes from ${auth.username ? "the user its 403 named and " : ""}the token's claims; access is still checked with SelfSubjectAccessReview.`,
      ];
      if (auth.username)
        return {
          id: "authentication",
          status: "ok",
          summary: `${auth.username}${groups}, named by an older API server`,
          details,
        };
      return {
        id: "authentication",
        status: "warn",
        summary: `${username ?? "identity unknown"}${username ? `${groups}, from the token: not confirmed by the server` : ""}`,
        details,
      };
    }
    case "error":
      return {
        id: "authentication",
        status: "fail",
        summary: auth.message,
        fix: ["See the connection checks above."],
      };
    case "skipped":
      return { id: "authentication", status: "skip", summary: auth.why };
  }
}
