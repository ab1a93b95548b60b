// Pure checks of what a Pod gets from the kubelet: environment variables, the ServiceAccount directory,
// and the token's claims (format, identity, audiences, expiry, warnafter, issuer).
import { DEFAULT_SERVICE_ACCOUNT_DIR } from "../client/config.ts";
import { formatDuration } from "../token/index.ts";
import type { CheckResult, DoctorFacts, FileFacts } from "./types.ts";

const AUTOMOUNT_FIX = [
  "Mount the token: remove `automountServiceAccountToken: false` from the Pod spec and its ServiceAccount (or set it to true),",
  "or project one explicitly: a projected volume with a serviceAccountToken source mounted at /var/run/secrets/kubernetes.io/serviceaccount.",
];

export function checkEnvironment(f: DoctorFacts): CheckResult {
  if (f.mode === "kubeconfig") {
    return {
      id: "environment",
      status: "skip",
      summary: `not in a Pod: using the kubeconfig${f.context ? ` (context ${f.context})` : ""}`,
    };
  }
  const { host, port } = f.env;
  const missing = [!host && "KUBERNETES_SERVICE_HOST", !port && "KUBERNETES_SERVICE_PORT"].filter(Boolean);
  if (missing.length > 0) {
    return {
      id: "environment",
      status: "fail",
      summary: `${missing.join(" and ")} not set: this process does not run in a Pod (or the variables were removed)`,
      fix: [
        "In a Pod the kubelet sets both for the `kubernetes` Service; check that the container's env does not override them.",
        "Outside a Pod, run through `incluster run` or point at a cluster with --kubeconfig.",
      ],
    };
  }
  if (!/^\d+$/.test(port!) || Number(port) < 1 || Number(port) > 65_535) {
    return {
      id: "environment",
      status: "fail",
      summary: `KUBERNETES_SERVICE_PORT=${JSON.stringify(port)} is not a port number`,
      fix: ["Remove the override of KUBERNETES_SERVICE_PORT from the container's env (the kubelet sets it)."],
    };
  }
  return {
    id: "environment",
    status: "ok",
    summary: `KUBERNETES_SERVICE_HOST=${host} KUBERNETES_SERVICE_PORT=${port}`,
  };
}

function fileProblem(file: FileFacts): string | undefined {
  if (!file.exists) return `${file.path} does not exist`;
  if (!file.readable) return `${file.path} is not readable (${file.error ?? "permission denied"})`;
  if (file.size === 0) return `${file.path} is empty`;
  return undefined;
}

export function checkServiceAccountDir(f: DoctorFacts): CheckResult {
  const sa = f.serviceAccount;
  if (f.mode === "kubeconfig" || !sa)
    return { id: "serviceaccount", status: "skip", summary: "not in a Pod: no ServiceAccount directory" };
  if (!sa.exists) {
    return {
      id: "serviceaccount",
      status: "fail",
      summary: `no ServiceAccount directory at ${sa.dir} (${sa.from}): the Pod runs with automountServiceAccountToken: false`,
      details: [
        "Without it the client sends no token and the API server treats every request as system:anonymous.",
      ],
      fix:
        sa.dir === DEFAULT_SERVICE_ACCOUNT_DIR
          ? AUTOMOUNT_FIX
          : [`Check ${sa.from}: ${sa.dir} does not exist.`, ...AUTOMOUNT_FIX],
    };
  }
  const problems = (["token", "ca.crt", "namespace"] as const)
    .map((name) => fileProblem(sa.files[name]))
    .filter((p): p is string => p !== undefined);
  const layout = sa.dataTarget
    ? `kubelet layout (..data → ${sa.dataTarget})`
    : "plain files (no ..data symlink: not written by the kubelet)";
  if (problems.length > 0) {
    const unreadable = (["token", "ca.crt", "namespace"] as const).some(
      (n) => sa.files[n].exists && !sa.files[n].readable,
    );
    return {
      id: "serviceaccount",
      status: "fail",
      summary: `${sa.dir}: ${problems.join("; ")}`,
      details: [layout],
      fix: unreadable
        ? [
            "Make the files readable by the container's user: set securityContext.fsGroup on the Pod (the kubelet then makes them group-readable),",
            "or run as the file owner; a projected volume's defaultMode can also widen the mode.",
          ]
        : AUTOMOUNT_FIX,
    };
  }
  return {
    id: "serviceaccount",
    status: sa.dataTarget ? "ok" : "warn",
    summary: `${sa.dir}: token, ca.crt, namespace=${sa.namespace ?? "?"}; ${layout}`,
    ...(sa.dataTarget
      ? {}
      : {
          fix: [
            "Files copied by hand are not rotated: read the token from the kubelet's mount so refreshes reach the app.",
          ],
        }),
  };
}

