// x-kubernetes-validations: CEL rules evaluated on every write of a custom resource, as
// k8s.io/apiextensions-apiserver pkg/apiserver/schema/cel/validation.go does — `self` is the value at
// the rule's schema node, `oldSelf` the correlated old value (transition rules run on updates only,
// when an old value correlates: same map key, same list-type=map keys), and a failing rule reports
// fieldErrorForReason(path, <schema type>, message) with message, messageExpression, reason and
// fieldPath as upstream. A root rule's path is the nil path ("<nil>"). Each rule evaluation is limited to
// PerCallLimit and one object's rules share RuntimeCELCostBudget (src/server/cel/cost.ts), with
// validation.go's messages when either runs out (and no further rules run).

import { goQuote } from "../../meta/go-quote.ts";
import { COST_LIMIT_EXCEEDED, type CostBudget, OUT_OF_BUDGET, RUNTIME_CEL_COST_BUDGET } from "../cel/cost.ts";
import { celString, compile, isCompileError, type Program, toCel } from "../cel/index.ts";
import { isMap } from "../registry/json-access.ts";
import type { FieldCause } from "../registry/types.ts";
import {
  type BadValue,
  duplicate,
  forbidden,
  goSyntax,
  invalid,
  required,
} from "../registry/validation/field.ts";
import type { Schema, ValidationRule } from "./schema.ts";

const programs = new Map<string, Program | { compileError: string }>();

function program(expr: string): Program | { compileError: string } {
  let p = programs.get(expr);
  if (!p) {
    p = compile(expr);
    programs.set(expr, p);
  }
  return p;
}

/** %#v of an apiextensions.ValidationRule, as field.Invalid prints the rule upstream. */
function ruleSyntax(r: ValidationRule): BadValue {
  const q = (v: string | undefined) => goQuote(v ?? "");
  const reason = r.reason
    ? `(*apiextensions.FieldValueErrorReason)(0xc000000000)`
    : "(*apiextensions.FieldValueErrorReason)(nil)";
  const optional = r.optionalOldSelf === undefined ? "(*bool)(nil)" : "(*bool)(0xc000000000)";
  return goSyntax(
    `apiextensions.ValidationRule{Rule:${q(r.rule)}, Message:${q(r.message)}, MessageExpression:${q(r.messageExpression)}, Reason:${reason}, FieldPath:${q(r.fieldPath)}, OptionalOldSelf:${optional}}`,
  );
}

/** The static checks of each rule in a schema, for CRD validation (validation.go's XValidations loop). The
 * compile error detail is @bufbuild/cel's parser message after upstream's "compilation failed: " prefix. */
export function ruleCompileErrors(s: Schema | undefined, path: string, out: FieldCause[]): void {
  if (!s) return;
  (s["x-kubernetes-validations"] ?? []).forEach((r, i) => {
    const at = `${path}.x-kubernetes-validations[${i}]`;
    const rule = (r.rule ?? "").trim();
    if (!rule) out.push(required(`${at}.rule`, "rule is not specified"));
    if (r.message !== undefined) {
      if (r.message.trim() === "")
        out.push(invalid(`${at}.message`, r.message, "message must be non-empty if specified"));
      else if (r.message.includes("\n"))
        out.push(invalid(`${at}.message`, r.message, "message must not contain line breaks"));
    } else if (rule.includes("\n"))
      out.push(required(`${at}.message`, "message must be specified if rule contains line breaks"));
    if (r.messageExpression !== undefined && r.messageExpression.trim() === "")
      out.push(required(`${at}.messageExpression`, "messageExpression must be non-empty if specified"));
    if (r.fieldPath !== undefined) {
      if (r.fieldPath.trim() === "")
        out.push(invalid(`${at}.fieldPath`, r.fieldPath, "fieldPath must be non-empty if specified"));
      else if (r.fieldPath.includes("\n"))
        out.push(invalid(`${at}.fieldPath`, r.fieldPath, "fieldPath must not contain line breaks"));
    }
    if (!rule) return;
    const p = program(rule);
    if (isCompileError(p))
      out.push(invalid(`${at}.rule`, ruleSyntax(r), `compilation failed: ${p.compileError}`));
    if (r.messageExpression?.trim()) {
      const m = program(r.messageExpression);
      if (isCompileError(m))
        out.push(
          invalid(
            `${at}.messageExpression`,
            ruleSyntax(r),
            `messageExpression compilation failed: ${m.compileError}`,
          ),
        );
    }
    if (r.optionalOldSelf !== undefined && !usesOldSelf(rule))
      out.push(
        invalid(`${at}.optionalOldSelf`, r.optionalOldSelf, "may not be set if oldSelf is not used in rule"),
      );
  });
  for (const [k, sub] of Object.entries(s.properties ?? {}))
    ruleCompileErrors(sub, `${path}.properties[${k}]`, out);
  if (s.items) ruleCompileErrors(s.items, `${path}.items`, out);
  if (isMap(s.additionalProperties))
    ruleCompileErrors(s.additionalProperties as Schema, `${path}.additionalProperties`, out);
}

