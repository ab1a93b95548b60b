// Entries for objects loaded from the data dir. Records carry the store's index of each object (records.ts),
// so an entry is built from that small head without parsing the object (JSON.parse of every stored object was
// most of a restart's time) — once the index is shown to be what this server computes: the first indexed
// object of each resource is parsed and its index compared. A mismatch (say, a newer version selects other
// fields) makes the whole resource parse its objects, as records without an index (older data dirs) always do.
import type { RawObject } from "./datadir.ts";
import type { Entry, ResourceIndexer } from "./entry.ts";
import { entryFromJSON, indexedEntry } from "./entry.ts";
import { splitKey } from "./keys.ts";

export class LoadedEntries {
  private readonly resource: string;
  private readonly indexer: ResourceIndexer;
  /** Whether the stored index matches this server's; undefined until the first indexed object is checked. */
  private trusted: boolean | undefined;
  /** Objects parsed because their index was missing, malformed or not trusted (the snapshot is then rewritten). */
  parsedWithoutIndex = 0;

  constructor(resource: string, indexer: ResourceIndexer) {
    this.resource = resource;
    this.indexer = indexer;
  }

  entry(key: string, raw: RawObject): Entry {
    const { namespace, name } = this.indexer.namespaced ? splitKey(key) : { namespace: "", name: key };
    if (raw.index && this.trusted) {
      const entry = indexedEntry(this.resource, namespace, name, raw.rv, raw.json, raw.index);
      if (entry) return entry;
    }
    const parsed = entryFromJSON(this.resource, namespace, raw.rv, raw.json, (obj) =>
      this.indexer.fields(obj),
    );
    if (raw.index && this.trusted === undefined) {
      const stored = indexedEntry(this.resource, namespace, name, raw.rv, raw.json, raw.index);
      this.trusted = stored !== undefined && parsed.name === name && sameIndex(parsed, stored);
    }
    if (!raw.index || !this.trusted) this.parsedWithoutIndex++;
    return parsed;
  }
}

/** Compares everything the index holds (the stored labels and fields are parsed here: this is the check). */
function sameIndex(a: Entry, b: Entry): boolean {
  try {
    return (
      a.uid === b.uid &&
      sameRecord(a.labels, b.labels) &&
      sameRecord(a.fields, b.fields) &&
      a.ownerUids.length === b.ownerUids.length &&
      a.ownerUids.every((uid, i) => uid === b.ownerUids[i])
    );
  } catch {
    return false; // corrupt stored labels or fields
  }
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  if (typeof b !== "object" || b === null) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}
