// A custom resource's validation and strategy on each write (k8s.io/apiextensions-apiserver pkg/registry/
// customresource/{strategy,validator}.go): the schema with kube-openapi's messages, root metadata
// constraints, embedded resources, list types and CEL rules; validation ratcheting on updates; generation.
import type { KubeObject, StoredObject } from "../../meta/types.ts";
import { deepEqual, isMap } from "../registry/json-access.ts";
import type { FieldCause } from "../registry/types.ts";
import { hasRules, validateRules } from "./rules.ts";
import { type Schema, validateEmbedded, validateListTypes, validateValue } from "./schema.ts";

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
