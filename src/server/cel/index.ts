// CEL programs in the Kubernetes environment (env.ts): compile once, evaluate with JSON values bound
// to variables. Values are converted as k8s.io/apiserver pkg/cel/common UnstructuredToVal does, with
// the schema deciding what a JSON number is (integer → int, number → double).
import type { CelInput, CelValue } from "@bufbuild/cel";
import { isMap } from "../registry/json-access.ts";
import { type CostBudget, costedEnv, instrument, withCost } from "./cost.ts";
import { kubernetesEnv } from "./env.ts";
import { cel } from "./lib.ts";

export interface TypeHint {
  type?: string;
  properties?: Record<string, TypeHint>;
  additionalProperties?: TypeHint | boolean;
  items?: TypeHint;
}

/** Evaluates with variables bound, charging `budget` (cost.ts: per-call limit, then the budget). */
export type Program = (
  vars: Record<string, CelInput>,
  budget?: CostBudget,
) => { value: CelValue } | { error: string };

let env: ReturnType<typeof costedEnv> | undefined;

/** Compiles `expr`; a syntax error is returned as text (upstream's "compilation failed" detail). */
export function compile(expr: string): Program | { compileError: string } {
  let evaluate: (vars: Record<string, CelInput>) => unknown;
  try {
    const parsed = cel().parse(expr);
    env ??= costedEnv(kubernetesEnv());
    evaluate = cel().plan(env, instrument(parsed.expr!)) as (vars: Record<string, CelInput>) => unknown;
  } catch (e) {
    return { compileError: (e as Error).message };
  }
  return (vars, budget) =>
    withCost(budget, () => {
      try {
        const r = evaluate(vars);
        if (cel().isCelError(r)) return { error: r.message };
        return { value: r as CelValue };
      } catch (e) {
        return { error: (e as Error).message };
      }
    });
}

export function isCompileError(p: Program | { compileError: string }): p is { compileError: string } {
  return typeof p !== "function";
}

/** A JSON value as a CEL input, typed by the schema where it has one. */
export function toCel(v: unknown, hint?: TypeHint): CelInput {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") {
    if (hint?.type === "number") return v;
    return Number.isInteger(v) ? BigInt(v) : v;
  }
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (Array.isArray(v)) return v.map((x) => toCel(x, hint?.items));
  if (isMap(v)) {
    const additional = isMap(hint?.additionalProperties)
      ? (hint.additionalProperties as TypeHint)
      : undefined;
    return new Map(Object.entries(v).map(([k, x]) => [k, toCel(x, hint?.properties?.[k] ?? additional)]));
  }
  return null;
}

/** A CEL result as text (messageExpression results are strings; anything else is stringified). */
export function celString(v: CelValue): string {
  return typeof v === "string" ? v : String(v);
}
