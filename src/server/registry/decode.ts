// Typed decoding of request objects, as kube-apiserver decodes a body into the versioned Go struct
// (apimachinery pkg/runtime/serializer/json/json.go → sigs.k8s.io/json UnmarshalStrict, a
// case-sensitive encoding/json). The Go types come from the one description of them the server
// already has: the protobuf message tables (Go struct names, int32/int64, []byte, Quantity,
// IntOrString, inline members). What Go would reject is rejected with Go's text; unknown fields are
// dropped, as decoding into a struct drops them, and reported per fieldValidation; quantities are
// written back in canonical form, as re-encoding the Go value does.
//
// Errors follow encoding/json's order: a type mismatch is remembered (the first one wins) and
// decoding goes on; an error from a custom UnmarshalJSON (Quantity, IntOrString, Time) stops it and
// wins; unknown fields are "strict" errors, reported only when nothing else failed.

import { goQuote } from "../../meta/go-quote.ts";
import { memoised } from "../../meta/memo.ts";
import { canonicalQuantity, quantityError } from "../../meta/quantity.ts";
import { Status } from "../../meta/status.ts";
import type { KubeObject } from "../../meta/types.ts";
import { type CustomResourceDef, isCustomResourceDef } from "../crd/resource-defs.ts";
import { ApiStatusError, fail } from "../http/errors.ts";
import type { FieldSpec, TypeRef } from "../http/protobuf/schema.ts";
import { goTypeName, hasCustomJson, isStringList, jsonFields, messageForKind } from "../typeinfo/index.ts";
import { base64ErrorMessage, base64ErrorOffset } from "./go-base64.ts";
import { goPrint, jsonKind } from "./go-format.ts";
import { metaTimeString, rfc3339Error } from "./go-time.ts";
import { isMap } from "./json-access.ts";
import { numberLiteral } from "./number-literals.ts";
import { groupVersion, type ResourceDef } from "./types.ts";
import { invalid } from "./validation/field.ts";

/** metav1.FieldValidation*: what to do with unknown fields. The server default is Warn. */
export type FieldValidation = "Ignore" | "Warn" | "Strict";

export interface Decoded {
  /** The object as Go would re-encode its fields: unknown fields dropped. */
  object: Record<string, unknown>;
  /** sigs.k8s.io/json strict errors: `unknown field "spec.foo"`, deduplicated, at most 100. */
  strictErrors: string[];
}

/** A non-strict decoding failure: Go's error text (the caller adds transformDecodeError's wrapping). */
export class DecodeError extends Error {}

const MAX_STRICT_ERRORS = 100;
/** [min, end): the integers a Go int32/int64 holds (as doubles: 2^63 - 1 is not representable). */
const INT_RANGE = {
  int32: [-(2 ** 31), 2 ** 31],
  int64: [-(2 ** 63), 2 ** 63],
} as const;

/** The JSON of a Go zero value of a list element type (struct fields omitted: every one is zero). */
function zeroOf(ref: TypeRef): unknown {
  if ("message" in ref) return {};
  return ref.scalar === "bool" ? false : ref.scalar === "string" || ref.scalar === "bytes" ? "" : 0;
}

const fitsInt = (value: number, type: keyof typeof INT_RANGE) =>
  Number.isInteger(value) && value >= INT_RANGE[type][0] && value < INT_RANGE[type][1];

/** Decodes `obj` as the Go type of apiVersion/kind (undefined: no Go type known, nothing checked);
 * throws DecodeError where Go's decoder fails. */
export function decodeObject(
  apiVersion: string,
  kind: string,
  obj: Record<string, unknown>,
): Decoded | undefined {
  const message = messageForKind(apiVersion, kind);
  if (!message) return undefined;
  const d = new Decoder();
  try {
    const object = d.struct(message, obj, ROOT_CONTEXT, true);
    if (d.saved !== undefined) throw new DecodeError(d.saved);
    return { object, strictErrors: d.strict };
  } catch (e) {
    if (e instanceof Abort) throw new DecodeError(e.message);
    throw e;
  }
}

/**
 * Where the decoder is, for error texts only: built as a chain of steps, its paths are spelled out only when
 * an error needs them (most objects decode without one).
 */
class Context {
  readonly parent: Context | undefined;
  /** A key (struct field or map key) or a list index. */
  readonly step: string | number;
  /** Whether the step is a struct field (encoding/json's error context names those only). */
  readonly isField: boolean;
  /** encoding/json's errorContext struct: the innermost struct. */
  readonly struct: string;

  constructor(parent: Context | undefined, step: string | number, isField: boolean, struct: string) {
    this.parent = parent;
    this.step = step;
    this.isField = isField;
    this.struct = struct;
  }

