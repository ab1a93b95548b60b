// Structural schemas of custom resources (apiextensions.k8s.io/v1 JSONSchemaProps) and what the server
// does with them on every write, in upstream's order (k8s.io/apiextensions-apiserver pkg/apiserver/
// schema/{pruning,defaulting,listtype}, pkg/apiserver/validation/validation.go over k8s.io/kube-openapi
// pkg/validation/validate): drop non-nullable nulls without a default, default, prune unknown fields
// (reporting their paths for fieldValidation), validate with kube-openapi's messages turned into
// field errors as kubeOpenAPIResultToFieldErrors does, then list-type set/map uniqueness.

import { goQuote } from "../../meta/go-quote.ts";
import { isDNS1035Label } from "../../meta/names.ts";
import { goFloat } from "../registry/go-format.ts";
import { isMap } from "../registry/json-access.ts";
import type { FieldCause } from "../registry/types.ts";
import {
  type BadValue,
  duplicate,
  goSyntax,
  invalid,
  notSupported,
  required,
} from "../registry/validation/field.ts";
import { compileGo } from "./regex.ts";

/** The JSONSchemaProps fields a structural schema may use (plus description/title, ignored here). */
export interface Schema {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  uniqueItems?: boolean;
  nullable?: boolean;
  default?: unknown;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  not?: Schema;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: string;
  "x-kubernetes-validations"?: ValidationRule[];
}

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

type Json = Record<string, unknown>;

const preserves = (s: Schema | undefined) => s?.["x-kubernetes-preserve-unknown-fields"] === true;
const embedded = (s: Schema | undefined) => s?.["x-kubernetes-embedded-resource"] === true;

/** The schema of a map value under key k: its property, else additionalProperties (a schema). */
function fieldSchema(s: Schema | undefined, k: string): Schema | undefined {
  if (!s) return undefined;
  if (s.properties && Object.hasOwn(s.properties, k)) return s.properties[k];
  return isMap(s.additionalProperties) ? (s.additionalProperties as Schema) : undefined;
}

// ---- defaulting (defaulting/prunenulls.go, defaulting/algorithm.go) ----

const nonNullableNull = (x: unknown, s: Schema | undefined) => x === null && s !== undefined && !s.nullable;

/** PruneNonNullableNullsWithoutDefaults: nulls the schema does not allow and cannot default go. */
export function pruneNulls(x: unknown, s: Schema | undefined): void {
  if (Array.isArray(x)) {
    for (const v of x) pruneNulls(v, s?.items);
  } else if (isMap(x)) {
    for (const [k, v] of Object.entries(x)) {
      const sub = fieldSchema(s, k);
      if (nonNullableNull(v, sub) && sub?.default === undefined) delete x[k];
      else pruneNulls(v, sub);
    }
  }
}

/** Default: fills absent (or non-nullable null) fields from their schema's `default`, deep-copied. */
export function applyDefaults(x: unknown, s: Schema | undefined): void {
  if (!s) return;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      if (nonNullableNull(x[i], s.items) && s.items?.default !== undefined)
        x[i] = structuredClone(s.items.default);
      applyDefaults(x[i], s.items);
    }
  } else if (isMap(x)) {
    for (const [k, prop] of Object.entries(s.properties ?? {})) {
      if (prop.default === undefined) continue;
      if (!Object.hasOwn(x, k) || nonNullableNull(x[k], prop)) x[k] = structuredClone(prop.default);
    }
    for (const k of Object.keys(x)) {
      const additional = isMap(s.additionalProperties) ? (s.additionalProperties as Schema) : undefined;
      if (s.properties && Object.hasOwn(s.properties, k)) applyDefaults(x[k], s.properties[k]);
      else if (additional) {
        if (nonNullableNull(x[k], additional) && additional.default !== undefined)
          x[k] = structuredClone(additional.default);
        applyDefaults(x[k], additional);
      }
    }
  }
}

// ---- pruning (pruning/algorithm.go) ----

