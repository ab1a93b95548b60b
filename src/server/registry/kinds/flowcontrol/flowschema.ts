// flowcontrol.apiserver.k8s.io/v1 FlowSchema: defaults (SetDefaults_FlowSchemaSpec, kubernetes
// pkg/apis/flowcontrol/v1/defaults.go), validation (ValidateFlowSchema, pkg/apis/flowcontrol/validation/
// validation.go) and Table columns (printFlowSchema, pkg/printers/internalversion/printers.go). Status is its
// own subresource. The objects are stored and served only: requests are not classified or limited by them.
import { isDNS1123Label, isDNS1123Subdomain } from "../../../../meta/names.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import { goStringSlice } from "../../go-format.ts";
import { asMap, asMaps, asString, deepEqual, isMap } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import {
  child,
  duplicate,
  forbidden,
  goSyntax,
  index,
  invalid,
  notSupported,
  required,
} from "../../validation/field.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";
import { MANDATORY_FLOW_SCHEMA_SPECS } from "./bootstrap.ts";

const MAX_MATCHING_PRECEDENCE = 10000; // flowcontrol.FlowSchemaMaxMatchingPrecedence
const DISTINGUISHER_METHODS = ["ByNamespace", "ByUser"];
const SUBJECT_KINDS = ["Group", "ServiceAccount", "User"];
const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "proxy", "update", "watch"];
const NS_INTRO = "each member of this list must be '*' or a DNS-1123 label; ";

// flowcontrolv1 SwaggerDoc()s as of Kubernetes 1.33.
const DOCS = {
  priorityLevel: "`name` is the name of the priority level configuration being referenced Required.",
  matchingPrecedence:
    "`matchingPrecedence` is used to choose among the FlowSchemas that match a given request. The chosen FlowSchema is among those with the numerically lowest (which we take to be logically highest) MatchingPrecedence.  Each MatchingPrecedence value must be ranged in [1,10000]. Note that if the precedence is not specified, it will be set to 1000 as default.",
  distinguisherMethod:
    "`distinguisherMethod` defines how to compute the flow distinguisher for requests that match this schema. `nil` specifies that the distinguisher is disabled and thus will always be the empty string.",
};

export function defaultFlowSchema(obj: KubeObject): void {
  const spec = asMap(obj.spec);
  if (isMap(obj.spec) && !spec.matchingPrecedence) spec.matchingPrecedence = 1000;
}

const hasWildcard = (list: string[]) => list.includes("*");
const strings = (v: unknown) => (Array.isArray(v) ? v.map(asString) : []);

export function validateFlowSchema(obj: KubeObject): FieldCause[] {
  const name = obj.metadata?.name ?? "";
  const spec = asMap(obj.spec);
  const errs: FieldCause[] = [];
  const precedence = typeof spec.matchingPrecedence === "number" ? spec.matchingPrecedence : 0;
  const precedencePath = "spec.matchingPrecedence";
  if (precedence <= 0) errs.push(invalid(precedencePath, precedence, "must be a positive value"));
  if (precedence > MAX_MATCHING_PRECEDENCE)
    errs.push(invalid(precedencePath, precedence, `must not be greater than ${MAX_MATCHING_PRECEDENCE}`));
  if (precedence === 1 && name !== "exempt")
    errs.push(
      invalid(precedencePath, precedence, "only the schema named 'exempt' may have matchingPrecedence 1"),
    );
  if (isMap(spec.distinguisherMethod)) {
    const type = asString(spec.distinguisherMethod.type);
    if (!DISTINGUISHER_METHODS.includes(type))
      errs.push(
        notSupported(
          "spec.distinguisherMethod.type",
          goSyntax(`flowcontrol.FlowDistinguisherMethod{Type:"${type}"}`),
          DISTINGUISHER_METHODS,
        ),
      );
  }
  const plName = asString(asMap(spec.priorityLevelConfiguration).name);
  const plPath = "spec.priorityLevelConfiguration.name";
  if (!plName) errs.push(required(plPath, "must reference a priority level"));
  else for (const msg of isDNS1123Subdomain(plName)) errs.push(invalid(plPath, plName, msg));
  for (const [i, rule] of asMaps(spec.rules).entries())
    errs.push(...validateRule(rule, index("spec.rules", i)));
  const mandatory = MANDATORY_FLOW_SCHEMA_SPECS[name];
  if (mandatory && !deepEqual(spec, mandatory))
    errs.push(
      invalid(
        "spec",
        goSyntax("flowcontrol.FlowSchemaSpec{…}"),
        `spec of '${name}' must equal the fixed value`,
      ),
    );
  errs.push(...validateConditions(obj.status));
  return errs;
}

