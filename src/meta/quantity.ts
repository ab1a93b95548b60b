// apimachinery pkg/api/resource (quantity.go ParseQuantity and CanonicalizeBytes, suffix.go, amount.go):
// which strings are quantities, upstream's error texts, and the string a decoded quantity is written
// back as ("1000m" → "1", "0.5" → "500m", "1024Mi" → "1Gi"; a string already canonical is kept as sent).
import { memoised } from "./memo.ts";

const SPLIT_RE = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

export const QUANTITY_FORMAT_WRONG = `quantities must match the regular expression '${SPLIT_RE}'`;
export const QUANTITY_SUFFIX_WRONG = "unable to parse quantity's suffix";

type Format = "DecimalSI" | "BinarySI" | "DecimalExponent";

const DECIMAL_SUFFIXES: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DIGIT = /[0-9]/;
const SUFFIX_CHAR = /[eEinumkKMGTP]/;
const NANO = -9;
const MAX_INT64 = 2n ** 63n - 1n;
const MAX_INT64_FACTORS = 18;

interface Parts {
  positive: boolean;
  /** Digits before the point, leading zeros stripped ("0" when none). */
  num: string;
  denom: string;
  suffix: string;
}

/** The ParseQuantity error for `str`, or undefined when it is a quantity (memoised). */
export const quantityError = memoised(parseError);

function parseError(str: string): string | undefined {
  if (str.length === 0) return QUANTITY_FORMAT_WRONG;
  if (str === "0") return undefined;
  const parts = parseQuantityString(str);
  if (!parts) return QUANTITY_FORMAT_WRONG;
  return interpret(parts.suffix) ? undefined : QUANTITY_SUFFIX_WRONG;
}

