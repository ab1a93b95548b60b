// What the admissionregistration.k8s.io/v1 kinds share: defaults (kubernetes pkg/apis/admissionregistration/
// v1/defaults.go) and validation (pkg/apis/admissionregistration/validation/validation.go) of rules,
// webhooks, selectors, match resources and match conditions; webhook URL/service checks are
// k8s.io/apiserver pkg/util/webhook/validation.go.
import { isDNS1035Label, isDNS1123Subdomain, isQualifiedName } from "../../../../meta/names.ts";
import { type AdmissionVariable, CelCompileError, compileExpression } from "../../../admission/policy/cel.ts";
import { goStringSlice } from "../../go-format.ts";
import { asList, asMap, asMaps, asString, isMap, type Json } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { Printer } from "../../tables.ts";
import type { FieldCause } from "../../types.ts";
import { validateLabelSelector } from "../../validation/apps.ts";
import {
  child,
  duplicate,
  goSyntax,
  index,
  invalid,
  notSupported,
  required,
} from "../../validation/field.ts";
import { isPathSegmentName } from "../../validation/names.ts";
import { isValidPortNum } from "../../validation/ports.ts";

// ---- defaults.go ----

/** SetDefaults_Rule: scope "*". */
function defaultRule(rule: Json): void {
  rule.scope ??= "*";
}

/** SetDefaults_MatchResources. */
export function defaultMatchResources(m: Json): void {
  m.matchPolicy ??= "Equivalent";
  m.namespaceSelector ??= {};
  m.objectSelector ??= {};
  for (const r of [...asMaps(m.resourceRules), ...asMaps(m.excludeResourceRules)]) defaultRule(r);
}

/** SetDefaults_ValidatingWebhook / SetDefaults_MutatingWebhook (+ SetDefaults_ServiceReference). */
export function defaultWebhook(hook: Json, mutating: boolean): void {
  hook.failurePolicy ??= "Fail";
  hook.matchPolicy ??= "Equivalent";
  hook.namespaceSelector ??= {};
  hook.objectSelector ??= {};
  hook.timeoutSeconds ??= 10;
  if (mutating) hook.reinvocationPolicy ??= "Never";
  for (const r of asMaps(hook.rules)) defaultRule(r);
  const service = asMap(asMap(hook.clientConfig).service);
  if (isMap(asMap(hook.clientConfig).service)) service.port ??= 443;
}

// ---- validation.go ----

const FAILURE_POLICIES = ["Fail", "Ignore"];
const MATCH_POLICIES = ["Equivalent", "Exact"];
const SIDE_EFFECTS_V1 = ["None", "NoneOnDryRun"];
const OPERATIONS = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"];
const SCOPES = ["*", "Cluster", "Namespaced"];
const REINVOCATION_POLICIES = ["IfNeeded", "Never"];
const ADMISSION_REVIEW_VERSIONS = ["v1", "v1beta1"];

const strings = (v: unknown) => asList(v).map(asString);
const hasWildcard = (items: string[]) => items.includes("*");

/** validateResources (subresources allowed). */
function validateResources(resources: string[], path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (resources.length === 0) errs.push(required(path));
  const withWildcardSub = new Set<string>();
  const subWithWildcardRes = new Set<string>();
  let doubleWildcard = false;
  let singleWildcard = false;
  let withoutSub = false;
  resources.forEach((resSub, i) => {
    if (resSub === "") {
      errs.push(required(index(path, i)));
      return;
    }
    if (resSub === "*/*") doubleWildcard = true;
    if (resSub === "*") singleWildcard = true;
    const slash = resSub.indexOf("/");
    if (slash < 0) {
      withoutSub = resSub !== "*";
      return;
    }
    const res = resSub.slice(0, slash);
    const sub = resSub.slice(slash + 1);
    if (withWildcardSub.has(res))
      errs.push(invalid(index(path, i), resSub, `if '${res}/*' is present, must not specify ${resSub}`));
    if (subWithWildcardRes.has(sub))
      errs.push(invalid(index(path, i), resSub, `if '*/${sub}' is present, must not specify ${resSub}`));
    if (sub === "*") withWildcardSub.add(res);
    if (res === "*") subWithWildcardRes.add(sub);
  });
  const all = goSyntax(goStringSlice(resources));
  if (resources.length > 1 && doubleWildcard)
    errs.push(invalid(path, all, "if '*/*' is present, must not specify other resources"));
  if (singleWildcard && withoutSub)
    errs.push(invalid(path, all, "if '*' is present, must not specify other resources without subresources"));
  return errs;
}