  /** sigs.k8s.io/json's strict path: keys joined with ".", indices as "[i]". */
  get strictPath(): string {
    if (!this.parent) return "";
    const path = this.parent.strictPath;
    return typeof this.step === "number" ? `${path}[${this.step}]` : withKey(path, this.step);
  }

  /** encoding/json's errorContext: struct field names only. */
  get fields(): string[] {
    if (!this.parent) return [];
    const fields = this.parent.fields;
    if (this.isField) fields.push(String(this.step));
    return fields;
  }
}

const ROOT_CONTEXT = new Context(undefined, "", false, "");

/** Thrown to stop decoding, as a custom unmarshaler's error does. */
class Abort {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

// Flattened struct fields by JSON name (inline members belong to their parent).
const fieldsOf = jsonFields;

/** reflect.Type.String() of the Go type a message stands for: "v1.PodSpec", "resource.Quantity". */
const goMessageType = goTypeName;

function goType(ref: TypeRef): string {
  if ("message" in ref) return goMessageType(ref.message);
  return ref.scalar === "bytes" ? "[]uint8" : ref.scalar;
}

function goFieldType(spec: FieldSpec): string {
  if (spec.mapValue) return `map[string]${goType(spec.mapValue)}`;
  return spec.repeated ? `[]${goType(spec.type)}` : goType(spec.type);
}

const withKey = (path: string, key: string) => (path ? `${path}.${key}` : key);

const structNames = new Map<string, string>();

/** The Go struct name of a message ("core.PodSpec" → "PodSpec"), as the error context shows it. */
function structNameOf(message: string): string {
  let name = structNames.get(message);
  if (name === undefined) {
    name = message.split(".")[1];
    structNames.set(message, name);
  }
  return name;
}

const forms = new Map<string, "stringList" | "custom" | "struct">();

/** How a message's JSON decodes: a Go []string wrapper, a custom UnmarshalJSON kept as sent, or a struct. */
function formOf(message: string): "stringList" | "custom" | "struct" {
  let form = forms.get(message);
  if (form === undefined) {
    form = isStringList(message)
      ? "stringList"
      : hasCustomJson(message) && message !== "core.List"
        ? "custom"
        : "struct";
    forms.set(message, form);
  }
  return form;
}

class Decoder {
  saved: string | undefined;
  readonly strict: string[] = [];

  /** encoding/json saveError: the first error is kept, decoding continues. */
  private save(message: string): void {
    this.saved ??= message;
  }

  /** A type mismatch: remembered, decoding goes on. */
  private typeError(value: string, type: string, ctx: Context): void {
    this.save(typeErrorText(value, type, ctx));
  }

  private strictError(kind: "unknown field" | "duplicate field", path: string): void {
    const message = `${kind} ${JSON.stringify(path)}`;
    if (this.strict.length < MAX_STRICT_ERRORS && !this.strict.includes(message)) this.strict.push(message);
  }

  struct(message: string, obj: Record<string, unknown>, ctx: Context, root = false): Record<string, unknown> {
    const fields = fieldsOf(message);
    const structName = structNameOf(message);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(obj)) {
      const value = obj[key];
      if (value === undefined) continue; // in-process writers: absent, as JSON would have it
      const spec = fields.get(key);
      if (!spec) {
        // TypeMeta is embedded in every kind's struct.
        if (root && (key === "apiVersion" || key === "kind")) {
          const inner = new Context(ROOT_CONTEXT, key, true, structName);
          if (typeof value !== "string" && value !== null) this.typeError(jsonKind(value), "string", inner);
          out[key] = value;
        } else this.strictError("unknown field", withKey(ctx.strictPath, key));
        continue;
      }
      const decoded = this.field(spec, value, new Context(ctx, key, true, structName), obj);
      if (decoded !== undefined) out[key] = decoded;
    }
    return out;
  }

