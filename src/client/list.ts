// Paged lists (limit/continue, 500 per page like client-go's pager), metadata-only lists, and counting
// without holding the objects.
//
// An expired continue token (410 Expired, the server compacted the snapshot the pages came from):
// - iterate() continues INCONSISTENTLY with the fresh token the server puts in the 410 Status: later pages
//   come from a newer snapshot, no object is yielded twice (keys stay ordered), objects changed meanwhile
//   show their newer state, deleted ones may be missing, which is what a long paged scan can promise anyway.
//   When the server offers no token, the 410 is thrown (isGone): start the iteration again.
// - count() and informers RESTART from the first page (they need one consistent snapshot); the page after
//   a restart is flagged so they can drop what they accumulated.
import type { ObjectMeta } from "kubernetes-types/meta/v1.d.ts";
import { ApiError, isGone, ResponseError } from "./errors.ts";

export const DEFAULT_PAGE_SIZE = 500;
export const METADATA_LIST_ACCEPT =
  "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
export const METADATA_ACCEPT =
  "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

export type Selector = string | Record<string, string>;

export interface ListOptions {
  /** Namespaced resources default to the client's namespace. */
  namespace?: string;
  /** List across every namespace (cluster-wide). */
  allNamespaces?: boolean;
  labelSelector?: Selector;
  fieldSelector?: Selector;
  /** list(): page size (no default: the server returns everything). iterate(): page size, default 500. */
  limit?: number;
  /** list(): continue token from the previous page's metadata.continue. */
  continue?: string;
  /** "0": any cached state (fast, may be stale); unset: a consistent read. */
  resourceVersion?: string;
  resourceVersionMatch?: "NotOlderThan" | "Exact";
  /** Only metadata (PartialObjectMetadata): a fraction of the bytes for Pods. */
  metadataOnly?: boolean;
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

export interface PartialObjectMetadata {
  apiVersion: "meta.k8s.io/v1";
  kind: "PartialObjectMetadata";
  metadata: ObjectMeta;
}

export interface PageRequest {
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

/** Fetches one page; list.ts stays free of HTTP so the paging rules are testable alone. */
export type PageFetcher<T> = (page: PageRequest) => Promise<ObjectList<T>>;

/** One page, counted but not materialised (count-items.ts). */
export interface CountedPage {
  metadata: ListMeta;
  count: number;
}
export type PageCounter = (page: PageRequest) => Promise<CountedPage>;

export interface PagerOptions {
  pageSize?: number;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  onExpired: "inconsistent" | "restart";
  /** Restarts allowed before giving up (a list that always expires would loop forever). Default 3. */
  maxRestarts?: number;
}

export interface Page<L> {
  list: L;
  /** True on the first page after an expired continue forced a restart: drop what you accumulated. */
  restarted: boolean;
}

export async function* listPages<L extends { metadata?: ListMeta }>(
  fetch: (page: PageRequest) => Promise<L>,
  options: PagerOptions,
): AsyncGenerator<Page<L>> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const first: PageRequest = {
    limit: pageSize,
    resourceVersion: options.resourceVersion,
    resourceVersionMatch: options.resourceVersionMatch,
  };
  let request: PageRequest = first;
  let restarts = 0;
  let restarted = false;
  for (;;) {
    let list: L;
    try {
      list = await fetch(request);
    } catch (error) {
      if (request === first || !isGone(error)) throw error;
      const fresh = (error as ApiError).status.metadata?.continue;
      if (options.onExpired === "inconsistent") {
        if (!fresh) throw error;
        request = { limit: pageSize, continue: fresh };
        continue;
      }
      if (++restarts > (options.maxRestarts ?? 3)) throw error;
      request = first;
      restarted = true;
      continue;
    }
    yield { list, restarted };
    restarted = false;
    const next = list.metadata?.continue;
    if (!next) return;
    // The token pins the snapshot; resourceVersion must not be repeated with it.
    request = { limit: pageSize, continue: next };
  }
}

/** Every item, one page in memory at a time. */
export async function* iterateItems<T>(
  fetch: PageFetcher<T>,
  options: Omit<PagerOptions, "onExpired">,
): AsyncGenerator<T> {
  for await (const { list } of listPages(fetch, { ...options, onExpired: "inconsistent" })) yield* list.items;
}

/**
 * How many objects match. One limit=1 request when the server reports remainingItemCount (it does not with
 * label or field selectors, nor from its watch cache); otherwise every page, counted as it arrives without
 * materialising its items (`pages`, metadata-only), so memory stays flat whatever the number of objects.
 * The probe asks for full objects: kube-apiserver before 1.24 leaves remainingItemCount out of
 * metadata-only (PartialObjectMetadataList) answers, which would turn one request into thousands.
 */
export async function countObjects(
  probe: PageFetcher<unknown>,
  pages: PageCounter,
  options: { pageSize?: number; resourceVersion?: string } = {},
): Promise<number> {
  const first = await probe({ limit: 1, resourceVersion: options.resourceVersion });
  if (!first.metadata?.continue) return first.items.length;
  const remaining = first.metadata.remainingItemCount;
  if (remaining !== undefined) return first.items.length + remaining;
  let total = 0;
  for await (const { list, restarted } of listPages(pages, {
    pageSize: options.pageSize,
    resourceVersion: options.resourceVersion,
    onExpired: "restart",
  })) {
    if (restarted) total = 0;
    total += list.count;
  }
  return total;
}

/**
 * Checks what the client relies on in a list answer, so a broken server or proxy fails with a clear error
 * instead of a crash or a wrong figure. `items: null` is normal: Go encodes an empty slice that way
 * (kube-apiserver's empty PartialObjectMetadataList), so it becomes [].
 */
export function checkList<T>(value: unknown, context: { method: string; path: string }): ObjectList<T> {
  const invalid = (what: string) =>
    new ResponseError(
      `the API server's answer to ${context.method} ${context.path} is not a usable list: ${what}`,
      { code: "INVALID_RESPONSE", ...context },
    );
  if (!value || typeof value !== "object" || Array.isArray(value)) throw invalid("not a JSON object");
  const list = value as ObjectList<T>;
  const items = (list as { items?: unknown }).items;
  if (items !== undefined && items !== null && !Array.isArray(items)) throw invalid("items is not an array");
  const metadata = (list.metadata ?? {}) as ListMeta;
  const remaining = metadata.remainingItemCount as unknown;
  if (
    remaining !== undefined &&
    remaining !== null &&
    !(Number.isSafeInteger(remaining) && (remaining as number) >= 0)
  )
    throw invalid(`metadata.remainingItemCount is ${JSON.stringify(remaining)}, not a non-negative integer`);
  if (remaining === null) delete metadata.remainingItemCount;
  return { ...list, metadata, items: (items ?? []) as T[] };
}

/** Normalises a list the server answered with full objects (it ignored `as=PartialObjectMetadataList`). */
export function toMetadataList(list: ObjectList<unknown>): ObjectList<PartialObjectMetadata> {
  if (list.kind === "PartialObjectMetadataList") return list as ObjectList<PartialObjectMetadata>;
  return {
    apiVersion: "meta.k8s.io/v1",
    kind: "PartialObjectMetadataList",
    metadata: list.metadata ?? {},
    items: (list.items ?? []).map(toPartialObjectMetadata),
  };
}

export function toPartialObjectMetadata(object: unknown): PartialObjectMetadata {
  const candidate = object as { kind?: string; metadata?: ObjectMeta };
  if (candidate?.kind === "PartialObjectMetadata") return object as PartialObjectMetadata;
  return { apiVersion: "meta.k8s.io/v1", kind: "PartialObjectMetadata", metadata: candidate?.metadata ?? {} };
}

/** A 406 on a metadata-only request, restated so the fix is obvious. */
export function metadataNotSupported(error: ApiError): ApiError {
  const message = `the server cannot return metadata-only (PartialObjectMetadata) responses for ${error.path} (406 Not Acceptable): request full objects instead (metadataOnly: false)`;
  return new ApiError({ ...error.status, message }, { method: error.method, path: error.path });
}

export function selectorString(selector: Selector | undefined): string | undefined {
  if (selector === undefined) return undefined;
  if (typeof selector === "string") return selector || undefined;
  const parts = Object.entries(selector).map(([key, value]) => `${key}=${value}`);
  return parts.length > 0 ? parts.join(",") : undefined;
}
