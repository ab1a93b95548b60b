// admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy: defaults (SetDefaults_ValidatingAdmissionPolicySpec,
// SetDefaults_MatchResources in kubernetes pkg/apis/admissionregistration/v1/defaults.go), validation
// (ValidateValidatingAdmissionPolicy, pkg/apis/admissionregistration/validation/validation.go: CEL expressions
// must compile) and Table columns (printValidatingAdmissionPolicy, pkg/printers/internalversion/printers.go).
// status.typeChecking is not computed. Enforcement is src/server/admission/policy/.

import { isDNS1035Label, isDNS1123Subdomain, isQualifiedName } from "../../../../meta/names.ts";
import type { AdmissionVariable } from "../../../admission/policy/cel.ts";
import { asMap, asMaps, asString, isMap, type Json } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { validateConditions } from "../../validation/conditions.ts";
import { child, duplicate, index, invalid, notSupported, required } from "../../validation/field.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";
import {
  defaultMatchResources,
  validateCel,
  validateMatchConditions,
  validateMatchResources,
} from "./common.ts";

const FAILURE_POLICIES = ["Fail", "Ignore"];
const REASONS = ["Forbidden", "Invalid", "RequestEntityTooLarge"];
const MAX_AUDIT_ANNOTATIONS = 20;
const MAX_VALUE_EXPRESSION_LENGTH = 5 * 1024;
const CEL_RESERVED = new Set(
  "true false null in as break const continue else for function if import let loop package namespace return var void while".split(
    " ",
  ),
);
const isCelIdentifier = (name: string) => /^[_a-zA-Z][_a-zA-Z0-9]*$/.test(name) && !CEL_RESERVED.has(name);

/** The variables a policy's validations, variables and audit annotations may read. */
export function policyVariables(spec: Json, forMessage = false): AdmissionVariable[] {
  const vars: AdmissionVariable[] = ["object", "oldObject", "request", "namespaceObject"];
  if (isMap(spec.paramKind)) vars.push("params");
  if (!forMessage) vars.push("authorizer");
  if (asMaps(spec.variables).length > 0) vars.push("variables");
  return vars;
}

/** parseGroupVersion + validateParamKind. */
function validateParamKind(pk: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const apiVersion = asString(pk.apiVersion);
  const avPath = child(path, "apiVersion");
  if (!apiVersion) errs.push(required(avPath));
  else {
    const slashes = apiVersion.split("/").length - 1;
    if (slashes > 1) errs.push(invalid(avPath, apiVersion, `unexpected GroupVersion string: ${apiVersion}`));
    else {
      const [group, version] = slashes === 1 ? apiVersion.split("/") : ["", apiVersion];
      if (group) {
        const e = isDNS1123Subdomain(group);
        if (e.length) errs.push(invalid(avPath, group, e.join(",")));
      }
      if (!version) errs.push(invalid(avPath, apiVersion, "version must be specified"));
      else {
        const e = isDNS1035Label(version);
        if (e.length) errs.push(invalid(avPath, version, e.join(",")));
      }
    }
  }
  const kind = asString(pk.kind);
  if (!kind) errs.push(required(child(path, "kind")));
  else {
    const e = isDNS1035Label(kind.toLowerCase());
    if (e.length)
      errs.push(
        invalid(child(path, "kind"), kind, `may have mixed case, but should otherwise match: ${e.join(",")}`),
      );
  }
  return errs;
}

