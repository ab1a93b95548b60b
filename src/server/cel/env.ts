// The Kubernetes CEL environment (k8s.io/apiserver pkg/cel/library and cel-go's ext packages, as
// kube-apiserver's base environment enables them) on @bufbuild/cel: the standard library, the strings
// extension, and the Kubernetes functions rules commonly use — lists (isSorted, sum, min, max, indexOf,
// lastIndexOf), regex (find, findAll), URLs (isURL, url + getScheme/getHost/getHostname/getPort/
// getEscapedPath/getQuery) and quantities (isQuantity, quantity + compareTo/isLessThan/isGreaterThan/
// add/sub/asInteger/asApproximateFloat/isInteger/sign). Runtime cost limits: cost.ts.
// URL and Quantity values are maps tagged with a hidden key, since @bufbuild/cel types are protobuf-only.
import v8 from "node:v8";
import type { CelEnv, CelFunc, CelInput, CelList, CelMap, CelValue } from "@bufbuild/cel";
import { quantityError } from "../../meta/quantity.ts";
import { cel, celExtensions, re2 } from "./lib.ts";

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A quantity's approximate value, or undefined when resource.ParseQuantity would fail. */
function parseQuantity(s: string): number | undefined {
  if (quantityError(s) !== undefined) return undefined;
  const m = /^([+-]?[0-9.]+)(.*)$/.exec(s);
  if (!m) return undefined;
  const factor = SUFFIX[m[2]] ?? 10 ** Number(m[2].slice(1));
  return Number(m[1]) * factor;
}

// Bound when the environment is first built (the library loads then, see lib.ts).
let STRING: ReturnType<typeof cel>["CelScalar"]["STRING"];
let INT: ReturnType<typeof cel>["CelScalar"]["INT"];
let BOOL: ReturnType<typeof cel>["CelScalar"]["BOOL"];
let DOUBLE: ReturnType<typeof cel>["CelScalar"]["DOUBLE"];
let DYN: ReturnType<typeof cel>["CelScalar"]["DYN"];
let LIST: ReturnType<ReturnType<typeof cel>["listType"]>;
let MAP: ReturnType<ReturnType<typeof cel>["mapType"]>;
const TAG = "\u0000kind";

function tagged(kind: string, value: string): CelInput {
  return new Map<string, CelInput>([
    [TAG, kind],
    ["value", value],
  ]);
}

function untag(m: CelMap, kind: string): string {
  if (m.get(TAG) !== kind) throw new Error(`no such overload: expected ${kind}`);
  return m.get("value") as string;
}

function compare(a: CelValue, b: CelValue): number {
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  throw new Error("no such overload");
}

const items = (l: CelList): CelValue[] => [...l];

function listFuncs(): CelFunc[] {
  return [
    cel().celMethod("isSorted", LIST, [], BOOL, function () {
      const xs = items(this);
      return xs.every((x, i) => i === 0 || compare(xs[i - 1], x) <= 0);
    }),
    cel().celMethod("sum", LIST, [], DYN, function () {
      const xs = items(this);
      if (xs.length === 0) return 0n;
      return xs.reduce((a, b) =>
        typeof a === "bigint" && typeof b === "bigint" ? a + b : Number(a) + Number(b),
      ) as CelInput;
    }),
    cel().celMethod("min", LIST, [], DYN, function () {
      const xs = items(this);
      if (xs.length === 0) throw new Error("min called on empty list");
      return xs.reduce((a, b) => (compare(a, b) <= 0 ? a : b)) as CelInput;
    }),
    cel().celMethod("max", LIST, [], DYN, function () {
      const xs = items(this);
      if (xs.length === 0) throw new Error("max called on empty list");
      return xs.reduce((a, b) => (compare(a, b) >= 0 ? a : b)) as CelInput;
    }),
    cel().celMethod("indexOf", LIST, [DYN], INT, function (x) {
      return BigInt(items(this).findIndex((y) => safeEqual(x, y)));
    }),
    cel().celMethod("lastIndexOf", LIST, [DYN], INT, function (x) {
      return BigInt(items(this).findLastIndex((y) => safeEqual(x, y)));
    }),
  ];
}

function safeEqual(a: CelValue, b: CelValue): boolean {
  try {
    return compare(a, b) === 0;
  } catch {
    return false;
  }
}

// Go's regexp (RE2) runs in linear time; V8's default engine backtracks, so `self.find('(a+)+$')` on a
// long string would stall the whole server on one request. Patterns must be RE2 syntax and run on V8's
// linear-time engine (the `l` flag, which this flag enables; it changes nothing else).
v8.setFlagsFromString("--enable-experimental-regexp-engine");

/** A regex for find/findAll: RE2 syntax (Go's parse errors), executed in linear time. */
function linearRegExp(re: string, global: boolean): RegExp {
  re2().RE2JS.compile(re); // throws Go's "error parsing regexp: …" for what RE2 rejects
  // The linear engine has no Unicode mode, where \p{…} means a property class rather than "p{…}".
  if (/\\[pP]/.test(re.replaceAll("\\\\", "")))
    throw new Error(
      `regex ${JSON.stringify(re)}: Unicode classes (\\p{…}) are not supported in find/findAll here`,
    );
  try {
    return new RegExp(re, global ? "gl" : "l");
  } catch {
    throw new Error(`regex ${JSON.stringify(re)} cannot be evaluated in linear time by this server`);
  }
}

