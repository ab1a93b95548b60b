// apiextensions.k8s.io/v1 CustomResourceDefinition: REST shape, defaults (SetDefaults_CustomResourceDefinition
// of k8s.io/apiextensions-apiserver pkg/apis/apiextensions/v1/defaults.go), the strategy's
// PrepareForCreate/Update (pkg/registry/customresourcedefinition/strategy.go: status reset on create,
// storedVersions gains the storage version) and validation (pkg/apis/apiextensions/validation/
// validation.go and pkg/apiserver/schema/validation.go for structural schemas). Upstream validates the
// internal version, where per-version schemas, subresources and columns identical across all versions
// are hoisted to spec.validation / spec.subresources / spec.additionalPrinterColumns (v1 conversion.go),
// so error paths say so. The printer is the default (Name, Created At), as upstream's.

import { isDNS1035Label, isDNS1123Subdomain } from "../../../../meta/names.ts";
import type { KubeObject, StoredObject } from "../../../../meta/types.ts";
import { compileGo } from "../../../crd/regex.ts";
import { ruleCompileErrors } from "../../../crd/rules.ts";
import { type Schema, validateListTypes, validateValue } from "../../../crd/schema.ts";
import { asMap, asMaps, asString, asStrings, deepEqual, isMap } from "../../json-access.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { forbidden, goSyntax, immutable, invalid, notSupported, required } from "../../validation/field.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";

export const CRD_GROUP = "apiextensions.k8s.io";
/** The finalizer through which deleting a CRD first deletes its custom resources. */
export const CRD_CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io";

const PRINTER_COLUMN_TYPES = ["boolean", "date", "integer", "number", "string"];
const PRINTER_COLUMN_FORMATS = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password"];
const OPENAPI_TYPES = ["array", "boolean", "integer", "number", "object", "string"];
const MAX_SELECTABLE_FIELDS = 8;

type Json = Record<string, unknown>;

function setDefaults(obj: KubeObject): void {
  obj.spec ??= {};
  const spec = obj.spec as Json;
  spec.names ??= {};
  const names = spec.names as Json;
  if (!names.singular && typeof names.kind === "string") names.singular = names.kind.toLowerCase();
  if (!names.listKind && names.kind) names.listKind = `${names.kind}List`;
  spec.conversion ??= { strategy: "None" };
  const conversion = asMap(spec.conversion);
  const svc = asMap(asMap(conversion.webhook).clientConfig).service;
  if (isMap(svc)) svc.port ??= 443;
  obj.status ??= {};
  const status = obj.status as Json;
  if (!asStrings(status.storedVersions).length) {
    const storage = asMaps(spec.versions).find((v) => v.storage === true);
    if (storage) status.storedVersions = [storage.name];
  }
}

function prepare(obj: KubeObject, old: StoredObject | undefined): void {
  const status = old ? structuredClone(asMap(old.status)) : {};
  obj.status = status;
  if (!old) {
    status.conditions = [];
    status.acceptedNames = { plural: "", kind: "" };
  }
  const stored = asStrings(status.storedVersions);
  const storage = asMaps(asMap(obj.spec).versions).find((v) => v.storage === true);
  if (storage && !stored.includes(asString(storage.name))) status.storedVersions = [...stored, storage.name];
  else status.storedVersions = stored;
}

/** Where a per-version part is reported: hoisted to the top level when identical in every version. */
function hoisted(versions: Json[], key: string, nonEmpty: (v: unknown) => boolean): boolean {
  return (
    versions.length > 0 && versions.every((v) => nonEmpty(v[key]) && deepEqual(v[key], versions[0][key]))
  );
}

const dns1035 = (path: string, value: string, errs: FieldCause[]) => {
  const e = isDNS1035Label(value);
  if (e.length) errs.push(invalid(path, value, e.join(",")));
};