  /** `holder` is the object or list `value` was read from (its key is ctx.step): for number literals. */
  private field(spec: FieldSpec, value: unknown, ctx: Context, holder: object): unknown {
    if (value === null || value === undefined) return value;
    if (spec.mapValue) {
      if (!isMap(value)) return this.typeError(jsonKind(value), goFieldType(spec), ctx);
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(value)) {
        const decoded = this.value(spec.mapValue, value[k], new Context(ctx, k, false, ctx.struct), value);
        if (decoded !== undefined) out[k] = decoded;
      }
      return out;
    }
    if (spec.repeated) {
      if (!Array.isArray(value)) return this.typeError(jsonKind(value), goFieldType(spec), ctx);
      // encoding/json leaves a null element at its zero value: {} for a struct, "" / 0 / false for scalars.
      const out = new Array(value.length);
      for (let i = 0; i < value.length; i++)
        out[i] = this.value(
          spec.type,
          value[i] ?? zeroOf(spec.type),
          new Context(ctx, i, false, ctx.struct),
          value,
        );
      return out;
    }
    return this.value(spec.type, value, ctx, holder);
  }

  private value(ref: TypeRef, value: unknown, ctx: Context, holder?: object): unknown {
    if (value === null || value === undefined) return null;
    if ("message" in ref) return this.message(ref.message, value, ctx, holder);
    switch (ref.scalar) {
      case "string":
        if (typeof value !== "string") return this.typeError(jsonKind(value), "string", ctx);
        return value;
      case "bool":
        if (typeof value !== "boolean") return this.typeError(jsonKind(value), "bool", ctx);
        return value;
      case "int32":
      case "int64": {
        if (typeof value !== "number") return this.typeError(jsonKind(value), ref.scalar, ctx);
        // A literal JavaScript prints differently (`1.0`, `1e3`) is no integer to Go's ParseInt.
        const literal = holder && numberLiteral(holder, ctx.step);
        if (literal !== undefined || !fitsInt(value, ref.scalar))
          return this.typeError(`number ${literal ?? numberText(value)}`, ref.scalar, ctx);
        return value;
      }
      case "bytes":
        return this.bytes(value, ctx);
      case "double":
        if (typeof value !== "number") return this.typeError(jsonKind(value), "float64", ctx);
        return value;
    }
  }

  /** []byte: a base64 string (Go's StdEncoding, padding required). */
  private bytes(value: unknown, ctx: Context): unknown {
    if (typeof value !== "string") return this.typeError(jsonKind(value), "[]uint8", ctx);
    const offset = base64ErrorOffset(value);
    if (offset !== undefined) return this.save(base64ErrorMessage(offset));
    return value;
  }

  private message(message: string, value: unknown, ctx: Context, holder?: object): unknown {
    switch (message) {
      case "resource.Quantity":
        return quantity(value, holder && numberLiteral(holder, ctx.step));
      case "intstr.IntOrString":
        return intOrString(value, ctx, holder && numberLiteral(holder, ctx.step));
      case "meta.Time": {
        // Time.UnmarshalJSON: a JSON string, parsed as RFC 3339; MarshalJSON writes it in UTC seconds.
        if (typeof value !== "string") throw new Abort(typeErrorText(jsonKind(value), "string", ctx));
        const time = decodedTime(value);
        if (time.error) throw new Abort(time.error);
        return time.text;
      }
      case "meta.MicroTime":
        // MicroTime.UnmarshalJSON reads a JSON string first (its RFC3339Micro parse is not ported).
        if (typeof value !== "string") throw new Abort(typeErrorText(jsonKind(value), "string", ctx));
        return value;
      case "meta.FieldsV1":
        return value; // raw JSON, kept as sent
    }
    const form = formOf(message);
    if (form === "stringList") {
      // authentication's ExtraValue: a Go []string
      if (!Array.isArray(value)) return this.typeError(jsonKind(value), goMessageType(message), ctx);
      return value.map((v) => this.value({ scalar: "string" }, v, ctx));
    }
    // Other custom forms (RawExtension, apiextensions JSON and its schema-or-X unions): their
    // UnmarshalJSON is not ported, so the value is kept as sent.
    if (form === "custom") return value;
    if (!isMap(value)) return this.typeError(jsonKind(value), goMessageType(message), ctx);
    return this.struct(message, value, ctx);
  }
}

/** A JSON number as its literal (the text is gone after JSON.parse; integers print the same). */
function numberText(n: number): string {
  return String(n);
}

/**
 * UnmarshalTypeError.Error() with the decoder's error context. A custom unmarshaler's own nested
 * json.Unmarshal error gets the same context: sigs.k8s.io/json aliases encoding/json's error type,
 * so its addErrorContext fills in Struct and Field on the way out.
 */
function typeErrorText(value: string, type: string, ctx: Context): string {
  return ctx.struct || ctx.fields.length
    ? `json: cannot unmarshal ${value} into Go struct field ${ctx.struct}.${ctx.fields.join(".")} of type ${type}`
    : `json: cannot unmarshal ${value} into Go value of type ${type}`;
}

/** Quantity.UnmarshalJSON: the raw JSON (quotes stripped, trimmed) must parse as a quantity; it is
 * written back as MarshalJSON does, a canonical string. */
