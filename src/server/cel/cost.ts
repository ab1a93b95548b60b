// CEL runtime cost limits, as kube-apiserver enforces them (k8s.io/apiserver pkg/apis/cel/config.go for the
// limits; cel-go interpreter/runtimecost.go and k8s.io/apiserver pkg/cel/library/cost.go for the cost model).
// @bufbuild/cel has no cost hook, so the cost is counted in two places that together follow cel-go's model:
//  - every function call is charged by a wrapper around the environment's function resolver, with cel-go's
//    and the Kubernetes library's per-call costs (1, or proportional to string/list sizes);
//  - identifiers, field selections, index operations and list/map literals (1, 1, 1, 10, 30 in cel-go) are
//    counted statically per node and charged once per evaluation of the expression, and once per
//    iteration for a comprehension's loop condition and step, by an `@cost` call the rewrite inserts.
// Differences from cel-go: a string's size is its UTF-16 length (cel-go: code points); a loop's condition
// and step are charged together when the condition is evaluated (the step of the last, short-circuited
// iteration is charged too); and the evaluation stops at the first charge over the limit rather than at
// the next observed step. A rule costs about what it costs upstream, so the limits mean the same thing.

import type { CelEnv, CelValue } from "@bufbuild/cel";
import { cel } from "./lib.ts";

/** celconfig.PerCallLimit: the cost one expression evaluation may reach (roughly 0.1 s upstream). */
export const PER_CALL_LIMIT = 1_000_000;
/** celconfig.RuntimeCELCostBudget: per custom resource validation and per policy binding evaluation. */
export const RUNTIME_CEL_COST_BUDGET = 10_000_000;
/** cel-go's EvalCancelledError message for an evaluation that went over its cost limit. */
export const COST_LIMIT_EXCEEDED = "operation cancelled: actual cost limit exceeded";
/** The message both the CRD validator and the admission evaluator give when the budget runs out. */
export const OUT_OF_BUDGET =
  "validation failed due to running out of cost budget, no further validation rules will be run";

// cel-go common/cost.go
const STRING_TRAVERSAL = 0.1;
const REGEX_STRING_LENGTH = 0.25;
const SELECT_AND_IDENT = 1;
const LIST_CREATE_BASE = 10;
const MAP_CREATE_BASE = 30;
const STRUCT_CREATE_BASE = 40;

/** What is left of a budget; evaluations subtract their cost, and set it negative when it runs out. */
export interface CostBudget {
  remaining: number;
}

class Tracker {
  cost = 0;
  readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
}

/** Thrown past the interpreter (which would otherwise fold it into a value and keep looping). */
class CostLimitExceeded extends Error {}

let active: Tracker | undefined;

function charge(n: number): void {
  const t = active;
  if (!t) return;
  t.cost += n;
  if (t.cost > t.limit) throw new CostLimitExceeded(COST_LIMIT_EXCEEDED);
}

/**
 * Runs `evaluate` under a cost tracker limited to PerCallLimit (and the budget's remainder), and charges
 * the budget. Over the limit the result is COST_LIMIT_EXCEEDED; over the budget, the budget goes negative
 * (callers then report OUT_OF_BUDGET, as upstream checks the budget before the error). An evaluation
 * nested in another (an admission variable read by an expression) is charged to the enclosing one.
 */
export function withCost<R extends { error: string } | object>(
  budget: CostBudget | undefined,
  evaluate: () => R,
): R | { error: string } {
  if (active) return evaluate();
  const remaining = budget?.remaining ?? Number.POSITIVE_INFINITY;
  const tracker = new Tracker(Math.min(PER_CALL_LIMIT, remaining));
  active = tracker;
  let result: R | { error: string };
  try {
    result = evaluate();
  } catch (e) {
    if (!(e instanceof CostLimitExceeded)) throw e;
    result = { error: COST_LIMIT_EXCEEDED };
  } finally {
    active = undefined;
  }
  if (tracker.cost > tracker.limit) result = { error: COST_LIMIT_EXCEEDED };
  if (budget) budget.remaining = tracker.cost > remaining ? -1 : remaining - tracker.cost;
  return result;
}