/** validateRuleWithOperations (with validateRule, subresources allowed). */
export function validateRuleWithOperations(rule: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const ops = strings(rule.operations);
  const opsPath = child(path, "operations");
  if (ops.length === 0) errs.push(required(opsPath));
  if (ops.length > 1 && hasWildcard(ops))
    errs.push(
      invalid(
        opsPath,
        goSyntax(`[]admissionregistration.OperationType{${ops.map((o) => JSON.stringify(o)).join(", ")}}`),
        "if '*' is present, must not specify other operations",
      ),
    );
  ops.forEach((op, i) => {
    if (!OPERATIONS.includes(op)) errs.push(notSupported(index(opsPath, i), op, OPERATIONS));
  });
  const groups = strings(rule.apiGroups);
  if (groups.length === 0) errs.push(required(child(path, "apiGroups")));
  if (groups.length > 1 && hasWildcard(groups))
    errs.push(
      invalid(
        child(path, "apiGroups"),
        goSyntax(goStringSlice(groups)),
        "if '*' is present, must not specify other API groups",
      ),
    );
  const versions = strings(rule.apiVersions);
  const versionsPath = child(path, "apiVersions");
  if (versions.length === 0) errs.push(required(versionsPath));
  if (versions.length > 1 && hasWildcard(versions))
    errs.push(
      invalid(
        versionsPath,
        goSyntax(goStringSlice(versions)),
        "if '*' is present, must not specify other API versions",
      ),
    );
  versions.forEach((v, i) => {
    if (v === "") errs.push(required(index(versionsPath, i)));
  });
  errs.push(...validateResources(strings(rule.resources), child(path, "resources")));
  if (rule.scope !== undefined && !SCOPES.includes(asString(rule.scope)))
    errs.push(notSupported(child(path, "scope"), asString(rule.scope), SCOPES));
  return errs;
}

/** utilvalidation.IsFullyQualifiedName. */
function validateFullyQualifiedName(name: string, path: string): FieldCause[] {
  if (!name) return [required(path)];
  const errs = isDNS1123Subdomain(name);
  if (errs.length) return [invalid(path, name, errs.join(","))];
  if (name.split(".").length < 3)
    return [invalid(path, name, "should be a domain with at least three segments separated by dots")];
  return [];
}

/** webhook.ValidateWebhookURL (https forced), over WHATWG URL parsing. */
function validateWebhookURL(url: string, path: string): FieldCause[] {
  const form = "; desired format: https://host[/path]";
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Go's url.Parse accepts far more; what it rejects and what WHATWG rejects overlap on the usual
    // mistakes (no scheme → no host), reported as upstream does for a missing host.
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url)?.[1] ?? "";
    const errs: FieldCause[] = [];
    if (scheme !== "https") errs.push(invalid(path, scheme, `'https' is the only allowed URL scheme${form}`));
    errs.push(invalid(path, "", `host must be specified${form}`));
    return errs;
  }
  const errs: FieldCause[] = [];
  const scheme = u.protocol.replace(/:$/, "");
  if (scheme !== "https") errs.push(invalid(path, scheme, `'https' is the only allowed URL scheme${form}`));
  if (!u.host) errs.push(invalid(path, u.host, `host must be specified${form}`));
  if (u.username || u.password) {
    const user = u.password ? `${u.username}:***` : u.username;
    errs.push(invalid(path, user, "user information is not permitted in the URL"));
  }
  if (u.hash) errs.push(invalid(path, u.hash.slice(1), "fragments are not permitted in the URL"));
  if (u.search) errs.push(invalid(path, u.search.slice(1), "query parameters are not permitted in the URL"));
  return errs;
}

