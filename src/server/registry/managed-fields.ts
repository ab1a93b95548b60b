// metadata.managedFields, simplified from sigs.k8s.io/structured-merge-diff and apiserver's fieldmanager.
// A field set is a set of paths; a path is a list of upstream's FieldsV1 path elements: `f:<field>`,
// `k:<json of the merge key>` for an item of a list merged by key, `v:<json>` for an item of a set
// (a primitive list merged as a set). Atomic lists, structs and maps, scalars and empty maps are leaves
// (`f:`).
// The list shapes come from the strategic-merge metadata in patch-schema.ts.
//
// Update operations (create/update/patch) own the fields whose value they changed or added and take
// them from every other manager, without conflicts. An Apply owns exactly the fields of its
// configuration; a field another manager owns whose value the apply changes is a conflict unless forced.
import type { KubeObject } from "../../meta/types.ts";
import { lookupField, type PatchField, type PatchSchema } from "./patch-schema.ts";

export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time?: string;
  fieldsType: "FieldsV1";
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

export type FieldPath = string[];
/** A set of paths, each encoded as JSON.stringify(path). */
export type FieldSet = Set<string>;

/**
 * The fields a write's manager may own: a strategy's reset fields as structured-merge-diff's
 * fieldpath.Filter (apiserver endpoints/installer.go): `exclude` drops these paths and everything under
 * them (GetResetFields, through NewExcludeFilterSetMap); `include` keeps only what is at or under one of
 * them (GetResetFieldsFilter's prefix matchers). Paths are field names: ["metadata", "labels"].
 */
export interface FieldFilter {
  exclude?: readonly (readonly string[])[];
  include?: readonly (readonly string[])[];
}

/** "main": everything but status; "status": status only; "all": no filter; or a kind's own filter. */
export type FieldScope = "main" | "status" | "all" | FieldFilter;

const NAMED_SCOPES: Record<Exclude<FieldScope, FieldFilter>, FieldFilter> = {
  main: { exclude: [["status"]] },
  status: { include: [["status"]] },
  all: {},
};

/** A filter in path elements: the top-level fields it drops whole (never walked), and the rest. */
interface CompiledFilter {
  /** Whether the top-level field is walked at all. */
  top(name: string): boolean;
  /** Exclude paths deeper than the top level. */
  deepExclude: FieldPath[];
  /** Include prefixes; undefined keeps everything. */
  include?: FieldPath[];
  /** Whether paths below the top level need checking. */
  deep: boolean;
}

const compiledFilters = new WeakMap<FieldFilter, CompiledFilter>();

function compileFilter(scope: FieldScope): CompiledFilter {
  const filter = typeof scope === "string" ? NAMED_SCOPES[scope] : scope;
  let compiled = compiledFilters.get(filter);
  if (compiled) return compiled;
  const elements = (path: readonly string[]): FieldPath => path.map((name) => `f:${name}`);
  const droppedTop = new Set((filter.exclude ?? []).filter((p) => p.length === 1).map((p) => p[0]));
  const keptTop = filter.include ? new Set(filter.include.map((p) => p[0])) : undefined;
  const deepExclude = (filter.exclude ?? []).filter((p) => p.length > 1).map(elements);
  const include = filter.include?.map(elements);
  compiled = {
    top: (name) => !droppedTop.has(name) && (!keptTop || keptTop.has(name)),
    deepExclude,
    include,
    deep: deepExclude.length > 0 || (include?.some((p) => p.length > 1) ?? false),
  };
  compiledFilters.set(filter, compiled);
  return compiled;
}

/** No filter. */
const ALL = compileFilter("all");

const startsWith = (path: FieldPath, prefix: FieldPath) =>
  prefix.length <= path.length && prefix.every((el, i) => path[i] === el);

/** Whether a path passes the filter. */
function allowedPath(filter: CompiledFilter, path: FieldPath): boolean {
  if (path.length && path[0].startsWith("f:") && !filter.top(path[0].slice(2))) return false;
  if (filter.deepExclude.some((p) => startsWith(path, p))) return false;
  return !filter.include || filter.include.some((p) => startsWith(path, p));
}

