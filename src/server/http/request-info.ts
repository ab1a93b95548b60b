// Path + method + query → what the request is about (k8s.io/apiserver pkg/endpoints/request/requestinfo.go).
// Authorization, admission and the handlers all read this one parse.
import { parseFieldSelector, requiredValue } from "../../meta/fields.ts";

export interface ResourceRequestInfo {
  isResourceRequest: true;
  path: string;
  verb: string; // get list watch create update patch delete deletecollection (proxy for /proxy/)
  apiPrefix: "api" | "apis";
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  parts: string[];
}

export interface NonResourceRequestInfo {
  isResourceRequest: false;
  path: string;
  verb: string; // lower-case HTTP method
}

export type RequestInfo = ResourceRequestInfo | NonResourceRequestInfo;

const METHOD_VERBS: Record<string, string> = {
  POST: "create",
  GET: "get",
  HEAD: "get",
  PUT: "update",
  PATCH: "patch",
  DELETE: "delete",
};

// "namespaces/{ns}/status" and ".../finalize" are subresources of the namespace, not resources in it.
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

const DNS_SEGMENT = /^[^/%]+$/;

export function isWatchParam(value: string | null): boolean {
  return value !== null && value !== "false" && value !== "0";
}

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const nonResource: NonResourceRequestInfo = { isResourceRequest: false, path, verb: method.toLowerCase() };
  const segments = path.replace(/^\/+/, "").replace(/\/+$/, "").split("/");
  const prefix = segments[0];
  if (prefix !== "api" && prefix !== "apis") return nonResource;

  let rest = segments.slice(1);
  let apiGroup = "";
  if (prefix === "apis") {
    if (rest.length < 3) return nonResource; // /apis, /apis/{g}, /apis/{g}/{v}: discovery
    apiGroup = rest[0];
    rest = rest.slice(1);
  } else if (rest.length < 2) {
    return nonResource; // /api, /api/v1: discovery
  }
  const apiVersion = rest[0];
  rest = rest.slice(1);

  let verb = METHOD_VERBS[method.toUpperCase()];
  if (!verb) return nonResource;

  // Deprecated /watch/ and /proxy/ path prefixes select the verb.
  if (rest[0] === "watch" || rest[0] === "proxy") {
    if (rest.length < 2) return nonResource;
    verb = rest[0];
    rest = rest.slice(1);
  }

  let namespace = "";
  if (rest[0] === "namespaces") {
    if (rest.length > 1) {
      namespace = rest[1];
      if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2])) rest = rest.slice(2);
    }
  }

  const info: ResourceRequestInfo = {
    isResourceRequest: true,
    path,
    verb,
    apiPrefix: prefix,
    apiGroup,
    apiVersion,
    namespace,
    resource: rest[0] ?? "",
    name: rest.length >= 2 ? rest[1] : "",
    subresource: rest.length >= 3 && verb !== "proxy" ? rest[2] : "",
    parts: rest,
  };

  if (!info.name && info.verb === "get") {
    info.verb = isWatchParam(query.get("watch")) ? "watch" : "list";
    // A list/watch pinned to one name by field selector is authorised as that name (single-object informers).
    const fieldSelector = query.get("fieldSelector");
    if (fieldSelector) {
      try {
        const name = requiredValue(parseFieldSelector(fieldSelector), "metadata.name");
        if (name && DNS_SEGMENT.test(name) && name !== "." && name !== "..") info.name = name;
      } catch {
        // A malformed selector is rejected by the list handler with a 400; authorisation ignores it.
      }
    }
  }
  if (!info.name && info.verb === "delete") info.verb = "deletecollection";
  return info;
}