/** webhook.ValidateWebhookService. */
function validateWebhookService(service: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!asString(service.name)) errs.push(required(child(path, "name")));
  if (!asString(service.namespace)) errs.push(required(child(path, "namespace")));
  const port = typeof service.port === "number" ? service.port : 443;
  const portErrs = isValidPortNum(port);
  if (portErrs.length)
    errs.push(invalid(child(path, "port"), port, `port is not valid: ${portErrs.join(", ")}`));
  if (typeof service.path !== "string") return errs;
  const urlPath = service.path;
  const pathPath = child(path, "path");
  if (urlPath === "/" || urlPath === "") return errs;
  if (urlPath === "//") return [...errs, invalid(pathPath, urlPath, "segment[0] may not be empty")];
  if (!urlPath.startsWith("/")) errs.push(invalid(pathPath, urlPath, "must start with a '/'"));
  let toCheck = urlPath.slice(1);
  if (toCheck.endsWith("/")) toCheck = toCheck.slice(0, -1);
  toCheck.split("/").forEach((step, i) => {
    if (!step) {
      errs.push(invalid(pathPath, urlPath, `segment[${i}] may not be empty`));
      return;
    }
    for (const failure of isDNS1123Subdomain(step))
      errs.push(invalid(pathPath, urlPath, `segment[${i}]: ${failure}`));
  });
  return errs;
}

/** The CEL variables a match condition may read (params only in policies with a paramKind). */
export function matchConditionVariables(withParams: boolean): AdmissionVariable[] {
  return ["object", "oldObject", "request", "authorizer", ...(withParams ? (["params"] as const) : [])];
}

/** convertCELErrorToValidationError for a compile failure: Invalid with the compiler's detail. */
export function validateCel(
  expression: string,
  vars: readonly AdmissionVariable[],
  path: string,
): FieldCause[] {
  try {
    compileExpression(expression, vars);
    return [];
  } catch (e) {
    if (e instanceof CelCompileError) return [invalid(path, expression, e.message)];
    throw e;
  }
}

/** validateMatchConditions. */
export function validateMatchConditions(
  conditions: unknown,
  withParams: boolean,
  path: string,
): FieldCause[] {
  const list = asMaps(conditions);
  const errs: FieldCause[] = [];
  if (list.length > 64)
    errs.push({
      field: path,
      message: `Too many: ${list.length}: must have at most 64 items`,
      type: "FieldValueTooMany",
    });
  const names = new Set<string>();
  list.forEach((mc, i) => {
    const p = index(path, i);
    const expression = asString(mc.expression).trim();
    if (!expression) errs.push(required(child(p, "expression")));
    else errs.push(...validateCel(expression, matchConditionVariables(withParams), child(p, "expression")));
    const name = asString(mc.name);
    if (!name) errs.push(required(child(p, "name")));
    else for (const msg of isQualifiedName(name)) errs.push(invalid(child(p, "name"), name, msg));
    if (name) {
      if (names.has(name)) errs.push(duplicate(child(p, "name"), name));
      names.add(name);
    }
  });
  return errs;
}

/** validateAdmissionReviewVersions (requireRecognizedAdmissionReviewVersion on). */
function validateAdmissionReviewVersions(versions: string[], path: string): FieldCause[] {
  if (versions.length < 1)
    return [required(path, `must specify one of ${ADMISSION_REVIEW_VERSIONS.join(", ")}`)];
  const errs: FieldCause[] = [];
  const seen = new Set<string>();
  let accepted = false;
  versions.forEach((v, i) => {
    if (seen.has(v)) {
      errs.push(invalid(index(path, i), v, "duplicate version"));
      return;
    }
    seen.add(v);
    for (const msg of isDNS1035Label(v)) errs.push(invalid(index(path, i), v, msg));
    if (ADMISSION_REVIEW_VERSIONS.includes(v)) accepted = true;
  });
  if (!accepted)
    errs.push(
      invalid(
        path,
        goSyntax(goStringSlice(versions)),
        `must include at least one of ${ADMISSION_REVIEW_VERSIONS.join(", ")}`,
      ),
    );
  return errs;
}

