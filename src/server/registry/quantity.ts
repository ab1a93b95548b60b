// apimachinery pkg/api/resource/quantity.go ParseQuantity (and suffix.go): which strings are
// quantities, with upstream's error texts. Canonicalisation ("1000m" → "1") is not ported.
const SPLIT_RE = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

export const QUANTITY_FORMAT_WRONG = `quantities must match the regular expression '${SPLIT_RE}'`;
export const QUANTITY_SUFFIX_WRONG = "unable to parse quantity's suffix";

const SUFFIXES = new Set([
  "",
  "n",
  "u",
  "m",
  "k",
  "M",
  "G",
  "T",
  "P",
  "E",
  "Ki",
  "Mi",
  "Gi",
  "Ti",
  "Pi",
  "Ei",
]);
const DIGIT = /[0-9]/;
const SUFFIX_CHAR = /[eEinumkKMGTP]/;

/** The ParseQuantity error for `str`, or undefined when it is a quantity. */
export function quantityError(str: string): string | undefined {
  if (str.length === 0) return QUANTITY_FORMAT_WRONG;
  if (str === "0") return undefined;
  const suffix = splitSuffix(str);
  if (suffix === undefined) return QUANTITY_FORMAT_WRONG;
  return validSuffix(suffix) ? undefined : QUANTITY_SUFFIX_WRONG;
}

/** parseQuantityString: the suffix after sign, digits and decimals; undefined for ErrFormatWrong. */
function splitSuffix(str: string): string | undefined {
  let pos = str[0] === "-" || str[0] === "+" ? 1 : 0;
  while (pos < str.length && DIGIT.test(str[pos])) pos++;
  if (pos === str.length) return "";
  if (str[pos] === ".") {
    pos++;
    while (pos < str.length && DIGIT.test(str[pos])) pos++;
    if (pos === str.length) return "";
  }
  const start = pos;
  while (pos < str.length && SUFFIX_CHAR.test(str[pos])) pos++;
  if (pos === str.length) return str.slice(start);
  if (str[pos] === "-" || str[pos] === "+") pos++;
  while (pos < str.length && DIGIT.test(str[pos])) pos++;
  return pos === str.length ? str.slice(start) : undefined;
}

/** suffixHandler.interpret: a decimal or binary SI suffix, or an exponent "e<int64>"/"E<int64>". */
function validSuffix(suffix: string): boolean {
  if (SUFFIXES.has(suffix)) return true;
  if (suffix.length > 1 && (suffix[0] === "e" || suffix[0] === "E")) {
    const exp = suffix.slice(1);
    if (!/^[+-]?[0-9]+$/.test(exp)) return false;
    const n = BigInt(exp);
    return n >= -(2n ** 63n) && n < 2n ** 63n;
  }
  return false;
}