/** parseQuantityString: sign, numerator, denominator and suffix; undefined for ErrFormatWrong. */
function parseQuantityString(str: string): Parts | undefined {
  let pos = 0;
  const positive = str[0] !== "-";
  if (str[0] === "-" || str[0] === "+") pos++;
  while (pos < str.length && str[pos] === "0") pos++;
  const numStart = pos;
  while (pos < str.length && DIGIT.test(str[pos])) pos++;
  const num = str.slice(numStart, pos) || "0";
  let denom = "";
  if (pos < str.length && str[pos] === ".") {
    const start = ++pos;
    while (pos < str.length && DIGIT.test(str[pos])) pos++;
    denom = str.slice(start, pos);
  }
  const suffixStart = pos;
  while (pos < str.length && SUFFIX_CHAR.test(str[pos])) pos++;
  if (pos < str.length && (str[pos] === "-" || str[pos] === "+")) pos++;
  while (pos < str.length && DIGIT.test(str[pos])) pos++;
  if (pos !== str.length) return undefined;
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

/** suffixHandler.interpret: base, exponent and format of a suffix; undefined for ErrSuffix. */
function interpret(suffix: string): { base: 10 | 2; exponent: number; format: Format } | undefined {
  if (suffix in DECIMAL_SUFFIXES)
    return { base: 10, exponent: DECIMAL_SUFFIXES[suffix], format: "DecimalSI" };
  if (suffix in BINARY_SUFFIXES) return { base: 2, exponent: BINARY_SUFFIXES[suffix], format: "BinarySI" };
  if (
    suffix.length > 1 &&
    (suffix[0] === "e" || suffix[0] === "E") &&
    /^[+-]?[0-9]+$/.test(suffix.slice(1))
  ) {
    const exponent = BigInt(suffix.slice(1));
    if (exponent >= -(2n ** 63n) && exponent < 2n ** 63n)
      return { base: 10, exponent: Number(exponent), format: "DecimalExponent" };
  }
  return undefined;
}

/** Quantity.String() of a parsed quantity (call only for strings quantityError accepts). */
export function canonicalQuantity(str: string): string {
  if (str === "0") return str;
  const parts = parseQuantityString(str);
  const kind = parts && interpret(parts.suffix);
  if (!parts || !kind) return str;
  const { num, denom } = parts;
  if (keepsString(parts, kind.base, kind.exponent, kind.format)) return str;
  // The exact value: mantissa × 10^scale.
  let mantissa = BigInt(num + denom);
  let scale = -denom.length;
  if (kind.base === 10) scale += kind.exponent;
  else mantissa <<= BigInt(kind.exponent);
  // Non-zero values below a nano round up to one (inf.RoundUp, away from zero).
  if (scale < NANO && mantissa !== 0n) {
    const divisor = 10n ** BigInt(NANO - scale);
    mantissa = (mantissa + divisor - 1n) / divisor;
    scale = NANO;
  }
  let format = kind.format;
  if (format === "BinarySI") {
    if (!absBelow(mantissa, scale, MAX_INT64 + 1n)) {
      mantissa = MAX_INT64;
      scale = 0;
    }
    if (lessThanOne(mantissa, scale)) format = "DecimalSI";
  }
  if (!parts.positive) mantissa = -mantissa;
  return canonicalize(mantissa, scale, format);
}

/** ParseQuantity's fast path keeps the string it was given when it is already canonical. */
function keepsString(parts: Parts, base: 10 | 2, exponent: number, format: Format): boolean {
  const { num, denom } = parts;
  let precision: number;
  if (format === "BinarySI") {
    precision =
      exponent >= 0 && denom.length === 0 ? 15 - num.length - Math.trunc((exponent * 3) / 10) - 1 : -1;
  } else precision = MAX_INT64_FACTORS - (num.length + denom.length);
  if (precision < 0) return false;
  const scale = (format === "BinarySI" ? 0 : exponent) - denom.length;
  if (scale < NANO) return false;
  const shifted = num + denom;
  const value = BigInt(shifted);
  if (value > MAX_INT64) return false;
  const mantissa = base === 2 ? 1n << BigInt(exponent) : 1n;
  if (value * mantissa > MAX_INT64) return false;
  if (format === "BinarySI") return exponent % 10 === 0 && (value & 7n) !== 0n;
  return scale % 3 === 0 && !shifted.endsWith("000") && shifted[0] !== "0";
}

function lessThanOne(mantissa: bigint, scale: number): boolean {
  if (mantissa === 0n || scale >= 0) return false;
  return mantissa < 10n ** BigInt(-scale);
}

/** CanonicalizeBytes. */
function canonicalize(mantissa: bigint, scale: number, format: Format): string {
  if (mantissa === 0n) return "0";
  if (format === "BinarySI") {
    const small = absBelow(mantissa, scale, 1024n); // -1024 < q < 1024 reads better in decimal
    const integral = scale >= 0 || mantissa % 10n ** BigInt(-scale) === 0n;
    if (small || !integral) format = "DecimalSI";
    else {
      let value = scale >= 0 ? mantissa * 10n ** BigInt(scale) : mantissa / 10n ** BigInt(-scale);
      let times = 0;
      const negative = value < 0n;
      if (negative) value = -value;
      while (value >= 1024n && value % 1024n === 0n) {
        value /= 1024n;
        times++;
      }
      const suffix = Object.entries(BINARY_SUFFIXES).find(([, e]) => e === times * 10)?.[0] ?? "";
      return `${negative ? -value : value}${suffix}`;
    }
  }
  // AsCanonicalBytes: move factors of ten into the exponent, then make it a multiple of three.
  let value = mantissa < 0n ? -mantissa : mantissa;
  let exponent = scale;
  while (value >= 10n && value % 10n === 0n) {
    value /= 10n;
    exponent++;
  }
  while (exponent % 3 !== 0) {
    value *= 10n;
    exponent--;
  }
  const digits = `${mantissa < 0n ? "-" : ""}${value}`;
  if (format === "DecimalExponent") return exponent === 0 ? digits : `${digits}e${exponent}`;
  const suffix = Object.entries(DECIMAL_SUFFIXES).find(([, e]) => e === exponent)?.[0] ?? "";
  return `${digits}${suffix}`;
}

/** |mantissa × 10^scale| < limit. */
function absBelow(mantissa: bigint, scale: number, limit: bigint): boolean {
  const abs = mantissa < 0n ? -mantissa : mantissa;
  return scale >= 0 ? abs * 10n ** BigInt(scale) < limit : abs < limit * 10n ** BigInt(-scale);
}

/** Quantity.MilliValue() (rounded up, as ScaledValue does) of a string quantityError accepts; 0n otherwise.
 * Memoised: QoS and resource validation read the same few quantities on every Pod write. */
export const quantityMilli = memoised(milliValue);

function milliValue(str: string): bigint {
  if (str === "0") return 0n;
  const parts = parseQuantityString(str);
  const kind = parts && interpret(parts.suffix);
  if (!parts || !kind) return 0n;
  let mantissa = BigInt(parts.num + parts.denom);
  let scale = -parts.denom.length + 3; // milli units
  if (kind.base === 10) scale += kind.exponent;
  else mantissa <<= BigInt(kind.exponent);
  if (scale >= 0) mantissa *= 10n ** BigInt(scale);
  else {
    const divisor = 10n ** BigInt(-scale);
    mantissa = (mantissa + divisor - 1n) / divisor;
  }
  return parts.positive ? mantissa : -mantissa;
}

/** Whether a quantity string is in BinarySI format ("64Mi"), which sums keep (Quantity.Add keeps the format). */
export function isBinaryQuantity(str: string): boolean {
  const parts = parseQuantityString(str);
  return Boolean(parts && interpret(parts.suffix)?.format === "BinarySI");
}

/** Quantity.String() of a milli value in the given format (sums of quantities, quota usage). */
export function formatMilli(milli: bigint, binary = false): string {
  if (milli === 0n) return "0";
  if (binary && milli % 1000n === 0n) {
    const units = milli / 1000n;
    if (units % 1024n === 0n) return canonicalQuantity(`${units / 1024n}Ki`);
  }
  return canonicalQuantity(`${milli}m`);
}

/**
 * %#v of the resource.Quantity ParseQuantity makes of `str`: how field.Invalid prints a Quantity value (it
 * is no fmt.Stringer, String having a pointer receiver). The fast path keeps an int64Amount (and the
 * string itself when canonical); the rest hold an inf.Dec, whose address prints as 0xc000000000 here.
 */
export function quantityGoSyntax(str: string): string {
  const print = (value: bigint, scale: number, dec: boolean, s: string, format: Format) =>
    `resource.Quantity{i:resource.int64Amount{value:${value}, scale:${scale}}, d:resource.infDecAmount{Dec:(*inf.Dec)(${dec ? "0xc000000000" : "nil"})}, s:${JSON.stringify(s)}, Format:${JSON.stringify(format)}}`;
  if (str === "0") return print(0n, 0, false, "0", "DecimalSI");
  const parts = parseQuantityString(str);
  const kind = parts && interpret(parts.suffix);
  if (!parts || !kind) return print(0n, 0, false, "", "DecimalSI");
  const { num, denom } = parts;
  let precision: number;
  let scale: number;
  let multiplier = 1n;
  if (kind.format === "BinarySI") {
    scale = 0;
    if (kind.exponent >= 0 && denom.length === 0) {
      multiplier = 1n << BigInt(kind.exponent);
      precision = 15 - num.length - Math.trunc((kind.exponent * 3) / 10) - 1;
    } else precision = -1;
  } else {
    scale = kind.exponent;
    precision = MAX_INT64_FACTORS - (num.length + denom.length);
  }
  if (precision >= 0) {
    scale -= denom.length;
    const value = BigInt(num + denom);
    if (scale >= NANO && value <= MAX_INT64 && value * multiplier <= MAX_INT64) {
      const result = (parts.positive ? 1n : -1n) * value * multiplier;
      const canonical = keepsString(parts, kind.base, kind.exponent, kind.format);
      return print(result, scale, false, canonical ? str : "", kind.format);
    }
  }
  const lessThanOneBinary =
    kind.format === "BinarySI" && quantityMilli(str) < 1000n && quantityMilli(str) > 0n;
  return print(0n, 0, true, "", lessThanOneBinary ? "DecimalSI" : kind.format);
}