const META_FIELDS = new Set(["apiVersion", "kind", "metadata"]);

/** Prunes fields the schema does not specify; returns their paths, sorted ("spec.foo", "spec.list[0].x"). */
export function prune(obj: Json, s: Schema | undefined): string[] {
  const unknown: string[] = [];
  const root: Schema = { ...(s ?? {}), "x-kubernetes-embedded-resource": true };
  pruneValue(obj, root, "", unknown);
  return unknown.sort();
}

const keyPath = (parent: string, k: string) => (parent ? `${parent}.${k}` : k);

function pruneValue(x: unknown, s: Schema | undefined, path: string, unknown: string[]): void {
  if (preserves(s)) return skipPrune(x, s, path, unknown);
  if (Array.isArray(x)) {
    x.forEach((v, i) => {
      pruneValue(v, s?.items, `${path}[${i}]`, unknown);
    });
  } else if (isMap(x)) {
    for (const k of Object.keys(x)) {
      if (s && embedded(s) && META_FIELDS.has(k)) continue;
      const sub = fieldSchema(s, k);
      if (sub) pruneValue(x[k], sub, keyPath(path, k), unknown);
      else {
        if (!META_FIELDS.has(k) || path) unknown.push(keyPath(path, k));
        delete x[k];
      }
    }
  }
}

function skipPrune(x: unknown, s: Schema | undefined, path: string, unknown: string[]): void {
  if (!s) return;
  if (Array.isArray(x)) {
    x.forEach((v, i) => {
      skipPrune(v, s.items, `${path}[${i}]`, unknown);
    });
  } else if (isMap(x)) {
    for (const k of Object.keys(x)) {
      if (embedded(s) && META_FIELDS.has(k)) continue;
      const sub = fieldSchema(s, k);
      if (sub) pruneValue(x[k], sub, keyPath(path, k), unknown);
    }
  }
}

// ---- validation (kube-openapi validate, as apiextensions reports it) ----

/** field.TooLong of apimachinery v0.33: the value is never shown. */
const tooLong = (field: string, max: number): FieldCause => ({
  field,
  message: `Too long: may not be more than ${max} bytes`,
  type: "FieldValueTooLong",
});

/** field.TooMany: `Too many: 4: must have at most 3 items`. */
const tooMany = (field: string, actual: number, max: number): FieldCause => ({
  field,
  message: `Too many: ${actual}: must have at most ${max} items`,
  type: "FieldValueTooMany",
});

/** The type name kube-openapi infers for a JSON value (integers are int64, other numbers float64). */
function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  if (typeof v === "object") return "object";
  return typeof v; // string | boolean
}

/** A JSON value as field.Error prints it (%v numbers, %q strings, %#v maps and slices). */
export function badValue(v: unknown): BadValue {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  return goSyntax(goSharp(v));
}