function validateRule(rule: Record<string, unknown>, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const subjects = asMaps(rule.subjects);
  if (subjects.length === 0)
    errs.push(required(child(path, "subjects"), "subjects must contain at least one value"));
  for (const [i, s] of subjects.entries())
    errs.push(...validateSubject(s, index(child(path, "subjects"), i)));
  const resourceRules = asMaps(rule.resourceRules);
  const nonResourceRules = asMaps(rule.nonResourceRules);
  if (resourceRules.length === 0 && nonResourceRules.length === 0)
    errs.push(required(path, "at least one of resourceRules and nonResourceRules has to be non-empty"));
  for (const [i, r] of resourceRules.entries())
    errs.push(...validateResourceRule(r, index(child(path, "resourceRules"), i)));
  for (const [i, r] of nonResourceRules.entries())
    errs.push(...validateNonResourceRule(r, index(child(path, "nonResourceRules"), i)));
  return errs;
}

const NOT_KIND = {
  user: "user is forbidden when subject kind is not 'User'",
  group: "group is forbidden when subject kind is not 'Group'",
  serviceAccount: "serviceAccount is forbidden when subject kind is not 'ServiceAccount'",
};

function validateSubject(subject: Record<string, unknown>, path: string): FieldCause[] {
  const kind = asString(subject.kind);
  const own = { ServiceAccount: "serviceAccount", User: "user", Group: "group" }[kind];
  if (!own) return [notSupported(child(path, "kind"), kind, SUBJECT_KINDS)];
  const errs: FieldCause[] = [];
  const body = subject[own];
  const ownPath = child(path, own);
  if (!isMap(body)) errs.push(required(ownPath, `${own} is required when subject kind is '${kind}'`));
  else if (own === "serviceAccount") {
    const name = asString(body.name);
    if (!name) errs.push(required(child(ownPath, "name")));
    else if (name !== "*")
      for (const msg of isDNS1123Subdomain(name)) errs.push(invalid(child(ownPath, "name"), name, msg));
    const namespace = asString(body.namespace);
    if (!namespace)
      errs.push(required(child(ownPath, "namespace"), "must specify namespace for service account"));
    else
      for (const msg of isDNS1123Label(namespace))
        errs.push(invalid(child(ownPath, "namespace"), namespace, msg));
  } else if (!asString(body.name)) errs.push(required(child(ownPath, "name")));
  for (const other of ["serviceAccount", "user", "group"] as const)
    if (other !== own && isMap(subject[other])) errs.push(forbidden(child(path, other), NOT_KIND[other]));
  return errs;
}

function validateVerbs(verbs: string[], path: string): FieldCause[] {
  if (verbs.length === 0) return [required(path, "verbs must contain at least one value")];
  if (hasWildcard(verbs))
    return verbs.length > 1
      ? [invalid(path, goSyntax(goStringSlice(verbs)), "if '*' is present, must not specify other verbs")]
      : [];
  if (verbs.every((v) => VERBS.includes(v))) return [];
  return [notSupported(path, goSyntax(goStringSlice(verbs)), VERBS)];
}

function validateResourceRule(rule: Record<string, unknown>, path: string): FieldCause[] {
  const errs = validateVerbs(strings(rule.verbs), child(path, "verbs"));
  const lists = [
    ["apiGroups", "resource rules must supply at least one api group", "api groups"],
    ["resources", "resource rules must supply at least one resource", "resources"],
  ] as const;
  for (const [field, missing, noun] of lists) {
    const list = strings(rule[field]);
    if (list.length === 0) errs.push(required(child(path, field), missing));
    else if (list.length > 1 && hasWildcard(list))
      errs.push(
        invalid(
          child(path, field),
          goSyntax(goStringSlice(list)),
          `if '*' is present, must not specify other ${noun}`,
        ),
      );
  }
  const namespaces = strings(rule.namespaces);
  const nsPath = child(path, "namespaces");
  if (namespaces.length === 0 && rule.clusterScope !== true)
    errs.push(
      required(nsPath, "resource rules that are not cluster scoped must supply at least one namespace"),
    );
  else if (hasWildcard(namespaces)) {
    if (namespaces.length > 1)
      errs.push(
        invalid(
          nsPath,
          goSyntax(goStringSlice(namespaces)),
          "if '*' is present, must not specify other namespaces",
        ),
      );
  } else
    namespaces.forEach((ns, i) => {
      for (const msg of isDNS1123Label(ns)) errs.push(invalid(index(nsPath, i), ns, NS_INTRO + msg));
    });
  return errs;
}

