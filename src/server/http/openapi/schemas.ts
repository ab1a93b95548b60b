// Builds the components.schemas section of an OpenAPI v3 document: one schema per Kubernetes type
// reachable from the kinds a document serves, rendered from the kubernetes-types declarations in
// upstream's v3 style (refs with a description wrapped in allOf, IntOrString/Quantity as oneOf).
// kubectl reads these for explain, client-side validation and strategic-merge-patch metadata; the
// latter walks every field of an applied manifest that differs from the live object, so schemas
// are complete for every known type rather than permissive.
import {
  fallbackModelName,
  INT_OR_STRING_MODEL,
  metaModel,
  modelName,
  moduleOfGroupVersion,
} from "./model-names.ts";
import { patchMetadataFor } from "./patch-metadata.ts";
import { findType, type MemberDecl, type ModuleId, type TypeDecl, type TypeExpr } from "./type-catalog.ts";

export type JsonSchema = Record<string, unknown>;

export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

export const GVK_EXTENSION = "x-kubernetes-group-version-kind";
export const SCHEMA_REF_PREFIX = "#/components/schemas/";

export function schemaRef(model: string): JsonSchema {
  return { $ref: `${SCHEMA_REF_PREFIX}${model}` };
}

/** Accumulates the schemas of one document. */
export class SchemaSet {
  readonly schemas: Record<string, JsonSchema> = {};
  private readonly permissive = new Set<string>();
  /** Schemas of custom resource kinds ("group/version/Kind" → the CRD version's openAPIV3Schema). */
  private readonly custom: ReadonlyMap<string, JsonSchema>;
  private readonly customModels = new Set<string>();

  constructor(custom: ReadonlyMap<string, JsonSchema> = new Map()) {
    this.custom = custom;
  }

  /** Whether a model has a field-level schema with patch metadata (false for kinds kubernetes-types does
   * not know, and for custom resources, which take no strategic merge patch). */
  describesFields(model: string): boolean {
    return model in this.schemas && !this.permissive.has(model) && !this.customModels.has(model);
  }

  /** Adds the schema of a kind and tags it with its GVK; returns its model name. */
  addKind(gvk: Gvk): string {
    const custom = this.custom.get(`${gvk.group}/${gvk.version}/${gvk.kind}`);
    if (custom) {
      const model = this.addCustomKind(gvk, custom);
      this.tagGvk(model, gvk);
      return model;
    }
    const module = moduleOfGroupVersion(gvk.group, gvk.version);
    const decl = findType(module, gvk.kind);
    const model = decl ? this.addType(decl) : this.addPermissiveKind(gvk);
    this.tagGvk(model, gvk);
    return model;
  }

  /** Adds a meta/v1 type (Status, DeleteOptions, WatchEvent, Patch, …); returns its model name. */
  addMeta(typeName: string): string {
    const decl = findType("meta/v1", typeName);
    if (!decl) throw new Error(`kubernetes-types has no meta/v1 ${typeName}`);
    return this.addType(decl);
  }

  tagGvk(model: string, gvk: Gvk): void {
    const schema = this.schemas[model];
    const tags = (schema[GVK_EXTENSION] as Gvk[] | undefined) ?? [];
    if (!tags.some((t) => t.group === gvk.group && t.version === gvk.version && t.kind === gvk.kind)) {
      tags.push({ group: gvk.group, kind: gvk.kind, version: gvk.version } as Gvk);
    }
    schema[GVK_EXTENSION] = tags;
  }

  private addType(decl: TypeDecl): string {
    const model = modelName(decl.module, decl.name);
    if (this.schemas[model]) return model;
    this.schemas[model] = {}; // placeholder first: types may be recursive (JSONSchemaProps)
    this.schemas[model] = decl.alias ? aliasSchema(model, decl) : this.objectSchema(model, decl);
    return model;
  }

  private objectSchema(model: string, decl: TypeDecl): JsonSchema {
    const schema: JsonSchema = { description: decl.description, type: "object" };
    if (decl.members.length > 0) {
      schema.properties = Object.fromEntries(decl.members.map((m) => [m.name, this.memberSchema(model, m)]));
      const required = decl.members.filter((m) => !m.optional).map((m) => m.name);
      if (required.length > 0) schema.required = required;
    }
    return schema;
  }