/** validateValidatingWebhook / validateMutatingWebhook. */
function validateWebhook(hook: Json, mutating: boolean, path: string): FieldCause[] {
  const errs = validateFullyQualifiedName(asString(hook.name), child(path, "name"));
  asMaps(hook.rules).forEach((r, i) => {
    errs.push(...validateRuleWithOperations(r, index(child(path, "rules"), i)));
  });
  const enumField = (name: string, supported: string[]) => {
    const v = hook[name];
    if (v !== undefined && !supported.includes(asString(v)))
      errs.push(notSupported(child(path, name), asString(v), supported));
  };
  enumField("failurePolicy", FAILURE_POLICIES);
  enumField("matchPolicy", MATCH_POLICIES);
  if (hook.sideEffects === undefined || hook.sideEffects === null)
    errs.push(required(child(path, "sideEffects"), `must specify one of ${SIDE_EFFECTS_V1.join(", ")}`));
  else enumField("sideEffects", SIDE_EFFECTS_V1);
  const timeout = hook.timeoutSeconds;
  if (typeof timeout === "number" && (timeout > 30 || timeout < 1))
    errs.push(
      invalid(child(path, "timeoutSeconds"), timeout, "the timeout value must be between 1 and 30 seconds"),
    );
  if (isMap(hook.namespaceSelector))
    errs.push(...validateLabelSelector(hook.namespaceSelector, child(path, "namespaceSelector")));
  if (isMap(hook.objectSelector))
    errs.push(...validateLabelSelector(hook.objectSelector, child(path, "objectSelector")));
  if (mutating) enumField("reinvocationPolicy", REINVOCATION_POLICIES);
  const cc = asMap(hook.clientConfig);
  const hasURL = typeof cc.url === "string";
  const hasService = isMap(cc.service);
  const ccPath = child(path, "clientConfig");
  if (hasURL === hasService) errs.push(required(ccPath, "exactly one of url or service is required"));
  else if (hasURL) errs.push(...validateWebhookURL(asString(cc.url), child(ccPath, "url")));
  else errs.push(...validateWebhookService(asMap(cc.service), child(ccPath, "service")));
  errs.push(...validateMatchConditions(hook.matchConditions, false, child(path, "matchConditions")));
  return errs;
}

/** validate{Validating,Mutating}WebhookConfiguration (ObjectMeta is checked generically). */
export function validateWebhookConfiguration(obj: Json, mutating: boolean): FieldCause[] {
  const errs: FieldCause[] = [];
  const names = new Set<string>();
  asMaps(obj.webhooks).forEach((hook, i) => {
    const path = index("webhooks", i);
    errs.push(...validateWebhook(hook, mutating, path));
    errs.push(
      ...validateAdmissionReviewVersions(
        strings(hook.admissionReviewVersions),
        child(path, "admissionReviewVersions"),
      ),
    );
    const name = asString(hook.name);
    if (name) {
      if (names.has(name)) errs.push(duplicate(child(path, "name"), name));
      names.add(name);
    }
  });
  return errs;
}

/** validateMatchResources. */
export function validateMatchResources(mc: unknown, path: string): FieldCause[] {
  if (!isMap(mc)) return [];
  const errs: FieldCause[] = [];
  if (mc.matchPolicy === undefined) errs.push(required(child(path, "matchPolicy")));
  else if (!MATCH_POLICIES.includes(asString(mc.matchPolicy)))
    errs.push(notSupported(child(path, "matchPolicy"), asString(mc.matchPolicy), MATCH_POLICIES));
  for (const sel of ["namespaceSelector", "objectSelector"]) {
    if (!isMap(mc[sel])) errs.push(required(child(path, sel)));
    else errs.push(...validateLabelSelector(mc[sel] as Json, child(path, sel)));
  }
  for (const list of ["resourceRules", "excludeResourceRules"]) {
    asMaps(mc[list]).forEach((rule, i) => {
      const p = index(child(path, list), i);
      const seen = new Set<string>();
      strings(rule.resourceNames).forEach((name, j) => {
        const namePath = index(child(p, "resourceNames"), j);
        for (const msg of isPathSegmentName(name, false)) errs.push(invalid(namePath, name, msg));
        if (seen.has(name)) errs.push(duplicate(namePath, name));
        seen.add(name);
      });
      errs.push(...validateRuleWithOperations(rule, p));
    });
  }
  return errs;
}

// ---- printers.go ----

/** printMutatingWebhook / printValidatingWebhook: Name, Webhooks (count), Age. */
export const WEBHOOKS_PRINTER: Printer = {
  columns: [
    NAME_COLUMN,
    column(
      "Webhooks",
      "integer",
      "Webhooks indicates the number of webhooks registered in this configuration",
    ),
    AGE_COLUMN,
  ],
  cells: (obj, now) => [nameOf(obj), asList(obj.webhooks).length, age(obj, now)],
};
