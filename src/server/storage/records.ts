// Log and snapshot line format (JSON lines). The object is embedded raw and always last, so writing is string
// concatenation of the stored JSON and reading can slice it back out without a parse/stringify round trip:
//   {"op":"put","resource":"pods","key":"ns/name","rv":12,"object":{…}}
//   {"op":"delete","resource":"pods","key":"ns/name","rv":13}
//   {"op":"snapshot","rv":13}                       (first line of a snapshot file)

export type LogRecord =
  | { op: "put"; resource: string; key: string; rv: number; json: string }
  | { op: "delete"; resource: string; key: string; rv: number }
  | { op: "snapshot"; rv: number };

const OBJECT_FIELD = ',"object":';

export function encodePut(resource: string, key: string, rv: number, json: string): string {
  return `{"op":"put","resource":${JSON.stringify(resource)},"key":${JSON.stringify(key)},"rv":${rv}${OBJECT_FIELD}${json}}\n`;
}

export function encodeDelete(resource: string, key: string, rv: number): string {
  return `{"op":"delete","resource":${JSON.stringify(resource)},"key":${JSON.stringify(key)},"rv":${rv}}\n`;
}

export function encodeSnapshotHeader(rv: number): string {
  return `{"op":"snapshot","rv":${rv}}\n`;
}

/** Parses one line (without its newline); undefined if it is not a well-formed record (e.g. a torn write). */
export function decodeRecord(line: string): LogRecord | undefined {
  // Every value before "object" is a JSON string or number, which cannot contain an unescaped `,"object":`.
  const at = line.indexOf(OBJECT_FIELD);
  const head = at < 0 ? line : `${line.slice(0, at)}}`;
  let h: { op?: unknown; resource?: unknown; key?: unknown; rv?: unknown };
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
  const json = line.slice(at + OBJECT_FIELD.length, -1);
  // Cheap shape check; the JSON itself is parsed (and so fully validated) when the entry is indexed.
  if (!json.startsWith("{") || !json.endsWith("}") || !line.endsWith("}")) return undefined;
  return { op: "put", resource: h.resource, key: h.key, rv, json };
}
