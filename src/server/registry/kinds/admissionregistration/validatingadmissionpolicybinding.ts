// admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding: defaults (SetDefaults_MatchResources,
// kubernetes pkg/apis/admissionregistration/v1/defaults.go), validation (ValidateValidatingAdmissionPolicyBinding,
// pkg/apis/admissionregistration/validation/validation.go) and Table columns
// (printValidatingAdmissionPolicyBinding, pkg/printers/internalversion/printers.go).
import { labelSelectorFromObject, selectorToString } from "../../../../meta/labels.ts";
import { isDNS1123Subdomain } from "../../../../meta/names.ts";
import type { LabelSelector } from "../../../../meta/types.ts";
import { asList, asMap, asString, isMap, type Json } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { validateLabelSelector } from "../../validation/apps.ts";
import {
  child,
  duplicate,
  forbidden,
  index,
  invalid,
  notSupported,
  required,
} from "../../validation/field.ts";
import { isPathSegmentName } from "../../validation/names.ts";
import { CRUD } from "../verbs.ts";
import { defaultMatchResources, validateMatchResources } from "./common.ts";

const ACTIONS = ["Audit", "Deny", "Warn"];
const NOT_FOUND_ACTIONS = ["Deny", "Allow"];

function validateParamRef(pr: unknown, path: string): FieldCause[] {
  if (!isMap(pr)) return [];
  const errs: FieldCause[] = [];
  const name = asString(pr.name);
  const hasSelector = isMap(pr.selector);
  if (name) {
    for (const msg of isPathSegmentName(name, false)) errs.push(invalid(child(path, "name"), name, msg));
    if (hasSelector) errs.push(forbidden(child(path, "name"), "name and selector are mutually exclusive"));
  }
  if (hasSelector) {
    errs.push(...validateLabelSelector(pr.selector as Json, child(path, "selector")));
    if (name) errs.push(forbidden(child(path, "selector"), "name and selector are mutually exclusive"));
  }
  if (!name && !hasSelector) errs.push(required(path, "one of name or selector must be specified"));
  const action = asString(pr.parameterNotFoundAction);
  if (!action) errs.push(required(child(path, "parameterNotFoundAction")));
  else if (!NOT_FOUND_ACTIONS.includes(action))
    errs.push(notSupported(child(path, "parameterNotFoundAction"), action, NOT_FOUND_ACTIONS));
  return errs;
}

function validateValidationActions(va: string[], path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const seen = new Set<string>();
  va.forEach((action, i) => {
    if (!ACTIONS.includes(action)) errs.push(notSupported(index(path, i), action, ACTIONS));
    if (seen.has(action)) errs.push(duplicate(index(path, i), action));
    seen.add(action);
  });
  if (seen.has("Deny") && seen.has("Warn"))
    errs.push(
      invalid(
        path,
        {
          goSyntax: `[]admissionregistration.ValidationAction{${va.map((a) => JSON.stringify(a)).join(", ")}}`,
        },
        "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)",
      ),
    );
  if (seen.size === 0) errs.push(required(path, "at least one validation action is required"));
  return errs;
}

export function validateValidatingAdmissionPolicyBinding(obj: Json): FieldCause[] {
  const spec = asMap(obj.spec);
  const errs: FieldCause[] = [];
  const policyName = asString(spec.policyName);
  if (!policyName) errs.push(required("spec.policyName"));
  else
    for (const msg of isDNS1123Subdomain(policyName)) errs.push(invalid("spec.policyName", policyName, msg));
  errs.push(...validateParamRef(spec.paramRef, "spec.paramRef"));
  // Upstream's path really is misspelled "matchResouces".
  errs.push(...validateMatchResources(spec.matchResources, "spec.matchResouces"));
  errs.push(
    ...validateValidationActions(asList(spec.validationActions).map(asString), "spec.validationActions"),
  );
  return errs;
}

/** printValidatingAdmissionPolicyBinding's ParamRef cell. */
function paramRefCell(spec: Json): string {
  const pr = spec.paramRef;
  if (!isMap(pr)) return "<unset>";
  const name = asString(pr.name);
  if (name) return asString(pr.namespace) ? `${asString(pr.namespace)}/${name}` : `*/${name}`;
  if (isMap(pr.selector)) return selectorToString(labelSelectorFromObject(pr.selector as LabelSelector));
  return "<unset>";
}

export const validatingAdmissionPolicyBinding: ResourceDef = {
  group: "admissionregistration.k8s.io",
  version: "v1",
  resource: "validatingadmissionpolicybindings",
  singular: "validatingadmissionpolicybinding",
  kind: "ValidatingAdmissionPolicyBinding",
  listKind: "ValidatingAdmissionPolicyBindingList",
  namespaced: false,
  categories: ["api-extensions"],
  verbs: CRUD,
  defaults: (obj) => {
    const spec = asMap(obj.spec);
    if (isMap(spec.matchResources)) defaultMatchResources(spec.matchResources);
  },
  validate: (obj) => validateValidatingAdmissionPolicyBinding(obj as Json),
  printer: {
    columns: [
      NAME_COLUMN,
      column(
        "PolicyName",
        "string",
        "PolicyName indicates the policy definition which the policy binding binded to",
      ),
      column("ParamRef", "string", "ParamRef indicates the param resource which sets the configration param"),
      AGE_COLUMN,
    ],
    cells: (obj, now) => [
      nameOf(obj),
      asString(asMap(obj.spec).policyName),
      paramRefCell(asMap(obj.spec)),
      age(obj, now),
    ],
  },
};
