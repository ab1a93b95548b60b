// Go's fmt/strconv renderings of decoded JSON values, so error texts read exactly like kube-apiserver's.

import { goQuote } from "../../meta/go-quote.ts";
import { isMap } from "./json-access.ts";

// unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

const ESCAPES: Record<string, string> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
  "\\": "\\\\",
  '"': '\\"',
};

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

/** %v of a float64: strconv 'g' with the shortest representation (exponent when < 1e-4 or >= 1e21). */
export function goFloat(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "NaN" : n > 0 ? "+Inf" : "-Inf";
  if (n === 0) return "0";
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp >= -4 && exp < 21) return String(n);
  const [mantissa, e] = n.toExponential().split("e");
  const sign = e.startsWith("-") ? "-" : "+";
  return `${mantissa}e${sign}${e.replace(/^[+-]/, "").padStart(2, "0")}`;
}

/** fmt's %v of a JSON-decoded interface{}: "map[a:1 b:[x y]]", "<nil>", raw strings. */
export function goPrint(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : goFloat(v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(goPrint).join(" ")}]`;
  if (isMap(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goPrint(v[k])}`).join(" ")}]`;
  }
  return String(v);
}

/** reflect.TypeOf(x).String() for a JSON-decoded value (integers decode as int64 upstream). */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "string") return "string";
  if (typeof v === "number") return Number.isInteger(v) ? "int64" : "float64";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "[]interface {}";
  return "map[string]interface {}";
}

/** encoding/json's name for a JSON value's kind in "cannot unmarshal X into Go value of type Y". */
export function jsonKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return "object";
  if (typeof v === "boolean") return "bool";
  return typeof v; // "string" | "number"
}

/** %#v of a []string: `[]string{"a", "b"}`. */
export function goStringSlice(values: readonly string[] | undefined): string {
  if (values === undefined) return "[]string(nil)";
  return `[]string{${values.map(goQuote).join(", ")}}`;
}

/**
 * JSON.parse with encoding/json's wording on failure ("unexpected end of JSON input",
 * "invalid character 'x' looking for beginning of value"). Only the first offending character
 * is reported, which is what encoding/json does too, though its phrase can be more specific.
 */
export function parseJsonGo(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    const message = (e as Error).message;
    const at = /position (\d+)/.exec(message);
    const ch = at ? text[Number(at[1])] : undefined;
    if (/end of JSON input/i.test(message) || text.trim() === "" || (at && ch === undefined)) {
      return { error: "unexpected end of JSON input" };
    }
    return { error: `invalid character ${goRune(ch ?? text.trim()[0])} looking for beginning of value` };
  }
}

/** %q of a rune: 'x', '\n'. */
function goRune(ch: string): string {
  const quoted = goQuote(ch).slice(1, -1).replace(/\\"/g, '"');
  return `'${quoted === "'" ? "\\'" : quoted}'`;
}
