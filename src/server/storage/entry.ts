// One stored version of an object: its serialized JSON (spliced verbatim into HTTP responses) plus the small
// index (labels, selector fields) that list filtering needs, so reads never parse JSON unless asked to.
import type { KubeObject, StoredObject } from "../../meta/types.ts";

export interface ResourceIndexer {
  namespaced: boolean;
  /** Field values for field selectors, e.g. {"metadata.name":…, "metadata.namespace":…, "status.phase":…}. */
  fields(obj: StoredObject): Record<string, string>;
}

export interface Entry {
  resource: string;
  namespace: string;
  name: string;
  uid: string;
  rv: number;
  /** Full serialized object incl. apiVersion, kind and metadata.resourceVersion. */
  json: string;
  labels: Readonly<Record<string, string>>;
  fields: Readonly<Record<string, string>>;
  /** metadata.ownerReferences[].uid (the garbage collector's index, built at start-up without a parse). */
  ownerUids: readonly string[];
  /** Parses json: a fresh copy on each call that callers may mutate. */
  object(): StoredObject;
}

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

/** For DELETED, entry is the last state stamped with the deletion rv and prev the state as last stored. */
export interface StoreEvent {
  type: EventType;
  rv: number;
  entry: Entry;
  prev?: Entry;
}

const RV_FIELD = '"resourceVersion":"';

/** An entry's labels and selector fields; as loaded, the JSON text `"labels":{…},"fields":{…}` until first used. */
type Selectors =
  | { labels: Readonly<Record<string, string>>; fields: Readonly<Record<string, string>> }
  | string;

class VersionedEntry implements Entry {
  readonly resource: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly rv: number;
  readonly json: string;
  readonly ownerUids: readonly string[];
  /** Offset of metadata.resourceVersion's digits in json, so re-stamping is a splice, not a parse. */
  readonly rvAt: number;
  private selectors: Selectors;

  constructor(
    resource: string,
    namespace: string,
    name: string,
    uid: string,
    rv: number,
    json: string,
    rvAt: number,
    selectors: Selectors,
    ownerUids: readonly string[],
  ) {
    this.resource = resource;
    this.namespace = namespace;
    this.name = name;
    this.uid = uid;
    this.rv = rv;
    this.json = json;
    this.rvAt = rvAt;
    this.selectors = selectors;
    this.ownerUids = ownerUids;
  }

  get labels(): Readonly<Record<string, string>> {
    return this.parsedSelectors().labels;
  }

  get fields(): Readonly<Record<string, string>> {
    return this.parsedSelectors().fields;
  }

  /** The selectors as loaded (text or parsed): a re-stamped copy shares them without parsing. */
  get rawSelectors(): Selectors {
    return this.selectors;
  }

  private parsedSelectors(): Exclude<Selectors, string> {
    if (typeof this.selectors === "string") {
      let parsed: { labels?: unknown; fields?: unknown } | undefined;
      try {
        parsed = JSON.parse(`{${this.selectors}}`);
      } catch {
        parsed = undefined;
      }
      if (!isRecord(parsed?.labels) || !isRecord(parsed.fields)) {
        throw new Error(
          `storage: the stored index of ${this.resource} ${this.namespace}/${this.name} is corrupt`,
        );
      }
      this.selectors = {
        labels: Object.freeze(parsed.labels as Record<string, string>),
        fields: Object.freeze(parsed.fields as Record<string, string>),
      };
    }
    return this.selectors;
  }

  object(): StoredObject {
    return JSON.parse(this.json) as StoredObject;
  }
}

/**
 * Serializes obj stamped with rv, in kube-apiserver's key order (kind, apiVersion, metadata first; name,
 * generateName, namespace, selfLink, uid, resourceVersion first in metadata). That order also guarantees
 * the first `"resourceVersion":"` in the text is metadata's: everything before it is a plain string.
 */
export function serialize(
  obj: KubeObject,
  rv: number,
  uid: string,
): { json: string; rvAt: number; object: StoredObject } {
  const { kind, apiVersion, metadata, ...rest } = obj;
  const {
    name,
    generateName,
    namespace,
    selfLink,
    uid: _uid,
    resourceVersion: _rv,
    ...metaRest
  } = metadata ?? {};
  const object = {
    kind,
    apiVersion,
    metadata: { name, generateName, namespace, selfLink, uid, resourceVersion: String(rv), ...metaRest },
    ...rest,
  } as StoredObject;
  const json = JSON.stringify(object);
  return { json, rvAt: rvOffset(json), object };
}

export function makeEntry(
  resource: string,
  namespace: string,
  object: StoredObject,
  rv: number,
  json: string,
  rvAt: number,
  fields: Record<string, string>,
): Entry {
  const meta = object.metadata;
  const labels = Object.freeze({ ...(meta.labels ?? {}) });
  return new VersionedEntry(
    resource,
    namespace,
    meta.name,
    meta.uid,
    rv,
    json,
    rvAt,
    { labels, fields: Object.freeze(fields) },
    ownerUidsOf(object),
  );
}

const NO_OWNERS: readonly string[] = Object.freeze([]);

function isRecord(v: unknown): v is Record<string, string> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function ownerUidsOf(object: StoredObject): readonly string[] {
  const refs = (object.metadata as { ownerReferences?: { uid?: unknown }[] }).ownerReferences;
  if (!Array.isArray(refs) || refs.length === 0) return NO_OWNERS;
  return Object.freeze(refs.map((r) => r?.uid).filter((uid): uid is string => typeof uid === "string"));
}