function goSharp(v: unknown): string {
  if (v === null || v === undefined) return "interface {}(nil)";
  if (typeof v === "string") return goQuote(v);
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : goFloat(v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSharp).join(", ")}}`;
  const m = v as Json;
  const keys = Object.keys(m).sort();
  return `map[string]interface {}{${keys.map((k) => `${goQuote(k)}:${goSharp(m[k])}`).join(", ")}}`;
}

/** %v of a Go value inside a kube-openapi message: numbers as Go prints them, strings raw. */
function goV(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : goFloat(v);
  if (v === null) return "<nil>";
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return `[${v.map(goV).join(" ")}]`;
  return JSON.stringify(v);
}

/** Formats kube-openapi checks (strfmt registry entries apiextensions keeps). Unknown formats pass. */
const FORMATS: Record<string, (s: string) => boolean> = {
  "date-time": (s) =>
    /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/.test(s) &&
    !Number.isNaN(Date.parse(s.replace(" ", "T"))),
  datetime: (s) => FORMATS["date-time"](s),
  date: (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)),
  uuid: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s),
  ipv4: (s) => /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(s),
  ipv6: (s) => s.includes(":") && /^[0-9a-fA-F:.]+$/.test(s),
  cidr: (s) => {
    const [ip, bits, extra] = s.split("/");
    if (extra !== undefined || bits === undefined || !/^\d+$/.test(bits)) return false;
    return FORMATS.ipv4(ip) ? Number(bits) <= 32 : FORMATS.ipv6(ip) && Number(bits) <= 128;
  },
  hostname: (s) =>
    s.length <= 255 &&
    /^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/.test(s),
  email: (s) => /^[^@\s]+@[^@\s]+$/.test(s),
  byte: (s) => /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0,
  duration: (s) => /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d|w))+$/.test(s),
  mac: (s) => /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(s),
};

/** Validates `value` against `s` at `name` (kube-openapi's path: "spec.replicas", "spec.items[0]"). */
export function validateValue(value: unknown, s: Schema | undefined, name: string, errs: FieldCause[]): void {
  if (!s || value === undefined) return; // undefined: absent (a field JSON would not carry)
  const field = name;
  const shown = name; // kube-openapi's path; "" at the root (a default's own value)
  const fail = (v: unknown, message: string) => errs.push(invalid(field, badValue(v), message));
  const typeFail = (typeName: string, actual: string) =>
    errs.push(invalid(field, actual, `${shown} in body must be of type ${typeName}: ${goQuote(actual)}`));

  // x-kubernetes-int-or-string is validated as the type list "integer,string" (apiextensions'
  // ConvertJSONSchemaProps); a type mismatch is reported and the other checks still run, as kube-openapi does.
  const types = s["x-kubernetes-int-or-string"] ? ["integer", "string"] : s.type ? [s.type] : [];
  if (value === null) {
    if (types.length && !s.nullable) typeFail(types.join(","), "null");
    return;
  }
  const actual = jsonType(value);
  if (types.length && !types.some((t) => t === actual || (t === "number" && actual === "integer")))
    typeFail(types.join(","), actual);
  validateCombinators(value, s, name, errs);

  if (typeof value === "string") {
    if (s.maxLength !== undefined && [...value].length > s.maxLength) errs.push(tooLong(field, s.maxLength));
    else if (s.minLength !== undefined && [...value].length < s.minLength)
      fail(value, `${shown} in body should be at least ${s.minLength} chars long`);
    else if (s.pattern) {
      const re = compileGo(s.pattern);
      if (re instanceof Error)
        fail(value, `${shown} in body should match '${s.pattern}, but pattern is invalid: ${re.message}'`);
      else if (!re.test(value)) fail(value, `${shown} in body should match '${s.pattern}'`);
    }
    if (s.format && FORMATS[s.format] && !FORMATS[s.format](value))
      errs.push(invalid(field, value, `${shown} in body must be of type ${s.format}: ${goQuote(value)}`));
  }
  if (typeof value === "number") {
    if (s.multipleOf !== undefined && s.multipleOf > 0 && !Number.isInteger(value / s.multipleOf))
      fail(value, `${shown} in body should be a multiple of ${goV(s.multipleOf)}`);
    // numberValidator merges multipleOf, minimum, maximum in that order.
    if (s.minimum !== undefined && (s.exclusiveMinimum ? value <= s.minimum : value < s.minimum))
      fail(
        value,
        `${shown} in body should be greater than ${s.exclusiveMinimum ? "" : "or equal to "}${goV(s.minimum)}`,
      );
    if (s.maximum !== undefined && (s.exclusiveMaximum ? value >= s.maximum : value > s.maximum))
      fail(
        value,
        `${shown} in body should be less than ${s.exclusiveMaximum ? "" : "or equal to "}${goV(s.maximum)}`,
      );
  }
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems)
      fail(value.length, `${shown} in body should have at least ${s.minItems} items`);
    if (s.maxItems !== undefined && value.length > s.maxItems)
      errs.push(tooMany(field, value.length, s.maxItems));
    if (s.uniqueItems && value.some((v, i) => value.findIndex((w) => sameJson(v, w)) !== i))
      fail("", `${shown} in body shouldn't contain duplicates`);
    if (s.items) {
      value.forEach((v, i) => {
        validateValue(v, s.items, `${name}[${i}]`, errs);
      });
    }
  }
  // kube-openapi's validator order: type, allOf…, string, format, number, slice (items included), enum, object.
  if (s.enum && !s.enum.some((e) => sameJson(e, value))) {
    errs.push(
      notSupported(
        field,
        badValue(value),
        s.enum.map((e) => (typeof e === "string" ? e : JSON.stringify(e))),
      ),
    );
  }
  if (isMap(value)) {
    const n = Object.keys(value).length;
    if (s.minProperties !== undefined && n < s.minProperties)
      fail(n, `${shown} in body should have at least ${s.minProperties} properties`);
    if (s.maxProperties !== undefined && n > s.maxProperties) errs.push(tooMany(field, n, s.maxProperties));
    // objectValidator: additionalProperties, then properties, then required.
    const keys = Object.keys(value).sort();
    const declared = (k: string) => Boolean(s.properties && Object.hasOwn(s.properties, k));
    for (const k of keys.filter((k) => !declared(k))) {
      if (embedded(s) && k === "metadata") continue;
      const sub = fieldSchema(s, k);
      if (sub) validateValue(value[k], sub, keyPath(name, k), errs);
    }
    for (const k of keys.filter(declared)) {
      if (embedded(s) && k === "metadata") continue;
      validateValue(value[k], s.properties?.[k], keyPath(name, k), errs);
    }
    for (const k of s.required ?? []) {
      if (value[k] === undefined) errs.push(required(keyPath(name, k)));
    }
  }
}

