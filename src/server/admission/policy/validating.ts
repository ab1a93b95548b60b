// ValidatingAdmissionPolicy enforcement: k8s.io/apiserver pkg/admission/plugin/policy/validating
// (dispatcher.go, validator.go), policy/matching/matching.go and policy/generic CollectParams.
// Each policy whose matchConstraints match, with each of its bindings whose matchResources match,
// evaluates its validations once per param; Deny refuses, Warn adds a Warning header, Audit is
// recorded only in the log. Denial text: "ValidatingAdmissionPolicy 'P' with binding 'B' denied
// request: MESSAGE", status reason from the validation (default Invalid).
import type { Logger } from "pino";
import { type LabelSelectorExpr, matchesLabels } from "../../../meta/labels.ts";
import { failure } from "../../../meta/status.ts";
import type { StoredObject } from "../../../meta/types.ts";
import { type CostBudget, OUT_OF_BUDGET, RUNTIME_CEL_COST_BUDGET } from "../../cel/cost.ts";
import { ApiStatusError } from "../../http/errors.ts";
import { asList, asMap, asMaps, asString, isMap, type Json } from "../../registry/json-access.ts";
import type { ResourceDef } from "../../registry/types.ts";
import { storageKey } from "../../registry/types.ts";
import type { Store } from "../../storage/index.ts";
import type { AdmissionPlugin, AdmissionRequest } from "../types.ts";
import { type Attributes, attributesOf, isExemptConfigurationResource } from "../webhook/attributes.ts";
import { forbidden, forbiddenName } from "../webhook/dispatch.ts";
import {
  type CompiledCondition,
  compileConditions,
  evaluateConditions,
  matchNamespaceSelector,
  matchObjectSelector,
  parseSelector,
} from "../webhook/matchers.ts";
import { requestFields } from "../webhook/review.ts";
import { ruleMatches } from "../webhook/rules.ts";
import { WatchedConfigs } from "../webhook/source.ts";
import {
  type AdmissionVariable,
  type CompiledExpression,
  compileExpression,
  lazyVariables,
  toCel,
} from "./cel.ts";

/** Finds the served kind a paramKind names. */
export type KindLookup = (apiVersion: string, kind: string) => ResourceDef | undefined;

interface MatchResources {
  namespaceSelector: ReturnType<typeof parseSelector>;
  objectSelector: ReturnType<typeof parseSelector>;
  resourceRules: Json[];
  excludeResourceRules: Json[];
}

type Compiled = { compiled: CompiledExpression; error?: undefined } | { compiled?: undefined; error: string };

interface Validation {
  expression: Compiled;
  message: string;
  messageExpression?: Compiled;
  reason: string;
}

interface Policy {
  name: string;
  failurePolicy: string;
  paramKind?: { apiVersion: string; kind: string };
  match: MatchResources;
  conditions: CompiledCondition[];
  variables: { name: string; compiled: CompiledExpression }[];
  validations: Validation[];
  auditAnnotations: { key: string; value: Compiled }[];
  /** A variable that does not compile: every evaluation fails with it (as upstream's compile error). */
  configurationError?: string;
}

interface Binding {
  name: string;
  policyName: string;
  paramRef?: Json;
  match?: MatchResources;
  actions: string[];
}

function compileMatch(m: unknown): MatchResources {
  const mr = asMap(m);
  return {
    namespaceSelector: parseSelector(mr.namespaceSelector ?? {}),
    objectSelector: parseSelector(mr.objectSelector ?? {}),
    resourceRules: asMaps(mr.resourceRules),
    excludeResourceRules: asMaps(mr.excludeResourceRules),
  };
}