export function validateNames(names: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  for (const k of ["plural", "singular"])
    if (asString(names[k])) dns1035(`${path}.${k}`, asString(names[k]), errs);
  for (const k of ["kind", "listKind"]) {
    const v = asString(names[k]);
    const e = v ? isDNS1035Label(v.toLowerCase()) : [];
    if (e.length)
      errs.push(
        invalid(`${path}.${k}`, v, `may have mixed case, but should otherwise match: ${e.join(",")}`),
      );
  }
  asStrings(names.shortNames).forEach((s, i) => {
    dns1035(`${path}.shortNames[${i}]`, s, errs);
  });
  if (asString(names.kind) && names.kind === names.listKind)
    errs.push(invalid(`${path}.listKind`, asString(names.listKind), "kind and listKind may not be the same"));
  asStrings(names.categories).forEach((s, i) => {
    dns1035(`${path}.categories[${i}]`, s, errs);
  });
  return errs;
}

function validateSimpleJSONPath(s: string, path: string): FieldCause[] {
  if (s.length === 0) return [invalid(path, s, "must not be empty")];
  if (s[0] !== ".") return [invalid(path, s, "must be a simple json path starting with .")];
  return [];
}

function validateSubresources(sub: Json | undefined, path: string): FieldCause[] {
  const scale = sub && isMap(sub.scale) ? sub.scale : undefined;
  if (!scale) return [];
  const errs: FieldCause[] = [];
  for (const [key, prefix, what] of [
    ["specReplicasPath", ".spec.", ".spec"],
    ["statusReplicasPath", ".status.", ".status"],
  ] as const) {
    const v = asString(scale[key]);
    if (!v) errs.push(required(`${path}.scale.${key}`));
    else {
      const e = validateSimpleJSONPath(v, `${path}.scale.${key}`);
      if (e.length) errs.push(...e);
      else if (!v.startsWith(prefix))
        errs.push(invalid(`${path}.scale.${key}`, v, `should be a json path under ${what}`));
    }
  }
  const sel = asString(scale.labelSelectorPath);
  if (sel) {
    const e = validateSimpleJSONPath(sel, `${path}.scale.labelSelectorPath`);
    if (e.length) errs.push(...e);
    else if (!sel.startsWith(".spec.") && !sel.startsWith(".status."))
      errs.push(
        invalid(
          `${path}.scale.labelSelectorPath`,
          sel,
          "should be a json path under either .spec or .status",
        ),
      );
  }
  return errs;
}

function validateColumn(col: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!asString(col.name)) errs.push(required(`${path}.name`));
  const type = asString(col.type);
  const types = `must be one of ${PRINTER_COLUMN_TYPES.join(",")}`;
  if (!type) errs.push(required(`${path}.type`, types));
  else if (!PRINTER_COLUMN_TYPES.includes(type)) errs.push(invalid(`${path}.type`, type, types));
  const format = asString(col.format);
  if (format && !PRINTER_COLUMN_FORMATS.includes(format))
    errs.push(invalid(`${path}.format`, format, `must be one of ${PRINTER_COLUMN_FORMATS.join(",")}`));
  const jsonPath = asString(col.jsonPath);
  if (!jsonPath) errs.push(required(`${path}.JSONPath`));
  else errs.push(...validateSimpleJSONPath(jsonPath, `${path}.JSONPath`));
  return errs;
}

type Level = "root" | "item" | "field";