type Kind = "leaf" | "map" | "struct" | "item";
interface Node {
  value: unknown;
  kind: Kind;
}

/** Fields no manager owns (fieldmanager's stripped fields). */
const STRIPPED_TOP = new Set(["apiVersion", "kind"]);
const STRIPPED_META = new Set([
  "name",
  "namespace",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "managedFields",
  "selfLink",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
]);

/** Go maps (map[string]T) among the fields we serve; other objects are structs. Only maps get `.`. */
const MAP_FIELDS = new Set([
  "labels",
  "annotations",
  "data",
  "binaryData",
  "stringData",
  "nodeSelector",
  "matchLabels",
  "limits",
  "requests",
  "capacity",
  "allocatable",
]);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isEmptyObject(v: Record<string, unknown>): boolean {
  for (const _ in v) return false;
  return true;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

const keyOf = (path: FieldPath): string => JSON.stringify(path);
const pathOf = (key: string): FieldPath => JSON.parse(key) as FieldPath;

/** Every path of `obj` (leaves, maps, structs, list items) with its value, within `scope`. */
export function fieldNodes(obj: unknown, schema: PatchSchema, scope: FieldScope): Map<string, Node> {
  const out = new Map<string, Node>();
  if (!isPlainObject(obj)) return out;
  const filter = compileFilter(scope);
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || STRIPPED_TOP.has(k) || !filter.top(k)) continue;
    const field = lookupField(schema, k);
    if (k === "metadata" && isPlainObject(v)) {
      const meta = Object.fromEntries(Object.entries(v).filter(([mk]) => !STRIPPED_META.has(mk)));
      if (Object.keys(meta).length) walkValue(meta, field, ["f:metadata"], "metadata", out);
      continue;
    }
    walkValue(v, field, [`f:${k}`], k, out);
  }
  if (filter.deep) for (const key of [...out.keys()]) if (!allowedPath(filter, pathOf(key))) out.delete(key);
  return out;
}

function walkObject(
  obj: Record<string, unknown>,
  schema: PatchSchema | undefined,
  path: FieldPath,
  out: Map<string, Node>,
) {
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    walkValue(v, lookupField(schema, k), [...path, `f:${k}`], k, out);
  }
}

function walkValue(v: unknown, field: PatchField, path: FieldPath, name: string, out: Map<string, Node>) {
  if (field.atomic) {
    out.set(keyOf(path), { value: v, kind: "leaf" });
    return;
  }
  if (isPlainObject(v) && Object.keys(v).length > 0) {
    out.set(keyOf(path), { value: v, kind: MAP_FIELDS.has(name) ? "map" : "struct" });
    walkObject(v, field.schema, path, out);
    return;
  }
  if (Array.isArray(v) && v.length > 0 && field.strategy === "merge") {
    const mergeKey = field.mergeKey;
    if (mergeKey && v.every((item) => isPlainObject(item) && item[mergeKey] !== undefined)) {
      out.set(keyOf(path), { value: v, kind: "struct" });
      for (const item of v as Record<string, unknown>[]) {
        const itemPath = [...path, `k:${JSON.stringify(listItemKey(item, field))}`];
        out.set(keyOf(itemPath), { value: item, kind: "item" });
        walkObject(item, field.schema, itemPath, out);
      }
      return;
    }
    if (!mergeKey && v.every((item) => !isPlainObject(item) && !Array.isArray(item))) {
      out.set(keyOf(path), { value: v, kind: "map" });
      for (const item of v)
        out.set(keyOf([...path, `v:${JSON.stringify(item)}`]), { value: item, kind: "leaf" });
      return;
    }
  }
  out.set(keyOf(path), { value: v, kind: "leaf" });
}

const keyNames = new WeakMap<PatchField, string[]>();

/**
 * The `k:` element of a list item: every list-map key (upstream's `+listMapKey`, e.g. containerPort and
 * protocol), a key field the item omits at its default, field names in order (fieldpath's FieldList).
 */
