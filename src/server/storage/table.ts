// One resource's objects: a key → entry map plus the sorted key array that makes namespace ranges and
// continue positions binary searches. Lists can also be served "as of" an older resourceVersion by overlaying
// the states that history says keys had back then.
import type { Entry, ResourceIndexer } from "./entry.ts";
import { insertSorted, lowerBound, namespaceBounds, objectKey, removeSorted, upperBound } from "./keys.ts";

export interface ListOptions {
  /** Only this namespace ("" = all; ignored for cluster-scoped resources); never scans other namespaces. */
  namespace?: string;
  /** Page size; 0/undefined = everything. */
  limit?: number;
  /** Exclusive start key (what decodeContinue returns). */
  startAfter?: string;
  /** Applied before limit, like upstream's predicate. */
  filter?: (e: Entry) => boolean;
  /** Serve the list as of this resourceVersion (continue tokens, resourceVersionMatch=Exact). */
  atRV?: number;
}

export interface ListResult {
  items: Entry[];
  rv: number;
  /** Another matching item follows (so a continue token is due). */
  more: boolean;
  /** Key of the last item, when more. */
  lastKey?: string;
  /** Items after this page, when more and no filter (upstream omits remainingItemCount with selectors). */
  remaining?: number;
}

/** A key's state at the list's resourceVersion where it differs from now; null = did not exist then. */
export type PastStates = ReadonlyMap<string, Entry | null>;

const NO_PAST: PastStates = new Map();

export class ResourceTable {
  readonly resource: string;
  readonly indexer: ResourceIndexer;
  private readonly byKey = new Map<string, Entry>();
  private readonly keys: string[] = [];

  constructor(resource: string, indexer: ResourceIndexer) {
    this.resource = resource;
    this.indexer = indexer;
  }

  keyOf(namespace: string, name: string): string {
    return objectKey(this.indexer.namespaced, namespace, name);
  }

  get(key: string): Entry | undefined {
    return this.byKey.get(key);
  }

  put(key: string, entry: Entry): void {
    if (!this.byKey.has(key)) insertSorted(this.keys, key);
    this.byKey.set(key, entry);
  }

  remove(key: string): void {
    if (this.byKey.delete(key)) removeSorted(this.keys, key);
  }

  get size(): number {
    return this.keys.length;
  }

  /** All entries in key order (snapshots). */
  *entries(): Generator<[string, Entry]> {
    for (const key of this.keys) yield [key, this.byKey.get(key) as Entry];
  }

  count(namespace?: string): number {
    const [lo, hi] = this.bounds(namespace);
    return hi - lo;
  }

  list(rv: number, opts: ListOptions = {}, past: PastStates = NO_PAST): ListResult {
    const range = this.range(opts.namespace);
    const [lo, hi] = this.bounds(opts.namespace);
    const start = opts.startAfter === undefined ? lo : Math.max(lo, upperBound(this.keys, opts.startAfter));
    const gone = this.keysGoneSince(past, range, opts.startAfter);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Number.POSITIVE_INFINITY;
    const filter = opts.filter;

    const items: Entry[] = [];
    let more = false;
    let i = start;
    let j = 0;
    while (i < hi || j < gone.length) {
      const key = j >= gone.length || (i < hi && this.keys[i] < gone[j]) ? this.keys[i++] : gone[j++];
      const entry = past.size && past.has(key) ? past.get(key) : this.byKey.get(key);
      if (!entry || (filter && !filter(entry))) continue;
      if (items.length === limit) {
        more = true;
        break;
      }
      items.push(entry);
    }
    if (!more) return { items, rv, more };
    const last = items[items.length - 1];
    const lastKey = this.keyOf(last.namespace, last.name);
    const remaining = filter ? undefined : this.countAfter(lastKey, hi, past, range, gone);
    return { items, rv, more, lastKey, remaining };
  }

  private countAfter(lastKey: string, hi: number, past: PastStates, range: KeyRange, gone: string[]): number {
    let n = hi - upperBound(this.keys, lastKey);
    for (const [key, then] of past) {
      if (key > lastKey && range.has(key) && then === null && this.byKey.has(key)) n--;
    }
    return n + gone.length - upperBound(gone, lastKey);
  }

  /** Sorted keys that existed at the list's rv but are deleted now. */
  private keysGoneSince(past: PastStates, range: KeyRange, startAfter: string | undefined): string[] {
    if (past.size === 0) return [];
    const gone: string[] = [];
    for (const [key, then] of past) {
      if (then && !this.byKey.has(key) && range.has(key) && (startAfter === undefined || key > startAfter)) {
        gone.push(key);
      }
    }
    return gone.sort();
  }

  private range(namespace: string | undefined): KeyRange {
    if (!namespace || !this.indexer.namespaced) return { has: () => true };
    const { from, to } = namespaceBounds(namespace);
    return { has: (key) => key >= from && key < to };
  }

  private bounds(namespace: string | undefined): [number, number] {
    if (!namespace || !this.indexer.namespaced) return [0, this.keys.length];
    const { from, to } = namespaceBounds(namespace);
    return [lowerBound(this.keys, from), lowerBound(this.keys, to)];
  }
}

interface KeyRange {
  has(key: string): boolean;
}