/** Structural-schema invariants (schema/validation.go validateStructuralInvariants), and OpenAPI types. */
function validateSchema(s: Schema, level: Level, path: string, errs: FieldCause[]): void {
  if (s.type === "array" && !s.items) errs.push(required(`${path}.items`, "must be specified"));
  if (s.type && !OPENAPI_TYPES.includes(s.type))
    errs.push(notSupported(`${path}.type`, s.type, OPENAPI_TYPES));
  if (s.items) validateSchema(s.items, "item", `${path}.items`, errs);
  // A null property decodes as Go's zero JSONSchemaProps (so: "type: Required value"), not a crash.
  for (const [k, v] of Object.entries(s.properties ?? {}))
    validateSchema(v ?? {}, "field", `${path}.properties[${k}]`, errs);
  if (s.additionalProperties !== undefined && s.additionalProperties !== true) {
    if (level === "root")
      errs.push(forbidden(`${path}.additionalProperties`, "must not be used at the root"));
    if (isMap(s.additionalProperties)) {
      if (s.properties && Object.keys(s.properties).length)
        errs.push(
          forbidden(
            `${path}.additionalProperties`,
            "additionalProperties and properties are mutual exclusive",
          ),
        );
      validateSchema(s.additionalProperties as Schema, "field", `${path}.additionalProperties`, errs);
    }
  }
  const embedded = s["x-kubernetes-embedded-resource"] === true;
  const intOrString = s["x-kubernetes-int-or-string"] === true;
  const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
  if (embedded && s.type !== "object") {
    if (!s.type)
      errs.push(required(`${path}.type`, "must be object if x-kubernetes-embedded-resource is true"));
    else
      errs.push(invalid(`${path}.type`, s.type, "must be object if x-kubernetes-embedded-resource is true"));
  } else if (!s.type && !intOrString && !preserve) {
    const why = {
      root: "at the root",
      item: "for specified array items",
      field: "for specified object fields",
    }[level];
    errs.push(required(`${path}.type`, `must not be empty ${why}`));
  }
  if (level === "root" && s.type && s.type !== "object")
    errs.push(invalid(`${path}.type`, s.type, "must be object at the root"));
  if (intOrString && preserve)
    errs.push(
      invalid(
        `${path}.x-kubernetes-preserve-unknown-fields`,
        true,
        "must be false if x-kubernetes-int-or-string is true",
      ),
    );
  if (intOrString && s.type)
    errs.push(invalid(`${path}.type`, s.type, "must be empty if x-kubernetes-int-or-string is true"));
  if (s.uniqueItems === true)
    errs.push(
      forbidden(
        `${path}.uniqueItems`,
        "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
      ),
    );
  if (s.pattern !== undefined) {
    const re = compileGo(s.pattern);
    if (re instanceof Error)
      errs.push(
        invalid(`${path}.pattern`, s.pattern, `must be a valid regular expression, but isn't: ${re.message}`),
      );
  }

  errs.push(...validateListType(s, path));
  if (s.default !== undefined) errs.push(...validateDefault(s, path));
  if (s.properties?.metadata && level === "root") {
    const meta = s.properties.metadata;
    if (meta.type !== "object")
      errs.push(invalid(`${path}.properties[metadata].type`, meta.type ?? "", "must be object"));
    const props = Object.keys(meta.properties ?? {}).filter((k) => k !== "name" && k !== "generateName");
    if (props.length)
      errs.push(
        forbidden(
          `${path}.properties[metadata]`,
          "must not specify anything other than name and generateName, but metadata is implicitly specified",
        ),
      );
  }
}

/** A `default` must be valid against its own schema (defaulting/validation.go: ValidateCustomResource at
 * <path>.default, with kube-openapi paths relative to the default's value). */
function validateDefault(s: Schema, path: string): FieldCause[] {
  const { default: value, ...schema } = s;
  const errs: FieldCause[] = [];
  validateValue(value, schema, "", errs);
  validateListTypes(value, schema, "", errs);
  const base = `${path}.default`;
  return errs.map((e) => ({
    ...e,
    field: e.field ? (e.field.startsWith("[") ? `${base}${e.field}` : `${base}.${e.field}`) : base,
  }));
}

/** x-kubernetes-list-type and -list-map-keys (ValidateCustomResourceDefinitionOpenAPISchema and
 * validateMapListKeysMapSet), in upstream's order. */