export function listItemKey(item: Record<string, unknown>, field: PatchField): Record<string, unknown> {
  let names = keyNames.get(field);
  if (!names) {
    names = [...(field.mapKeys ?? [field.mergeKey as string])].sort();
    keyNames.set(field, names);
  }
  const key: Record<string, unknown> = {};
  for (const name of names) {
    const value = item[name] ?? field.mapKeyDefaults?.[name];
    if (value !== undefined && value !== null) key[name] = value;
  }
  return key;
}

/** The fields an apply configuration sets: leaves and list items (not the maps and structs holding them). */
export function appliedFieldSet(config: unknown, schema: PatchSchema, scope: FieldScope): FieldSet {
  const set: FieldSet = new Set();
  for (const [k, n] of fieldNodes(config, schema, scope))
    if (n.kind === "leaf" || n.kind === "item") set.add(k);
  return set;
}

/** What an Update from `before` to `after` makes its manager own: changed leaves and added fields. */
export function changedFieldSet(before: Map<string, Node>, after: Map<string, Node>): FieldSet {
  const set: FieldSet = new Set();
  for (const [k, n] of after) {
    const old = before.get(k);
    if (!old) {
      if (n.kind !== "struct") set.add(k);
    } else if (n.kind === "leaf" && !deepEqual(old.value, n.value)) set.add(k);
  }
  return set;
}

// ---- FieldsV1 encoding ----

interface Tree {
  member: boolean;
  children: Map<string, Tree>;
}

export function encodeFieldSet(set: FieldSet): Record<string, unknown> {
  const root: Tree = { member: false, children: new Map() };
  for (const key of set) {
    let node = root;
    for (const el of pathOf(key)) {
      let child = node.children.get(el);
      if (!child) {
        child = { member: false, children: new Map() };
        node.children.set(el, child);
      }
      node = child;
    }
    node.member = true;
  }
  const ser = (node: Tree): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    if (node.member && node.children.size) o["."] = {};
    for (const k of [...node.children.keys()].sort()) o[k] = ser(node.children.get(k) as Tree);
    return o;
  };
  return ser(root);
}

export function decodeFieldSet(fieldsV1: unknown): FieldSet {
  const set: FieldSet = new Set();
  const walk = (o: unknown, path: FieldPath) => {
    if (!isPlainObject(o)) return;
    for (const [k, v] of Object.entries(o)) {
      if (k === ".") set.add(keyOf(path));
      else if (isPlainObject(v) && Object.keys(v).length === 0) set.add(keyOf([...path, k]));
      else walk(v, [...path, k]);
    }
  };
  walk(fieldsV1, []);
  return set;
}

/** fieldpath.Path.String(): `.spec.containers[name="web"].image`, `.metadata.finalizers[="x"]`. */
export function pathString(key: string): string {
  return pathOf(key)
    .map((el) => {
      if (el.startsWith("f:")) return `.${el.slice(2)}`;
      if (el.startsWith("k:")) {
        const fields = JSON.parse(el.slice(2)) as Record<string, unknown>;
        return `[${Object.entries(fields)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(",")}]`;
      }
      if (el.startsWith("v:")) return `[=${el.slice(2)}]`;
      return el;
    })
    .join("");
}

// ---- managers ----

interface Managed {
  entry: ManagedFieldsEntry;
  set: FieldSet;
}

const identity = (e: { manager: string; operation: string; subresource?: string }) =>
  `${e.manager}\u0000${e.operation}\u0000${e.subresource ?? ""}`;

export function managedFieldsOf(obj: KubeObject | undefined): ManagedFieldsEntry[] {
  const mf = (obj?.metadata as { managedFields?: unknown } | undefined)?.managedFields;
  return Array.isArray(mf) ? (mf as ManagedFieldsEntry[]) : [];
}

function decodeAll(entries: ManagedFieldsEntry[]): Managed[] {
  return entries
    .filter((e) => isPlainObject(e) && typeof e.manager === "string")
    .map((e) => ({ entry: e, set: decodeFieldSet(e.fieldsV1) }));
}

