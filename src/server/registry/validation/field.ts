// apimachinery pkg/util/validation/field: error constructors whose `message` is field.Error.ErrorBody(),
// so "<field>: <message>" (how Status.invalid joins them) is exactly upstream's Error() text.

import { goQuote } from "../../../meta/go-quote.ts";
import { goFloat } from "../go-format.ts";
import type { FieldCause } from "../types.ts";

/** A Go value as field.Error prints it: strings %q, numbers and bools %v, anything else pre-rendered. */
export type BadValue = string | number | boolean | null | { goSyntax: string };

/** A value already in Go's %#v form, e.g. `[]string{"a"}` or `rbac.RoleRef{…}`. */
export const goSyntax = (text: string): BadValue => ({ goSyntax: text });

const TYPE_TEXT = {
  FieldValueNotFound: "Not found",
  FieldValueRequired: "Required value",
  FieldValueDuplicate: "Duplicate value",
  FieldValueInvalid: "Invalid value",
  FieldValueNotSupported: "Unsupported value",
  FieldValueForbidden: "Forbidden",
  FieldValueTooLong: "Too long",
  FieldValueTooMany: "Too many",
  InternalError: "Internal error",
} as const;

type ErrorType = keyof typeof TYPE_TEXT;

// Required, Forbidden, TooLong and Internal never print the bad value.
const VALUELESS = new Set<ErrorType>([
  "FieldValueRequired",
  "FieldValueForbidden",
  "FieldValueTooLong",
  "InternalError",
]);

function render(value: BadValue): string {
  if (value === null) return "null";
  if (typeof value === "string") return goQuote(value);
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : goFloat(value);
  if (typeof value === "boolean") return String(value);
  return value.goSyntax;
}

function cause(type: ErrorType, field: string, value: BadValue, detail: string): FieldCause {
  let message: string = TYPE_TEXT[type];
  if (!VALUELESS.has(type)) message += `: ${render(value)}`;
  if (detail) message += `: ${detail}`;
  return { field, message, type };
}

export const required = (field: string, detail = "") => cause("FieldValueRequired", field, "", detail);
export const invalid = (field: string, value: BadValue, detail: string) =>
  cause("FieldValueInvalid", field, value, detail);
export const duplicate = (field: string, value: BadValue) => cause("FieldValueDuplicate", field, value, "");
export const notFound = (field: string, value: BadValue) => cause("FieldValueNotFound", field, value, "");
export const forbidden = (field: string, detail: string) => cause("FieldValueForbidden", field, "", detail);
export const tooLong = (field: string, maxLength: number) =>
  cause("FieldValueTooLong", field, "", `must have at most ${maxLength} bytes`);

/** field.NotSupported: `Unsupported value: "x": supported values: "a", "b"`. */
export function notSupported(field: string, value: BadValue, supported: readonly string[]): FieldCause {
  const detail = supported.length > 0 ? `supported values: ${supported.map(goQuote).join(", ")}` : "";
  return cause("FieldValueNotSupported", field, value, detail);
}

/** field.ValidateImmutableField's error. */
export const immutable = (field: string, value: BadValue) => invalid(field, value, "field is immutable");

// field.Path rendering: Child "a.b", Index "a[0]", Key "a[k]".
export const child = (path: string, name: string) => (path ? `${path}.${name}` : name);
export const index = (path: string, i: number) => `${path}[${i}]`;
export const key = (path: string, k: string) => `${path}[${k}]`;

/** Drops exact repeats (upstream runs metadata checks twice and dedupes the message the same way). */
export function dedupe(causes: FieldCause[]): FieldCause[] {
  const seen = new Set<string>();
  return causes.filter((c) => {
    const id = `${c.field}\u0000${c.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