function validateListType(s: Schema, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const listType = s["x-kubernetes-list-type"];
  const keys = s["x-kubernetes-list-map-keys"] ?? [];
  const shownKeys = goSyntax(`[]string{${keys.map((k) => JSON.stringify(k)).join(", ")}}`);
  if (listType !== undefined && s.type !== "array") {
    if (!s.type) errs.push(required(`${path}.type`, "must be array if x-kubernetes-list-type is specified"));
    else errs.push(invalid(`${path}.type`, s.type, "must be array if x-kubernetes-list-type is specified"));
  } else if (listType === "set" && s.items) {
    const itemList = s.items["x-kubernetes-list-type"];
    if (itemList !== undefined && itemList !== "atomic")
      errs.push(
        invalid(
          `${path}.items.x-kubernetes-list-type`,
          itemList,
          "must be atomic as item of a list with x-kubernetes-list-type=set",
        ),
      );
    const itemMap = s.items["x-kubernetes-map-type"];
    if (itemMap !== undefined && itemMap !== "atomic")
      errs.push(
        invalid(
          `${path}.items.x-kubernetes-map-type`,
          itemMap,
          "must be atomic as item of a list with x-kubernetes-list-type=set",
        ),
      );
  }
  if (listType !== undefined && !["atomic", "set", "map"].includes(listType))
    errs.push(notSupported(`${path}.x-kubernetes-list-type`, listType, ["atomic", "set", "map"]));
  if (keys.length) {
    if (listType === undefined)
      errs.push(
        required(`${path}.x-kubernetes-list-type`, "must be map if x-kubernetes-list-map-keys is non-empty"),
      );
    else if (listType !== "map")
      errs.push(
        invalid(
          `${path}.x-kubernetes-list-type`,
          listType,
          "must be map if x-kubernetes-list-map-keys is non-empty",
        ),
      );
  }
  if (listType === "map") {
    if (!keys.length)
      errs.push(
        required(`${path}.x-kubernetes-list-map-keys`, "must not be empty if x-kubernetes-list-type is map"),
      );
    if (!s.items) errs.push(required(`${path}.items`, "must have a schema if x-kubernetes-list-type is map"));
    else if (s.items.type !== "object")
      errs.push(
        invalid(
          `${path}.items.type`,
          s.items.type ?? "",
          "must be object if parent array's x-kubernetes-list-type is map",
        ),
      );
    else {
      const seen = new Set<string>();
      for (const k of keys) {
        const prop = s.items.properties?.[k];
        if (prop) {
          if (prop.type === "array" || prop.type === "object")
            errs.push(
              invalid(
                `${path}.items.properties[${k}].type`,
                s.items.type,
                "must be a scalar type if parent array's x-kubernetes-list-type is map",
              ),
            );
        } else
          errs.push(
            invalid(
              `${path}.x-kubernetes-list-map-keys`,
              shownKeys,
              "entries must all be names of item properties",
            ),
          );
        if (seen.has(k))
          errs.push(
            invalid(`${path}.x-kubernetes-list-map-keys`, shownKeys, "must not contain duplicate entries"),
          );
        seen.add(k);
      }
    }
  }
  if ((listType === "set" || listType === "map") && s.items) {
    if (s.items.nullable)
      errs.push(
        forbidden(`${path}.items.nullable`, `cannot be nullable when x-kubernetes-list-type is ${listType}`),
      );
    if (listType === "map") {
      const isRequired = new Set(s.items.required ?? []);
      for (const k of keys) {
        const prop = s.items.properties?.[k];
        if (!prop) continue;
        if (!isRequired.has(k) && prop.default === undefined)
          errs.push(
            required(
              `${path}.items.properties[${k}].default`,
              "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property",
            ),
          );
        if (prop.nullable)
          errs.push(
            forbidden(
              `${path}.items.properties[${k}].nullable`,
              "this property is in x-kubernetes-list-map-keys, so it cannot be nullable",
            ),
          );
      }
    }
  }
  return errs;
}

const API_APPROVED = "api-approved.kubernetes.io";

