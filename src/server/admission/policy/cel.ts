// The CEL used by admission (k8s.io/apiserver pkg/admission/plugin/cel compile.go, the "Compiler" of
// ValidatingAdmissionPolicy validations and webhook matchConditions): expressions are parsed once, with
// upstream's "undeclared reference" check for the admission variables, and evaluated over JSON objects
// (integers as CEL ints), with the shared Kubernetes function library (src/server/cel/env.ts: strings,
// lists, regex, url, quantity; no authorizer). Each evaluation is cost-limited (src/server/cel/cost.ts).
import type { CelEnv } from "@bufbuild/cel";
import { type CostBudget, costedEnv, instrument, withCost } from "../../cel/cost.ts";
import { kubernetesFuncs } from "../../cel/env.ts";
import { cel } from "../../cel/lib.ts";

/** Every variable admission CEL may declare; which are in scope depends on the expression's kind. */
export const ADMISSION_VARIABLES = [
  "object",
  "oldObject",
  "request",
  "params",
  "namespaceObject",
  "variables",
  "authorizer",
] as const;
export type AdmissionVariable = (typeof ADMISSION_VARIABLES)[number];

let env: CelEnv | undefined;
/** The admission environment: every admission variable declared (as dyn), built on first use. */
function admissionEnv(): CelEnv {
  env ??= costedEnv(
    cel().celEnv({
      variables: Object.fromEntries(ADMISSION_VARIABLES.map((v) => [v, cel().CelScalar.DYN])),
      funcs: kubernetesFuncs(),
    }),
  );
  return env;
}

type ParsedExpr = ReturnType<ReturnType<typeof cel>["parse"]>;
type Expr = ParsedExpr["expr"];

export type EvalResult = { value: unknown } | { error: string };

export interface CompiledExpression {
  readonly expression: string;
  /** Bindings already converted with toCel (once per request, shared by all expressions); the cost is
   * charged to `budget` (which goes negative when it runs out). */
  evaluate(bindings: Partial<Record<AdmissionVariable, unknown>>, budget?: CostBudget): EvalResult;
}

/** cel.Error of type Invalid: the detail field validation reports and evaluation repeats. */
export class CelCompileError extends Error {}

/** "<input>:L:C" for an expression id, as cel-go's issues print positions. */
function position(parsed: ParsedExpr, id: bigint): string {
  const offset = parsed.sourceInfo?.positions?.[String(id)] ?? 0;
  const lines = parsed.sourceInfo?.lineOffsets ?? [];
  let line = 1;
  let start = 0;
  for (const lineOffset of lines) {
    if (lineOffset > offset) break;
    line++;
    start = lineOffset;
  }
  return `<input>:${line}:${offset - start + 1}`;
}

/** Top-level identifiers an expression reads that are not declared (comprehension variables aside). */
function undeclared(expr: Expr | undefined, declared: Set<string>, out: Expr[]): void {
  if (!expr) return;
  const k = expr.exprKind;
  switch (k.case) {
    case "identExpr":
      if (!declared.has(k.value.name)) out.push(expr);
      return;
    case "selectExpr":
      return undeclared(k.value.operand, declared, out);
    case "callExpr":
      undeclared(k.value.target, declared, out);
      for (const a of k.value.args) undeclared(a, declared, out);
      return;
    case "listExpr":
      for (const e of k.value.elements) undeclared(e, declared, out);
      return;
    case "structExpr":
      for (const e of k.value.entries) {
        if (e.keyKind.case === "mapKey") undeclared(e.keyKind.value, declared, out);
        undeclared(e.value, declared, out);
      }
      return;
    case "comprehensionExpr": {
      const c = k.value;
      undeclared(c.iterRange, declared, out);
      undeclared(c.accuInit, declared, out);
      const inner = new Set([...declared, c.iterVar, c.iterVar2, c.accuVar].filter(Boolean));
      undeclared(c.loopCondition, inner, out);
      undeclared(c.loopStep, inner, out);
      undeclared(c.result, inner, out);
      return;
    }
    default:
      return;
  }
}

/**
 * Compile an expression with the given variables in scope; throws CelCompileError with upstream's
 * "compilation failed: ERROR: <input>:L:C: ..." detail.
 */
export function compileExpression(
  expression: string,
  variables: readonly AdmissionVariable[],
): CompiledExpression {
  let parsed: ParsedExpr;
  try {
    parsed = cel().parse(expression);
  } catch (e) {
    throw new CelCompileError(`compilation failed: ERROR: ${(e as Error).message}`);
  }
  const missing: Expr[] = [];
  undeclared(parsed.expr, new Set(variables), missing);
  if (missing.length) {
    const issues = missing.map((e) => {
      const name = e.exprKind.case === "identExpr" ? e.exprKind.value.name : "";
      return `ERROR: ${position(parsed, e.id)}: undeclared reference to '${name}' (in container '')`;
    });
    throw new CelCompileError(`compilation failed: ${issues.join("\n")}`);
  }
  const run = cel().plan(admissionEnv(), instrument(parsed.expr!));
  return {
    expression,
    evaluate(bindings, budget) {
      return withCost(budget, () => {
        try {
          const value = run(bindings as never);
          if (cel().isCelError(value)) return { error: value.message };
          return { value };
        } catch (e) {
          return { error: (e as Error).message };
        }
      });
    },
  };
}

/** JSON (as decoded from the wire) to CEL input: whole numbers are ints, as Kubernetes' CEL types them. */
export function toCel(v: unknown): unknown {
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(toCel);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toCel(x);
    return out;
  }
  return v ?? null;
}

/** A CEL result back to JSON-ish JS (bigints to numbers) for messages and annotations. */
export function fromCel(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  return v;
}

/** A Map whose values are computed on first read (the CEL runtime reads a native Map's entries via get). */
class LazyMap extends Map<string, unknown> {
  private readonly compute: Map<string, () => unknown>;
  constructor(compute: Map<string, () => unknown>) {
    super();
    this.compute = compute;
  }
  override get(key: string): unknown {
    return this.compute.get(key)?.();
  }
  override has(key: string): boolean {
    return this.compute.has(key);
  }
  override get size(): number {
    return this.compute.size;
  }
  override keys(): MapIterator<string> {
    return this.compute.keys();
  }
  override *entries(): MapIterator<[string, unknown]> {
    for (const k of this.compute.keys()) yield [k, this.get(k)];
  }
  override *values(): MapIterator<unknown> {
    for (const k of this.compute.keys()) yield this.get(k);
  }
  override forEach(cb: (value: unknown, key: string, map: Map<string, unknown>) => void): void {
    for (const k of this.compute.keys()) cb(this.get(k), k, this);
  }
  override [Symbol.iterator](): MapIterator<[string, unknown]> {
    return this.entries();
  }
}

/**
 * `variables`: a lazily evaluated, memoized map (upstream's composition: each variable is computed
 * once, on first use, and may read earlier ones). An error surfaces where the variable is read.
 */
export function lazyVariables(
  defs: readonly { name: string; compiled: CompiledExpression }[],
  bindings: Partial<Record<AdmissionVariable, unknown>>,
): Map<string, unknown> {
  const compute = new Map<string, () => unknown>();
  const vars = new LazyMap(compute);
  const all = { ...bindings, variables: vars };
  for (const d of defs) {
    let cached: EvalResult | undefined;
    compute.set(d.name, () => {
      cached ??= d.compiled.evaluate(all);
      if ("error" in cached) throw new Error(cached.error);
      return cached.value;
    });
  }
  return vars;
}
