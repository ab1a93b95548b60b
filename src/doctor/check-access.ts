// Pure: each permission the app needs, as the API server answered (SelfSubjectAccessReview), with the
// least-privilege Role/ClusterRole for every denial.

import { splitServiceAccountUsername } from "../meta/service-account.ts";
import {
  type ForbiddenInfo,
  findResource,
  proposeFix,
  resolveResource,
  SERVICE_ACCOUNT_USER_PREFIX,
} from "../rbac/index.ts";
import type { AccessFacts, CheckResult, DoctorFacts } from "./types.ts";

function serviceAccountOf(username: string): ForbiddenInfo["serviceAccount"] {
  return splitServiceAccountUsername(username);
}

/** The denial as the API server's 403 would describe it, for proposeFix. */
export function denialOf(access: AccessFacts, username: string): ForbiddenInfo {
  const { need } = access;
  const base = { user: username, verb: need.verb, anonymous: username === "system:anonymous" };
  const serviceAccount = serviceAccountOf(username);
  const info: ForbiddenInfo = serviceAccount ? { ...base, serviceAccount } : base;
  if (need.resource.startsWith("/")) return { ...info, path: need.resource };
  const known = resolveResource(need.resource);
  const dot = need.resource.indexOf(".");
  const resource = known?.plural ?? (dot < 0 ? need.resource : need.resource.slice(0, dot));
  const apiGroup = known?.group ?? (dot < 0 ? "" : need.resource.slice(dot + 1));
  const clusterScoped = findResource(resource, apiGroup)?.namespaced === false;
  return {
    ...info,
    resource,
    apiGroup,
    ...(need.subresource ? { subresource: need.subresource } : {}),
    ...(need.name ? { name: need.name } : {}),
    ...(access.namespace && !clusterScoped ? { namespace: access.namespace } : {}),
  };
}

function accessResult(access: AccessFacts, username: string | undefined): CheckResult {
  const label = `${access.need.text}${access.need.namespace || access.need.allNamespaces || !access.namespace ? "" : ` (in ${access.namespace})`}`;
  if (access.error)
    return {
      id: "access",
      status: "fail",
      summary: `${label}: cannot check (${access.error})`,
      fix: ["See the authentication check."],
    };
  const result = access.result!;
  if (result.allowed)
    return {
      id: "access",
      status: "ok",
      summary: `${label}: allowed${result.reason ? ` (${result.reason})` : ""}`,
    };
  const details = [result.reason, result.evaluationError].filter((x): x is string => Boolean(x));
  if (!username)
    return {
      id: "access",
      status: "fail",
      summary: `${label}: denied`,
      details,
      fix: ["Grant it with a Role/ClusterRole and binding."],
    };
  const info = denialOf(access, username);
  const fix = proposeFix(info, { informer: info.verb === "list" || info.verb === "watch" });
  return {
    id: "access",
    status: "fail",
    summary: `${label}: denied`,
    details: [...details, fix.summary],
    fix: fix.commands.length > 0 ? fix.commands : fix.notes,
  };
}

export function checkAccess(f: DoctorFacts): CheckResult[] {
  if (f.access.length === 0) return [];
  const username =
    f.auth.outcome === "authenticated"
      ? f.auth.user.username
      : f.auth.outcome === "unsupported"
        ? (f.auth.username ?? f.token?.decoded?.username)
        : undefined;
  if (f.auth.outcome !== "authenticated" && f.access.every((a) => !a.result)) {
    return [
      {
        id: "access",
        status: "skip",
        summary: `${f.access.length} needed permission(s) not checked: not authenticated`,
      },
    ];
  }
  return f.access.map((a) => accessResult(a, username));
}
