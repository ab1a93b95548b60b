// Entries for objects loaded from the data dir. Records carry the store's index of each object (records.ts),
// so an entry is built from that small head without parsing the object (JSON.parse of every stored object was
// most of a restart's time) — once the index is shown to be what this server computes: the first indexed
// object of each resource is parsed and its index compared. A mismatch (say, a newer version selects other
// fields) makes the whole resource parse its objects, as records without an index (older data dirs) always do.

import type { RawObject } from "./datadir.ts";
import type { Entry, ResourceIndexer } from "./entry.ts";
import { entryFromJSON, indexedEntry } from "./entry.ts";
import { splitKey } from "./keys.ts";
import type { RecordIndex } from "./records.ts";

export class LoadedEntries {
  private readonly resource: string;
  private readonly indexer: ResourceIndexer;
  /** Whether the stored index matches this server's; undefined until the first indexed object is checked. */
  private trusted: boolean | undefined;

  constructor(resource: string, indexer: ResourceIndexer) {
    this.resource = resource;
    this.indexer = indexer;
  }

  entry(key: string, raw: RawObject): Entry {
    const { namespace, name } = this.indexer.namespaced ? splitKey(key) : { namespace: "", name: key };
    if (raw.index && this.trusted) {
      return indexedEntry(this.resource, namespace, name, raw.rv, raw.json, raw.index);
    }
    const parsed = entryFromJSON(this.resource, namespace, raw.rv, raw.json, (obj) =>
      this.indexer.fields(obj),
    );
    if (raw.index && this.trusted === undefined)
      this.trusted = parsed.name === name && sameIndex(parsed, raw.index);
    return parsed;
  }
}

function sameIndex(entry: Entry, index: RecordIndex): boolean {
  return (
    entry.uid === index.uid &&
    sameRecord(entry.labels, index.labels) &&
    sameRecord(entry.fields, index.fields) &&
    entry.ownerUids.length === index.ownerUids.length &&
    entry.ownerUids.every((uid, i) => uid === index.ownerUids[i])
  );
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}