function encodeAll(managed: Managed[]): ManagedFieldsEntry[] {
  return managed
    .filter((m) => m.set.size > 0)
    .map((m) => ({ ...m.entry, fieldsType: "FieldsV1" as const, fieldsV1: encodeFieldSet(m.set) }));
}

function subtract(set: FieldSet, remove: Iterable<string>) {
  for (const k of remove) set.delete(k);
}

export interface Writer {
  manager: string;
  apiVersion: string;
  time: string;
  subresource?: string;
  schema: PatchSchema;
  scope: FieldScope;
}

function entryFor<M extends { entry: ManagedFieldsEntry }>(
  managed: M[],
  w: Writer,
  operation: "Apply" | "Update",
  create: (entry: ManagedFieldsEntry) => M,
): M {
  const id = identity({ manager: w.manager, operation, subresource: w.subresource });
  let m = managed.find((x) => identity(x.entry) === id);
  if (!m) {
    m = create({
      manager: w.manager,
      operation,
      apiVersion: w.apiVersion,
      fieldsType: "FieldsV1",
      fieldsV1: {},
    });
    managed.push(m);
  }
  m.entry = {
    manager: w.manager,
    operation,
    apiVersion: w.apiVersion,
    time: w.time,
    fieldsType: "FieldsV1",
    fieldsV1: {},
    ...(w.subresource ? { subresource: w.subresource } : {}),
  };
  return m;
}

/** Drops owned paths that no longer exist in the object (any scope). */
function prune(managed: Managed[], obj: unknown, schema: PatchSchema) {
  const present = fieldNodes(obj, schema, "all");
  for (const m of managed) for (const k of [...m.set]) if (!present.has(k)) m.set.delete(k);
}

/**
 * managedFields after an Update operation by `w` from `before` (absent on create) to `after`, the object
 * to store. `requested` is the object the request asked for, when a subresource strategy then resets part
 * of it (a /status write's spec): upstream's field manager compares the request's whole object with the
 * live one and filters what the manager may own with the strategy's reset fields (`w.scope`).
 */
export function updateManagedFields(
  before: KubeObject | undefined,
  after: KubeObject,
  w: Writer,
  requested: KubeObject = after,
): ManagedFieldsEntry[] {
  // The same sets as appliedFieldSet/changedFieldSet/prune compute, as trees of path elements: one walk of
  // each object and no encoded path strings (this runs on every write).
  const managed: ManagedTree[] = managedFieldsOf(after)
    .filter((e) => isPlainObject(e) && typeof e.manager === "string")
    .map((e) => ({ entry: e, set: decodeFieldTree(e.fieldsV1), touched: false }));
  const filter = compileFilter(w.scope);
  const present = valueTree(after, w.schema, ALL);
  const compared = requested === after ? present : valueTree(requested, w.schema, filter);
  const changed = changedFieldTree(valueTree(before ?? {}, w.schema, filter), compared, filter);
  const id = identity({ manager: w.manager, operation: "Update", subresource: w.subresource });
  if (changed)
    for (const m of managed) if (identity(m.entry) !== id && subtractTree(m.set, changed)) m.touched = true;
  if (changed || managed.some((m) => identity(m.entry) === id)) {
    const mine = entryFor(
      managed,
      w,
      "Update",
      (entry): ManagedTree => ({
        entry,
        set: { member: false },
        touched: true,
      }),
    );
    mine.touched = true;
    // A new entry (every create) takes the changed set as it is.
    if (changed && !mine.set.member && !mine.set.children) mine.set = changed;
    else if (changed) addTree(mine.set, changed);
    // The updater filters the manager's whole set, not only what this write changed.
    mine.set = filterTree(mine.set, filter) ?? { member: false };
  }
  const entries: ManagedFieldsEntry[] = [];
  for (const m of managed) {
    if (pruneTree(m.set, present)) m.touched = true;
    // An entry this write left alone keeps its FieldsV1 when that is already what encoding gives.
    const fieldsV1 =
      !m.touched && isEncodedFieldSet(m.entry.fieldsV1, true) ? m.entry.fieldsV1 : encodeFieldTree(m.set);
    if (fieldsV1) entries.push({ ...m.entry, fieldsType: "FieldsV1" as const, fieldsV1 });
  }
  return entries;
}

