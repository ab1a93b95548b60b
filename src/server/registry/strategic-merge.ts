// The server half of apimachinery pkg/util/strategicpatch (StrategicMergeMapPatch → mergeMap), ported
// function by function so kubectl apply/patch results — list order included — match kube-apiserver.
// Directives: `$patch: replace|delete|merge`, `$retainKeys`, `$deleteFromPrimitiveList/<f>`,
// `$setElementOrder/<f>`, and null (delete a key).
//
// One deliberate deviation, on inputs kubectl never produces: a value inserted where the live object
// has none is stored without directive keys and null map entries (upstream stores it raw and lets
// typed decoding drop or zero them).

import { goPrint, goTypeName } from "./go-format.ts";
import { GoSlice } from "./go-slice.ts";
import { sliceStable } from "./go-sort.ts";
import { isMap } from "./json-access.ts";
import { patchError } from "./patch-error.ts";
import { lookupField, type PatchField, type PatchSchema } from "./patch-schema.ts";

type JsonMap = Record<string, unknown>;

const DIRECTIVE = "$patch";
const RETAIN_KEYS = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList";
const SET_ELEMENT_ORDER = "$setElementOrder";
const MAP_TYPE = "map[string]interface {}";
const SLICE_TYPE = "[]interface {}";

// mergepatch.Err* and the patch.go fmt.Errorf texts; the code is what interpretStrategicMergePatchError
// (and, for plain errors, the generic 500 path) makes of each.
const fail = {
  primitiveListFormat: () => patchError.badRequest("invalid patch format of primitive list"),
  retainKeysFormat: () => patchError.badRequest("invalid patch format of retainKeys"),
  setElementOrderFormat: () => patchError.badRequest("invalid patch format of setElementOrder list"),
  retainKeysMismatch: () => patchError.invalid("patch content doesn't match retainKeys list"),
  listOfLists: () => patchError.invalid("lists of lists are not supported"),
  noMergeKey: (m: unknown, key: string) =>
    patchError.internal(`map: ${goPrint(m)} does not contain declared merge key: ${key}`),
  badArgType: (expected: string, actual: unknown) =>
    patchError.internal(`expected a ${expected}, but received a ${goTypeName(actual)}`),
  badPatchType: (t: unknown, m: unknown) =>
    patchError.internal(`unknown patch type: ${goPrint(t)} in map: ${goPrint(m)}`),
};

/** StrategicMergeMapPatch: applies `patch` to `original` using `schema`'s tags. Neither is modified, unless
 * `consume`: then `original` is the caller's own copy and becomes the result. */
export function strategicMerge(
  original: JsonMap,
  patch: JsonMap,
  schema: PatchSchema,
  consume = false,
): JsonMap {
  return mergeMap(consume ? original : structuredClone(original), structuredClone(patch), schema);
}

function mergeMap(original: JsonMap, patch: JsonMap, schema: PatchSchema | undefined): JsonMap {
  if (Object.hasOwn(patch, DIRECTIVE)) return handleDirectiveInMergeMap(patch[DIRECTIVE], patch);
  applyRetainKeysDirective(original, patch);
  mergePatchIntoOriginal(original, patch, schema);

  for (const [patchKey, patchValue] of Object.entries(patch)) {
    const isDeleteList = patchKey.startsWith(DELETE_FROM_PRIMITIVE_LIST);
    const key = isDeleteList ? extractKey(patchKey, DELETE_FROM_PRIMITIVE_LIST) : patchKey;
    if (patchValue === null) {
      delete original[key];
      continue;
    }
    const current = original[key];
    if (current === undefined || current === null) {
      if (!isDeleteList) original[key] = stripDirectives(patchValue);
      continue;
    }
    if (goTypeName(current) !== goTypeName(patchValue)) {
      if (isDeleteList) throw fail.primitiveListFormat();
      original[key] = stripDirectives(patchValue);
      continue;
    }
    const field = lookupField(schema, key);
    if (isMap(current)) original[key] = mergeMapField(current, patchValue as JsonMap, field);
    else if (Array.isArray(current))
      original[key] = mergeListField(current, patchValue as unknown[], field, isDeleteList);
    else original[key] = patchValue;
  }
  return original;
}

function handleDirectiveInMergeMap(directive: unknown, patch: JsonMap): JsonMap {
  if (directive === "replace") {
    delete patch[DIRECTIVE];
    return stripDirectives(patch) as JsonMap;
  }
  if (directive === "delete") return {};
  throw fail.badPatchType(directive, patch);
}

