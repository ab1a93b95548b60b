// runtime's parameter codec (apimachinery pkg/runtime/codec.go parameterCodec.DecodeParameters): a request's
// query converted into its options type by the generated Convert_url_Values_To_v1_<Options> functions, field
// by field in the type's order, each typed field through pkg/runtime/conversion.go (Convert_Slice_string_To_*)
// or metav1.Time.UnmarshalQueryParameter. The first field that does not convert fails the request with a 400
// whose message is the conversion's error as is (get.go, create.go… wrap it in errors.NewBadRequest).
// String and bool fields never fail (a bool is true unless "0" or "false"); only these typed ones can.
import { goQuote } from "../../meta/go-quote.ts";
import { fail } from "../http/errors.ts";
import { rfc3339Error } from "../registry/go-time.ts";

/** How a query value converts: int64 (strconv.ParseInt(v, 10, 64)) or metav1.Time (RFC 3339). */
type ParamType = "int64" | "time";

/** The typed fields of each options type, in its field order (the first bad one is reported). */
export const LIST_OPTIONS: Readonly<Record<string, ParamType>> = { timeoutSeconds: "int64", limit: "int64" };
export const DELETE_OPTIONS: Readonly<Record<string, ParamType>> = { gracePeriodSeconds: "int64" };
export const POD_LOG_OPTIONS: Readonly<Record<string, ParamType>> = {
  sinceSeconds: "int64",
  sinceTime: "time",
  tailLines: "int64",
  limitBytes: "int64",
};

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** strconv.ParseInt(value, 10, 64)'s error text, or undefined when the value parses. */
export function parseIntError(value: string): string | undefined {
  const why = !/^[+-]?\d+$/.test(value)
    ? "invalid syntax"
    : BigInt(value) > INT64_MAX || BigInt(value) < INT64_MIN
      ? "value out of range"
      : undefined;
  return why && `strconv.ParseInt: parsing ${goQuote(value)}: ${why}`;
}

/** The conversion error of `value` as `type`, or undefined. Only a parameter's first value is converted. */
function conversionError(type: ParamType, value: string): string | undefined {
  if (type === "int64") return parseIntError(value);
  // UnmarshalQueryParameter: "" and "null" are the zero time.
  return value === "" || value === "null" ? undefined : rfc3339Error(value);
}

/** DecodeParameters: throws the codec's 400 for the first typed field whose value does not convert. */
export function decodeParameters(query: URLSearchParams, fields: Readonly<Record<string, ParamType>>): void {
  for (const [name, type] of Object.entries(fields)) {
    const value = query.get(name);
    if (value === null) continue;
    const error = conversionError(type, value);
    if (error) throw fail.badRequest(error);
  }
}