const usesOldSelf = (expr: string) => /\boldSelf\b/.test(expr);

/** Whether any node of the schema carries rules (most schemas have none: skip the walk). */
export function hasRules(s: Schema | undefined): boolean {
  if (!s) return false;
  if (s["x-kubernetes-validations"]?.length) return true;
  if (Object.values(s.properties ?? {}).some(hasRules)) return true;
  if (hasRules(s.items)) return true;
  return isMap(s.additionalProperties) && hasRules(s.additionalProperties as Schema);
}

/** The schema type upstream shows as the invalid value ("object", "string", …; "" when none). */
function schemaType(s: Schema): string {
  if (s["x-kubernetes-int-or-string"]) return "";
  return s.type ?? "";
}

function errorFor(path: string, s: Schema, detail: string, reason: string | undefined): FieldCause {
  switch (reason) {
    case "FieldValueForbidden":
      return forbidden(path, detail);
    case "FieldValueRequired":
      return required(path, detail);
    case "FieldValueDuplicate":
      return duplicate(path, schemaType(s));
    default:
      return invalid(path, schemaType(s), detail);
  }
}

/** Appends a rule's fieldPath (".spec.x", "['a.b']", "[0]") to the node's path. */
function withFieldPath(path: string, fieldPath: string | undefined): string {
  if (!fieldPath) return path;
  let out = path === "<nil>" ? "" : path;
  for (const m of fieldPath.matchAll(/\.([A-Za-z_$][\w$-]*)|\['([^']*)'\]|\[(\d+)\]/g)) {
    if (m[1] !== undefined) out = out ? `${out}.${m[1]}` : m[1];
    else out += `[${m[2] ?? m[3]}]`;
  }
  return out || "<nil>";
}

const child = (path: string, k: string) => (path === "<nil>" ? k : `${path}.${k}`);

/** Evaluates every rule on `value` (with `old`, on updates) and appends failures to `errs`; the rules of
 * one object share `budget` and stop once it is spent (its remainder is then negative). */
