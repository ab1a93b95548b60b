// Server-side apply merge metadata of a custom resource, derived from its structural schema (what
// structured-merge-diff reads from the CRD: x-kubernetes-list-type/-list-map-keys/-map-type).
import { isMap } from "../registry/json-access.ts";
import type { PatchField, PatchSchema } from "../registry/patch-schema.ts";
import type { Schema } from "./schema.ts";

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
      if (keys.length > 1) {
        field.mapKeys = keys;
        const props = isMap(s.items?.properties) ? (s.items.properties as Record<string, Schema>) : {};
        const defaults = keys.filter((k) => props[k]?.default !== undefined);
        if (defaults.length)
          field.mapKeyDefaults = Object.fromEntries(defaults.map((k) => [k, props[k].default]));
      }
    } else if (s["x-kubernetes-list-type"] === "set") field.strategy = "merge";
    if (s.items && field.strategy) field.schema = objectPatchSchema(s.items);
  } else if (s["x-kubernetes-map-type"] === "atomic") {
    field.strategy = "replace";
  } else if (s.properties || isMap(s.additionalProperties)) {
    field.schema = objectPatchSchema(s);
  }
  return field;
}
