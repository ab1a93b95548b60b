import { Status as S, type Status } from "../../meta/status.ts";
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

/** Storage failures that reach the HTTP layer unhandled, as kube-apiserver reports them. */
export function storageStatus(e: unknown): Status | undefined {
  if (!(e instanceof StorageError)) return undefined;
  const d = e.details;
  switch (e.code) {
    case "Expired":
      return S.expired(e.message);
    case "TooLargeResourceVersion":
      return S.timeout(e.message, 1);
    case "BadRequest":
      return S.badRequest(e.message);
    case "Unavailable":
      // As an etcd write failure surfaces (500 "etcdserver: mvcc: database space exceeded"), with a clear cause.
      return S.internal(e.message);
    case "NotFound":
      return S.notFound(d.resource ?? "", "", d.name ?? "");
    case "AlreadyExists":
      return S.alreadyExists(d.resource ?? "", "", d.name ?? "");
    case "Conflict":
      return S.conflict(d.resource ?? "", "", d.name ?? "", d.reason ?? e.message);
    default:
      return undefined;
  }
}