export function validateRules(
  value: unknown,
  old: unknown,
  s: Schema | undefined,
  path: string,
  errs: FieldCause[],
  hasOld: boolean,
  budget: CostBudget = { remaining: RUNTIME_CEL_COST_BUDGET },
): void {
  if (!s || value === undefined || budget.remaining < 0) return;
  const rules = s["x-kubernetes-validations"] ?? [];
  if (rules.length && budget.remaining <= 0) {
    errs.push(invalid(path, schemaType(s), OUT_OF_BUDGET));
    budget.remaining = -1;
    return;
  }
  for (const rule of rules) {
    evaluate(rule, value, old, s, path, errs, hasOld, budget);
    if (budget.remaining < 0) return;
  }
  if (Array.isArray(value)) {
    const keys = s["x-kubernetes-list-map-keys"];
    // Old items by their map keys, looked up once per item (a scan per item would be quadratic).
    const keyOf = (o: unknown) => (isMap(o) ? JSON.stringify(keys!.map((k) => o[k])) : undefined);
    const oldItems = new Map<string, unknown>();
    if (Array.isArray(old) && s["x-kubernetes-list-type"] === "map" && keys)
      for (const o of old) {
        const k = keyOf(o);
        if (k !== undefined && !oldItems.has(k)) oldItems.set(k, o);
      }
    for (let i = 0; i < value.length && budget.remaining >= 0; i++) {
      const k = oldItems.size ? keyOf(value[i]) : undefined;
      const match = k === undefined ? undefined : oldItems.get(k);
      const at = `${path === "<nil>" ? "" : path}[${i}]`;
      validateRules(value[i], match, s.items, at, errs, match !== undefined, budget);
    }
  } else if (isMap(value)) {
    const additional = isMap(s.additionalProperties) ? (s.additionalProperties as Schema) : undefined;
    for (const k of Object.keys(value)) {
      const inProps = s.properties && Object.hasOwn(s.properties, k);
      const sub = inProps ? s.properties![k] : additional;
      if (!sub) continue;
      const oldChild = isMap(old) && Object.hasOwn(old, k) ? old[k] : undefined;
      const at = inProps ? child(path, k) : `${path === "<nil>" ? "" : path}[${k}]`;
      validateRules(value[k], oldChild, sub, at, errs, hasOld && oldChild !== undefined, budget);
      if (budget.remaining < 0) return;
    }
  }
}

function evaluate(
  rule: ValidationRule,
  value: unknown,
  old: unknown,
  s: Schema,
  path: string,
  errs: FieldCause[],
  hasOld: boolean,
  budget: CostBudget,
): void {
  const p = program(rule.rule);
  const at = withFieldPath(path, rule.fieldPath);
  const shown = (rule.message ? rule.message : rule.rule).trim();
  if (isCompileError(p)) {
    errs.push(invalid(path, schemaType(s), `rule compile error: ${p.compileError}`));
    return;
  }
  const transition = usesOldSelf(rule.rule);
  if (transition && !hasOld && !rule.optionalOldSelf) return;
  const vars = { self: toCel(value, s), ...(transition && hasOld ? { oldSelf: toCel(old, s) } : {}) };
  const r = p(vars, budget);
  if (budget.remaining < 0) {
    errs.push(invalid(path, schemaType(s), OUT_OF_BUDGET));
    return;
  }
  if ("error" in r && r.error === COST_LIMIT_EXCEEDED) {
    errs.push(
      invalid(
        path,
        schemaType(s),
        `'${r.error}': no further validation rules will be run due to call cost exceeds limit for rule: ${shown}`,
      ),
    );
    budget.remaining = -1;
    return;
  }
  if ("error" in r) {
    errs.push(invalid(path, schemaType(s), `${r.error} evaluating rule: ${shown}`));
    return;
  }
  if (r.value === true) return;
  if (r.value !== false) {
    errs.push(invalid(path, schemaType(s), `rule evaluated to non-boolean: ${shown}`));
    return;
  }
  let detail = rule.message ? rule.message.trim() : `failed rule: ${rule.rule.trim()}`;
  if (rule.messageExpression) {
    const m = program(rule.messageExpression);
    if (!isCompileError(m)) {
      const out = m(vars, budget);
      if (budget.remaining < 0 || ("error" in out && out.error === COST_LIMIT_EXCEEDED)) {
        errs.push(
          invalid(
            at,
            schemaType(s),
            budget.remaining < 0
              ? `messageExpression evaluation failed due to running out of cost budget, no further validation rules will be run`
              : `no further validation rules will be run due to call cost exceeds limit for messageExpression: ${goQuote(rule.messageExpression)}`,
          ),
        );
        budget.remaining = -1;
        return;
      }
      if ("value" in out && typeof out.value === "string" && out.value.trim() && !out.value.includes("\n"))
        detail = celString(out.value).trim();
    }
  }
  errs.push(errorFor(at, s, detail, rule.reason));
}
