// metav1.Status bodies exactly as kube-apiserver writes them (apimachinery pkg/api/errors).
import { goQuote } from "./go-quote.ts";

export { goQuote };
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** Builds a Failure Status; field order matches kube-apiserver's JSON encoding. */
export function failure(code: number, reason: string, message: string, details?: StatusDetails): Status {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

export function success(details?: StatusDetails): Status {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    ...(details ? { details } : {}),
    code: 200,
  };
}

/** Group-qualified resource as apimachinery prints it: "pods", "deployments.apps". */
export function qualifiedResource(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

function detailsOf(resource: string, group: string, name?: string): StatusDetails {
  const d: StatusDetails = {};
  if (name) d.name = name;
  if (group) d.group = group;
  if (resource) d.kind = resource;
  return d;
}

export const Status = {
  notFound: (resource: string, group: string, name: string) =>
    failure(
      404,
      "NotFound",
      `${qualifiedResource(resource, group)} ${goQuote(name)} not found`,
      detailsOf(resource, group, name),
    ),
  alreadyExists: (resource: string, group: string, name: string) =>
    failure(
      409,
      "AlreadyExists",
      `${qualifiedResource(resource, group)} ${goQuote(name)} already exists`,
      detailsOf(resource, group, name),
    ),
  conflict: (resource: string, group: string, name: string, why: string) =>
    failure(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} ${goQuote(name)}: ${why}`,
      detailsOf(resource, group, name),
    ),
  /** kind is the Kind ("Pod"), group its API group; causes become "field: message" list. */
  invalid: (
    kind: string,
    group: string,
    name: string,
    causes: { field: string; message: string; type?: string }[],
  ) => {
    const qualifiedKind = group ? `${kind}.${group}` : kind;
    const list = causes.map((c) => `${c.field}: ${c.message}`);
    const joined = list.length === 1 ? list[0] : `[${list.join(", ")}]`;
    const d: StatusDetails = { name, group: group || undefined, kind, causes: [] };
    if (!group) delete d.group;
    if (!name) delete d.name;
    d.causes = causes.map((c) => ({
      reason: c.type ?? "FieldValueInvalid",
      message: c.message,
      field: c.field,
    }));
    return failure(422, "Invalid", `${qualifiedKind} ${goQuote(name)} is invalid: ${joined}`, d);
  },
  badRequest: (message: string) => failure(400, "BadRequest", message),
  unauthorized: (message = "Unauthorized") => failure(401, "Unauthorized", message),
  forbidden: (message: string, resource: string, group: string, name: string) =>
    failure(403, "Forbidden", message, detailsOf(resource, group, name)),
  methodNotSupported: (resource: string, group: string, verb: string) =>
    failure(
      405,
      "MethodNotAllowed",
      `${verb} is not supported on resources of kind ${goQuote(qualifiedResource(resource, group))}`,
      detailsOf(resource, group),
    ),
  notAcceptable: (message: string) => failure(406, "NotAcceptable", message),
  unsupportedMediaType: (contentType: string) =>
    failure(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/merge-patch+json, application/json-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml; got ${contentType}`,
    ),
  requestEntityTooLarge: (message: string) =>
    failure(413, "RequestEntityTooLarge", `Request entity too large: ${message}`),
  expired: (message: string) => failure(410, "Expired", message),
  tooManyRequests: (message: string, retryAfterSeconds: number) =>
    failure(429, "TooManyRequests", message, { retryAfterSeconds }),
  timeout: (message: string, retryAfterSeconds?: number) =>
    failure(504, "Timeout", message, retryAfterSeconds ? { retryAfterSeconds } : undefined),
  internal: (message: string) =>
    failure(500, "InternalError", `Internal error occurred: ${message}`, { causes: [{ message }] }),
  notFoundPath: () => failure(404, "NotFound", "the server could not find the requested resource", {}),
} as const;
