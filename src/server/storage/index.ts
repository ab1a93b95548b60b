export { decodeContinue, encodeContinue } from "./continue.ts";
export type { Entry, EventType, ResourceIndexer, StoreEvent } from "./entry.ts";
export { metadataJson, stampResourceVersion } from "./entry.ts";
export type { StorageErrorCode, StorageErrorDetails } from "./errors.ts";
export {
  CONFLICT_MODIFIED,
  CONTINUE_EXPIRED_MESSAGE,
  INCONSISTENT_CONTINUE_MESSAGE,
  isStorageError,
  StorageError,
} from "./errors.ts";
export { objectKey } from "./keys.ts";
export type { Preconditions, StoreOptions, WatchOptions } from "./store.ts";
export { Store } from "./store.ts";
export type { ListOptions, ListResult } from "./table.ts";
