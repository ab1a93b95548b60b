// RFC 6902 JSON Patch with the semantics of gopkg.in/evanphx/json-patch.v4, which kube-apiserver uses:
// add/remove/replace/move/copy/test, "-" appends, negative array indexes count from the end, and a
// replace of a missing object key adds it. Failures throw JsonPatchApplyError with evanphx's text.
import { deepEqual } from "./json-access.ts";

type JsonMap = Record<string, unknown>;
type Container = JsonMap | unknown[];

export interface JsonPatchOperation {
  op?: unknown;
  path?: unknown;
  from?: unknown;
  value?: unknown;
}

export class JsonPatchApplyError extends Error {
  override name = "JsonPatchApplyError";
}

const isContainer = (v: unknown): v is Container => typeof v === "object" && v !== null;
const fail = (message: string) => new JsonPatchApplyError(message);

/** Applies `ops` to a copy of `doc`. */
export function applyJsonPatch(doc: JsonMap, ops: readonly JsonPatchOperation[]): JsonMap {
  const root: { doc: unknown } = { doc: structuredClone(doc) };
  for (const op of ops) {
    switch (op.op) {
      case "add":
        add(root.doc, op);
        break;
      case "remove":
        remove(root.doc, op);
        break;
      case "replace":
        replace(root.doc, op);
        break;
      case "move":
        move(root.doc, op);
        break;
      case "test":
        test(root.doc, op);
        break;
      case "copy":
        copy(root.doc, op);
        break;
      default:
        throw fail(`Unexpected kind: ${typeof op.op === "string" ? op.op : "unknown"}`);
    }
  }
  return root.doc as JsonMap;
}

function pathOf(op: JsonPatchOperation, field: "path" | "from", what: string): string {
  const p = op[field];
  if (typeof p !== "string") throw fail(`${what} operation failed to decode ${field}`);
  return p;
}

const decodeKey = (k: string) => k.replace(/~1/g, "/").replace(/~0/g, "~");

/** evanphx findObject: the container holding the path's last segment, or undefined. */
function findObject(doc: unknown, path: string): { con: Container; key: string } | undefined {
  const split = path.split("/");
  if (split.length < 2) return undefined;
  let cur: unknown = doc;
  for (const part of split.slice(1, -1)) {
    if (!isContainer(cur)) return undefined;
    const next = get(cur, decodeKey(part));
    if (!isContainer(next)) return undefined;
    cur = next;
  }
  return isContainer(cur) ? { con: cur, key: decodeKey(split[split.length - 1]) } : undefined;
}

/** strconv.Atoi: optional sign and decimal digits only. */
function atoi(key: string): number {
  if (!/^[+-]?\d+$/.test(key)) throw fail(`strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`);
  return Number(key);
}

function arrayIndex(list: unknown[], key: string, size = list.length): number {
  let idx = atoi(key);
  if (idx < 0) {
    if (idx < -size) throw fail(`Unable to access invalid index: ${idx}: invalid index referenced`);
    idx += size;
  }
  if (idx >= size) throw fail(`Unable to access invalid index: ${idx}: invalid index referenced`);
  return idx;
}

function get(con: Container, key: string): unknown {
  if (!Array.isArray(con)) return con[key];
  return con[arrayIndex(con, key)];
}

function set(con: Container, key: string, value: unknown): void {
  if (Array.isArray(con)) con[arrayIndex(con, key)] = value;
  else con[key] = value;
}

function insert(con: Container, key: string, value: unknown): void {
  if (!Array.isArray(con)) {
    con[key] = value;
  } else if (key === "-") {
    con.push(value);
  } else {
    con.splice(arrayIndex(con, key, con.length + 1), 0, value);
  }
}

function del(con: Container, key: string): void {
  if (Array.isArray(con)) {
    con.splice(arrayIndex(con, key), 1);
    return;
  }
  if (!Object.hasOwn(con, key)) throw fail(`Unable to remove nonexistent key: ${key}: missing value`);
  delete con[key];
}

const operand = (op: JsonPatchOperation) => (op.value === undefined ? null : op.value);

function add(doc: unknown, op: JsonPatchOperation): void {
  const path = pathOf(op, "path", "add");
  const at = findObject(doc, path);
  if (!at) throw fail(`add operation does not apply: doc is missing path: "${path}": missing value`);
  insert(at.con, at.key, operand(op));
}

function remove(doc: unknown, op: JsonPatchOperation): void {
  const path = pathOf(op, "path", "remove");
  const at = findObject(doc, path);
  if (!at) throw fail(`remove operation does not apply: doc is missing path: "${path}": missing value`);
  del(at.con, at.key);
}

function replace(doc: unknown, op: JsonPatchOperation): void {
  const path = pathOf(op, "path", "replace");
  const at = findObject(doc, path);
  if (!at) throw fail(`replace operation does not apply: doc is missing path: ${path}: missing value`);
  if (Array.isArray(at.con)) get(at.con, at.key); // bounds check, as partialArray.get
  set(at.con, at.key, operand(op));
}

function move(doc: unknown, op: JsonPatchOperation): void {
  const from = pathOf(op, "from", "move");
  const src = findObject(doc, from);
  if (!src) throw fail(`move operation does not apply: doc is missing from path: ${from}: missing value`);
  const value = get(src.con, src.key);
  del(src.con, src.key);
  const path = pathOf(op, "path", "move");
  const dst = findObject(doc, path);
  if (!dst)
    throw fail(`move operation does not apply: doc is missing destination path: ${path}: missing value`);
  insert(dst.con, dst.key, value);
}

function copy(doc: unknown, op: JsonPatchOperation): void {
  const from = pathOf(op, "from", "copy");
  const src = findObject(doc, from);
  if (!src) throw fail(`copy operation does not apply: doc is missing from path: ${from}: missing value`);
  const value = get(src.con, src.key);
  const path = pathOf(op, "path", "copy");
  const dst = findObject(doc, path);
  if (!dst)
    throw fail(`copy operation does not apply: doc is missing destination path: ${path}: missing value`);
  insert(dst.con, dst.key, structuredClone(value ?? null));
}

function test(doc: unknown, op: JsonPatchOperation): void {
  const path = pathOf(op, "path", "test");
  const at = findObject(doc, path);
  if (!at) throw fail(`test operation does not apply: is missing path: ${path}: missing value`);
  const actual = get(at.con, at.key);
  // A missing value only matches an absent or null "value".
  const matches = actual === undefined ? operand(op) === null : deepEqual(actual, operand(op));
  if (!matches) throw fail(`testing value ${path} failed: test failed`);
}