// ---- field sets as trees (the Update path) ----

/** A field set shaped like FieldsV1: `member` says the path to this node is in the set. */
interface FieldTree {
  member: boolean;
  children?: Map<string, FieldTree>;
}

/** A field path of an object (fieldNodes' Node) with the paths under it. The root stands for no path. */
interface ValueTree extends Node {
  children?: Map<string, ValueTree>;
}

interface ManagedTree {
  entry: ManagedFieldsEntry;
  set: FieldTree;
  /** Whether this write changed the set. */
  touched: boolean;
}

/** fieldNodes as a tree: the same paths, kinds and values. A path set twice (items with one merge key)
 * takes the last value and keeps the paths found under both, as the map of fieldNodes does. */
function valueTree(obj: unknown, schema: PatchSchema, filter: CompiledFilter): ValueTree {
  const root: ValueTree = { value: obj, kind: "struct" };
  if (!isPlainObject(obj)) return root;
  for (const k in obj) {
    const v = obj[k];
    if (v === undefined || STRIPPED_TOP.has(k) || !filter.top(k)) continue;
    const field = lookupField(schema, k);
    if (k === "metadata" && isPlainObject(v)) {
      const meta = Object.fromEntries(Object.entries(v).filter(([mk]) => !STRIPPED_META.has(mk)));
      if (Object.keys(meta).length) walkTree(root, "f:metadata", meta, field, "metadata");
      continue;
    }
    walkTree(root, fieldElement(k), v, field, k);
  }
  return root;
}

const fieldElements = new Map<string, string>();

/** `f:<name>`, interned: the same few hundred field names recur in every object. */
function fieldElement(name: string): string {
  let element = fieldElements.get(name);
  if (element === undefined) {
    element = `f:${name}`;
    if (fieldElements.size < 10_000) fieldElements.set(name, element);
  }
  return element;
}

function childNode(parent: ValueTree, element: string, value: unknown, kind: Kind): ValueTree {
  parent.children ??= new Map();
  const node = parent.children.get(element);
  if (!node) {
    const created: ValueTree = { value, kind };
    parent.children.set(element, created);
    return created;
  }
  node.value = value;
  node.kind = kind;
  return node;
}

function walkTreeObject(node: ValueTree, obj: Record<string, unknown>, schema: PatchSchema | undefined) {
  for (const k in obj) {
    const v = obj[k];
    if (v !== undefined) walkTree(node, fieldElement(k), v, lookupField(schema, k), k);
  }
}

/** walkValue of `v` at `parent`'s path + `element`. */
function walkTree(parent: ValueTree, element: string, v: unknown, field: PatchField, name: string) {
  if (field.atomic) {
    childNode(parent, element, v, "leaf");
    return;
  }
  if (isPlainObject(v)) {
    if (!isEmptyObject(v)) {
      const node = childNode(parent, element, v, MAP_FIELDS.has(name) ? "map" : "struct");
      walkTreeObject(node, v, field.schema);
      return;
    }
  } else if (Array.isArray(v) && v.length > 0 && field.strategy === "merge") {
    const mergeKey = field.mergeKey;
    if (mergeKey && v.every((item) => isPlainObject(item) && item[mergeKey] !== undefined)) {
      const node = childNode(parent, element, v, "struct");
      for (const item of v as Record<string, unknown>[]) {
        const itemNode = childNode(node, `k:${JSON.stringify(listItemKey(item, field))}`, item, "item");
        walkTreeObject(itemNode, item, field.schema);
      }
      return;
    }
    if (!mergeKey && v.every((item) => !isPlainObject(item) && !Array.isArray(item))) {
      const node = childNode(parent, element, v, "map");
      for (const item of v) childNode(node, `v:${JSON.stringify(item)}`, item, "leaf");
      return;
    }
  }
  childNode(parent, element, v, "leaf");
}

