// The ResourceDefs of a CustomResourceDefinition: one per served version, under the CRD's accepted
// names (k8s.io/apiextensions-apiserver pkg/apiserver/customresource_handler.go and
// customresource_discovery_controller.go). Each carries the write path of its version's structural
// schema — decode (drop non-nullable nulls, default, prune; unknown fields reported per
// fieldValidation), validate (schema, list types, CEL rules), the Table of additionalPrinterColumns
// (pkg/registry/customresource/tableconvertor) — and the status/scale subresources.
import { Status } from "../../meta/status.ts";
import type { KubeObject, StoredObject } from "../../meta/types.ts";
import { ApiStatusError } from "../http/errors.ts";
import { asMap, asMaps, asString, asStrings, deepEqual, isMap } from "../registry/json-access.ts";
import type { PatchField, PatchSchema } from "../registry/patch-schema.ts";
import { NAME_COLUMN, OBJECT_META_DOCS } from "../registry/printers/columns.ts";
import { since } from "../registry/printers/format.ts";
import type { Printer, TableColumn } from "../registry/tables.ts";
import { type FieldCause, groupVersion, type ResourceDef, type SubresourceDef } from "../registry/types.ts";
import { findResults } from "./jsonpath.ts";
import { hasRules, validateRules } from "./rules.ts";
import {
  applyDefaults,
  prune,
  pruneNulls,
  type Schema,
  validateEmbedded,
  validateListTypes,
  validateValue,
} from "./schema.ts";

/** The verbs (in the CRD discovery controller's order) every custom resource serves. */
export const CR_VERBS = ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"];
const SUBRESOURCE_VERBS = ["get", "patch", "update"];