const when = (date: Date, now: Date) => {
  const delta = date.getTime() - now.getTime();
  return delta >= 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
};

export function checkToken(f: DoctorFacts): CheckResult {
  const token = f.token;
  if (!token) {
    return f.mode === "kubeconfig"
      ? {
          id: "token",
          status: "skip",
          summary: "no bearer token (the kubeconfig user authenticates another way)",
        }
      : { id: "token", status: "fail", summary: "no token to send", fix: AUTOMOUNT_FIX };
  }
  if (!token.decoded) {
    return {
      id: "token",
      status: "fail",
      summary: `${token.source}: ${token.error ?? "cannot be decoded"}`,
      fix: [
        "The file must hold one JWT (header.payload.signature) and nothing else: restore it from the kubelet's mount or re-create the Pod.",
      ],
    };
  }
  const d = token.decoded;
  const now = f.now;
  const who = d.username ?? d.subject ?? "an unknown subject";
  const parts = [`${d.format} token for ${who}`];
  if (d.pod) parts.push(`bound to Pod ${d.pod.name}`);
  if (d.secret && d.format === "bound") parts.push(`bound to Secret ${d.secret.name}`);
  parts.push(`audiences [${d.audiences.join(" ")}]`);
  if (d.expiresAt) parts.push(`expires ${when(d.expiresAt, now)}`);
  if (d.warnAfter) parts.push(`warnafter ${when(d.warnAfter, now)}`);
  const summary = parts.join(", ");
  const fails: string[] = [];
  const warns: string[] = [];
  const fix: string[] = [];
  if (d.expiresAt && d.expiresAt <= now) {
    fails.push(
      `expired ${formatDuration(now.getTime() - d.expiresAt.getTime())} ago (${d.expiresAt.toISOString()})`,
    );
    fix.push(
      "The kubelet rewrites a projected token at 80% of its lifetime: a stale copy means the app copied the token out of the mount, or the kubelet stopped refreshing it (Pod not running?). Read the file again, or restart the Pod.",
    );
  }
  if (d.notBefore && d.notBefore.getTime() > now.getTime() + 60_000) {
    fails.push(
      `not valid until ${d.notBefore.toISOString()}: this machine's clock is behind the control plane's`,
    );
    fix.push("Fix the node's clock (NTP).");
  }
  const issuer = f.discovery?.issuer;
  if (issuer && d.issuer && d.format !== "legacy" && d.issuer !== issuer) {
    fails.push(`issuer ${JSON.stringify(d.issuer)} is not this API server's (${JSON.stringify(issuer)})`);
    fix.push(
      "The token comes from another cluster or from before --service-account-issuer changed: use a token this cluster issued (restart the Pod).",
    );
  } else if (issuer && d.format === "bound" && !d.audiences.includes(issuer)) {
    warns.push(
      `audiences [${d.audiences.join(" ")}] do not include the issuer ${issuer} (the API server's default audience)`,
    );
  }
  if (d.format === "legacy")
    warns.push(
      "legacy Secret-based token: never expires and is cleaned up when unused; prefer the projected token",
    );
  if (d.format === "other")
    warns.push(
      `not a ServiceAccount token (issuer ${JSON.stringify(d.issuer ?? "")}): only an OIDC or webhook authenticator can accept it`,
    );
  if (d.warnAfter && d.warnAfter <= now && (!d.expiresAt || d.expiresAt > now)) {
    warns.push(
      "past warnafter: the API server marks requests with it as stale; the kubelet should have rotated the file",
    );
  }
  if (fails.length > 0) return { id: "token", status: "fail", summary, details: fails, fix };
  if (warns.length > 0) return { id: "token", status: "warn", summary, details: warns };
  return { id: "token", status: "ok", summary };
}