/** traits.Sizer's Size: a string's or bytes' length, a list's or map's element count; else 1. */
function size(v: unknown): number {
  if (typeof v === "string") return v.length;
  if (v instanceof Uint8Array) return v.length;
  if (v !== null && typeof v === "object" && "size" in v && typeof v.size === "number") return v.size;
  return 1;
}

/** library/cost.go traversalCost: the cost of reading every string in a value once. */
function traversal(v: unknown): number {
  if (typeof v === "string" || v instanceof Uint8Array) return Math.trunc(v.length * STRING_TRAVERSAL);
  if (cel().isCelList(v)) {
    let c = 0;
    for (const x of v) c += traversal(x);
    return c;
  }
  if (cel().isCelMap(v)) {
    let c = 0;
    for (const [k, x] of v.entries()) c += traversal(k) + traversal(x);
    return c;
  }
  return 1;
}

const traverse = (n: number, factor = STRING_TRAVERSAL) => Math.ceil(n * factor);
const regexCost = (s: unknown, re: unknown) =>
  Math.ceil((1 + size(s)) * STRING_TRAVERSAL) * Math.ceil(size(re) * REGEX_STRING_LENGTH);

/** The cost of one call (args with a method's receiver first, as cel-go passes them). */
function callCost(name: string, args: unknown[], result: unknown): number {
  switch (name) {
    // cel-go runtimecost.go costCall
    case "startsWith":
    case "endsWith":
      return traverse(size(args[0]));
    case "@in":
      return cel().isCelList(args[1]) ? size(args[1]) : 1;
    case "_<_":
    case "_>_":
    case "_<=_":
    case "_>=_":
    case "_==_":
    case "_!=_":
      return traverse(Math.min(size(args[0]), size(args[1])));
    case "_+_":
      return typeof args[0] === "string" || args[0] instanceof Uint8Array
        ? traverse(size(args[0]) + size(args[1]))
        : 1;
    case "matches":
      return regexCost(args[0], args[1]);
    case "contains":
      return traverse(size(args[0])) * traverse(size(args[1]));
    // k8s.io/apiserver pkg/cel/library/cost.go CallCost
    case "isSorted":
    case "sum":
    case "max":
    case "min":
    case "indexOf":
    case "lastIndexOf":
      return traversal(args[0]);
    case "url":
    case "lowerAscii":
    case "upperAscii":
    case "substring":
    case "trim":
    case "quantity":
    case "isQuantity":
      return traverse(size(args[0]));
    case "replace":
    case "split":
      return traverse(size(args[0]), 2 * STRING_TRAVERSAL);
    case "join":
      return traverse(size(result), 2 * STRING_TRAVERSAL);
    case "find":
    case "findAll":
      return regexCost(args[0], args[1]);
    default:
      return 1;
  }
}

type FuncResolver = CelEnv["funcs"];
type FuncGroup = NonNullable<ReturnType<FuncResolver["find"]>>;

/** The per-iteration (and per-evaluation) static charge the rewrite inserts: `@cost(value, n)` is value. */
const COST_FN = "@cost";

const costFn = {
  name: COST_FN,
  call(_id: number, _target: unknown, args: CelValue[]) {
    charge(Number(args[1]));
    return args[0];
  },
  *[Symbol.iterator]() {},
};

