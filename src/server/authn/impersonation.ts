// Impersonate-User / -Group / -Uid / -Extra-* (k8s.io/apiserver filters/impersonation.go):
// each requested attribute needs the `impersonate` verb on the matching pseudo-resource.
import type { IncomingMessage } from "node:http";
import type { ResourceAttributes, UserInfo } from "../../meta/types.ts";

const SA_PREFIX = "system:serviceaccount:";

export interface ImpersonationCheck {
  attributes: Omit<ResourceAttributes, "user">;
}

export type ImpersonationResult =
  | { impersonating: false }
  | { impersonating: true; user: UserInfo; checks: ImpersonationCheck[] }
  | { impersonating: true; error: string };

function headerValues(req: IncomingMessage, name: string): string[] {
  const v = req.headers[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter(Boolean);
}

function check(
  resource: string,
  name: string,
  apiGroup = "",
  namespace = "",
  subresource = "",
): ImpersonationCheck {
  return {
    attributes: {
      resourceRequest: true,
      verb: "impersonate",
      apiGroup,
      resource,
      subresource,
      name,
      namespace,
    },
  };
}

/** Works out whom the request wants to act as and which `impersonate` permissions that needs. */
export function requestedImpersonation(req: IncomingMessage): ImpersonationResult {
  const username = req.headers["impersonate-user"];
  const groups = headerValues(req, "impersonate-group");
  const uid = req.headers["impersonate-uid"];
  const extraHeaders = Object.keys(req.headers).filter((h) => h.startsWith("impersonate-extra-"));
  if (username === undefined && groups.length === 0 && uid === undefined && extraHeaders.length === 0) {
    return { impersonating: false };
  }
  if (typeof username !== "string" || !username) {
    return {
      impersonating: true,
      error: "requested impersonation of groups, uid or extra without impersonating a user",
    };
  }

  const checks: ImpersonationCheck[] = [];
  const user: UserInfo = { username, groups: [] };
  if (username.startsWith(SA_PREFIX)) {
    const [namespace, name] = username.slice(SA_PREFIX.length).split(":");
    if (!namespace || !name) {
      return {
        impersonating: true,
        error: "Username must be in the form system:serviceaccount:namespace:name",
      };
    }
    checks.push(check("serviceaccounts", name, "", namespace));
    if (groups.length === 0)
      user.groups.push("system:serviceaccounts", `system:serviceaccounts:${namespace}`);
  } else {
    checks.push(check("users", username));
  }
  for (const g of groups) {
    checks.push(check("groups", g));
    user.groups.push(g);
  }
  if (typeof uid === "string" && uid) {
    checks.push(check("uids", uid, "authentication.k8s.io"));
    user.uid = uid;
  }
  for (const h of extraHeaders) {
    const key = decodeURIComponent(h.slice("impersonate-extra-".length)).toLowerCase();
    const values = headerValues(req, h);
    for (const v of values) checks.push(check("userextras", v, "authentication.k8s.io", "", key));
    user.extra = { ...(user.extra ?? {}), [key]: values };
  }
  if (username === "system:anonymous") {
    if (!user.groups.includes("system:unauthenticated")) user.groups.push("system:unauthenticated");
  } else if (
    !user.groups.includes("system:authenticated") &&
    !user.groups.includes("system:unauthenticated")
  ) {
    user.groups.push("system:authenticated");
  }
  return { impersonating: true, user, checks };
}
