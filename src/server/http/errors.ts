// The error boundary of the request path: every failure the registry, patch code or storage raises
// carries (or maps to) a metav1.Status, converted here and only here, so no handler can turn a bad
// request into a 500. Anything else is a bug and answers 500 (server.ts logs it).
import { failure, Status as S, type Status } from "../../meta/status.ts";
import { ApplyConflictError, printManager } from "../registry/managed-fields.ts";
import { PatchError, patchErrorStatus } from "../registry/patch-error.ts";
import { StorageError } from "../storage/index.ts";

/** Thrown anywhere on the request path; the server writes its Status as the response. */
export class ApiStatusError extends Error {
  readonly status: Status;
  constructor(status: Status) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.status = status;
  }
}

export const fail = {
  badRequest: (message: string) => new ApiStatusError(S.badRequest(message)),
  notFound: (resource: string, group: string, name: string) =>
    new ApiStatusError(S.notFound(resource, group, name)),
  status: (status: Status) => new ApiStatusError(status),
};

/** The Status a failure answers with; undefined for an unexpected error (a 500). */
export function statusOf(e: unknown): Status | undefined {
  if (e instanceof ApiStatusError) return e.status;
  if (e instanceof PatchError) return patchErrorStatus(e);
  if (e instanceof ApplyConflictError) return applyConflictStatus(e);
  if (e instanceof StorageError) return storageStatus(e);
  return undefined;
}

/** A server-side apply conflict (fieldmanager's NewConflictError): one cause per contested field. */
function applyConflictStatus(e: ApplyConflictError): Status {
  return failure(409, "Conflict", e.message, {
    causes: e.conflicts.map((c) => ({
      reason: "FieldManagerConflict",
      message: `conflict with ${printManager(c.manager)}`,
      field: c.path,
    })),
  });
}

/** storage.NewTooLargeResourceVersionError: 504 with the cause clients (reflectors) look for. */
export function tooLargeResourceVersion(requested: number, current: number): Status {
  const status = S.timeout(`Timeout: Too large resource version: ${requested}, current: ${current}`, 1);
  status.details = {
    causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
    retryAfterSeconds: 1,
  };
  return status;
}

/** Storage failures as the registry's storeerr.Interpret*Error report them. */
function storageStatus(e: StorageError): Status | undefined {
  const d = e.details;
  // Storage keys are "<resource>" or "<resource>.<group>"; resources themselves have no dots.
  const key = d.resource ?? "";
  const dot = key.indexOf(".");
  const resource = dot < 0 ? key : key.slice(0, dot);
  const group = dot < 0 ? "" : key.slice(dot + 1);
  switch (e.code) {
    case "Expired":
      return S.expired(e.message);
    case "TooLargeResourceVersion":
      return tooLargeResourceVersion(d.requestedRV ?? 0, d.boundRV ?? 0);
    case "BadRequest":
      return S.badRequest(e.message);
    case "Unavailable":
      // As an etcd write failure surfaces (500 "etcdserver: mvcc: database space exceeded"), with a clear cause.
      return S.internal(e.message);
    case "NotFound":
      return S.notFound(resource, group, d.name ?? "");
    case "AlreadyExists":
      return S.alreadyExists(resource, group, d.name ?? "");
    case "Conflict":
      return S.conflict(resource, group, d.name ?? "", d.reason ?? e.message);
    default:
      return undefined;
  }
}