/** apihelpers.GetAPIApprovalState: missing, bypassed ("unapproved…"), approved (a URL) or invalid. */
function approvalState(annotations: Record<string, string> | undefined): { state: string; reason: string } {
  const value = annotations?.[API_APPROVED] ?? "";
  const see = "see https://github.com/kubernetes/enhancements/pull/1111";
  if (!value)
    return {
      state: "missing",
      reason: `protected groups must have approval annotation "${API_APPROVED}", ${see}`,
    };
  if (value.startsWith("unapproved")) return { state: "bypassed", reason: "" };
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.host && url.protocol) return { state: "approved", reason: "" };
  return {
    state: "invalid",
    reason: `protected groups must have approval annotation "${API_APPROVED}" with either a URL or a reason starting with "unapproved", ${see}`,
  };
}

/** validateAPIApproval: CRDs in *.k8s.io / *.kubernetes.io groups need an approval annotation. */
function validateAPIApproval(obj: KubeObject, old: StoredObject | undefined): FieldCause[] {
  const group = asString(asMap(obj.spec).group);
  const isProtected = [/^(.*\.)?k8s\.io$/, /^(.*\.)?kubernetes\.io$/].some((re) => re.test(group));
  if (!isProtected) return [];
  const now = approvalState(obj.metadata?.annotations);
  if (old && approvalState(old.metadata.annotations).state === now.state) return [];
  const path = `metadata.annotations[${API_APPROVED}]`;
  if (now.state === "missing") return [required(path, now.reason)];
  if (now.state === "invalid")
    return [invalid(path, obj.metadata?.annotations?.[API_APPROVED] ?? "", now.reason)];
  return [];
}

