// JSON number literals as sent, for the typed decoder: Go's encoding/json refuses `1.0` or `1e3` for an
// integer field (`cannot unmarshal number 1.0 into Go struct field … of type int32`, literalStore's
// strconv.ParseInt) and prints a number as written, but JSON.parse reads `1.0` as the integer 1 and
// forgets the text. Parsing with a reviver that sees each literal's source is 6× slower, so a regular
// expression (about 3 µs for a 4 KB Pod) picks the bodies that may have a number with a fraction or an
// exponent; only those are parsed that way, recording each literal that does not print back as itself by
// its holder and key.
const literals = new WeakMap<object, Map<string, string>>();

/**
 * A number token with a fraction or an exponent. In a JSON object every number follows `:`, `,` or `[` and
 * is followed by `,`, `}` or `]` (whitespace aside), so this finds every such literal; a string that merely
 * looks like one (`"a:1.5,"`) only costs the slower parse.
 */
const FRACTION_OR_EXPONENT = /[:,[]\s*-?\d+(?:\.\d+(?:[eE][+-]?\d+)?|[eE][+-]?\d+)\s*[,}\]]/;

/** Whether a JSON object's text may have a number with a fraction or an exponent. */
export function hasFractionOrExponent(text: string): boolean {
  return FRACTION_OR_EXPONENT.test(text);
}

/** JSON.parse, recording the literal of every number that JavaScript would print differently. */
export function parseKeepingNumberLiterals(text: string): unknown {
  return JSON.parse(
    text,
    function (this: object, key: string, value: unknown, context?: { source?: string }) {
      const source = context?.source;
      if (typeof value === "number" && source !== undefined && source !== String(value)) {
        let byKey = literals.get(this);
        if (!byKey) {
          byKey = new Map();
          literals.set(this, byKey);
        }
        byKey.set(key, source);
      }
      return value;
    },
  );
}

/** The literal sent for `holder[key]`, when it differs from the number's JavaScript text. */
export function numberLiteral(holder: object, key: string | number): string | undefined {
  return literals.get(holder)?.get(String(key));
}