function mergeMapField(original: JsonMap, patch: JsonMap, field: PatchField): JsonMap {
  return field.strategy === "replace"
    ? (stripDirectives(patch) as JsonMap)
    : mergeMap(original, patch, field.schema);
}

function mergeListField(
  original: unknown[],
  patch: unknown[],
  field: PatchField,
  isDeleteList: boolean,
): unknown[] {
  // Deletion lists apply whatever the field's strategy.
  if (field.strategy !== "merge" && !isDeleteList) return stripDirectives(patch) as unknown[];
  return mergeSlice(original, patch, field.schema, field.mergeKey ?? "", isDeleteList);
}

/** Merges `patch` into `original`, which (like upstream) may be modified in place. */
function mergeSlice(
  original: unknown[],
  patch: unknown[],
  elemSchema: PatchSchema | undefined,
  mergeKey: string,
  isDeleteList: boolean,
): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const elemType = sliceElementType(original, patch);
  let merged: unknown[];
  let serverOrder = original;
  if (elemType !== MAP_TYPE) {
    if (isDeleteList) return deleteFromSlice(original, patch);
    merged = deduplicateScalars([...original, ...patch]);
  } else {
    if (!mergeKey) throw patchError.internal("cannot merge lists without merge key for type struct");
    const [live, plain] = mergeSliceWithSpecialElements(new GoSlice(original), patch, mergeKey);
    merged = mergeSliceWithoutSpecialElements(live.header(), plain, mergeKey, elemSchema);
    serverOrder = live.items();
    patch = plain;
  }
  const [patchItems, serverOnly] = mergeKey
    ? partitionMapsByPresentInList(merged, patch, mergeKey)
    : partitionPrimitivesByPresentInList(merged, patch);
  return normalizeElementOrder(patchItems, serverOnly, patch, serverOrder, mergeKey, elemType);
}

/** Applies `$patch: delete|replace` list elements; returns the new original and the remaining patch. */
function mergeSliceWithSpecialElements(
  original: GoSlice,
  patch: unknown[],
  mergeKey: string,
): [GoSlice, unknown[]] {
  const plain: unknown[] = [];
  let replace = false;
  for (const v of patch as JsonMap[]) {
    if (!Object.hasOwn(v, DIRECTIVE)) {
      plain.push(v);
      continue;
    }
    const directive = v[DIRECTIVE];
    if (directive === "delete") {
      if (!Object.hasOwn(v, mergeKey)) throw fail.noMergeKey(v, mergeKey);
      deleteMatchingEntries(original, mergeKey, v[mergeKey]);
    } else if (directive === "replace") {
      replace = true; // keep scanning to prune the other directive elements
    } else if (directive === "merge") {
      throw patchError.internal("merging lists cannot yet be specified in the patch");
    } else {
      throw fail.badPatchType(directive, v);
    }
  }
  return replace ? [new GoSlice(plain), []] : [original, plain];
}

function deleteMatchingEntries(original: GoSlice, mergeKey: string, mergeValue: unknown): void {
  for (;;) {
    const found = findMapInSliceBasedOnKeyValue(original.items(), mergeKey, mergeValue);
    if (!found) return;
    original.removeAt(found.index);
  }
}

function mergeSliceWithoutSpecialElements(
  original: GoSlice,
  patch: unknown[],
  mergeKey: string,
  elemSchema: PatchSchema | undefined,
): unknown[] {
  for (const v of patch as JsonMap[]) {
    if (!Object.hasOwn(v, mergeKey)) throw fail.noMergeKey(v, mergeKey);
    const found = findMapInSliceBasedOnKeyValue(original.items(), mergeKey, v[mergeKey]);
    if (found) original.set(found.index, mergeMap(found.map, v, elemSchema));
    else original.push(stripDirectives(v));
  }
  return original.items();
}

function deleteFromSlice(current: unknown[], toDelete: unknown[]): unknown[] {
  const remove = new Set(toDelete);
  return current.filter((v) => !remove.has(v));
}

function findMapInSliceBasedOnKeyValue(
  list: unknown[],
  key: string,
  value: unknown,
): { map: JsonMap; index: number } | undefined {
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (!isMap(v)) throw patchError.internal(`value for key ${i} is not a map.`);
    if (Object.hasOwn(v, key) && v[key] === value) return { map: v, index: i };
  }
  return undefined;
}