function validateNonResourceRule(rule: Record<string, unknown>, path: string): FieldCause[] {
  const errs = validateVerbs(strings(rule.verbs), child(path, "verbs"));
  const urls = strings(rule.nonResourceURLs);
  const urlsPath = child(path, "nonResourceURLs");
  if (urls.length === 0) errs.push(required(urlsPath, "nonResourceURLs must contain at least one value"));
  else if (hasWildcard(urls)) {
    if (urls.length > 1)
      errs.push(
        invalid(
          urlsPath,
          goSyntax(goStringSlice(urls)),
          "if '*' is present, must not specify other non-resource URLs",
        ),
      );
  } else
    urls.forEach((url, i) => {
      const why = nonResourceURLError(url);
      if (why) errs.push(invalid(index(urlsPath, i), url, why));
    });
  return errs;
}

/** ValidateNonResourceURLPath. */
function nonResourceURLError(path: string): string | undefined {
  if (!path) return "must not be empty";
  if (path === "/") return undefined;
  if (!path.startsWith("/")) return "must start with slash";
  if (path.includes(" ")) return "must not contain white-space";
  if (path.includes("//")) return "must not contain double slash";
  const wildcards = path.split("*").length - 1;
  if (wildcards > 1 || (wildcards === 1 && !path.endsWith("/*")))
    return "wildcard can only do suffix matching";
  return undefined;
}

/** ValidateFlowSchemaStatus / ValidatePriorityLevelConfigurationStatus: condition types present, unique. */
export function validateConditions(status: unknown): FieldCause[] {
  const errs: FieldCause[] = [];
  const seen = new Set<string>();
  asMaps(asMap(status).conditions).forEach((c, i) => {
    const type = asString(c.type);
    const path = index("status.conditions", i);
    if (seen.has(type)) errs.push(duplicate(child(path, "type"), type));
    seen.add(type);
    if (!type) errs.push(required(child(path, "type"), "must not be empty"));
  });
  return errs;
}

export const flowSchema: ResourceDef = {
  group: "flowcontrol.apiserver.k8s.io",
  version: "v1",
  resource: "flowschemas",
  singular: "flowschema",
  kind: "FlowSchema",
  listKind: "FlowSchemaList",
  namespaced: false,
  verbs: CRUD,
  subresources: [{ name: "status", kind: "FlowSchema", verbs: GET_PATCH_UPDATE }],
  defaults: defaultFlowSchema,
  // flowSchemaStatusStrategy: ValidateFlowSchemaStatusUpdate, the conditions only.
  validate: (o, _old, subresource) =>
    subresource === "status" ? validateConditions(o.status) : validateFlowSchema(o),
  printer: {
    columns: [
      NAME_COLUMN,
      column("PriorityLevel", "string", DOCS.priorityLevel),
      column("MatchingPrecedence", "string", DOCS.matchingPrecedence),
      column("DistinguisherMethod", "string", DOCS.distinguisherMethod),
      AGE_COLUMN,
      column("MissingPL", "string", "references a broken or non-existent PriorityLevelConfiguration"),
    ],
    // FlowSchemaSequence: the order requests are matched in, lowest matchingPrecedence first, then by name.
    order: (objects) =>
      [...objects].sort((a, b) => {
        const pa = asMap(a.spec).matchingPrecedence as number;
        const pb = asMap(b.spec).matchingPrecedence as number;
        return pa !== pb ? pa - pb : nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0;
      }),
    cells: (obj, now) => {
      const spec = asMap(obj.spec);
      const method = isMap(spec.distinguisherMethod) ? asString(spec.distinguisherMethod.type) : "<none>";
      const dangling = asMaps(asMap(obj.status).conditions).find((c) => c.type === "Dangling");
      return [
        nameOf(obj),
        asString(asMap(spec.priorityLevelConfiguration).name),
        typeof spec.matchingPrecedence === "number" ? spec.matchingPrecedence : 0,
        method,
        age(obj, now),
        dangling ? asString(dangling.status) : "?",
      ];
    },
  },
};