  private memberSchema(model: string, member: MemberDecl): JsonSchema {
    const typeSchema = this.typeSchema(member.type);
    // upstream v3 wraps a described $ref in allOf, since siblings of $ref are ignored in v3.0
    const schema: JsonSchema = typeSchema.$ref ? { allOf: [typeSchema] } : typeSchema;
    if (member.description) schema.description = member.description;
    return { ...schema, ...patchMetadataFor(model, member.name) };
  }

  private typeSchema(type: TypeExpr): JsonSchema {
    switch (type.kind) {
      case "string":
      case "integer":
      case "boolean":
        return { type: type.kind };
      case "int-or-string":
        return schemaRef(this.addIntOrString());
      case "ref":
        return this.refSchema(type.module, type.name);
      case "array":
        return { type: "array", items: this.typeSchema(type.items) };
      case "map":
        return { type: "object", additionalProperties: this.typeSchema(type.values) };
      case "unknown":
        return {};
    }
  }

  private refSchema(module: ModuleId, name: string): JsonSchema {
    const decl = findType(module, name);
    return decl ? schemaRef(this.addType(decl)) : {};
  }

  private addIntOrString(): string {
    this.schemas[INT_OR_STRING_MODEL] ??= {
      description:
        "IntOrString is a type that can hold an int32 or a string. When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.",
      format: "int-or-string",
      oneOf: [{ type: "integer" }, { type: "string" }],
    };
    return INT_OR_STRING_MODEL;
  }

  /** A custom resource (apiextensions-apiserver pkg/controller/openapi/builder): its CRD schema, with
   * apiVersion, kind and metadata (ObjectMeta) filled in. */
  private addCustomKind(gvk: Gvk, schema: JsonSchema): string {
    const model = fallbackModelName(gvk.group, gvk.version, gvk.kind);
    if (this.schemas[model]) return model;
    const properties = { ...((schema.properties as Record<string, JsonSchema> | undefined) ?? {}) };
    properties.apiVersion = {
      description:
        "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
      type: "string",
    };
    properties.kind = {
      description:
        "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
      type: "string",
    };
    properties.metadata = {
      allOf: [schemaRef(this.addMeta("ObjectMeta"))],
      description:
        "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
    };
    this.schemas[model] = { ...schema, type: "object", properties };
    this.customModels.add(model);
    return model;
  }

  /** A kind kubernetes-types does not describe: typed envelope, anything inside. */
  private addPermissiveKind(gvk: Gvk): string {
    const model = fallbackModelName(gvk.group, gvk.version, gvk.kind);
    if (this.schemas[model]) return model;
    const isList = gvk.kind.endsWith("List");
    const properties: Record<string, JsonSchema> = {
      apiVersion: {
        description: "APIVersion defines the versioned schema of this representation of an object.",
        type: "string",
      },
      kind: {
        description: "Kind is a string value representing the REST resource this object represents.",
        type: "string",
      },
      metadata: { allOf: [schemaRef(this.addMeta(isList ? "ListMeta" : "ObjectMeta"))] },
    };
    if (isList) {
      const item = this.addKind({ ...gvk, kind: gvk.kind.slice(0, -"List".length) });
      properties.items = { type: "array", items: schemaRef(item) };
    }
    this.permissive.add(model);
    this.schemas[model] = {
      description: `${gvk.kind} is served by this server without a published field schema.`,
      type: "object",
      properties,
      ...(isList ? { required: ["items"] } : { "x-kubernetes-preserve-unknown-fields": true }),
    };
    return model;
  }
}

function aliasSchema(model: string, decl: TypeDecl): JsonSchema {
  const description = decl.description;
  if (model === "io.k8s.apimachinery.pkg.api.resource.Quantity") {
    return { description, oneOf: [{ type: "string" }, { type: "number" }] };
  }
  if (model === metaModel("Time") || model === metaModel("MicroTime")) {
    return { description, type: "string", format: "date-time" };
  }
  return { description, type: decl.alias?.kind === "integer" ? "integer" : "string" };
}