/**
 * kube-openapi's schemaPropsValidator: anyOf, oneOf, allOf and not. Its composite messages are not field
 * errors, so apiextensions reports them on the nil root path: `<nil>: Invalid value: "": "spec.x" must
 * validate at least one schema (anyOf)`, followed by the best-matching branch's own errors.
 */
function validateCombinators(value: unknown, s: Schema, name: string, errs: FieldCause[]): void {
  const composite = (message: string) => errs.push(invalid("<nil>", "", message));
  const run = (sub: Schema) => {
    const out: FieldCause[] = [];
    validateValue(value, sub, name, out);
    return out;
  };
  /** MatchCount stands in as "fewest errors"; ties go to the first branch, as upstream's strict ">". */
  const best = (results: FieldCause[][]) => results.reduce((a, b) => (b.length < a.length ? b : a));
  if (s.anyOf?.length) {
    const results = s.anyOf.map(run);
    if (!results.some((r) => r.length === 0)) {
      composite(`${goQuote(name)} must validate at least one schema (anyOf)`);
      errs.push(...best(results));
    }
  }
  if (s.oneOf?.length) {
    const results = s.oneOf.map(run);
    const valid = results.filter((r) => r.length === 0).length;
    if (valid !== 1) {
      const detail = valid === 0 ? "Found none valid" : `Found ${valid} valid alternatives`;
      composite(`${goQuote(name)} must validate one and only one schema (oneOf). ${detail}`);
      if (valid === 0) errs.push(...best(results));
    }
  }
  if (s.allOf?.length) {
    const results = s.allOf.map(run);
    for (const r of results) errs.push(...r);
    const valid = results.filter((r) => r.length === 0).length;
    if (valid !== results.length)
      composite(
        `${goQuote(name)} must validate all the schemas (allOf)${valid === 0 ? ". None validated" : ""}`,
      );
  }
  if (s.not && run(s.not).length === 0) composite(`${goQuote(name)} must not validate the schema (not)`);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (!isMap(v)) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, canonical(v[k])]),
  );
}

// ---- embedded resources (objectmeta/validation.go) ----

