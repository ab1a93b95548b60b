// 403 texts of the apiserver's authorization filter (responsewriters/errors.go + apierrors.NewForbidden),
// and a parser that turns such a text, wherever it appears, back into attributes (rbac.md §5.2).

import { goQuote, goUnescape } from "../meta/go-quote.ts";
import type { Attributes } from "../meta/types.ts";
import { ANONYMOUS_USER, SERVICE_ACCOUNT_USER_PREFIX } from "./constants.ts";

// The apiserver avoids emitting text that looks like HTML; quotes are left alone.
const htmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const htmlUnescape = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** apierrors.NewForbidden's message: `<resource>[.<group>] ["<name>"] is forbidden: <inner>` or `forbidden: <inner>`. */
export function newForbiddenMessage(resource: string, group: string, name: string, inner: string): string {
  if (!resource && !group) return `forbidden: ${inner}`;
  const qualified = group ? `${resource}.${group}` : resource;
  return name
    ? `${qualified} ${goQuote(name)} is forbidden: ${inner}`
    : `${qualified} is forbidden: ${inner}`;
}

export interface ForbiddenDetails {
  name?: string;
  group?: string;
  kind?: string;
}

/** The Forbidden Status message and details the apiserver writes for a denied request (`reason` may be ""). */
export function forbiddenMessage(
  a: Attributes,
  reason: string,
): { message: string; details: ForbiddenDetails } {
  const user = goQuote(a.user.username);
  let inner: string;
  if (!a.resourceRequest) {
    inner = `User ${user} cannot ${a.verb} path ${goQuote(a.path)}`;
  } else {
    const resource = goQuote(a.subresource ? `${a.resource}/${a.subresource}` : a.resource);
    const scope = a.namespace ? `in the namespace ${goQuote(a.namespace)}` : "at the cluster scope";
    inner = `User ${user} cannot ${a.verb} resource ${resource} in API group ${goQuote(a.apiGroup)} ${scope}`;
  }
  inner = htmlEscape(inner);
  if (reason) inner = `${inner}: ${reason}`;
  const resource = a.resourceRequest ? a.resource : "";
  const group = a.resourceRequest ? a.apiGroup : "";
  const name = a.resourceRequest ? a.name : "";
  const details: ForbiddenDetails = {};
  if (name) details.name = name;
  if (group) details.group = group;
  if (resource) details.kind = resource;
  return { message: newForbiddenMessage(resource, group, name, inner), details };
}

export interface ForbiddenInfo {
  user: string;
  verb: string;
  resource?: string;
  subresource?: string;
  apiGroup?: string;
  name?: string;
  /** undefined = cluster scope (or non-resource). */
  namespace?: string;
  /** Set for a non-resource request. */
  path?: string;
  /** Text after ": " e.g. `RBAC: clusterrole.rbac.authorization.k8s.io "x" not found`. */
  reason?: string;
  /** system:anonymous: no credentials were sent. */
  anonymous: boolean;
  serviceAccount?: { namespace: string; name: string };
}

const QUOTED = String.raw`"((?:[^"\\]|\\.)*)"`;
const SCOPE = `(?:in the namespace ${QUOTED}|at the cluster scope)`;
// Groups: 1 wrapper resource, 2 wrapper name, 3 user, 4 verb,
// modern: 5 resource[/sub], 6 group, 7 namespace; non-resource: 8 path; legacy: 9 resource[.group][/sub], 10 namespace.
const FORBIDDEN = new RegExp(
  `(?:(?:([a-z0-9][a-z0-9.-]*)(?: ${QUOTED})? is forbidden|forbidden): )?` +
    String.raw`User ${QUOTED}(?: groups \[[^\]]*\])? cannot (\S+) ` +
    String.raw`(?:resource ${QUOTED} in API group ${QUOTED} ${SCOPE}|path ${QUOTED}|([^\s"]+) ${SCOPE})` +
    // Legacy texts ended with "." and kubectl 1.6 appended " (get pods)".
    String.raw`(?:\.(?: \([^)\n]*\))?)?`,
);

const unquote = (raw: string) => goUnescape(htmlUnescape(raw));