function tryCompile(expression: string, vars: readonly AdmissionVariable[]): Compiled {
  try {
    return { compiled: compileExpression(expression, vars) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function compilePolicy(obj: StoredObject): Policy {
  const spec = asMap((obj as Json).spec);
  const withParams = isMap(spec.paramKind);
  const base: AdmissionVariable[] = ["object", "oldObject", "request", "namespaceObject", "authorizer"];
  if (withParams) base.push("params");
  const vars: AdmissionVariable[] = asMaps(spec.variables).length ? [...base, "variables"] : base;
  const variables: Policy["variables"] = [];
  let configurationError: string | undefined;
  for (const v of asMaps(spec.variables)) {
    const c = tryCompile(asString(v.expression), vars);
    if (c.compiled) variables.push({ name: asString(v.name), compiled: c.compiled });
    else configurationError ??= c.error;
  }
  const messageVars = vars.filter((v) => v !== "authorizer");
  return {
    name: obj.metadata.name,
    failurePolicy: asString(spec.failurePolicy) || "Fail",
    paramKind: withParams
      ? { apiVersion: asString(asMap(spec.paramKind).apiVersion), kind: asString(asMap(spec.paramKind).kind) }
      : undefined,
    match: compileMatch(spec.matchConstraints),
    conditions: compileConditions(spec.matchConditions, base),
    variables,
    auditAnnotations: asMaps(spec.auditAnnotations).map((x) => ({
      key: asString(x.key),
      value: tryCompile(asString(x.valueExpression).trim(), vars),
    })),
    validations: asMaps(spec.validations).map((v) => ({
      expression: tryCompile(asString(v.expression), vars),
      message: asString(v.message),
      messageExpression: asString(v.messageExpression).trim()
        ? tryCompile(asString(v.messageExpression), messageVars)
        : undefined,
      reason: asString(v.reason),
    })),
    configurationError,
  };
}

function compileBinding(obj: StoredObject): Binding {
  const spec = asMap((obj as Json).spec);
  return {
    name: obj.metadata.name,
    policyName: asString(spec.policyName),
    paramRef: isMap(spec.paramRef) ? spec.paramRef : undefined,
    match: isMap(spec.matchResources) ? compileMatch(spec.matchResources) : undefined,
    actions: asList(spec.validationActions).map(asString),
  };
}

/** matchesResourceRules: a rule matches and, when it lists resourceNames, the request's name is one. */
function matchesNamedRules(rules: Json[], a: Attributes): boolean {
  return rules.some((r) => {
    if (!ruleMatches(r, a)) return false;
    const names = asList(r.resourceNames).map(asString);
    return names.length === 0 || names.includes(a.name);
  });
}

/** matching.Matcher.Matches; throws a config error message (string) for selector failures. */
function matchesCriteria(store: Store, m: MatchResources, a: Attributes): boolean {
  const ns = matchNamespaceSelector(store, m.namespaceSelector, a);
  if (!ns.matches && !ns.error) return false;
  const obj = matchObjectSelector(m.objectSelector, a);
  if (!obj.matches && !obj.error) return false;
  if (matchesNamedRules(m.excludeResourceRules, a)) return false;
  if (m.resourceRules.length && !matchesNamedRules(m.resourceRules, a)) return false;
  if (ns.error) throw ns.error.message ?? "";
  if (obj.error) throw obj.error.message ?? "";
  return true;
}

/** reasonToCode (policy/validating/policy_decision.go). */
const REASON_CODES: Record<string, number> = {
  Forbidden: 403,
  Unauthorized: 401,
  RequestEntityTooLarge: 413,
  Invalid: 422,
};

interface Decision {
  policy: string;
  binding?: string;
  message: string;
  reason: string;
  /** Denies whatever the binding's actions (an audit annotation's error, upstream's AuditAnnotationActionError). */
  always?: boolean;
}

/** The CEL type name upstream prints for a value. */
function celTypeName(v: unknown): string {
  if (typeof v === "bigint") return "int";
  if (typeof v === "number") return "double";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v) || (v && typeof v === "object" && Symbol.iterator in v && !("get" in v)))
    return "list";
  if (v && typeof v === "object") return "map";
  return typeof v;
}

export interface PolicyAdmission {
  plugin: AdmissionPlugin;
  stop(): void;
}

export function validatingAdmissionPolicy(store: Store, findKind: KindLookup, log?: Logger): PolicyAdmission {
  const policies = new WatchedConfigs(
    store,
    "validatingadmissionpolicies.admissionregistration.k8s.io",
    compilePolicy,
  );
  const bindings = new WatchedConfigs(
    store,
    "validatingadmissionpolicybindings.admissionregistration.k8s.io",
    compileBinding,
  );

  /** CollectParams: [null] without a paramKind or paramRef; the referenced objects otherwise. */
  function collectParams(policy: Policy, ref: Json | undefined, namespace: string): unknown[] {
    if (!policy.paramKind || !ref) return [null];
    const { apiVersion, kind } = policy.paramKind;
    const def = findKind(apiVersion, kind);
    if (!def) throw `paramKind kind \`&ParamKind{APIVersion:${apiVersion},Kind:${kind},}\` not known`;
    let ns = "";
    if (def.namespaced) {
      ns = asString(ref.namespace) || namespace;
      if (!ns) throw "cannot use namespaced paramRef in policy binding that matches cluster-scoped resources";
    } else if (asString(ref.namespace)) {
      throw "paramRef.namespace must not be provided for a cluster-scoped `paramKind`";
    }
    let params: unknown[];
    const name = asString(ref.name);
    if (name) {
      const e = store.get(storageKey(def), ns, name);
      params = e ? [e.object()] : [];
    } else {
      const sel = parseSelector(ref.selector);
      if ("error" in sel) throw sel.error;
      params = store
        .list(storageKey(def), {
          namespace: ns || undefined,
          filter: (e) => matchesLabels(sel as LabelSelectorExpr, e.labels),
        })
        .items.map((e) => e.object());
    }
    if (params.length === 0 && asString(ref.parameterNotFoundAction) === "Deny")
      throw "no params found for policy binding with `Deny` parameterNotFoundAction";
    return params;
  }

  /** Validator.Validate for one param: the denials (as decisions) of its validations. */
  function evaluate(
    policy: Policy,
    binding: Binding,
    base: Partial<Record<AdmissionVariable, unknown>>,
    param: unknown,
  ): Decision[] {
    const fail = (message: string): Decision[] =>
      policy.failurePolicy === "Ignore"
        ? []
        : [{ policy: policy.name, binding: binding.name, message, reason: "Invalid" }];
    if (policy.configurationError) return fail(policy.configurationError);
    const bindingsIn: Partial<Record<AdmissionVariable, unknown>> = { ...base, params: toCel(param) };
    if (policy.conditions.length) {
      const r = evaluateConditions(policy.conditions, bindingsIn, policy.failurePolicy);
      if (!r.matches) return r.error ? fail(r.error) : [];
    }
    bindingsIn.variables = lazyVariables(policy.variables, bindingsIn);
    const out: Decision[] = [];
    // Validations and their messages share one RuntimeCELCostBudget (validator.go); running out
    // replaces every decision with the one error, as ForInput's error does upstream.
    const budget: CostBudget = { remaining: RUNTIME_CEL_COST_BUDGET };
    for (const v of policy.validations) {
      if (!v.expression.compiled) {
        out.push(...fail(v.expression.error));
        continue;
      }
      const r = v.expression.compiled.evaluate(bindingsIn, budget);
      if (budget.remaining < 0) return fail(OUT_OF_BUDGET);
      if ("error" in r) {
        out.push(...fail(`expression '${v.expression.compiled.expression}' resulted in error: ${r.error}`));
        continue;
      }
      if (r.value === true) continue;
      if (typeof r.value !== "boolean") {
        out.push(
          ...fail(
            `expression '${v.expression.compiled.expression}' resulted in error: cel expression must evaluate to a bool`,
          ),
        );
        continue;
      }
      let message = "";
      const me = v.messageExpression?.compiled?.evaluate(bindingsIn, budget);
      if (me && "value" in me && typeof me.value === "string") {
        message = me.value.trim();
        if (message.length > 5 * 1024 || message.includes("\n")) message = "";
      }
      if (!message && v.message.trim()) message = v.message.trim();
      if (!message) message = `failed expression: ${v.expression.compiled.expression.trim()}`;
      out.push({ policy: policy.name, binding: binding.name, message, reason: v.reason || "Invalid" });
    }
    // auditAnnotations: a string is published (here: logged), null or "" is skipped, anything else denies.
    const auditBudget: CostBudget = { remaining: RUNTIME_CEL_COST_BUDGET };
    for (const x of policy.auditAnnotations) {
      const r = x.value.compiled?.evaluate(bindingsIn, auditBudget) ?? { error: x.value.error ?? "" };
      if (auditBudget.remaining < 0) return fail(OUT_OF_BUDGET);
      if ("error" in r) out.push(...fail(r.error).map((d) => ({ ...d, always: true })));
      else if (typeof r.value === "string" && r.value.trim())
        log?.info(
          { policy: policy.name, key: `${policy.name}/${x.key}`, value: r.value.trim() },
          "audit annotation",
        );
      else if (r.value !== null && typeof r.value !== "string")
        out.push({
          policy: policy.name,
          binding: binding.name,
          message: `valueExpression '${x.value.compiled?.expression}' resulted in unsupported return type: ${celTypeName(r.value)}. Return type must be either string or null.`,
          reason: "Invalid",
          always: true,
        });
    }
    return out;
  }

  async function validate(req: AdmissionRequest): Promise<void> {
    const a = attributesOf(req);
    if (isExemptConfigurationResource(a)) return;
    const all = policies.items();
    if (!all.length) return;
    const allBindings = bindings.items();
    const denied: Decision[] = [];
    let base: Partial<Record<AdmissionVariable, unknown>> | undefined;
    const bindingsOf = () => {
      if (base) return base;
      const isNamespace = a.kind.group === "" && a.kind.kind === "Namespace";
      let namespaceObject: unknown = null;
      if (a.namespace && !isNamespace) {
        const ns = store.get("namespaces", "", a.namespace);
        if (ns) namespaceObject = ns.object();
      }
      base = {
        object: toCel(a.object ?? null),
        oldObject: toCel(a.oldObject ?? null),
        request: toCel({ ...requestFields(a), dryRun: a.dryRun, options: a.options ?? null }),
        namespaceObject: toCel(namespaceObject),
      };
      return base;
    };
    for (const policy of all) {
      const configError = (message: string, binding?: string) => {
        if (policy.failurePolicy !== "Ignore")
          denied.push({ policy: policy.name, binding, message, reason: "Invalid" });
      };
      try {
        if (!matchesCriteria(store, policy.match, a)) continue;
      } catch (message) {
        configError(String(message));
        continue;
      }
      for (const binding of allBindings) {
        if (binding.policyName !== policy.name) continue;
        let params: unknown[];
        try {
          if (binding.match && !matchesCriteria(store, binding.match, a)) continue;
          params = collectParams(policy, binding.paramRef, a.namespace);
        } catch (message) {
          configError(String(message), binding.name);
          continue;
        }
        for (const param of params) {
          for (const d of evaluate(policy, binding, bindingsOf(), param)) {
            if (d.always) {
              denied.push(d);
              continue;
            }
            for (const action of binding.actions) {
              if (action === "Deny") denied.push(d);
              else if (action === "Warn")
                req.warn?.(
                  `Validation failed for ValidatingAdmissionPolicy '${d.policy}' with binding '${d.binding}': ${d.message}`,
                );
              else if (action === "Audit")
                log?.info(
                  { policy: d.policy, binding: d.binding, message: d.message },
                  "validation policy audit",
                );
            }
          }
        }
      }
    }
    if (!denied.length) return;
    const d = denied[0];
    const message = d.binding
      ? `ValidatingAdmissionPolicy '${d.policy}' with binding '${d.binding}' denied request: ${d.message}`
      : `ValidatingAdmissionPolicy '${d.policy}' denied request: ${d.message}`;
    // admission.NewForbidden, then the decision's reason and its code (reasonToCode), plus a cause.
    const status = forbidden(a, forbiddenName(a), message);
    const code = REASON_CODES[d.reason] ?? 422;
    throw new ApiStatusError(
      failure(code, d.reason, status.message ?? "", {
        ...status.details,
        causes: [...(status.details?.causes ?? []), { message }],
      }),
    );
  }

  return {
    plugin: { name: "ValidatingAdmissionPolicy", connect: true, validate },
    stop() {
      policies.stop();
      bindings.stop();
    },
  };
}
