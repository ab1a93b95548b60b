// Log and snapshot line format (JSON lines). The object is embedded raw and always last, so writing is string
// concatenation of the stored JSON and reading can slice it back out without a parse/stringify round trip:
//   {"op":"put","resource":"pods","key":"ns/name","rv":12,"uid":"…","labels":["k","v",…],
//    "fields":["metadata.name","…",…],"owners":["uid",…],"object":{…}}
//   {"op":"delete","resource":"pods","key":"ns/name","rv":13}
//   {"op":"snapshot","rv":13}                       (first line of a snapshot file)
// uid, labels, fields and owners are the store's index of the object (entry.ts), written with it so that
// loading builds entries from the small head alone and never parses the object. Records written before
// they existed lack them; such objects are parsed on load, as they always were.

export interface RecordIndex {
  readonly uid: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, string>>;
  /** metadata.ownerReferences[].uid */
  readonly ownerUids: readonly string[];
}

export type LogRecord =
  | { op: "put"; resource: string; key: string; rv: number; json: string; index?: RecordIndex }
  | { op: "delete"; resource: string; key: string; rv: number }
  | { op: "snapshot"; rv: number };

const OBJECT_FIELD = ',"object":';
const OBJECT_FIELD_BYTES = Buffer.from(OBJECT_FIELD);
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Labels and fields are written as flat string arrays [k1, v1, k2, v2, …]: an array of strings cannot contain
 * `,"object":` outside its strings (an object could: a label named "object"), so the head still ends at the
 * first occurrence.
 */
function flat(record: Readonly<Record<string, string>>): string {
  const pairs: string[] = [];
  for (const k in record) pairs.push(k, record[k]);
  return JSON.stringify(pairs);
}

export function encodePut(
  resource: string,
  key: string,
  rv: number,
  json: string,
  index?: RecordIndex,
): string {
  const indexed = index
    ? `,"uid":${JSON.stringify(index.uid)},"labels":${flat(index.labels)},"fields":${flat(index.fields)},"owners":${JSON.stringify(index.ownerUids)}`
    : "";
  return `{"op":"put","resource":${JSON.stringify(resource)},"key":${JSON.stringify(key)},"rv":${rv}${indexed}${OBJECT_FIELD}${json}}\n`;
}

export function encodeDelete(resource: string, key: string, rv: number): string {
  return `{"op":"delete","resource":${JSON.stringify(resource)},"key":${JSON.stringify(key)},"rv":${rv}}\n`;
}

export function encodeSnapshotHeader(rv: number): string {
  return `{"op":"snapshot","rv":${rv}}\n`;
}

interface Head {
  op?: unknown;
  resource?: unknown;
  key?: unknown;
  rv?: unknown;
  uid?: unknown;
  labels?: unknown;
  fields?: unknown;
  owners?: unknown;
}

/** Parses one line's bytes (without its newline); undefined if it is not a well-formed record (a torn write). */
export function decodeRecord(line: Buffer): LogRecord | undefined {
  // Every value before "object" is a JSON string, number or array of strings, none of which can contain an
  // unescaped `,"object":`.
  const at = line.indexOf(OBJECT_FIELD_BYTES);
  const head = at < 0 ? line.toString("utf8") : `${line.toString("utf8", 0, at)}}`;
  let h: Head;
  try {
    h = JSON.parse(head);
  } catch {
    return undefined;
  }
  if (typeof h !== "object" || h === null || !Number.isSafeInteger(h.rv)) return undefined;
  const rv = h.rv as number;
  if (h.op === "snapshot") return { op: "snapshot", rv };
  if (typeof h.resource !== "string" || typeof h.key !== "string") return undefined;
  if (h.op === "delete") return { op: "delete", resource: h.resource, key: h.key, rv };
  if (h.op !== "put" || at < 0) return undefined;
  const from = at + OBJECT_FIELD_BYTES.length;
  // Cheap shape check; the JSON itself is parsed (and so fully validated) only when an entry needs it.
  const n = line.length;
  if (n < from + 3 || line[from] !== OPEN_BRACE || line[n - 2] !== CLOSE_BRACE || line[n - 1] !== CLOSE_BRACE)
    return undefined;
  const json = line.toString("utf8", from, n - 1);
  const index = indexOf(h);
  return index
    ? { op: "put", resource: h.resource, key: h.key, rv, json, index }
    : { op: "put", resource: h.resource, key: h.key, rv, json };
}

function indexOf(h: Head): RecordIndex | undefined {
  if (typeof h.uid !== "string" || !isStrings(h.owners)) return undefined;
  const labels = record(h.labels);
  const fields = record(h.fields);
  if (!labels || !fields) return undefined;
  return { uid: h.uid, labels, fields, ownerUids: h.owners };
}

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === "string");
}

/** [k1, v1, …] back into a record (defineProperty, so a key like "__proto__" stays a plain key). */
function record(v: unknown): Record<string, string> | undefined {
  if (!isStrings(v) || v.length % 2) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < v.length; i += 2) {
    if (v[i] === "__proto__")
      Object.defineProperty(out, v[i], {
        value: v[i + 1],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[v[i]] = v[i + 1];
  }
  return out;
}
