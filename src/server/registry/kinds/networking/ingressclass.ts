// networking.k8s.io/v1 IngressClass: defaults (SetDefaults_IngressClass, pkg/apis/networking/v1/defaults.go),
// validation (ValidateIngressClass/Update, pkg/apis/networking/validation/validation.go) and Table columns
// (printIngressClass, pkg/printers/internalversion/printers.go).
import { isDNS1123Label, isDNS1123Subdomain, regexError } from "../../../../meta/names.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asString, isMap } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import {
  child,
  forbidden,
  immutable,
  invalid,
  notSupported,
  required,
  tooLong,
} from "../../validation/field.ts";
import { isPathSegmentName } from "../../validation/names.ts";
import { CRUD } from "../verbs.ts";

const MAX_CONTROLLER_LENGTH = 250;
const SCOPES = ["Cluster", "Namespace"];
const HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const HTTP_PATH = new RegExp(`^${HTTP_PATH_FMT}$`);

/** SetDefaults_IngressClass: parameters.scope defaults to Cluster. */
export function defaultIngressClass(ic: KubeObject): void {
  const params = asMap(ic.spec).parameters;
  if (isMap(params) && params.scope == null) params.scope = "Cluster";
}

/** util/validation.IsDomainPrefixedPath. */
function domainPrefixedPathErrors(path: string, value: string): FieldCause[] {
  const slash = value.indexOf("/");
  const host = slash < 0 ? "" : value.slice(0, slash);
  const rest = slash < 0 ? "" : value.slice(slash + 1);
  if (!host || !rest) return [invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const errs = isDNS1123Subdomain(host).map((msg) => invalid(path, host, msg));
  if (!HTTP_PATH.test(rest)) errs.push(invalid(path, rest, regexError("Invalid path", HTTP_PATH_FMT)));
  return errs;
}

function parametersErrors(params: Record<string, unknown>, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (typeof params.apiGroup === "string")
    for (const msg of isDNS1123Subdomain(params.apiGroup))
      errs.push(invalid(child(path, "apiGroup"), params.apiGroup, msg));
  for (const key of ["kind", "name"] as const) {
    const value = asString(params[key]);
    if (!value) errs.push(required(child(path, key)));
    else for (const msg of isPathSegmentName(value, false)) errs.push(invalid(child(path, key), value, msg));
  }
  if (params.scope == null) return [...errs, required(child(path, "scope"))];
  const scope = asString(params.scope);
  if (!SCOPES.includes(scope)) return [...errs, notSupported(child(path, "scope"), scope, SCOPES)];
  if (scope === "Namespace") {
    if (typeof params.namespace !== "string")
      errs.push(required(child(path, "namespace"), "`parameters.scope` is set to 'Namespace'"));
    else
      for (const msg of isDNS1123Label(params.namespace))
        errs.push(invalid(child(path, "namespace"), params.namespace, msg));
  }
  if (scope === "Cluster" && params.namespace != null)
    errs.push(forbidden(child(path, "namespace"), "`parameters.scope` is set to 'Cluster'"));
  return errs;
}

export function validateIngressClass(ic: KubeObject, old?: KubeObject): FieldCause[] {
  const spec = asMap(ic.spec);
  const errs: FieldCause[] = [];
  const controller = asString(spec.controller);
  if (old) {
    const before = asString(asMap(old.spec).controller);
    if (controller !== before) errs.push(immutable("spec.controller", controller));
  }
  if (!controller) errs.push(required("spec.controller"));
  else {
    if (Buffer.byteLength(controller) > MAX_CONTROLLER_LENGTH)
      errs.push(tooLong("spec.controller", MAX_CONTROLLER_LENGTH));
    errs.push(...domainPrefixedPathErrors("spec.controller", controller));
  }
  if (isMap(spec.parameters)) errs.push(...parametersErrors(spec.parameters, "spec.parameters"));
  return errs;
}

export const ingressClass: ResourceDef = {
  group: "networking.k8s.io",
  version: "v1",
  resource: "ingressclasses",
  singular: "ingressclass",
  kind: "IngressClass",
  listKind: "IngressClassList",
  namespaced: false,
  verbs: CRUD,
  defaults: defaultIngressClass,
  validate: validateIngressClass,
  printer: {
    columns: [
      NAME_COLUMN,
      column("Controller", "string", "Controller that is responsible for handling this class"),
      column("Parameters", "string", "A reference to a resource with additional parameters"),
      AGE_COLUMN,
    ],
    cells: (obj, now) => {
      const spec = asMap(obj.spec);
      let parameters = "<none>";
      if (isMap(spec.parameters)) {
        const p = spec.parameters;
        parameters = `${asString(p.kind)}${typeof p.apiGroup === "string" ? `.${p.apiGroup}` : ""}/${asString(p.name)}`;
      }
      return [nameOf(obj), asString(spec.controller), parameters, age(obj, now)];
    },
  },
};
