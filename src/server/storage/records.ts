// Log and snapshot line format (JSON lines). The object is embedded raw and always last, so writing is string
// concatenation of the stored JSON and reading can slice it back out without a parse/stringify round trip:
//   {"op":"put","resource":"pods","key":"ns/name","rv":12,"uid":"…","labels":{…},"fields":{…},
//    "owners":["uid",…],"object":{…}}
//   {"op":"delete","resource":"pods","key":"ns/name","rv":13}
//   {"op":"snapshot","rv":13}                       (first line of a snapshot file)
// uid, labels, fields and owners are the store's index of the object (entry.ts indexJson), written with it so
// that loading builds entries from the head alone and never parses the object. Records written before they
// existed lack them; such objects are parsed on load, as they always were.

export type LogRecord =
  /** index: the text `"uid":…,"owners":[…]` as written (entry.ts indexedEntry reads it), if there is one. */
  | { op: "put"; resource: string; key: string; rv: number; json: string; index?: string }
  | { op: "delete"; resource: string; key: string; rv: number }
  | { op: "snapshot"; rv: number };

const OBJECT_FIELD = ',"object":';
const OBJECT_FIELD_BYTES = Buffer.from(OBJECT_FIELD);
const PUT_PREFIX_BYTES = Buffer.from('{"op":"put",');
const INDEX_FIELD = ',"uid":"';
const INDEX_FIELD_BYTES = Buffer.from(INDEX_FIELD);
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** index: entry.ts indexJson(entry). */
export function encodePut(resource: string, key: string, rv: number, json: string, index?: string): string {
  return `{"op":"put","resource":${JSON.stringify(resource)},"key":${JSON.stringify(key)},"rv":${rv}${index ? `,${index}` : ""}${OBJECT_FIELD}${json}}\n`;
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
}

const QUOTE = 0x22;

/**
 * Where the head ends: the first `,"object":` not preceded by `"`. Before the object the head holds strings,
 * numbers, string→string objects (labels, fields) and an array of strings (owners), so `,"object":` can occur
 * in it only after a string value (a label named "object"); the real one follows the rv (records without an
 * index) or the owners array. -1 if there is none within the line.
 */
function objectField(buf: Buffer, text: string | undefined, start: number, end: number): number {
  for (let from = start; ; ) {
    const at = text !== undefined ? text.indexOf(OBJECT_FIELD, from) : buf.indexOf(OBJECT_FIELD_BYTES, from);
    if (at < 0 || at >= end) return -1;
    if (buf[at - 1] !== QUOTE) return at;
    from = at + 1;
  }
}

/**
 * Parses one line (bytes [start, end) of buf, or the same range of text, its ASCII string); undefined if it is
 * not a well-formed record (a torn write).
 */
export function decodeRecord(
  buf: Buffer,
  text: string | undefined,
  start: number,
  end: number,
): LogRecord | undefined {
  // Only puts have an object; other lines are not searched (a run of deletes would each search far ahead).
  const isPut =
    end - start > PUT_PREFIX_BYTES.length &&
    buf.compare(PUT_PREFIX_BYTES, 0, PUT_PREFIX_BYTES.length, start, start + PUT_PREFIX_BYTES.length) === 0;
  const at = isPut ? objectField(buf, text, start, end) : -1;
  if (isPut && at < 0) return undefined;
  // Before the index only strings and numbers: the first `,"uid":"` starts it.
  const indexAt =
    at < 0
      ? -1
      : text !== undefined
        ? text.indexOf(INDEX_FIELD, start)
        : buf.indexOf(INDEX_FIELD_BYTES, start);
  const indexed = indexAt >= 0 && indexAt < at;
  const headEnd = indexed ? indexAt : at < 0 ? end : at;
  const head = text !== undefined ? text.slice(start, headEnd) : buf.toString("utf8", start, headEnd);
  let h: Head;
  try {
    h = JSON.parse(headEnd < end ? `${head}}` : head);
  } catch {
    return undefined;
  }
  if (typeof h !== "object" || h === null || !Number.isSafeInteger(h.rv)) return undefined;
  const rv = h.rv as number;
  if (h.op === "snapshot") return { op: "snapshot", rv };
  if (typeof h.resource !== "string" || typeof h.key !== "string") return undefined;
  if (h.op === "delete") return { op: "delete", resource: h.resource, key: h.key, rv };
  if (h.op !== "put" || at < 0) return undefined;
  const from = at + OBJECT_FIELD.length;
  // Cheap shape check; the JSON itself is parsed (and so fully validated) only when an entry needs it.
  if (
    end < from + 3 ||
    buf[from] !== OPEN_BRACE ||
    buf[end - 2] !== CLOSE_BRACE ||
    buf[end - 1] !== CLOSE_BRACE
  )
    return undefined;
  const json = text !== undefined ? text.slice(from, end - 1) : buf.toString("utf8", from, end - 1);
  if (!indexed) return { op: "put", resource: h.resource, key: h.key, rv, json };
  const index = text !== undefined ? text.slice(indexAt + 1, at) : buf.toString("utf8", indexAt + 1, at);
  return { op: "put", resource: h.resource, key: h.key, rv, json, index };
}
