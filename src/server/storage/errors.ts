// Storage failures, with the message texts kube-apiserver uses so the HTTP layer can map them 1:1 to a Status.

export type StorageErrorCode =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Expired"
  | "TooLargeResourceVersion"
  | "BadRequest"
  | "Unavailable";

export interface StorageErrorDetails {
  resource?: string;
  namespace?: string;
  name?: string;
  /** Conflict only: the part after `Operation cannot be fulfilled on <resource> "<name>": `. */
  reason?: string;
  /** Expired / TooLargeResourceVersion: the resourceVersion asked for and the bound it violated. */
  requestedRV?: number;
  boundRV?: number;
}

export class StorageError extends Error {
  override name = "StorageError";
  readonly code: StorageErrorCode;
  readonly details: StorageErrorDetails;

  constructor(code: StorageErrorCode, message: string, details: StorageErrorDetails = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}

export const CONFLICT_MODIFIED =
  "the object has been modified; please apply your changes to the latest version and try again";

/** 410 for a continue token older than history (etcd3 store's continueExpired). */
export const CONTINUE_EXPIRED_MESSAGE =
  "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.";

/** 410 that also carries a fresh continue token (encodeContinue(-1, key)) for an inconsistent remainder. */
export const INCONSISTENT_CONTINUE_MESSAGE =
  "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

export const notFound = (resource: string, namespace: string, name: string) =>
  new StorageError("NotFound", `${resource} "${name}" not found`, { resource, namespace, name });

export const alreadyExists = (resource: string, namespace: string, name: string) =>
  new StorageError("AlreadyExists", `${resource} "${name}" already exists`, { resource, namespace, name });

export const conflict = (resource: string, namespace: string, name: string, reason: string) =>
  new StorageError("Conflict", `Operation cannot be fulfilled on ${resource} "${name}": ${reason}`, {
    resource,
    namespace,
    name,
    reason,
  });

/** The watch cache's text; boundRV is the oldest resourceVersion still served. */
export const expired = (requestedRV: number, boundRV: number) =>
  new StorageError("Expired", `too old resource version: ${requestedRV} (${boundRV})`, {
    requestedRV,
    boundRV,
  });

/** HTTP layer: 504 Timeout with cause reason "ResourceVersionTooLarge". */
export const tooLarge = (requestedRV: number, currentRV: number) =>
  new StorageError(
    "TooLargeResourceVersion",
    `Too large resource version: ${requestedRV}, current: ${currentRV}`,
    {
      requestedRV,
      boundRV: currentRV,
    },
  );

/** The data dir cannot take writes (ENOSPC, EIO…); reads go on, writes resume once a probe write succeeds. */
export const unavailable = (cause: Error) =>
  new StorageError(
    "Unavailable",
    `storage is unavailable: ${cause.message} (writes resume once the data dir can be written again)`,
  );