/** changedFieldSet of the two trees (`after` limited to `filter`); undefined when nothing changed. */
function changedFieldTree(
  before: ValueTree,
  after: ValueTree,
  filter: CompiledFilter,
): FieldTree | undefined {
  const children = new Map<string, FieldTree>();
  for (const [element, a] of after.children ?? []) {
    if (!filter.top(element.slice(2))) continue;
    const sub = changedBelow(before.children?.get(element), a);
    if (sub) children.set(element, sub);
  }
  return children.size ? filterTree({ member: false, children }, filter) : undefined;
}

/** The set without the paths `filter` drops below the top level; undefined when nothing is left. */
function filterTree(set: FieldTree, filter: CompiledFilter): FieldTree | undefined {
  if (set.children)
    for (const element of [...set.children.keys()])
      if (element.startsWith("f:") && !filter.top(element.slice(2))) set.children.delete(element);
  if (filter.deep) {
    for (const path of filter.deepExclude) cutPath(set, path);
    if (filter.include) {
      const kept: FieldTree = { member: false };
      for (const path of filter.include) {
        const node = nodeAt(set, path);
        if (node) graftAt(kept, path, node);
      }
      set = kept;
    }
  }
  return set.member || set.children?.size ? set : undefined;
}

function nodeAt(set: FieldTree, path: FieldPath): FieldTree | undefined {
  let node: FieldTree | undefined = set;
  for (const element of path) node = node?.children?.get(element);
  return node;
}

function cutPath(set: FieldTree, path: FieldPath): void {
  const parent = nodeAt(set, path.slice(0, -1));
  parent?.children?.delete(path[path.length - 1]);
}

function graftAt(set: FieldTree, path: FieldPath, node: FieldTree): void {
  let at = set;
  for (const element of path.slice(0, -1)) {
    at.children ??= new Map();
    let child = at.children.get(element);
    if (!child) {
      child = { member: false };
      at.children.set(element, child);
    }
    at = child;
  }
  at.children ??= new Map();
  at.children.set(path[path.length - 1], node);
}

function changedBelow(before: ValueTree | undefined, after: ValueTree): FieldTree | undefined {
  const member = before
    ? after.kind === "leaf" && !deepEqual(before.value, after.value)
    : after.kind !== "struct";
  let children: Map<string, FieldTree> | undefined;
  for (const [element, a] of after.children ?? []) {
    const sub = changedBelow(before?.children?.get(element), a);
    if (!sub) continue;
    children ??= new Map();
    children.set(element, sub);
  }
  if (!member && !children) return undefined;
  return children ? { member, children } : { member };
}

/** decodeFieldSet as a tree. */
function decodeFieldTree(fieldsV1: unknown): FieldTree {
  const tree: FieldTree = { member: false };
  if (!isPlainObject(fieldsV1)) return tree;
  for (const k in fieldsV1) {
    const v = fieldsV1[k];
    if (k === ".") tree.member = true;
    else if (isPlainObject(v)) {
      tree.children ??= new Map();
      // An empty object is a member (a leaf).
      tree.children.set(k, isEmptyObject(v) ? { member: true } : decodeFieldTree(v));
    }
  }
  return tree;
}

/** Removes `remove`'s paths from `set`; whether any was there. */
function subtractTree(set: FieldTree, remove: FieldTree): boolean {
  let removed = false;
  if (remove.member && set.member) {
    set.member = false;
    removed = true;
  }
  if (!set.children) return removed;
  for (const [element, r] of remove.children ?? []) {
    const child = set.children.get(element);
    if (child && subtractTree(child, r)) removed = true;
  }
  return removed;
}

function addTree(set: FieldTree, add: FieldTree): void {
  if (add.member) set.member = true;
  for (const [element, a] of add.children ?? []) {
    set.children ??= new Map();
    let child = set.children.get(element);
    if (!child) {
      child = { member: false };
      set.children.set(element, child);
    }
    addTree(child, a);
  }
}