/** The upstream "clever" dedupe: a later duplicate is overwritten by the last element (order changes). */
function deduplicateScalars(s: unknown[]): unknown[] {
  let length = s.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (s[i] === s[j]) {
        s[j] = s[length];
        s.length = length;
        length--;
        j--;
      }
    }
  }
  return s;
}

/** The Go type shared by every element of the slices; lists of lists and mixed types are errors. */
function sliceElementType(...slices: unknown[][]): string {
  let prev: string | undefined;
  for (const s of slices) {
    for (const v of s) {
      const current = goTypeName(v);
      if (prev === undefined) {
        prev = current;
        if (prev === SLICE_TYPE) throw fail.listOfLists();
      } else if (prev !== current) {
        throw patchError.internal(`list element types are not identical: ${goPrint(slices)}`);
      }
    }
  }
  if (prev === undefined) throw patchError.internal("no elements in any of the given slices");
  return prev;
}

// ---- $retainKeys ----

function applyRetainKeysDirective(original: JsonMap, patch: JsonMap): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const retain = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(retain)) throw fail.retainKeysFormat();
  const keep = new Set(retain);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep.has(k)) throw fail.retainKeysMismatch();
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

// ---- $setElementOrder ----

function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf("/");
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    if (prefix === DELETE_FROM_PRIMITIVE_LIST) throw fail.primitiveListFormat();
    throw fail.setElementOrderFormat();
  }
  return s.slice(slash + 1);
}

/** Merges each `$setElementOrder/<f>` list with <f>, ordered: directive > patch > live order. */
function mergePatchIntoOriginal(original: JsonMap, patch: JsonMap, schema: PatchSchema | undefined): void {
  for (const [directiveKey, order] of Object.entries(patch)) {
    if (!directiveKey.startsWith(SET_ELEMENT_ORDER)) continue;
    delete patch[directiveKey];
    if (!Array.isArray(order)) throw fail.badArgType(SLICE_TYPE, order);
    const key = extractKey(directiveKey, SET_ELEMENT_ORDER);
    const foundOriginal = Object.hasOwn(original, key);
    const foundPatch = Object.hasOwn(patch, key);
    const originalList = listAt(original, key, foundOriginal);
    const patchList = listAt(patch, key, foundPatch);
    const field = lookupField(schema, key);
    const mergeKey = field.mergeKey ?? "";
    validatePatchWithSetOrderList(patchList, order, mergeKey);

    let merged: unknown[];
    if (foundOriginal && foundPatch) merged = mergeListField(originalList, patchList, field, false);
    else if (foundPatch) merged = stripDirectives(patchList) as unknown[];
    else if (foundOriginal) merged = originalList;
    else continue;

    const [patchItems, serverOnly] = mergeKey
      ? partitionMapsByPresentInList(merged, order, mergeKey)
      : partitionPrimitivesByPresentInList(merged, order);
    const elemType = sliceElementType(originalList, patchList);
    original[key] = normalizeElementOrder(patchItems, serverOnly, order, originalList, mergeKey, elemType);
    delete patch[key];
  }
}

function listAt(m: JsonMap, key: string, present: boolean): unknown[] {
  if (!present) return [];
  const v = m[key];
  if (!Array.isArray(v)) throw fail.badArgType(SLICE_TYPE, v);
  return v;
}

/** Every non-deleted patch item must appear in the order list, in the same relative order. */
function validatePatchWithSetOrderList(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey ? extractToDeleteItems(patchList)[0] : patchList;
  let p = 0;
  let s = 0;
  while (p < nonDelete.length && s < order.length) {
    if (isMap(nonDelete[p]) && Object.hasOwn(nonDelete[p] as JsonMap, DIRECTIVE)) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(nonDelete[p], order[s], mergeKey)) p++;
    s++;
  }
  if (p < nonDelete.length && s >= order.length) {
    throw patchError.internal(
      `The order in patch list:\n${goPrint(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goPrint(order)}\n`,
    );
  }
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (!mergeKey) return left === right;
  if (!isMap(left)) throw fail.badArgType(MAP_TYPE, left);
  if (!isMap(right)) throw fail.badArgType(MAP_TYPE, right);
  if (!Object.hasOwn(left, mergeKey)) throw fail.noMergeKey(left, mergeKey);
  if (!Object.hasOwn(right, mergeKey)) throw fail.noMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

// ---- ordering ----