const UID_PREFIX = '"uid":"';
const LABELS_KEY = ',"labels":';
const OWNERS_KEY = ',"owners":';

/**
 * Builds an entry from JSON this store wrote earlier and the index written with it (records.ts: the text
 * `"uid":"…","labels":{…},"fields":{…},"owners":[…]`) without parsing the object, and its labels and fields
 * only when first used; undefined when the index text does not have that shape.
 */
export function indexedEntry(
  resource: string,
  namespace: string,
  name: string,
  rv: number,
  json: string,
  index: string,
): Entry | undefined {
  // Labels and fields map strings to strings, so neither can contain `,"owners":`; the owners array is last.
  const uidEnd = index.indexOf('"', UID_PREFIX.length);
  const ownersAt = index.lastIndexOf(OWNERS_KEY);
  if (
    !index.startsWith(UID_PREFIX) ||
    uidEnd < 0 ||
    !index.startsWith(LABELS_KEY, uidEnd + 1) ||
    ownersAt < uidEnd
  )
    return undefined;
  const uid = index.slice(UID_PREFIX.length, uidEnd);
  if (uid.includes("\\")) return undefined; // an escaped uid: left to the full parse
  const ownersText = index.slice(ownersAt + OWNERS_KEY.length);
  let owners: unknown;
  try {
    owners = ownersText === "[]" ? NO_OWNERS : JSON.parse(ownersText);
  } catch {
    return undefined;
  }
  if (!Array.isArray(owners) || !owners.every((o) => typeof o === "string")) return undefined;
  return new VersionedEntry(
    resource,
    namespace,
    name,
    uid,
    rv,
    json,
    rvOffset(json),
    index.slice(uidEnd + 2, ownersAt),
    owners.length ? Object.freeze(owners) : NO_OWNERS,
  );
}

/** The index records.ts writes before an entry's object (as loaded, when its selectors were never used). */
export function indexJson(entry: Entry): string {
  const selectors =
    entry instanceof VersionedEntry && typeof entry.rawSelectors === "string"
      ? entry.rawSelectors
      : `"labels":${JSON.stringify(entry.labels)},"fields":${JSON.stringify(entry.fields)}`;
  return `"uid":${JSON.stringify(entry.uid)},${selectors},"owners":${JSON.stringify(entry.ownerUids)}`;
}

/** json (as serialize made it at oldRV) re-stamped with newRV. */
export function spliceRV(json: string, rvAt: number, oldRV: number, newRV: number): string {
  return json.slice(0, rvAt) + String(newRV) + json.slice(rvAt + String(oldRV).length);
}

/** Builds an entry from JSON this store wrote earlier (snapshot/log replay). */
export function entryFromJSON(
  resource: string,
  namespace: string,
  rv: number,
  json: string,
  fieldsOf: (obj: StoredObject) => Record<string, string>,
): Entry {
  const object = JSON.parse(json) as StoredObject;
  return makeEntry(resource, namespace, object, rv, json, rvOffset(json), fieldsOf(object));
}

function rvOffset(json: string): number {
  return json.indexOf(RV_FIELD) + RV_FIELD.length;
}

/** The entry's JSON with metadata.resourceVersion replaced — no parse (e.g. DELETED events, selector exits). */
export function stampResourceVersion(entry: Entry, rv: number): string {
  if (entry instanceof VersionedEntry) {
    const old = String(entry.rv);
    if (entry.json.startsWith(old, entry.rvAt) && entry.json[entry.rvAt + old.length] === '"') {
      return spliceRV(entry.json, entry.rvAt, entry.rv, rv);
    }
  }
  const obj = entry.object();
  obj.metadata.resourceVersion = String(rv);
  return JSON.stringify(obj);
}

const METADATA_KEY = '"metadata":';

/**
 * The text of the top-level metadata object, cut out of JSON that serialize() wrote — no parse (metadata-only
 * lists would otherwise parse every ~4 KB Pod for its ~0.7 KB of metadata). serialize() puts kind and apiVersion,
 * plain strings, before metadata, so the first `"metadata":` is the top-level key; its end is found by counting
 * brackets outside strings. Undefined when the text does not have that shape: callers then parse.
 */
export function metadataJson(json: string): string | undefined {
  const at = json.indexOf(METADATA_KEY);
  if (at < 0) return undefined;
  // Only plain strings may come before it: no object or array opens between the outer brace and the key.
  if (json.lastIndexOf("{", at) !== 0 || json.lastIndexOf("[", at) !== -1) return undefined;
  const start = at + METADATA_KEY.length;
  if (json.charCodeAt(start) !== 123 /* { */) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91 /* { [ */) depth++;
    else if ((c === 125 || c === 93) /* } ] */ && --depth === 0) return json.slice(start, i + 1);
  }
  return undefined;
}

/** A copy of entry at another resourceVersion, sharing its index (used for DELETED). */
export function restamp(entry: Entry, rv: number): Entry {
  const json = stampResourceVersion(entry, rv);
  const rvAt = rvOffset(json);
  return new VersionedEntry(
    entry.resource,
    entry.namespace,
    entry.name,
    entry.uid,
    rv,
    json,
    rvAt,
    entry instanceof VersionedEntry ? entry.rawSelectors : { labels: entry.labels, fields: entry.fields },
    entry.ownerUids,
  );
}