export interface ScalePaths {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/** A CRD version's served def, with what the CR handlers need beyond the kind contract. */
export interface CustomResourceDef extends ResourceDef {
  crd: string;
  /** The CRD's storage version: objects are stored with its apiVersion whichever version wrote them. */
  storageVersion: string;
  schema?: Schema;
  scale?: ScalePaths;
  /** Merge metadata for server-side apply: list-type map keys, sets, atomic maps (from the schema). */
  patchSchema: PatchSchema;
  /** Whether the CRD is being deleted (crdHandler then refuses creates); set by the CRD controller. */
  terminating?: () => boolean;
  /** Decoding as crdHandler's codec does: returns the object to store and the unknown field paths. */
  decode(obj: KubeObject): { object: KubeObject; unknownFields: string[] };
}

export function isCustomResourceDef(
  def: Pick<ResourceDef, "group" | "version" | "kind">,
): def is CustomResourceDef {
  return typeof (def as CustomResourceDef).crd === "string";
}

/** crdHandler.serveResource: no creates while the CRD is terminating (405, upstream's message). */
export function checkNotTerminating(def: ResourceDef): void {
  if (!isCustomResourceDef(def) || !def.terminating?.()) return;
  const status = Status.methodNotSupported(def.resource, def.group, "create");
  status.message = "create not allowed while custom resource definition is terminating";
  throw new ApiStatusError(status);
}

/** The value at a simple JSON path (".spec.replicas") of an object, or undefined. */
export function valueAt(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.replace(/^\./, "").split(".")) {
    if (!isMap(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** Sets a simple JSON path, creating maps on the way. */
export function setAt(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.replace(/^\./, "").split(".");
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    if (!isMap(cur[part])) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

/** kube-apiserver's served versions order: GA > beta > alpha, higher first (version.CompareKubeAwareVersionStrings). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0, v] as const;
    const stability = m[2] === "alpha" ? 1 : m[2] === "beta" ? 2 : 3;
    return [3, stability, Number(m[1]), Number(m[3] ?? 0)] as const;
  };
  const [ka, sa, ma, na] = parse(a);
  const [kb, sb, mb, nb] = parse(b);
  if (ka !== kb) return kb - ka;
  if (ka === 0) return a < b ? -1 : a > b ? 1 : 0;
  if (sa !== sb) return (sb as number) - (sa as number);
  if (ma !== mb) return (mb as number) - (ma as number);
  return (nb as number) - (na as number);
}

/** Table cells for one column type (tableconvertor.go cellForJSONValue). */
function cellFor(type: string, value: unknown, now: number): unknown {
  if (value === undefined || value === null) return null;
  switch (type) {
    case "integer":
      return typeof value === "number" ? Math.trunc(value) : null;
    case "number":
      return typeof value === "number" ? value : null;
    case "boolean":
      return typeof value === "boolean" ? value : null;
    case "date":
      if (typeof value !== "string") return null;
      return Number.isNaN(Date.parse(value)) ? "<invalid>" : since(value, now);
    default:
      return null;
  }
}

interface Column {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

const DEFAULT_COLUMNS: Column[] = [
  {
    name: "Age",
    type: "date",
    description: OBJECT_META_DOCS.creationTimestamp,
    jsonPath: ".metadata.creationTimestamp",
  },
];

/** The Table of a version's additionalPrinterColumns (Name first; Age when the CRD declares none). */
export function printerFor(columns: Column[]): Printer {
  const cols = columns.length ? columns : DEFAULT_COLUMNS;
  const defs: TableColumn[] = [
    NAME_COLUMN,
    ...cols.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? "",
      description: c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
      priority: c.priority ?? 0,
    })),
  ];
  return {
    columns: defs,
    cells: (obj, now) => [
      obj.metadata?.name ?? "",
      ...cols.map((c) => {
        const found = findResults(obj, c.jsonPath);
        if (found.length === 0) return null;
        const v = found[0];
        if (c.type !== "string") return cellFor(c.type, v, now);
        // jsonpath's PrintResults: strings raw, other values as JSON.
        return typeof v === "string" ? v : JSON.stringify(v);
      }),
    ],
  };
}

/**
 * The custom resource strategy's PrepareForCreate/Update (pkg/registry/customresource/strategy.go):
 * generation starts at 1 and grows with any change outside metadata (and status, when it is a
 * subresource) — not only spec.
 */
export function prepareCustomResource(
  obj: KubeObject,
  old: StoredObject | undefined,
  statusSubresource: boolean,
): void {
  obj.metadata ??= {};
  if (!old) {
    obj.metadata.generation = 1;
    return;
  }
  const content = (o: KubeObject) => {
    const { metadata: _m, apiVersion: _a, status, ...rest } = o;
    return JSON.parse(JSON.stringify(statusSubresource ? rest : { ...rest, status })) as unknown;
  };
  const changed = !deepEqual(content(obj), content(old));
  obj.metadata.generation = (old.metadata.generation ?? 0) + (changed ? 1 : 0);
}

/** ValidateCustomResource + list types + CEL rules, on a decoded object. */
export function validateCustomResource(
  obj: KubeObject,
  old: StoredObject | undefined,
  schema: Schema | undefined,
): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!schema) return errs;
  const body: Record<string, unknown> = { ...obj };
  delete body.metadata;
  validateValue(body, { ...schema, properties: withoutMetadata(schema.properties) }, "", errs);
  // A root metadata schema may constrain name and generateName only (objectmeta/validation.go).
  const metaSchema = schema.properties?.metadata?.properties;
  if (metaSchema) {
    const meta = obj.metadata ?? {};
    const props = Object.fromEntries(
      Object.entries(metaSchema).filter(([k]) => k === "name" || k === "generateName"),
    );
    validateValue(
      { name: meta.name, generateName: meta.generateName },
      { type: "object", properties: props },
      "metadata",
      errs,
    );
  }
  validateEmbedded(obj, schema, "", errs);
  validateListTypes(obj, schema, "", errs);
  if (hasRules(schema)) validateRules(obj, old, schema, "<nil>", errs, old !== undefined);
  return old ? errs.filter((e) => !ratcheted(e, obj, old)) : errs;
}

/**
 * Validation ratcheting (CRDValidationRatcheting, GA in 1.33): on update, an error about a value that did
 * not change from the old object is dropped, so objects stored under an older, looser schema stay
 * updatable. A Required error belongs to its parent object. Values are correlated by property and map
 * key; inside a list only when the whole list is unchanged (upstream also correlates list-type=map
 * items by key, so this ratchets no more than upstream does).
 */
function ratcheted(e: FieldCause, obj: KubeObject, old: StoredObject): boolean {
  let path = parsePath(e.field);
  if (!path || e.field === "<nil>") return false; // the root (with its metadata) always changes
  if (e.type === "FieldValueRequired") path = path.slice(0, -1);
  const listAt = path.findIndex((p) => typeof p === "number");
  if (listAt >= 0) path = path.slice(0, listAt);
  if (path.length === 0 || path[0] === "metadata") return false;
  const now = at(obj, path);
  const was = at(old, path);
  return now !== undefined && was !== undefined && deepEqual(now, was);
}

/** "spec.a[0].b" / "spec.labels[key]" → ["spec", "a", 0, "b"] / ["spec", "labels", "key"]. */
function parsePath(field: string): (string | number)[] | undefined {
  const out: (string | number)[] = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[([^\]]*)\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else out.push(/^\d+$/.test(m[2]) ? Number(m[2]) : m[2]);
  }
  return out.length ? out : undefined;
}

