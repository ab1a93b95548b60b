// Impersonate-User / -Group / -Uid / -Extra-<key>, ported from kubernetes/apiserver
// pkg/endpoints/filters/impersonation/impersonation.go (WithImpersonation, buildImpersonationRequests; the
// alpha constrained-impersonation modes are not served). Every requested attribute needs the `impersonate`
// verb on its pseudo-resource (users, groups, serviceaccounts, uids, userextras/<key>), checked in order.
import type { IncomingMessage } from "node:http";
import { isDNS1123Label, isDNS1123Subdomain } from "../../meta/names.ts";
import {
  SERVICE_ACCOUNTS_GROUP,
  serviceAccountUsername,
  splitServiceAccountUsername,
} from "../../meta/service-account.ts";
import type { ResourceAttributes, UserInfo } from "../../meta/types.ts";
import { ANONYMOUS_USER, SERVICE_ACCOUNT_USER_PREFIX } from "../../rbac/index.ts";

const AUTHENTICATION_GROUP = "authentication.k8s.io";
const EXTRA_PREFIX = "impersonate-extra-";
const ALL_AUTHENTICATED = "system:authenticated";
const ALL_UNAUTHENTICATED = "system:unauthenticated";

export interface ImpersonationCheck {
  attributes: Omit<ResourceAttributes, "user">;
}

export type ImpersonationResult =
  | { impersonating: false }
  | { impersonating: true; user: UserInfo; checks: ImpersonationCheck[] }
  /** A 400 Bad Request message. */
  | { impersonating: true; error: string };

/** One thing to impersonate: a v1.ObjectReference as upstream builds it. */
interface ImpersonationRequest {
  kind: "ServiceAccount" | "User" | "Group" | "UserExtra" | "UID";
  namespace: string;
  name: string;
  apiVersion: string;
  fieldPath: string;
}

const reference = (r: Partial<ImpersonationRequest> & Pick<ImpersonationRequest, "kind" | "name">) => ({
  namespace: "",
  apiVersion: "",
  fieldPath: "",
  ...r,
});

/** Go's %v of a v1.ObjectReference: every field in declaration order, space-separated. */
const formatReference = (r: ImpersonationRequest) =>
  `{${[r.kind, r.namespace, r.name, "", r.apiVersion, "", r.fieldPath].join(" ")}}`;

/** url.PathUnescape, keeping the key as sent when it is not valid percent-encoding. */
function unescapeExtraKey(encoded: string): string {
  if (/%(?![0-9a-fA-F]{2})/.test(encoded)) return encoded;
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === "%") {
      bytes.push(Number.parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(encoded[i]));
  }
  return Buffer.from(bytes).toString("utf8");
}

/** Whether any header is an impersonation header (rawHeaders: names as sent, any case). */
function hasImpersonationHeader(req: IncomingMessage): boolean {
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i].length > 12 && raw[i].slice(0, 12).toLowerCase() === "impersonate-") return true;
  return false;
}

/** Each header line is one value (a comma inside a group name is part of the name). */
const headerValues = (req: IncomingMessage, name: string): string[] => req.headersDistinct[name] ?? [];

/** buildImpersonationRequests: in upstream's order (user, groups, extras, uid). */
function impersonationRequests(req: IncomingMessage): ImpersonationRequest[] | { error: string } {
  const requests: ImpersonationRequest[] = [];
  const username = headerValues(req, "impersonate-user")[0] ?? "";
  if (username) {
    const sa = splitServiceAccountUsername(username);
    requests.push(
      sa
        ? reference({ kind: "ServiceAccount", namespace: sa.namespace, name: sa.name })
        : reference({ kind: "User", name: username }),
    );
  }
  const groups = headerValues(req, "impersonate-group");
  for (const group of groups) requests.push(reference({ kind: "Group", name: group }));
  let hasExtra = false;
  for (const header of Object.keys(req.headersDistinct)) {
    if (!header.startsWith(EXTRA_PREFIX)) continue;
    hasExtra = true;
    const key = unescapeExtraKey(header.slice(EXTRA_PREFIX.length).toLowerCase());
    for (const value of headerValues(req, header)) {
      requests.push(
        reference({
          kind: "UserExtra",
          name: value,
          apiVersion: `${AUTHENTICATION_GROUP}/v1`,
          fieldPath: key,
        }),
      );
    }
  }
  const uid = headerValues(req, "impersonate-uid")[0] ?? "";
  if (uid) requests.push(reference({ kind: "UID", name: uid, apiVersion: `${AUTHENTICATION_GROUP}/v1` }));
  if ((groups.length > 0 || hasExtra || uid) && !username) {
    return { error: `requested [${requests.map(formatReference).join(" ")}] without impersonating a user` };
  }
  return requests;
}

function check(r: ImpersonationRequest): ImpersonationCheck {
  const base = {
    resourceRequest: true as const,
    verb: "impersonate",
    apiGroup: "",
    apiVersion: "v1",
    namespace: r.namespace,
    name: r.name,
    subresource: "",
  };
  switch (r.kind) {
    case "ServiceAccount":
      return { attributes: { ...base, resource: "serviceaccounts" } };
    case "User":
      return { attributes: { ...base, resource: "users" } };
    case "Group":
      return { attributes: { ...base, resource: "groups" } };
    case "UserExtra":
      return {
        attributes: {
          ...base,
          apiGroup: AUTHENTICATION_GROUP,
          resource: "userextras",
          subresource: r.fieldPath,
        },
      };
    case "UID":
      return { attributes: { ...base, apiGroup: AUTHENTICATION_GROUP, resource: "uids" } };
  }
}

/** Works out whom the request wants to act as and which `impersonate` permissions that needs. */
export function requestedImpersonation(req: IncomingMessage): ImpersonationResult {
  // The common case, without building headersDistinct (an object of arrays for every header) per request.
  if (!hasImpersonationHeader(req)) return { impersonating: false };
  const requests = impersonationRequests(req);
  if ("error" in requests) return { impersonating: true, error: requests.error };
  if (requests.length === 0) return { impersonating: false };

  // Groups, when given, are the whole list (system:authenticated included or not, below).
  const groupsSpecified = headerValues(req, "impersonate-group").length > 0;
  let username = "";
  let uid = "";
  const groups: string[] = [];
  const extra: Record<string, string[]> = {};
  for (const r of requests) {
    switch (r.kind) {
      case "ServiceAccount":
        username = serviceAccountUsername(r.namespace, r.name);
        if (!groupsSpecified) groups.push(SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${r.namespace}`);
        break;
      case "User":
        username = r.name;
        break;
      case "Group":
        groups.push(r.name);
        break;
      case "UserExtra":
        extra[r.fieldPath] = [...(extra[r.fieldPath] ?? []), r.name];
        break;
      case "UID":
        uid = r.name;
        break;
    }
  }
  if (username !== ANONYMOUS_USER) {
    if (!groups.includes(ALL_AUTHENTICATED) && !groups.includes(ALL_UNAUTHENTICATED))
      groups.push(ALL_AUTHENTICATED);
  } else if (!groups.includes(ALL_UNAUTHENTICATED)) {
    groups.push(ALL_UNAUTHENTICATED);
  }
  const user: UserInfo = { username, groups };
  if (uid) user.uid = uid;
  if (Object.keys(extra).length > 0) user.extra = extra;
  return { impersonating: true, user, checks: requests.map(check) };
}
