// `application/apply-patch+yaml` (kubectl apply --server-side): the apply configuration is merged onto
// the live object with strategic-merge semantics (lists with a merge key merge by key, sets union,
// atomic lists and scalars are replaced, null deletes). serverSideApplyOwned then settles field
// ownership (managed-fields.ts): fields the applier set earlier but now omits are removed unless another
// manager owns them, and changing fields other managers own is a 409 conflict unless forced. Creating the
// object when absent is the caller's job: merging onto {} yields the configuration itself.

import type { KubeObject } from "../../meta/types.ts";
import { yaml } from "../yaml.ts";
import { jsonKind } from "./go-format.ts";
import { applyManagedFields, listItemKey, type Writer } from "./managed-fields.ts";
import { patchError } from "./patch-error.ts";
import { lookupField, type PatchField, type PatchSchema, patchSchemaFor } from "./patch-schema.ts";
import { strategicMerge } from "./strategic-merge.ts";

export interface ApplyTarget {
  kind: string;
  group: string;
  /** Served version; defaults to "v1". */
  version?: string;
  /** Merge metadata; the kind's built-in patch schema when absent (custom resources bring theirs). */
  schema?: PatchSchema;
}

export function serverSideApply(live: KubeObject, body: string, o: ApplyTarget): KubeObject {
  return mergeApplyConfiguration(live, body, o).merged;
}

/** Apply with field ownership: the object to store, with metadata.managedFields. Throws ApplyConflictError. */
export function serverSideApplyOwned(
  live: KubeObject,
  body: string,
  o: ApplyTarget & Omit<Writer, "schema" | "apiVersion">,
  force: boolean,
): KubeObject {
  const { config, merged, apiVersion } = mergeApplyConfiguration(live, body, o);
  const schema = o.schema ?? patchSchemaFor(o.group, o.kind);
  return applyManagedFields(live, config, merged, { ...o, schema, apiVersion }, force);
}

function mergeApplyConfiguration(
  live: KubeObject,
  body: string,
  o: ApplyTarget,
): { config: Record<string, unknown>; merged: KubeObject; apiVersion: string } {
  const config = decodeApplyConfiguration(body);
  const expected = o.group ? `${o.group}/${o.version ?? "v1"}` : (o.version ?? "v1");
  const specified = typeof config.apiVersion === "string" ? config.apiVersion : "";
  if (specified !== expected) {
    throw patchError.badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${specified}, expected: ${expected}`,
    );
  }
  const meta = config.metadata as Record<string, unknown> | undefined;
  if (meta && meta.managedFields !== undefined && meta.managedFields !== null) {
    throw patchError.badRequest("metadata.managedFields must be nil");
  }
  const merged = mergeByListMapKeys(live, config, o.schema ?? patchSchemaFor(o.group, o.kind));
  return { config, merged, apiVersion: expected };
}

/**
 * structured-merge-diff identifies a list item by all of its `+listMapKey` fields (ports: number and
 * protocol), strategic merge by its one merge key; and it replaces an atomic struct or map (a
 * LabelSelector, a Service's selector) whole, which strategic merge merges key by key. The merge runs
 * on an apply schema (atomic fields "replace") over copies whose items carry their whole key in one
 * synthetic field, so `53/UDP` and `53/TCP` stay two items.
 */
const ITEM_KEY = "\u0000key";

function mergeByListMapKeys(
  live: KubeObject,
  config: Record<string, unknown>,
  schema: PatchSchema,
): KubeObject {
  if (!needsApplySchema(schema, new Set())) return strategicMerge(live, config, schema) as KubeObject;
  const keyed = (obj: unknown) => markItems(structuredClone(obj), schema, true);
  const merged = strategicMerge(keyed(live) as KubeObject, keyed(config) as KubeObject, keyedSchema(schema));
  return markItems(merged, schema, false) as KubeObject;
}

function needsApplySchema(schema: PatchSchema | undefined, seen: Set<PatchSchema>): boolean {
  if (!schema || seen.has(schema)) return false;
  seen.add(schema);
  const fields = [...Object.values(schema.fields ?? {}), ...(schema.values ? [schema.values] : [])];
  return fields.some((f) => f.mapKeys !== undefined || f.atomic || needsApplySchema(f.schema, seen));
}

/** Adds (or removes) ITEM_KEY on the items of every list with several map keys. */
function markItems(value: unknown, schema: PatchSchema | undefined, add: boolean): unknown {
  if (!schema || typeof value !== "object" || value === null || Array.isArray(value)) return value;
  for (const [k, v] of Object.entries(value)) {
    const field = lookupField(schema, k);
    const items = Array.isArray(v) ? v : [v];
    for (const item of items) {
      if (typeof item !== "object" || item === null || Array.isArray(item)) continue;
      const map = item as Record<string, unknown>;
      if (Array.isArray(v) && field.mapKeys) {
        if (add) map[ITEM_KEY] = JSON.stringify(listItemKey(map, field));
        else delete map[ITEM_KEY];
      }
      markItems(map, field.schema, add);
    }
  }
  return value;
}

const keyedSchemas = new WeakMap<PatchSchema, PatchSchema>();

/** The schema with ITEM_KEY as the merge key of lists with several map keys (cycles kept). */
function keyedSchema(schema: PatchSchema): PatchSchema {
  const cached = keyedSchemas.get(schema);
  if (cached) return cached;
  const out: PatchSchema = {};
  keyedSchemas.set(schema, out);
  const keyedField = (f: PatchField): PatchField => ({
    ...f,
    ...(f.mapKeys ? { mergeKey: ITEM_KEY } : {}),
    ...(f.atomic ? { strategy: "replace" as const } : {}),
    ...(f.schema ? { schema: keyedSchema(f.schema) } : {}),
  });
  if (schema.fields)
    out.fields = Object.fromEntries(Object.entries(schema.fields).map(([k, f]) => [k, keyedField(f)]));
  if (schema.values) out.values = keyedField(schema.values);
  return out;
}

function decodeApplyConfiguration(body: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = yaml().parse(body);
  } catch (e) {
    throw patchError.badRequest(
      `error decoding patch: error converting YAML to JSON: ${(e as Error).message}`,
    );
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw patchError.badRequest(
      `error decoding patch: json: cannot unmarshal ${jsonKind(value)} into Go value of type map[string]interface {}`,
    );
  }
  return value as Record<string, unknown>;
}
