// Messages whose Go types marshal to JSON in a custom form. Each converter takes the message as the
// generic decoder read it (all fields `keep`, so absent means "not on the wire") and returns its JSON
// value, or undefined where Go would write null (we omit the field instead: null and absent are the
// same to the API server for create/update bodies).
import { goDuration } from "../../registry/go-duration.ts";
import { isStringList } from "../../typeinfo/index.ts";
import { ProtobufDecodeError } from "./errors.ts";

type Decoded = Record<string, unknown>;
export type Converter = (m: Decoded) => unknown;

const MAX_GO_JSON_YEAR = 9999; // Go's Time.MarshalJSON refuses years outside [0, 9999]

/** metav1.Time/MicroTime from {seconds, nanos}; an empty message is Go's zero time (JSON null). */
function timestamp(m: Decoded, micros: boolean): string | undefined {
  if (m.seconds === undefined && m.nanos === undefined) return undefined;
  let seconds = Number(m.seconds ?? 0);
  let nanos = Number(m.nanos ?? 0);
  // metav1.Time drops the nanoseconds on decode; MicroTime keeps them (normalised like time.Unix).
  if (!micros) nanos = 0;
  seconds += Math.floor(nanos / 1e9);
  nanos -= Math.floor(nanos / 1e9) * 1e9;
  const date = new Date(seconds * 1000);
  const year = date.getUTCFullYear();
  if (!(year >= 0 && year <= MAX_GO_JSON_YEAR)) {
    throw new ProtobufDecodeError(`timestamp of ${seconds} seconds is outside years 0-${MAX_GO_JSON_YEAR}`);
  }
  const base = date.toISOString().slice(0, 19); // "2006-01-02T15:04:05"
  return micros ? `${base}.${String(Math.floor(nanos / 1000)).padStart(6, "0")}Z` : `${base}Z`;
}

function fieldsV1(m: Decoded): unknown {
  if (typeof m.Raw !== "string") return undefined;
  const raw = Buffer.from(m.Raw, "base64").toString("utf8");
  try {
    return JSON.parse(raw);
  } catch {
    throw new ProtobufDecodeError("fieldsV1 is not valid JSON");
  }
}

function intOrString(m: Decoded): number | string {
  const type = m.type ?? 0;
  if (type === 0) return (m.intVal as number | undefined) ?? 0;
  if (type === 1) return (m.strVal as string | undefined) ?? "";
  throw new ProtobufDecodeError(`IntOrString has unknown type ${String(type)}`);
}

/** Go's `type ExtraValue []string`, carried in protobuf as a wrapper message (typeinfo's stringLists). */
const stringList: Converter = (m) => m.items ?? [];

/** runtime.RawExtension and apiextensions JSON: MarshalJSON writes Raw as it is (nil: null). */
function rawJson(m: Decoded): unknown {
  if (typeof m.raw !== "string") return undefined;
  const raw = Buffer.from(m.raw, "base64").toString("utf8");
  try {
    return JSON.parse(raw);
  } catch {
    throw new ProtobufDecodeError("raw is not valid JSON");
  }
}

const hasItems = (v: unknown): v is unknown[] => Array.isArray(v) && v.length > 0;

// apiextensions-apiserver pkg/apis/apiextensions/v1/marshal.go: the MarshalJSON of each union.
/** JSONSchemaPropsOrArray: the array when it has items, else the schema. */
const schemaOrArray: Converter = (m) => (hasItems(m.jSONSchemas) ? m.jSONSchemas : m.schema);
/** JSONSchemaPropsOrBool: the schema when set, else the bool. */
const schemaOrBool: Converter = (m) => m.schema ?? m.allows === true;
/** JSONSchemaPropsOrStringArray: the strings when there are any, else the schema. */
const schemaOrStrings: Converter = (m) => (hasItems(m.property) ? m.property : m.schema);

export const WELL_KNOWN: ReadonlyMap<string, Converter> = new Map<string, Converter>([
  ["meta.Time", (m) => timestamp(m, false)],
  ["meta.MicroTime", (m) => timestamp(m, true)],
  ["meta.FieldsV1", fieldsV1],
  // metav1.Duration: int64 nanoseconds on the wire, Go's Duration.String() in JSON.
  ["meta.Duration", (m) => goDuration(BigInt(Math.trunc(Number(m.duration ?? 0))))],
  ["intstr.IntOrString", intOrString],
  // Quantity travels in its canonical string form; a zero Quantity is "0".
  ["resource.Quantity", (m) => m.string ?? "0"],
  ["runtime.RawExtension", rawJson],
  ["apiextensions.JSON", rawJson],
  ["apiextensions.JSONSchemaPropsOrArray", schemaOrArray],
  ["apiextensions.JSONSchemaPropsOrBool", schemaOrBool],
  ["apiextensions.JSONSchemaPropsOrStringArray", schemaOrStrings],
  // core/v1 `type List metav1.List`: metav1.List's fields, whose proto names are its JSON names.
  ["core.List", (m) => m],
]);

/** The converter of a message with a custom JSON form, if it has one. */
export function converterFor(message: string): Converter | undefined {
  return WELL_KNOWN.get(message) ?? (isStringList(message) ? stringList : undefined);
}