/** x-kubernetes-embedded-resource objects need apiVersion and kind (validateEmbeddedResource). */
export function validateEmbedded(
  value: unknown,
  s: Schema | undefined,
  path: string,
  errs: FieldCause[],
): void {
  if (!s) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      validateEmbedded(v, s.items, `${path}[${i}]`, errs);
    });
    return;
  }
  if (!isMap(value)) return;
  if (embedded(s) && path) {
    for (const k of ["apiVersion", "kind"]) {
      const v = value[k];
      const at = keyPath(path, k);
      if (v === undefined) errs.push(required(at, "must not be empty"));
      else if (typeof v !== "string") errs.push(invalid(at, badValue(v), "must be a string"));
      else if (v === "") errs.push(invalid(at, v, "must not be empty"));
      else if (k === "apiVersion" && v.split("/").length > 2)
        errs.push(invalid(at, v, `unexpected GroupVersion string: ${v}`));
      else if (k === "kind") {
        const e = isDNS1035Label(v.toLowerCase());
        if (e.length)
          errs.push(invalid(at, v, `may have mixed case, but should otherwise match: ${e.join(",")}`));
      }
    }
  }
  for (const k of Object.keys(value).sort()) {
    const inProps = s.properties && Object.hasOwn(s.properties, k);
    const sub = inProps
      ? s.properties?.[k]
      : isMap(s.additionalProperties)
        ? (s.additionalProperties as Schema)
        : undefined;
    validateEmbedded(value[k], sub, inProps ? keyPath(path, k) : `${path}[${k}]`, errs);
  }
}

// ---- list types (listtype/validation.go) ----

/** x-kubernetes-list-type set/map uniqueness: `spec.ports[1]: Duplicate value: map[string]interface {}{"port":80}`. */
export function validateListTypes(
  value: unknown,
  s: Schema | undefined,
  path: string,
  errs: FieldCause[],
): void {
  if (!s) return;
  if (Array.isArray(value)) {
    const listType = s["x-kubernetes-list-type"];
    if (listType === "set") {
      for (const i of nonUnique(value)) errs.push(duplicate(`${path}[${i}]`, badValue(value[i])));
    } else if (listType === "map") {
      const bad = value.findIndex((x) => x !== null && !isMap(x));
      if (bad >= 0) {
        errs.push(
          invalid(`${path}[${bad}]`, badValue(value[bad]), "must be an object for an array of list-type map"),
        );
      } else {
        const keyFields = s["x-kubernetes-list-map-keys"] ?? [];
        const keys = value.map((x) => {
          const key: Json = {};
          for (const f of keyFields) if (isMap(x) && Object.hasOwn(x, f)) key[f] = x[f];
          return key;
        });
        for (const i of nonUnique(keys)) errs.push(duplicate(`${path}[${i}]`, badValue(keys[i])));
      }
    }
    value.forEach((v, i) => {
      validateListTypes(v, s.items, `${path}[${i}]`, errs);
    });
  } else if (isMap(value)) {
    for (const k of Object.keys(value).sort()) {
      const inProps = s.properties && Object.hasOwn(s.properties, k);
      const sub = inProps
        ? s.properties?.[k]
        : isMap(s.additionalProperties)
          ? (s.additionalProperties as Schema)
          : undefined;
      validateListTypes(value[k], sub, inProps ? keyPath(path, k) : `${path}[${k}]`, errs);
    }
  }
}

/** Indices of the second occurrence of each repeated value (upstream reports each value once). */
function nonUnique(values: unknown[]): number[] {
  const seen = new Map<string, number>();
  const out: number[] = [];
  values.forEach((v, i) => {
    const k = JSON.stringify(canonical(v));
    const times = seen.get(k) ?? 0;
    if (times === 1) out.push(i);
    seen.set(k, times + 1);
  });
  return out;
}

/** Schema at a dotted path of properties ("spec.replicas"), for scale paths and selectable fields. */
export function schemaAt(s: Schema | undefined, path: string): Schema | undefined {
  let cur = s;
  for (const part of path.replace(/^\./, "").split(".")) {
    if (!cur) return undefined;
    cur = fieldSchema(cur, part);
  }
  return cur;
}