/** prune: drops owned paths the object does not have (the root is no path of it); whether any went. */
function pruneTree(set: FieldTree, present: ValueTree, root = true): boolean {
  let pruned = false;
  if (root && set.member) {
    set.member = false;
    pruned = true;
  }
  if (!set.children) return pruned;
  for (const [element, child] of set.children) {
    const node = present.children?.get(element);
    if (!node) {
      set.children.delete(element);
      pruned = true;
    } else if (pruneTree(child, node, false)) pruned = true;
  }
  return pruned;
}

/**
 * Whether `fieldsV1` is exactly what encodeFieldTree gives for the set it decodes to: path elements in
 * sorted order, "." first and only beside children, every leaf `{}`, no empty root.
 */
function isEncodedFieldSet(fieldsV1: unknown, root: boolean): boolean {
  if (!isPlainObject(fieldsV1)) return false;
  const keys = Object.keys(fieldsV1);
  if (keys.length === 0) return !root;
  let i = 0;
  if (keys[0] === ".") {
    if (root || keys.length === 1 || !isPlainObject(fieldsV1["."]) || !isEmptyObject(fieldsV1["."]))
      return false;
    i = 1;
  }
  let previous = "";
  for (; i < keys.length; i++) {
    const key = keys[i];
    if (!ELEMENT.test(key) || (i > 0 && key <= previous)) return false;
    if (!isEncodedFieldSet(fieldsV1[key], false)) return false;
    previous = key;
  }
  return true;
}

/** A path element's prefix (fieldpath's `f:`, `k:`, `v:`, `i:`): never an array index's key order. */
const ELEMENT = /^[fkvi]:/;

/** encodeFieldSet of a tree; undefined when it holds no path. */
function encodeFieldTree(set: FieldTree): Record<string, unknown> | undefined {
  const o: Record<string, unknown> = {};
  let children = false;
  if (set.children) {
    const elements = [...set.children.keys()];
    if (elements.length > 1) elements.sort();
    for (const element of elements) {
      const encoded = encodeFieldTree(set.children.get(element) as FieldTree);
      if (!encoded) continue;
      if (!children && set.member) o["."] = {};
      children = true;
      o[element] = encoded;
    }
  }
  if (!set.member && !children) return undefined;
  return o;
}

export interface Conflict {
  manager: ManagedFieldsEntry;
  path: string;
}

export class ApplyConflictError extends Error {
  readonly conflicts: Conflict[];
  constructor(conflicts: Conflict[]) {
    super(conflictMessage(conflicts));
    this.conflicts = conflicts;
  }
}

/** apiserver fieldmanager printManager: the manager identifier has no time, and an applier no apiVersion. */
export function printManager(e: ManagedFieldsEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === "Update") s += ` using ${e.apiVersion}`;
  return s;
}

