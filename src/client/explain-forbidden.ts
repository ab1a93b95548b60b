// Turns a 403 into something a human can act on: who was denied, what it tried, where, and the smallest
// Role/binding that fixes it. Two 403s are not RBAC at all and say so: anonymous requests (no credentials)
// and admission denials (the message lacks the authorizer's `User "…" cannot …`).
// The fix comes from src/rbac's generator, which renders YAML: it is loaded when the client receives a 403
// (loadForbiddenFix), not when the client is imported, because most programs never see one.

import type { proposeFix as ProposeFix } from "../rbac/fix.ts";
import type { ForbiddenInfo } from "../rbac/forbidden.ts";

let proposeFix: typeof ProposeFix | undefined;

/**
 * Loads the least-privilege fix generator that ForbiddenError.explain() uses. The client calls it before it
 * throws a 403; call it yourself before explain() on a ForbiddenError you construct.
 */
export async function loadForbiddenFix(): Promise<void> {
  proposeFix ??= (await import("../rbac/fix.ts")).proposeFix;
}

export interface ForbiddenContext {
  method: string;
  path: string;
  credentialsDescription?: string;
  credentialsSent?: boolean;
}

const INFORMER_VERBS = new Set(["list", "watch"]);

export function explainForbidden(
  message: string,
  info: ForbiddenInfo | null,
  context: ForbiddenContext,
): string {
  const head = `403 Forbidden on ${context.method} ${context.path}: ${message}`;
  if (!info) return [head, "", ...notAuthorization(message)].join("\n");
  if (info.anonymous) return [head, "", ...anonymous(context)].join("\n");
  return [head, "", ...denied(info)].join("\n");
}

function denied(info: ForbiddenInfo): string[] {
  const lines = [`Who:   ${who(info)}`, `Tried: ${what(info)}`, `Scope: ${scope(info)}`];
  lines.push(`Why:   ${reasonText(info.reason)}`);
  lines.push("", ...fix(info));
  lines.push("", `Verify: ${canICommand(info)}`);
  return lines;
}

function fix(info: ForbiddenInfo): string[] {
  if (!proposeFix) {
    return ["Least-privilege fix: not generated (await loadForbiddenFix() from incluster/client first)."];
  }
  const proposal = proposeFix(info, { informer: INFORMER_VERBS.has(info.verb) });
  const lines = [`Least-privilege fix: ${proposal.summary}`, "", proposal.yaml.trimEnd()];
  if (proposal.commands.length > 0)
    lines.push("", "Or with kubectl:", ...proposal.commands.map((c) => `  ${c}`));
  if (proposal.notes.length > 0) lines.push("", "Notes:", ...proposal.notes.map((n) => `  - ${n}`));
  return lines;
}

function who(info: ForbiddenInfo): string {
  if (info.serviceAccount) {
    return `ServiceAccount ${info.serviceAccount.namespace}/${info.serviceAccount.name} (user "${info.user}")`;
  }
  return `user "${info.user}"`;
}

function what(info: ForbiddenInfo): string {
  if (info.path !== undefined) return `${info.verb} the non-resource URL ${info.path}`;
  const resource = info.subresource ? `${info.resource}/${info.subresource}` : (info.resource ?? "?");
  const group = info.apiGroup ? `API group "${info.apiGroup}"` : "the core API group";
  const name = info.name ? ` named "${info.name}"` : "";
  return `${info.verb} ${resource}${name} (${group})`;
}

function scope(info: ForbiddenInfo): string {
  if (info.path !== undefined)
    return "cluster-wide: non-resource URLs are granted only by a ClusterRole + ClusterRoleBinding";
  if (info.namespace !== undefined)
    return `namespace "${info.namespace}" (a Role + RoleBinding there is enough)`;
  return "cluster scope: needs a ClusterRole + ClusterRoleBinding (a RoleBinding never grants cluster-wide access)";
}

function reasonText(reason: string | undefined): string {
  return reason
    ? `the authorizer added: ${reason}`
    : "no Role or ClusterRole bound to this identity allows it (RBAC denies by default).";
}

function canICommand(info: ForbiddenInfo): string {
  const target =
    info.path !== undefined
      ? info.path
      : `${info.subresource ? `${info.resource}/${info.subresource}` : info.resource}${info.apiGroup ? `.${info.apiGroup}` : ""}${info.name ? `/${info.name}` : ""}`;
  const ns =
    info.path === undefined
      ? info.namespace !== undefined
        ? ` -n ${info.namespace}`
        : " --all-namespaces"
      : "";
  return `kubectl auth can-i ${info.verb} ${target}${ns} --as=${info.user}`;
}

function anonymous(context: ForbiddenContext): string[] {
  const sent =
    context.credentialsSent === undefined
      ? "The client may not have sent credentials"
      : context.credentialsSent
        ? "The client did send credentials, but the server did not recognise them as a token it knows how to check"
        : "The client sent no credentials";
  return [
    'The API server treated this request as "system:anonymous": no credentials reached it. This is not a missing Role;',
    "granting RBAC to system:anonymous would open the API to everyone. Likely causes:",
    `  1. ${sent}${context.credentialsDescription ? ` (${context.credentialsDescription})` : ""}.`,
    "  2. No token in the Pod: automountServiceAccountToken: false on the Pod or its ServiceAccount, or the projected token volume is missing.",
    "  3. Something between the Pod and the API server (a proxy, a sidecar, kubectl proxy) dropped the Authorization header.",
    "  4. The token is for an authenticator the server does not have, and anonymous auth is enabled, so it fell through to anonymous.",
  ];
}

function notAuthorization(message: string): string[] {
  if (/is attempting to grant RBAC permissions not currently held/.test(message)) {
    return [
      "Denied by RBAC escalation prevention, not by a missing permission on the request itself: a Role or binding can",
      "only grant permissions its creator already holds. Grant the creator those permissions, or the `escalate` verb on",
      "roles/clusterroles (or `bind` for bindings), or have an administrator create the object.",
    ];
  }
  return [
    'Denied by admission, not RBAC: the message lacks the authorizer\'s `User "…" cannot …` form, so the request was',
    "authorized and then rejected by an admission step (ServiceAccount, PodSecurity, ResourceQuota, a",
    "ValidatingAdmissionPolicy or webhook). Changing Roles will not help: read the message above for what to change.",
  ];
}