function partitionPrimitivesByPresentInList(list: unknown[], partitionBy: unknown[]): [unknown[], unknown[]] {
  const inPatch = new Set(partitionBy);
  return [list.filter((v) => inPatch.has(v)), list.filter((v) => !inPatch.has(v))];
}

function partitionMapsByPresentInList(
  list: unknown[],
  partitionBy: unknown[],
  mergeKey: string,
): [unknown[], unknown[]] {
  const patch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of list) {
    if (!isMap(v)) throw fail.badArgType(MAP_TYPE, v);
    if (!Object.hasOwn(v, mergeKey)) throw fail.noMergeKey(v, mergeKey);
    if (findMapInSliceBasedOnKeyValue(partitionBy, mergeKey, v[mergeKey])) patch.push(v);
    else serverOnly.push(v);
  }
  return [patch, serverOnly];
}

/** Sorts patch items by patchOrder and server-only items by serverOrder, then interleaves them. */
function normalizeElementOrder(
  patch: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  elemType: string,
): unknown[] {
  const sortedPatch = normalizeSliceOrder(patch, patchOrder, mergeKey, elemType);
  const sortedServer = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, elemType);
  return mergeSortedSlice(sortedServer, sortedPatch, serverOrder, mergeKey, elemType);
}

function normalizeSliceOrder(
  toSort: unknown[],
  order: unknown[],
  mergeKey: string,
  elemType: string,
): unknown[] {
  let items = [...toSort];
  let toDelete: unknown[] = [];
  if (elemType === MAP_TYPE) {
    validateMergeKeyInLists(mergeKey, items, order);
    [items, toDelete] = extractToDeleteItems(items);
  }
  sliceStable(items, (a, b) => {
    const ia = indexOf(order, a, mergeKey, elemType);
    if (ia >= 0) {
      const ib = indexOf(order, b, mergeKey, elemType);
      if (ib >= 0) return ia < ib;
    }
    return true;
  });
  return [...items, ...toDelete];
}

function validateMergeKeyInLists(mergeKey: string, ...lists: unknown[][]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isMap(item)) throw fail.badArgType(MAP_TYPE, item);
      if (!Object.hasOwn(item, mergeKey)) throw fail.noMergeKey(item, mergeKey);
    }
  }
}

function extractToDeleteItems(list: unknown[]): [unknown[], unknown[]] {
  const keep: unknown[] = [];
  const toDelete: unknown[] = [];
  for (const v of list) {
    if (!isMap(v)) throw fail.badArgType(MAP_TYPE, v);
    if (v[DIRECTIVE] === "delete") toDelete.push(v);
    else keep.push(v);
  }
  return [keep, toDelete];
}

/** Index of `value` in `list`, comparing merge-key values for maps (Go interface ==; nil matches nil). */
function indexOf(list: unknown[], value: unknown, mergeKey: string, elemType: string): number {
  const key = (item: unknown) =>
    elemType === MAP_TYPE ? (isMap(item) ? (item[mergeKey] ?? null) : null) : item;
  const wanted = key(value);
  return list.findIndex((item) => key(item) === wanted);
}

/** Inserts each server-only item (left) into the patch items (right), keeping both relative orders. */
function mergeSortedSlice(
  left: unknown[],
  right: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  elemType: string,
): unknown[] {
  const less = (l: unknown, r: unknown): [boolean, boolean] => {
    const li = indexOf(serverOrder, l, mergeKey, elemType);
    const ri = indexOf(serverOrder, r, mergeKey, elemType);
    return li >= 0 && ri >= 0 ? [li < ri, true] : [false, false];
  };
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const [isLess, foundBoth] = less(left[i], right[j]);
      if (foundBoth && isLess) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

// ---- directive-free copies for values with nothing to merge into ----

const isDirectiveKey = (k: string) =>
  k === DIRECTIVE ||
  k === RETAIN_KEYS ||
  k.startsWith(`${SET_ELEMENT_ORDER}/`) ||
  k.startsWith(`${DELETE_FROM_PRIMITIVE_LIST}/`);

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v))
    return v.filter((e) => !(isMap(e) && Object.hasOwn(e, DIRECTIVE))).map(stripDirectives);
  if (!isMap(v)) return v;
  const out: JsonMap = {};
  for (const [k, child] of Object.entries(v)) {
    if (isDirectiveKey(k) || child === null) continue;
    out[k] = stripDirectives(child);
  }
  return out;
}