/** apiserver fieldmanager getConflictMessage. */
export function conflictMessage(conflicts: Conflict[]): string {
  if (conflicts.length === 1) {
    return `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].manager)}: ${conflicts[0].path}`;
  }
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const m = printManager(c.manager);
    byManager.set(m, [...(byManager.get(m) ?? []), c.path]);
  }
  const messages: string[] = [];
  for (const m of [...byManager.keys()].sort()) {
    messages.push(`conflicts with ${m}:`);
    for (const p of byManager.get(m) ?? []) messages.push(`- ${p}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${messages.join("\n")}`;
}

/**
 * Apply by `w` of `config` onto `live`, where `merged` is the configuration merged onto the live object.
 * Returns the object to store (fields this applier dropped removed) with its managedFields; throws
 * ApplyConflictError when the apply changes fields other managers own, unless `force`.
 */
export function applyManagedFields(
  live: KubeObject,
  config: unknown,
  merged: KubeObject,
  w: Writer,
  force: boolean,
): KubeObject {
  const managed = decodeAll(managedFieldsOf(live));
  const applied = appliedFieldSet(config, w.schema, w.scope);
  const liveNodes = fieldNodes(live, w.schema, w.scope);
  const changed = changedFieldSet(liveNodes, fieldNodes(merged, w.schema, w.scope));
  const id = identity({ manager: w.manager, operation: "Apply", subresource: w.subresource });
  const others = managed.filter((m) => identity(m.entry) !== id);

  const conflicts: Conflict[] = [];
  for (const m of others) {
    for (const k of m.set) {
      if (changed.has(k) && liveNodes.has(k)) conflicts.push({ manager: m.entry, path: pathString(k) });
    }
  }
  if (conflicts.length && !force) throw new ApplyConflictError(conflicts);
  if (force) for (const m of others) subtract(m.set, changed);

  const previous = managed.find((m) => identity(m.entry) === id)?.set ?? new Set<string>();
  const ownedByOthers = new Set<string>();
  for (const m of others) for (const k of m.set) ownedByOthers.add(k);
  const result = structuredClone(merged);
  const dropped = [...previous]
    .filter((k) => !applied.has(k) && !ownedByOthers.has(k))
    .filter((k) => ![...ownedByOthers].some((o) => o.startsWith(`${k.slice(0, -1)},`)));
  // Outermost first; a path under a removed list item or field goes with it.
  const removed: string[] = [];
  for (const k of dropped.sort((a, b) => a.length - b.length)) {
    if (removed.some((r) => k.startsWith(`${r.slice(0, -1)},`))) continue;
    removePath(result, pathOf(k), w.schema);
    removed.push(k);
  }

  const mine = entryFor(managed, w, "Apply", (entry) => ({ entry, set: new Set<string>() }));
  mine.set = new Set(applied);
  const metadata = { ...(result.metadata ?? {}) } as Record<string, unknown>;
  result.metadata = metadata;
  prune(managed, result, w.schema);
  metadata.managedFields = encodeAll(managed);
  return result;
}

function removePath(obj: unknown, path: FieldPath, schema: PatchSchema): void {
  let node: unknown = obj;
  let field: PatchField = { schema };
  for (let i = 0; i < path.length; i++) {
    const el = path[i];
    const last = i === path.length - 1;
    if (el.startsWith("f:")) {
      if (!isPlainObject(node)) return;
      if (last) {
        delete node[el.slice(2)];
        return;
      }
      node = node[el.slice(2)];
      field = lookupField(field.schema, el.slice(2));
      continue;
    }
    if (!Array.isArray(node)) return;
    const list = node;
    let idx = -1;
    if (el.startsWith("k:")) {
      const key = JSON.stringify(JSON.parse(el.slice(2)));
      idx = list.findIndex((item) => isPlainObject(item) && JSON.stringify(listItemKey(item, field)) === key);
    } else if (el.startsWith("v:")) {
      const v = JSON.parse(el.slice(2)) as unknown;
      idx = list.findIndex((item) => deepEqual(item, v));
    }
    if (idx < 0) return;
    if (last) {
      list.splice(idx, 1);
      return;
    }
    node = list[idx];
    field = { schema: field.schema };
  }
}

/** The manager of a non-apply write: fieldManager, else the User-Agent's product token (upstream's prefix). */
export function managerFor(fieldManager: string | null | undefined, userAgent: string | undefined): string {
  if (fieldManager) return fieldManager;
  const prefix = (userAgent ?? "").split("/")[0];
  return prefix.slice(0, 128);
}

/** Keeps the stored managedFields when a write changed nothing but timestamps (IgnoreManagedFieldsTimestampsTransformer). */
export function sameExceptTimes(old: KubeObject, next: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const {
      managedFields: _m,
      resourceVersion: _rv,
      ...meta
    } = (o.metadata ?? {}) as Record<string, unknown>;
    return { ...o, metadata: meta };
  };
  if (!deepEqual(strip(old), strip(next))) return false;
  const noTime = (o: KubeObject) => managedFieldsOf(o).map(({ time: _t, ...e }) => e);
  return deepEqual(noTime(old), noTime(next));
}
