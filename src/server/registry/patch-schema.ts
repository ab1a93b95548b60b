// Strategic-merge patch metadata (the patchStrategy/patchMergeKey struct tags of k8s.io/api) for
// every built-in kind, read from the generated type tables (src/server/typeinfo). Only tags matter
// to the server-side merge: a list without `patchStrategy:"merge"` is atomic (replaced whole), maps
// always merge key by key. retainKeys needs no entry here: the `$retainKeys` directive in a patch is
// honoured wherever it appears. The schema of a kind holds only the paths that lead to a tag.

import type { TypeRef } from "../http/protobuf/schema.ts";
import {
  type FieldFacts,
  fieldFacts,
  jsonFields,
  messageForGroupKind,
  messageSchemas,
} from "../typeinfo/index.ts";

export interface PatchField {
  /** "merge": a list merged by mergeKey (maps) or as a set (primitives); "replace": a map replaced whole. */
  strategy?: "merge" | "replace";
  mergeKey?: string;
  /** `+listMapKey` markers when an item is identified by more than its merge key (ports: number and
   * protocol): server-side apply's field paths key items by all of them. */
  mapKeys?: string[];
  /** Defaults of key fields an item may omit (upstream's `+default` on them), used in its path. */
  mapKeyDefaults?: Record<string, unknown>;
  /** `+structType=atomic` / `+mapType=atomic` (LabelSelector, a Service's selector…): server-side apply
   * owns and replaces it whole. Strategic merge patches ignore it, as upstream's do. */
  atomic?: boolean;
  /** The struct (or list element struct) under this field. */
  schema?: PatchSchema;
}

export interface PatchSchema {
  fields?: Record<string, PatchField>;
  /** A Go map[string]T: every value has this metadata. */
  values?: PatchField;
}

/** `patchStrategy:"merge,retainKeys"` → "merge"; "retainKeys" alone carries no list strategy. */
function strategyOf(tag: string | undefined): PatchField["strategy"] {
  const parts = tag?.split(",") ?? [];
  if (parts.includes("merge")) return "merge";
  if (parts.includes("replace")) return "replace";
  return undefined;
}

const isAtomic = (facts: FieldFacts | undefined) =>
  facts?.structType === "atomic" || facts?.mapType === "atomic";

const messageOf = (ref: TypeRef): string | undefined => ("message" in ref ? ref.message : undefined);

let tagged: Set<string> | undefined;

/** The messages with a patch tag somewhere below them (a fixpoint: JSONSchemaProps is recursive). */
function taggedMessages(): Set<string> {
  if (tagged) return tagged;
  tagged = new Set();
  const names = [...messageSchemas().keys()];
  for (let changed = true; changed; ) {
    changed = false;
    for (const m of names) {
      if (tagged.has(m)) continue;
      const facts = fieldFacts(m);
      const hit = [...jsonFields(m)].some(([name, f]) => {
        const sub = messageOf(f.mapValue ?? f.type);
        return (
          strategyOf(facts[name]?.patchStrategy) ||
          facts[name]?.patchMergeKey ||
          isAtomic(facts[name]) ||
          (sub && tagged!.has(sub))
        );
      });
      if (hit) {
        tagged.add(m);
        changed = true;
      }
    }
  }
  return tagged;
}

/** ContainerPort and ServicePort `protocol` carry `+default="TCP"` (k8s.io/api core/v1 types.go); the
 * only defaulted list-map key among the built-in kinds. */
const PORT_KEY_DEFAULTS = { protocol: "TCP" };

const cache = new Map<string, PatchSchema>();

/** The patch schema of a message; shared and possibly cyclic (built before it is filled in). */
function schemaOf(message: string): PatchSchema {
  const cached = cache.get(message);
  if (cached) return cached;
  const schema: PatchSchema = { fields: {} };
  cache.set(message, schema);
  const facts = fieldFacts(message);
  const fields = schema.fields!;
  for (const [name, f] of jsonFields(message)) {
    const field: PatchField = {};
    const strategy = strategyOf(facts[name]?.patchStrategy);
    if (strategy) field.strategy = strategy;
    if (facts[name]?.patchMergeKey) field.mergeKey = facts[name].patchMergeKey;
    const mapKeys = facts[name]?.listMapKeys;
    if (field.mergeKey && mapKeys && mapKeys.length > 1) {
      field.mapKeys = mapKeys;
      if (mapKeys.includes("protocol")) field.mapKeyDefaults = PORT_KEY_DEFAULTS;
    }
    if (isAtomic(facts[name])) field.atomic = true;
    const sub = messageOf(f.mapValue ?? f.type);
    if (sub && taggedMessages().has(sub)) {
      field.schema = f.mapValue ? { values: { schema: schemaOf(sub) } } : schemaOf(sub);
    }
    if (field.strategy || field.mergeKey || field.atomic || field.schema) fields[name] = field;
  }
  return schema;
}

let metadataOnly: PatchSchema | undefined;

/** The patch metadata of a kind: of the given version, else of the group's preferred version. */
export function patchSchemaFor(group: string, kindName: string, version?: string): PatchSchema {
  const message = messageForGroupKind(group, kindName, version);
  if (message) return schemaOf(message);
  // Kinds the tables do not know (custom resources): only ObjectMeta has tags.
  metadataOnly ??= { fields: { metadata: { schema: schemaOf("meta.ObjectMeta") } } };
  return metadataOnly;
}

/** forkedjson.LookupPatchMetadata; unknown fields get no metadata (upstream errors on unknown struct fields). */
export function lookupField(schema: PatchSchema | undefined, key: string): PatchField {
  return schema?.fields?.[key] ?? schema?.values ?? {};
}