export function validateValidatingAdmissionPolicy(obj: Json): FieldCause[] {
  const spec = asMap(obj.spec);
  const path = "spec";
  const errs: FieldCause[] = [];
  if (spec.failurePolicy === undefined) errs.push(required(child(path, "failurePolicy")));
  else if (!FAILURE_POLICIES.includes(asString(spec.failurePolicy)))
    errs.push(notSupported(child(path, "failurePolicy"), asString(spec.failurePolicy), FAILURE_POLICIES));
  const withParams = isMap(spec.paramKind);
  if (withParams) errs.push(...validateParamKind(spec.paramKind as Json, child(path, "paramKind")));
  if (!isMap(spec.matchConstraints)) errs.push(required(child(path, "matchConstraints")));
  else {
    errs.push(...validateMatchResources(spec.matchConstraints, child(path, "matchConstraints")));
    if (asMaps(spec.matchConstraints.resourceRules).length === 0)
      errs.push(required(child(child(path, "matchConstraints"), "resourceRules")));
  }
  errs.push(...validateMatchConditions(spec.matchConditions, withParams, child(path, "matchConditions")));
  const vars = policyVariables(spec);
  asMaps(spec.variables).forEach((v, i) => {
    const p = index(child(path, "variables"), i);
    const name = asString(v.name);
    if (!name.trim()) errs.push(required(child(p, "name"), "name is not specified"));
    else if (!isCelIdentifier(name))
      errs.push(invalid(child(p, "name"), name, "name is not a valid CEL identifier"));
    const expression = asString(v.expression);
    if (!expression.trim()) errs.push(required(child(p, "expression"), "expression is not specified"));
    else errs.push(...validateCel(expression, vars, child(p, "expression")));
  });
  const validations = asMaps(spec.validations);
  const annotations = asMaps(spec.auditAnnotations);
  if (validations.length === 0 && annotations.length === 0) {
    const msg = "validations or auditAnnotations must contain at least one item";
    errs.push(required(child(path, "validations"), msg), required(child(path, "auditAnnotations"), msg));
    return errs;
  }
  validations.forEach((v, i) => {
    const p = index(child(path, "validations"), i);
    const expression = asString(v.expression);
    if (!expression.trim()) errs.push(required(child(p, "expression"), "expression is not specified"));
    else errs.push(...validateCel(expression, vars, child(p, "expression")));
    const messageExpression = asString(v.messageExpression);
    if (messageExpression && !messageExpression.trim())
      errs.push(invalid(child(p, "messageExpression"), messageExpression, "must be non-empty if specified"));
    else if (messageExpression.trim())
      errs.push(
        ...validateCel(messageExpression, policyVariables(spec, true), child(p, "messageExpression")),
      );
    const message = asString(v.message);
    if (message && !message.trim())
      errs.push(invalid(child(p, "message"), message, "message must be non-empty if specified"));
    else if (/[\n\r]/.test(message.trim()))
      errs.push(invalid(child(p, "message"), message, "message must not contain line breaks"));
    if (v.reason !== undefined && !REASONS.includes(asString(v.reason)))
      errs.push(notSupported(child(p, "reason"), asString(v.reason), REASONS));
  });
  if (annotations.length > MAX_AUDIT_ANNOTATIONS)
    errs.push(
      invalid(
        child(path, "auditAnnotations"),
        { goSyntax: "[]admissionregistration.AuditAnnotation{...}" },
        `must not have more than ${MAX_AUDIT_ANNOTATIONS} auditAnnotations`,
      ),
    );
  const keys = new Set<string>();
  const policyName = asString(asMap(obj.metadata).name);
  annotations.forEach((a, i) => {
    const p = index(child(path, "auditAnnotations"), i);
    const key = asString(a.key);
    if (policyName)
      for (const msg of isQualifiedName(`${policyName}/${key}`))
        errs.push(invalid(child(p, "key"), `${policyName}/${key}`, msg));
    else errs.push(invalid(child(p, "key"), key, "requires metadata.name be non-empty"));
    const value = asString(a.valueExpression).trim();
    if (!value) errs.push(required(child(p, "valueExpression"), "valueExpression is not specified"));
    else if (value.length > MAX_VALUE_EXPRESSION_LENGTH)
      errs.push(
        required(
          child(p, "valueExpression"),
          `must not exceed ${MAX_VALUE_EXPRESSION_LENGTH} bytes in length`,
        ),
      );
    else errs.push(...validateCel(value, vars, child(p, "valueExpression")));
    if (keys.has(key)) errs.push(duplicate(child(p, "key"), key));
    keys.add(key);
  });
  return errs;
}

/** ValidateValidatingAdmissionPolicyStatusUpdate: type-checking warnings name a field and a warning; conditions.
 * (A fieldRef is not parsed as JSONPath here.) */
function validateValidatingAdmissionPolicyStatus(obj: Json): FieldCause[] {
  const status = asMap(obj.status);
  const path = "status.typeChecking.expressionWarnings";
  const errs = asMaps(asMap(status.typeChecking).expressionWarnings).flatMap((w, i) => [
    ...(asString(w.warning) ? [] : [required(child(index(path, i), "warning"))]),
    ...(asString(w.fieldRef).trim() ? [] : [required(child(index(path, i), "fieldRef"))]),
  ]);
  return [...errs, ...validateConditions(status.conditions, "status.conditions")];
}

export const validatingAdmissionPolicy: ResourceDef = {
  group: "admissionregistration.k8s.io",
  version: "v1",
  resource: "validatingadmissionpolicies",
  singular: "validatingadmissionpolicy",
  kind: "ValidatingAdmissionPolicy",
  listKind: "ValidatingAdmissionPolicyList",
  namespaced: false,
  categories: ["api-extensions"],
  verbs: CRUD,
  subresources: [{ name: "status", kind: "ValidatingAdmissionPolicy", verbs: GET_PATCH_UPDATE }],
  defaults: (obj) => {
    const spec = asMap(obj.spec);
    if (!isMap(obj.spec)) return;
    spec.failurePolicy ??= "Fail";
    if (isMap(spec.matchConstraints)) defaultMatchResources(spec.matchConstraints);
  },
  validate: (obj, _old, subresource) =>
    subresource === "status"
      ? validateValidatingAdmissionPolicyStatus(obj as Json)
      : validateValidatingAdmissionPolicy(obj as Json),
  printer: {
    columns: [
      NAME_COLUMN,
      column(
        "Validations",
        "integer",
        "Validations indicates the number of validation rules defined in this configuration",
      ),
      column(
        "ParamKind",
        "string",
        "ParamKind specifies the kind of resources used to parameterize this policy",
      ),
      AGE_COLUMN,
    ],
    cells: (obj, now) => {
      const spec = asMap(obj.spec);
      const pk = isMap(spec.paramKind)
        ? `${asString(spec.paramKind.apiVersion)}/${asString(spec.paramKind.kind)}`
        : "<unset>";
      return [nameOf(obj), asMaps(spec.validations).length, pk, age(obj, now)];
    },
  },
};