function regexFuncs(): CelFunc[] {
  return [
    cel().celMethod("find", STRING, [STRING], STRING, function (re) {
      return linearRegExp(re, false).exec(this)?.[0] ?? "";
    }),
    cel().celMethod("findAll", STRING, [STRING], cel().listType(STRING), function (re) {
      return [...this.matchAll(linearRegExp(re, true))].map((m) => m[0]);
    }),
    cel().celMethod("findAll", STRING, [STRING, INT], cel().listType(STRING), function (re, n) {
      const all = [...this.matchAll(linearRegExp(re, true))].map((m) => m[0]);
      return n < 0n ? all : all.slice(0, Number(n));
    }),
  ];
}

/** url(): an absolute URI or an absolute path, as k8s.io/apiserver pkg/cel/library/urls.go accepts. */
function parseUrl(s: string): URL | undefined {
  try {
    if (s.startsWith("/")) return new URL(s, "http://placeholder.invalid");
    const u = new URL(s);
    return u;
  } catch {
    return undefined;
  }
}

function urlFuncs(): CelFunc[] {
  const url = (m: CelMap) => {
    const s = untag(m, "url");
    return { s, u: parseUrl(s)! };
  };
  return [
    cel().celFunc("isURL", [STRING], BOOL, (s) => parseUrl(s) !== undefined),
    cel().celFunc("url", [STRING], MAP, (s) => {
      if (!parseUrl(s)) throw new Error(`URL parse error during conversion from string: ${s}`);
      return tagged("url", s);
    }),
    cel().celMethod("getScheme", MAP, [], STRING, function () {
      const { s, u } = url(this);
      return s.startsWith("/") ? "" : u.protocol.replace(/:$/, "");
    }),
    cel().celMethod("getHost", MAP, [], STRING, function () {
      const { s, u } = url(this);
      return s.startsWith("/") ? "" : u.host;
    }),
    cel().celMethod("getHostname", MAP, [], STRING, function () {
      const { s, u } = url(this);
      return s.startsWith("/") ? "" : u.hostname.replace(/^\[|\]$/g, "");
    }),
    cel().celMethod("getPort", MAP, [], STRING, function () {
      const { s, u } = url(this);
      return s.startsWith("/") ? "" : u.port;
    }),
    cel().celMethod("getEscapedPath", MAP, [], STRING, function () {
      return url(this).u.pathname;
    }),
    cel().celMethod("getQuery", MAP, [], cel().mapType(STRING, cel().listType(STRING)), function () {
      const out = new Map<string, string[]>();
      for (const [k, v] of url(this).u.searchParams) out.set(k, [...(out.get(k) ?? []), v]);
      return out;
    }),
  ];
}

/** A quantity's value as a JS number (the library's comparisons use inf.Dec; doubles suffice here). */
function quantityValue(s: string): number {
  const q = parseQuantity(s);
  if (q === undefined) throw new Error(`quantities must match the regular expression: ${s}`);
  return q;
}

function quantityFuncs(): CelFunc[] {
  const q = (m: CelMap) => quantityValue(untag(m, "quantity"));
  return [
    cel().celFunc("isQuantity", [STRING], BOOL, (s) => parseQuantity(s) !== undefined),
    cel().celFunc("quantity", [STRING], MAP, (s) => {
      quantityValue(s);
      return tagged("quantity", s);
    }),
    cel().celMethod("compareTo", MAP, [MAP], INT, function (o) {
      return BigInt(Math.sign(q(this) - q(o)));
    }),
    cel().celMethod("isLessThan", MAP, [MAP], BOOL, function (o) {
      return q(this) < q(o);
    }),
    cel().celMethod("isGreaterThan", MAP, [MAP], BOOL, function (o) {
      return q(this) > q(o);
    }),
    cel().celMethod("sign", MAP, [], INT, function () {
      return BigInt(Math.sign(q(this)));
    }),
    cel().celMethod("isInteger", MAP, [], BOOL, function () {
      return Number.isInteger(q(this));
    }),
    cel().celMethod("asInteger", MAP, [], INT, function () {
      const v = q(this);
      if (!Number.isSafeInteger(v)) throw new Error("cannot convert value to integer");
      return BigInt(v);
    }),
    cel().celMethod("asApproximateFloat", MAP, [], DOUBLE, function () {
      return q(this);
    }),
    cel().celMethod("add", MAP, [MAP], MAP, function (o) {
      return tagged("quantity", String(q(this) + q(o)));
    }),
    cel().celMethod("add", MAP, [INT], MAP, function (n) {
      return tagged("quantity", String(q(this) + Number(n)));
    }),
    cel().celMethod("sub", MAP, [MAP], MAP, function (o) {
      return tagged("quantity", String(q(this) - q(o)));
    }),
    cel().celMethod("sub", MAP, [INT], MAP, function (n) {
      return tagged("quantity", String(q(this) - Number(n)));
    }),
  ];
}

let env: CelEnv | undefined;
let funcs: CelFunc[] | undefined;

/** The Kubernetes function library (strings extension + the Kubernetes libraries above), built once. */
export function kubernetesFuncs(): CelFunc[] {
  if (funcs) return funcs;
  ({ STRING, INT, BOOL, DOUBLE, DYN } = cel().CelScalar);
  LIST = cel().listType(DYN);
  MAP = cel().mapType(STRING, DYN);
  funcs = [...celExtensions().strings, ...listFuncs(), ...regexFuncs(), ...urlFuncs(), ...quantityFuncs()];
  return funcs;
}

/** The shared environment (functions only; variables are bound per evaluation). */
export function kubernetesEnv(): CelEnv {
  env ??= cel().celEnv({ funcs: kubernetesFuncs() });
  return env;
}

export function isCelMap(value: unknown): value is CelMap {
  return cel().isCelMap(value);
}