/** The environment with every function call charged (and `@cost` defined). */
export function costedEnv(env: CelEnv): CelEnv {
  const groups = new Map<string, FuncGroup | undefined>();
  const wrap = (g: FuncGroup): FuncGroup =>
    ({
      name: g.name,
      call(id: number, target: CelValue | undefined, args: CelValue[]) {
        const r = g.call(id as never, target as never, args as never);
        charge(callCost(g.name, target === undefined ? args : [target, ...args], r));
        return r;
      },
      [Symbol.iterator]: () => g[Symbol.iterator](),
    }) as unknown as FuncGroup;
  const funcs = {
    find(name: string) {
      if (name === COST_FN) return costFn as unknown as FuncGroup;
      if (!groups.has(name)) {
        const g = env.funcs.find(name);
        groups.set(name, g && wrap(g));
      }
      return groups.get(name);
    },
    [Symbol.iterator]: () => env.funcs[Symbol.iterator](),
  };
  return {
    namespace: env.namespace,
    registry: env.registry,
    variables: env.variables,
    funcs: funcs as unknown as FuncResolver,
  } as unknown as CelEnv;
}

type Expr = NonNullable<ReturnType<ReturnType<typeof cel>["parse"]>["expr"]>;

// Calls the interpreter does not resolve as functions and cel-go charges 1 for (index qualifiers and the
// loop condition's call); _&&_, _||_ and _?_:_ are free, as in cel-go.
const QUALIFIER_CALLS = new Set(["_[_]", "_[?_]", "@not_strictly_false"]);

/** The static cost of evaluating `e` once, loop bodies of comprehensions excluded (they charge per turn). */
function staticCost(e: Expr | undefined): number {
  if (!e) return 0;
  const k = e.exprKind;
  switch (k.case) {
    case "identExpr":
      return SELECT_AND_IDENT;
    case "selectExpr":
      return SELECT_AND_IDENT + staticCost(k.value.operand);
    case "callExpr": {
      let c = staticCost(k.value.target);
      for (const a of k.value.args) c += staticCost(a);
      if (QUALIFIER_CALLS.has(k.value.function)) c += 1;
      return c;
    }
    case "listExpr": {
      let c = LIST_CREATE_BASE;
      for (const x of k.value.elements) c += staticCost(x);
      return c;
    }
    case "structExpr": {
      let c = k.value.messageName ? STRUCT_CREATE_BASE : MAP_CREATE_BASE;
      for (const x of k.value.entries)
        c += staticCost(x.value) + (x.keyKind.case === "mapKey" ? staticCost(x.keyKind.value) : 0);
      return c;
    }
    case "comprehensionExpr":
      return staticCost(k.value.iterRange) + staticCost(k.value.accuInit) + staticCost(k.value.result);
    default:
      return 0;
  }
}

function costCall(e: Expr, n: number): Expr {
  return {
    ...e,
    exprKind: {
      case: "callExpr",
      value: {
        function: COST_FN,
        target: undefined,
        args: [
          e,
          {
            ...e,
            exprKind: {
              case: "constExpr",
              value: { constantKind: { case: "int64Value", value: BigInt(n) } },
            },
          },
        ],
      },
    },
  } as unknown as Expr;
}

/** Inserts the loop charges into every comprehension of `e` (in place). */
function instrumentLoops(e: Expr | undefined): void {
  if (!e) return;
  const k = e.exprKind;
  switch (k.case) {
    case "selectExpr":
      return instrumentLoops(k.value.operand);
    case "callExpr":
      instrumentLoops(k.value.target);
      for (const a of k.value.args) instrumentLoops(a);
      return;
    case "listExpr":
      for (const x of k.value.elements) instrumentLoops(x);
      return;
    case "structExpr":
      for (const x of k.value.entries) {
        if (x.keyKind.case === "mapKey") instrumentLoops(x.keyKind.value);
        instrumentLoops(x.value);
      }
      return;
    case "comprehensionExpr": {
      const c = k.value;
      for (const x of [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result]) instrumentLoops(x);
      const perTurn = staticCost(c.loopCondition) + staticCost(c.loopStep);
      if (c.loopCondition) c.loopCondition = costCall(c.loopCondition, perTurn);
      return;
    }
    default:
      return;
  }
}

/** `e` with the cost charges inserted: per loop iteration, and for the rest once per evaluation. */
export function instrument(e: Expr): Expr {
  const once = staticCost(e);
  instrumentLoops(e);
  return costCall(e, once);
}