/** validateCustomResourceDefinitionSpec (the parts a v1 CRD can reach). */
export function validateCRD(obj: KubeObject, old?: StoredObject): FieldCause[] {
  const errs: FieldCause[] = [];
  const spec = asMap(obj.spec);
  const names = asMap(spec.names);
  const group = asString(spec.group);
  const name = obj.metadata?.name ?? "";
  if (name && name !== `${asString(names.plural)}.${group}`)
    errs.push(invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group'));

  if (!group) errs.push(required("spec.group"));
  else {
    const e = isDNS1123Subdomain(group);
    if (e.length) errs.push(invalid("spec.group", group, e.join(",")));
    else if (group.split(".").length < 2)
      errs.push(invalid("spec.group", group, "should be a domain with at least one dot"));
  }
  const scope = asString(spec.scope);
  if (!scope) errs.push(required("spec.scope"));
  else if (scope !== "Cluster" && scope !== "Namespaced")
    errs.push(notSupported("spec.scope", scope, ["Cluster", "Namespaced"]));

  const versions = asMaps(spec.versions);
  const schemaHoisted = hoisted(versions, "schema", isMap);
  const subresourcesHoisted = hoisted(versions, "subresources", isMap);
  const columnsHoisted = hoisted(
    versions,
    "additionalPrinterColumns",
    (v) => Array.isArray(v) && v.length > 0,
  );
  const preserveUnknown = spec.preserveUnknownFields === true;
  if (preserveUnknown)
    errs.push(
      invalid(
        "spec.preserveUnknownFields",
        true,
        "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead",
      ),
    );

  let storageCount = 0;
  const seen = new Set<string>();
  let uniqueNames = true;
  versions.forEach((v, i) => {
    const at = `spec.versions[${i}]`;
    const vname = asString(v.name);
    if (v.storage === true) storageCount++;
    if (seen.has(vname)) uniqueNames = false;
    seen.add(vname);
    const e = isDNS1035Label(vname);
    if (e.length) errs.push(invalid(`${at}.name`, vname, e.join(",")));
    const schema = asMap(v.schema).openAPIV3Schema;
    if (!isMap(schema)) errs.push(required(`${at}.schema.openAPIV3Schema`));
    if (v.deprecated !== true && v.deprecationWarning !== undefined)
      errs.push(
        invalid(
          `${at}.deprecationWarning`,
          asString(v.deprecationWarning),
          "can only be set for deprecated versions",
        ),
      );
    if (isMap(schema) && !(schemaHoisted && i > 0)) {
      const base = schemaHoisted ? "spec.validation.openAPIV3Schema" : `${at}.schema.openAPIV3Schema`;
      validateSchema(schema as Schema, "root", base, errs);
      ruleCompileErrors(schema as Schema, base, errs);
    }
    if (!(subresourcesHoisted && i > 0))
      errs.push(
        ...validateSubresources(
          isMap(v.subresources) ? v.subresources : undefined,
          subresourcesHoisted ? "spec.subresources" : `${at}.subresources`,
        ),
      );
    if (!(columnsHoisted && i > 0))
      asMaps(v.additionalPrinterColumns).forEach((c, j) => {
        errs.push(...validateColumn(c, `${columnsHoisted ? "spec" : at}.additionalPrinterColumns[${j}]`));
      });
    const selectable = asMaps(v.selectableFields);
    const unique = new Set<string>();
    selectable.forEach((f, j) => {
      const p = `${at}.selectableFields[${j}].jsonPath`;
      const jp = asString(f.jsonPath);
      if (!jp) {
        errs.push(required(p));
        return;
      }
      const target = schemaAtPath(isMap(schema) ? (schema as Schema) : undefined, jp);
      if (target === "invalid") {
        errs.push(invalid(p, jp, "is an invalid path: does not refer to a valid field"));
        return;
      }
      if (jp.replace(/^\./, "").split(".")[0] === "metadata")
        errs.push(invalid(p, jp, "must not point to fields in metadata"));
      if (!target || !["string", "boolean", "integer"].includes(target.type ?? ""))
        errs.push(
          invalid(
            p,
            jp,
            "must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.",
          ),
        );
      if (unique.has(jp))
        errs.push({
          field: p,
          message: `Duplicate value: ${JSON.stringify(jp)}`,
          type: "FieldValueDuplicate",
        });
      unique.add(jp);
    });
    if (unique.size > MAX_SELECTABLE_FIELDS)
      errs.push({
        field: `${at}.selectableFields`,
        message: `Too many: ${unique.size}: must have at most ${MAX_SELECTABLE_FIELDS} items`,
        type: "FieldValueTooMany",
      });
  });
  const shownVersions = goSyntax(`[]apiextensions.CustomResourceDefinitionVersion{…}`);
  if (!uniqueNames) errs.push(invalid("spec.versions", shownVersions, "must contain unique version names"));
  if (storageCount !== 1)
    errs.push(
      invalid("spec.versions", shownVersions, "must have exactly one version marked as storage version"),
    );

  if (!asString(names.plural)) errs.push(required("spec.names.plural"));
  if (!asString(names.singular)) errs.push(required("spec.names.singular"));
  if (!asString(names.kind)) errs.push(required("spec.names.kind"));
  if (!asString(names.listKind)) errs.push(required("spec.names.listKind"));
  errs.push(...validateNames(names, "spec.names"));

  const conversion = asMap(spec.conversion);
  const strategy = asString(conversion.strategy);
  if (!strategy) errs.push(required("spec.conversion.strategy"));
  else if (strategy !== "None" && strategy !== "Webhook")
    errs.push(notSupported("spec.conversion.strategy", strategy, ["None", "Webhook"]));
  else if (strategy === "Webhook") {
    const webhook = asMap(conversion.webhook);
    if (!isMap(webhook.clientConfig))
      errs.push(required("spec.conversion.webhookClientConfig", "required when strategy is set to Webhook"));
  } else if (isMap(conversion.webhook)) {
    errs.push(
      forbidden(
        "spec.conversion.webhookClientConfig",
        "should not be set when strategy is not set to Webhook",
      ),
    );
  }

  errs.push(...validateNames(asMap(asMap(obj.status).acceptedNames), "status.acceptedNames"));
  errs.push(...validateStoredVersions(asStrings(asMap(obj.status).storedVersions), versions));
  errs.push(...validateAPIApproval(obj, old));

  if (old) {
    const oldSpec = asMap(old.spec);
    const established = asMaps(asMap(old.status).conditions).some(
      (c) => c.type === "Established" && c.status === "True",
    );
    if (established) {
      if (spec.scope !== oldSpec.scope) errs.push(immutable("spec.scope", asString(spec.scope)));
      if (names.kind !== asMap(oldSpec.names).kind)
        errs.push(immutable("spec.names.kind", asString(names.kind)));
    }
    if (spec.group !== oldSpec.group) errs.push(immutable("spec.group", group));
    if (names.plural !== asMap(oldSpec.names).plural)
      errs.push(immutable("spec.names.plural", asString(names.plural)));
  }
  return errs;
}

/** ValidateCustomResourceDefinitionStoredVersions. */
function validateStoredVersions(stored: string[], versions: Json[]): FieldCause[] {
  const path = "status.storedVersions";
  const shown = goSyntax(`[]string{${stored.map((s) => JSON.stringify(s)).join(", ")}}`);
  if (!stored.length) return [invalid(path, shown, "must have at least one stored version")];
  const errs: FieldCause[] = [];
  const remaining = new Map(stored.map((v, i) => [v, i]));
  for (const v of versions) {
    const n = asString(v.name);
    if (v.storage === true && !remaining.has(n) && !stored.includes(n))
      errs.push(invalid(path, shown, `must have the storage version ${n}`));
    remaining.delete(n);
  }
  for (const [v, i] of remaining)
    errs.push(
      invalid(
        `${path}[${i}]`,
        v,
        `missing from spec.versions; ${v} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in ${v} and removes ${v} from status.storedVersions`,
      ),
    );
  return errs;
}

/** The schema at a selectable field's dotted path; "invalid" when the path names no field. */
function schemaAtPath(s: Schema | undefined, path: string): Schema | undefined | "invalid" {
  if (!path.startsWith(".")) return "invalid";
  let cur = s;
  for (const part of path.slice(1).split(".")) {
    if (!cur) return "invalid";
    if (part === "metadata" && cur === s) return { type: "string" };
    const next: Schema | undefined =
      cur.properties?.[part] ??
      (isMap(cur.additionalProperties) ? (cur.additionalProperties as Schema) : undefined);
    if (!next) return "invalid";
    cur = next;
  }
  return cur;
}

/** etcd.go Delete: the first delete request adds the cleanup finalizer and a Terminating condition. */
function beforeDelete(obj: StoredObject, now: Date): void {
  const finalizers = obj.metadata.finalizers ?? [];
  if (!finalizers.includes(CRD_CLEANUP_FINALIZER))
    obj.metadata.finalizers = [...finalizers, CRD_CLEANUP_FINALIZER];
  obj.status ??= {};
  const status = obj.status as Json;
  const conditions = asMaps(status.conditions).filter((c) => c.type !== "Terminating");
  const old = asMaps(status.conditions).find((c) => c.type === "Terminating");
  conditions.push({
    type: "Terminating",
    status: "True",
    lastTransitionTime:
      old?.status === "True" ? old.lastTransitionTime : `${now.toISOString().slice(0, 19)}Z`,
    reason: "InstanceDeletionPending",
    message: "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon",
  });
  status.conditions = conditions;
}

export const customResourceDefinition: ResourceDef = {
  group: CRD_GROUP,
  version: "v1",
  resource: "customresourcedefinitions",
  singular: "customresourcedefinition",
  kind: "CustomResourceDefinition",
  listKind: "CustomResourceDefinitionList",
  namespaced: false,
  shortNames: ["crd", "crds"],
  categories: ["api-extensions"],
  verbs: CRUD,
  subresources: [{ name: "status", kind: "CustomResourceDefinition", verbs: GET_PATCH_UPDATE }],
  defaults: setDefaults,
  // statusStrategy resets metadata from the new object itself (ResetObjectMetaForStatus(&new, &new),
  // kubernetes#137681), so a /status write takes the request's metadata.
  statusKeepsMetadata: [],
  prepare,
  // ValidateUpdateCustomResourceDefinitionStatus: the accepted names only.
  validate: (o, old, subresource) =>
    subresource === "status"
      ? validateNames(asMap(asMap(o.status).acceptedNames), "status.acceptedNames")
      : validateCRD(o, old),
  beforeDelete,
};