function at(obj: unknown, path: (string | number)[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (typeof p === "number") cur = Array.isArray(cur) ? cur[p] : undefined;
    else cur = isMap(cur) ? cur[p] : undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

function withoutMetadata(props: Record<string, Schema> | undefined): Record<string, Schema> | undefined {
  if (!props?.metadata) return props;
  const { metadata: _, ...rest } = props;
  return rest;
}

/** The served defs of a CRD (its accepted names; one per served version). */
export function customResourceDefs(crd: KubeObject): CustomResourceDef[] {
  const spec = asMap(crd.spec);
  const names = asMap(asMap(crd.status).acceptedNames);
  const plural = asString(names.plural);
  if (!plural) return [];
  const group = asString(spec.group);
  const kind = asString(names.kind);
  const versions = asMaps(spec.versions)
    .filter((v) => v.served === true)
    .sort((a, b) => compareVersions(asString(a.name), asString(b.name)));
  return versions.map((v) => {
    const schema = asMap(v.schema).openAPIV3Schema as Schema | undefined;
    const sub = asMap(v.subresources);
    const subresources: SubresourceDef[] = [];
    if (isMap(sub.status)) subresources.push({ name: "status", kind, verbs: SUBRESOURCE_VERBS });
    const scale = isMap(sub.scale) ? (sub.scale as unknown as ScalePaths) : undefined;
    if (scale)
      subresources.push({
        name: "scale",
        kind: "Scale",
        group: "autoscaling",
        version: "v1",
        verbs: SUBRESOURCE_VERBS,
      });
    const selectable = asMaps(v.selectableFields).map((f) => asString(f.jsonPath));
    const shortNames = asStrings(names.shortNames);
    const categories = asStrings(names.categories);
    const def: CustomResourceDef = {
      crd: crd.metadata?.name ?? "",
      storageVersion: storageVersionOf(crd),
      group,
      version: asString(v.name),
      resource: plural,
      singular: asString(names.singular) || kind.toLowerCase(),
      kind,
      listKind: asString(names.listKind) || `${kind}List`,
      namespaced: spec.scope === "Namespaced",
      ...(shortNames.length ? { shortNames } : {}),
      ...(categories.length ? { categories } : {}),
      verbs: CR_VERBS,
      ...(subresources.length ? { subresources } : {}),
      ...(selectable.length
        ? {
            selectableFields: Object.fromEntries(
              selectable.map((p) => [
                p.replace(/^\./, ""),
                (o: KubeObject) => {
                  const x = valueAt(o, p);
                  return x === undefined || x === null ? "" : String(x);
                },
              ]),
            ),
          }
        : {}),
      schema,
      scale,
      patchSchema: patchSchemaOf(schema),
      printer: printerFor(asMaps(v.additionalPrinterColumns) as unknown as Column[]),
      prepare: (obj, old) => prepareCustomResource(obj, old, isMap(sub.status)),
      validate: (obj, old) => validateCustomResource(obj, old, schema),
      decode: (obj) => {
        const object = structuredClone(obj) as Record<string, unknown>;
        pruneNulls(object, schema);
        applyDefaults(object, schema);
        const unknownFields = prune(object, schema);
        return { object: object as KubeObject, unknownFields };
      },
    };
    return def;
  });
}

const OBJECT_META_PATCH: PatchField = {
  schema: {
    fields: { finalizers: { strategy: "merge" }, ownerReferences: { strategy: "merge", mergeKey: "uid" } },
  },
};

/** How server-side apply merges a custom resource (structured-merge-diff over the CRD schema): lists
 * of x-kubernetes-list-type map merge by their key, sets as sets, everything else atomic; maps merge
 * key by key unless x-kubernetes-map-type is atomic. (A list-type map with several keys is merged by
 * its first key.) */
export function patchSchemaOf(schema: Schema | undefined): PatchSchema {
  const root = schema ? objectPatchSchema(schema) : {};
  return { ...root, fields: { ...root.fields, metadata: OBJECT_META_PATCH } };
}

function objectPatchSchema(s: Schema): PatchSchema {
  const out: PatchSchema = {};
  if (s.properties)
    out.fields = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, patchField(v)]));
  if (isMap(s.additionalProperties)) out.values = patchField(s.additionalProperties as Schema);
  return out;
}

function patchField(s: Schema): PatchField {
  const field: PatchField = {};
  if (s.type === "array") {
    const keys = s["x-kubernetes-list-map-keys"] ?? [];
    if (s["x-kubernetes-list-type"] === "map" && keys.length) {
      field.strategy = "merge";
      field.mergeKey = keys[0];
    } else if (s["x-kubernetes-list-type"] === "set") field.strategy = "merge";
    if (s.items && field.strategy) field.schema = objectPatchSchema(s.items);
  } else if (s["x-kubernetes-map-type"] === "atomic") {
    field.strategy = "replace";
  } else if (s.properties || isMap(s.additionalProperties)) {
    field.schema = objectPatchSchema(s);
  }
  return field;
}

/** The apiVersion objects of a def are stored with (conversion strategy None: only apiVersion differs). */
export function storedApiVersion(def: ResourceDef): string {
  if (!isCustomResourceDef(def) || def.storageVersion === def.version || !def.storageVersion)
    return groupVersion(def);
  return `${def.group}/${def.storageVersion}`;
}

/** A stored object as the def's version serves it (the None converter rewrites apiVersion only). */
export function servedObject<T extends KubeObject>(def: ResourceDef, obj: T): T {
  if (storedApiVersion(def) === groupVersion(def) || obj.apiVersion === groupVersion(def)) return obj;
  return { ...obj, apiVersion: groupVersion(def) };
}

/** servedObject on stored JSON; the JSON itself when no conversion applies. */
export function servedJson(def: ResourceDef, json: string): string {
  if (storedApiVersion(def) === groupVersion(def)) return json;
  return JSON.stringify(servedObject(def, JSON.parse(json) as KubeObject));
}

export function storageVersionOf(crd: KubeObject): string {
  return asString(asMaps(asMap(crd.spec).versions).find((v) => v.storage === true)?.name);
}