function quantity(value: unknown, literal?: string): unknown {
  const text =
    typeof value === "string"
      ? value.trim()
      : typeof value === "number"
        ? (literal ?? numberText(value))
        : typeof value === "boolean"
          ? String(value)
          : JSON.stringify(value);
  const decoded = decodedQuantity(text);
  if (decoded.error) throw new Abort(decoded.error);
  return decoded.text;
}

/** Time.UnmarshalJSON's parse of a JSON string, and MarshalJSON's text of it (UTC seconds). */
const decodedTime = memoised((value: string): { error?: string; text: string } => {
  const error = rfc3339Error(value);
  return error ? { error, text: value } : { text: metaTimeString(value) ?? value };
});

/** Quantity.UnmarshalJSON's parse, and MarshalJSON's canonical text. */
const decodedQuantity = memoised((text: string): { error?: string; text: string } => {
  const error = quantityError(text);
  return error ? { error, text } : { text: canonicalQuantity(text) };
});

/** IntOrString.UnmarshalJSON: a string, else json.Unmarshal into an int32. */
function intOrString(value: unknown, ctx: Context, literal?: string): unknown {
  if (typeof value === "string") return value;
  if (typeof value !== "number") throw new Abort(typeErrorText(jsonKind(value), "int32", ctx));
  if (literal !== undefined || !fitsInt(value, "int32"))
    throw new Abort(typeErrorText(`number ${literal ?? numberText(value)}`, "int32", ctx));
  return value;
}

export interface DecodeOptions {
  /** The fieldValidation parameter; absent means Warn, as upstream defaults it. */
  fieldValidation?: FieldValidation;
  /** Receives each strict error as a warning (fieldValidation=Warn). */
  warn?: (message: string) => void;
}

/**
 * Decodes a create/update body the way create.go/update.go do: a decoding error is 400 BadRequest
 * through transformDecodeError (`Pod in version "v1" cannot be handled as a Pod: …`), strict errors
 * fail the request (Strict), become warnings (Warn) or are dropped (Ignore). `patch` set: the object
 * is the result of a patch, and errors are patch.go's 422 on field "patch" showing what it returns.
 */
export function decodeForWrite(
  def: Pick<ResourceDef, "group" | "version" | "kind"> | CustomResourceDef,
  obj: KubeObject,
  o: DecodeOptions,
  patch?: () => string,
): KubeObject {
  const directive = o.fieldValidation ?? "Warn";
  let decoded: Decoded | undefined;
  try {
    // A custom resource decodes through its version's structural schema (src/server/crd).
    decoded = isCustomResourceDef(def)
      ? decodeCustomResource(def, obj)
      : decodeObject(groupVersion(def), def.kind, obj as Record<string, unknown>);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    throw decodeFailure(def, e.message, patch);
  }
  if (!decoded) return obj;
  if (decoded.strictErrors.length > 0) {
    if (directive === "Strict")
      throw decodeFailure(def, `strict decoding error: ${decoded.strictErrors.join(", ")}`, patch);
    if (directive === "Warn") for (const w of decoded.strictErrors) o.warn?.(w);
  }
  return decoded.object as KubeObject;
}

/** crdHandler's decoding: drop non-nullable nulls, default, prune; pruned paths are the strict errors. */
function decodeCustomResource(def: CustomResourceDef, obj: KubeObject): Decoded {
  const { object, unknownFields } = def.decode(obj);
  return {
    object: object as Record<string, unknown>,
    strictErrors: unknownFields.slice(0, MAX_STRICT_ERRORS).map((p) => `unknown field ${JSON.stringify(p)}`),
  };
}

function decodeFailure(def: Pick<ResourceDef, "version" | "kind">, message: string, patch?: () => string) {
  if (patch !== undefined) {
    // errors.NewInvalid(schema.GroupKind{}, "", …): no kind or name, so details carry only the cause.
    const status = Status.invalid("", "", "", [invalid("patch", patch(), message)]);
    delete status.details?.kind;
    return new ApiStatusError(status);
  }
  return fail.badRequest(
    `${def.kind} in version ${goQuote(def.version)} cannot be handled as a ${def.kind}: ${message}`,
  );
}

/** How patch.go shows a patch result that does not decode: the patched JSON (json-patch marshals
 * maps with sorted keys) or, for a strategic merge patch, the patch map as %+v prints it. */
export function patchShown(patched: unknown, patch: string, type: string): string {
  if (type === "application/strategic-merge-patch+json") {
    try {
      return goPrint(JSON.parse(patch));
    } catch {
      return patch;
    }
  }
  return JSON.stringify(sortKeys(patched));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isMap(v)) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys(v[k])]),
  );
}