function splitResource(combined: string): { resource: string; subresource?: string } {
  const slash = combined.indexOf("/");
  if (slash < 0) return { resource: combined };
  return { resource: combined.slice(0, slash), subresource: combined.slice(slash + 1) };
}

function serviceAccountOf(user: string): ForbiddenInfo["serviceAccount"] {
  if (!user.startsWith(SERVICE_ACCOUNT_USER_PREFIX)) return undefined;
  const parts = user.slice(SERVICE_ACCOUNT_USER_PREFIX.length).split(":");
  return parts.length === 2 && parts[0] && parts[1] ? { namespace: parts[0], name: parts[1] } : undefined;
}

/** Parses one candidate text; `toEnd` lets the reason run to the end of text instead of the end of line. */
function parseCandidate(text: string, toEnd: boolean): ForbiddenInfo | null {
  const m = FORBIDDEN.exec(text);
  if (!m) return null;
  const user = unquote(m[3]);
  const info: ForbiddenInfo = { user, verb: htmlUnescape(m[4]), anonymous: user === ANONYMOUS_USER };
  const serviceAccount = serviceAccountOf(user);
  if (serviceAccount) info.serviceAccount = serviceAccount;
  if (m[8] !== undefined) {
    info.path = unquote(m[8]);
  } else if (m[5] !== undefined) {
    Object.assign(info, splitResource(unquote(m[5])));
    info.apiGroup = unquote(m[6]);
    if (m[7] !== undefined) info.namespace = unquote(m[7]);
  } else {
    // Legacy "pods.apps/scale": group-qualified resource, then subresource.
    const { resource, subresource } = splitResource(m[9]);
    const dot = resource.indexOf(".");
    info.resource = dot < 0 ? resource : resource.slice(0, dot);
    info.apiGroup = dot < 0 ? "" : resource.slice(dot + 1);
    if (subresource) info.subresource = subresource;
    if (m[10] !== undefined) info.namespace = unquote(m[10]);
  }
  if (m[2] !== undefined) info.name = goUnescape(m[2]);
  const rest = text.slice(m.index + m[0].length);
  if (rest.startsWith(": ")) {
    const reason = toEnd || m.index === 0 ? rest.slice(2) : rest.slice(2).split("\n")[0];
    if (reason.trim()) info.reason = reason.trimEnd();
  }
  return info;
}

const STRING_LITERAL = /"((?:[^"\\\n]|\\.)*)"/g;

/**
 * Extracts an authorization denial from a 403 message, a kubectl error, a JSON Status body or a log
 * line (quoted strings are unescaped). Returns null when the text is not an authorization denial,
 * e.g. an admission 403 (`pods "x" is forbidden: error looking up service account …`).
 */
export function parseForbidden(message: string): ForbiddenInfo | null {
  const direct = parseCandidate(message, false);
  if (direct) return direct;
  // A JSON body or structured log line carries the message as an escaped string literal.
  for (const literal of message.matchAll(STRING_LITERAL)) {
    if (!literal[1].includes("cannot")) continue;
    const parsed = parseCandidate(goUnescape(literal[1]), true);
    if (parsed) return parsed;
  }
  // Last resort: a fragment of an escaped literal whose opening quote was cut off.
  return message.includes('\\"') ? parseCandidate(message.replace(/\\(["\\])/g, "$1"), false) : null;
}

/** Names of the roles a denial reason says are missing (`RBAC: clusterrole… "x" not found`). */
export function missingRolesInReason(
  reason: string | undefined,
): { kind: "Role" | "ClusterRole"; name: string }[] {
  const found: { kind: "Role" | "ClusterRole"; name: string }[] = [];
  for (const m of (reason ?? "").matchAll(
    /\b(clusterrole|role)\.rbac\.authorization\.k8s\.io "((?:[^"\\]|\\.)*)" not found/g,
  )) {
    const kind = m[1] === "clusterrole" ? "ClusterRole" : "Role";
    const name = goUnescape(m[2]);
    if (!found.some((f) => f.kind === kind && f.name === name)) found.push({ kind, name });
  }
  return found;
}
