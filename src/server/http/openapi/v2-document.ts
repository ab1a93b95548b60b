// The Swagger 2.0 document (/openapi/v2), derived from the per-group-version v3 documents so both
// always describe the same API. kubectl still reads v2 when v3 cannot answer: client-side
// validation of `kind: List` manifests and of kinds without a PATCH operation (reviews),
// `kubectl explain --output plaintext-openapiv2`, and as the apply patch fallback.
import type { Parameter } from "./parameters.ts";
import type { Operation, PathItem } from "./paths.ts";
import { GVK_EXTENSION, type Gvk, type JsonSchema, SCHEMA_REF_PREFIX } from "./schemas.ts";
import { BEARER_TOKEN_SCHEME, INFO, sortKeys, type V3Document } from "./v3-document.ts";

export interface V2Document {
  swagger: "2.0";
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  definitions: Record<string, JsonSchema>;
  securityDefinitions: Record<string, JsonSchema>;
  security: Record<string, string[]>[];
}

const METHODS = ["get", "put", "post", "delete", "patch"] as const;

export function buildV2Document(v3Documents: V3Document[]): V2Document {
  const paths: V2Document["paths"] = {};
  const definitions: Record<string, JsonSchema> = {};
  for (const doc of v3Documents) {
    for (const [path, item] of Object.entries(doc.paths)) paths[path] = v2PathItem(item);
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      definitions[name] = mergeGvkTags(definitions[name], v2Schema(schema) as JsonSchema);
    }
  }
  return {
    swagger: "2.0",
    info: INFO,
    paths: sortKeys(paths),
    definitions: sortKeys(definitions),
    securityDefinitions: BEARER_TOKEN_SCHEME,
    security: [{ BearerToken: [] }],
  };
}

/** A model shared by several group versions (DeleteOptions, Status) carries all their GVK tags. */
function mergeGvkTags(existing: JsonSchema | undefined, next: JsonSchema): JsonSchema {
  if (!existing) return next;
  const tags = [...((existing[GVK_EXTENSION] as Gvk[] | undefined) ?? [])];
  for (const tag of (next[GVK_EXTENSION] as Gvk[] | undefined) ?? []) {
    if (!tags.some((t) => t.group === tag.group && t.version === tag.version && t.kind === tag.kind))
      tags.push(tag);
  }
  return tags.length > 0 ? { ...existing, [GVK_EXTENSION]: tags } : existing;
}

/** v3 → v2 schema: #/definitions refs, described refs without allOf, oneOf unions as strings (as upstream v2). */
export function v2Schema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(v2Schema);
  if (schema === null || typeof schema !== "object") return schema;
  const s = schema as JsonSchema;
  const allOf = s.allOf as JsonSchema[] | undefined;
  if (allOf?.length === 1 && allOf[0].$ref) {
    const { allOf: _, ...rest } = s;
    return v2Schema({ ...allOf[0], ...rest });
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(s)) {
    if (key === "$ref") out.$ref = String(value).replace(SCHEMA_REF_PREFIX, "#/definitions/");
    else if (key === "oneOf") out.type = "string";
    else if (key === "properties")
      out.properties = Object.fromEntries(
        Object.entries(value as JsonSchema).map(([k, v]) => [k, v2Schema(v)]),
      );
    else if (key.startsWith("x-")) out[key] = value;
    else out[key] = v2Schema(value);
  }
  return out;
}

function v2PathItem(item: PathItem): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const method of METHODS) {
    const op = item[method];
    if (op) out[method] = v2Operation(op);
  }
  out.parameters = item.parameters.map(v2Parameter);
  return out;
}

function v2Operation(op: Operation): Record<string, unknown> {
  const body = op.requestBody as
    | { content: Record<string, { schema: JsonSchema }>; required?: boolean }
    | undefined;
  const responses = op.responses as Record<
    string,
    { description: string; content?: Record<string, { schema: JsonSchema }> }
  >;
  const produces = new Set<string>();
  const v2Responses: Record<string, unknown> = {};
  for (const [code, response] of Object.entries(responses)) {
    const content = Object.entries(response.content ?? {});
    for (const [type] of content) produces.add(type);
    v2Responses[code] = {
      description: response.description,
      ...(content[0] ? { schema: v2Schema(content[0][1].schema) } : {}),
    };
  }
  const parameters = ((op.parameters as Parameter[] | undefined) ?? []).map(v2Parameter);
  if (body) {
    const schema = Object.values(body.content)[0].schema;
    parameters.unshift({
      name: "body",
      in: "body",
      ...(body.required ? { required: true } : {}),
      schema: v2Schema(schema),
    });
  }
  const extensions = Object.fromEntries(Object.entries(op).filter(([k]) => k.startsWith("x-")));
  return {
    description: op.description,
    consumes: body ? Object.keys(body.content) : ["*/*"],
    produces: [...produces],
    schemes: ["https"],
    tags: op.tags,
    operationId: op.operationId,
    ...(parameters.length > 0 ? { parameters } : {}),
    responses: v2Responses,
    ...extensions,
  };
}

function v2Parameter(p: Parameter): Record<string, unknown> {
  return {
    name: p.name,
    in: p.in,
    description: p.description,
    ...(p.required ? { required: true } : {}),
    type: p.schema.type,
    uniqueItems: true,
  };
}
