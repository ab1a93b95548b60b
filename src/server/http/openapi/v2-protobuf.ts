// Encodes the Swagger 2.0 document as the gnostic `openapi.v2.Document` protobuf message
// (google/gnostic openapiv2/OpenAPIv2.proto). kubectl's discovery client requests /openapi/v2
// with Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf and decodes the body
// with proto.Unmarshal only (client-go discovery_client.go OpenAPISchema), so a JSON body fails.
// Field numbers below are those of OpenAPIv2.proto; vendor extensions travel as YAML text, and
// JSON is valid YAML.
import type { Parameter } from "./parameters.ts";
import { ProtoWriter } from "./protobuf-writer.ts";
import type { JsonSchema } from "./schemas.ts";
import type { V2Document } from "./v2-document.ts";

const PATH_ITEM_METHOD_FIELDS = { get: 2, put: 3, post: 4, delete: 5, patch: 8 } as const;

export function encodeV2Document(doc: V2Document): Uint8Array {
  const w = new ProtoWriter()
    .string(1, doc.swagger)
    .message(2, (info) => info.string(1, doc.info.title).string(2, doc.info.version))
    .message(8, (paths) => {
      for (const [name, item] of Object.entries(doc.paths)) {
        paths.message(2, (named) => named.string(1, name).message(2, (p) => writePathItem(p, item), true));
      }
    })
    .message(9, (defs) => {
      for (const [name, schema] of Object.entries(doc.definitions)) {
        defs.message(1, (named) => named.string(1, name).message(2, (s) => writeSchema(s, schema), true));
      }
    });
  for (const requirement of doc.security) {
    w.message(12, (req) => {
      for (const [name, scopes] of Object.entries(requirement)) {
        req.message(1, (named) => named.string(1, name).message(2, (arr) => arr.strings(1, scopes), true));
      }
    });
  }
  w.message(13, (defs) => {
    for (const [name, scheme] of Object.entries(doc.securityDefinitions)) {
      defs.message(1, (named) =>
        named.string(1, name).message(2, (item) =>
          // SecurityDefinitionsItem.api_key_security = 2: ApiKeySecurity{type, name, in, description}
          item.message(2, (k) =>
            k
              .string(1, String(scheme.type))
              .string(2, String(scheme.name))
              .string(3, String(scheme.in))
              .string(4, String(scheme.description)),
          ),
        ),
      );
    }
  });
  return w.finish();
}

function writePathItem(w: ProtoWriter, item: Record<string, unknown>): void {
  for (const [method, field] of Object.entries(PATH_ITEM_METHOD_FIELDS)) {
    const op = item[method] as Record<string, unknown> | undefined;
    if (op) w.message(field, (o) => writeOperation(o, op), true);
  }
  for (const p of (item.parameters as Record<string, unknown>[] | undefined) ?? []) {
    w.message(9, (pi) => writeParametersItem(pi, p));
  }
}

function writeOperation(w: ProtoWriter, op: Record<string, unknown>): void {
  w.strings(1, op.tags as string[])
    .string(3, op.description as string)
    .string(5, op.operationId as string)
    .strings(6, op.produces as string[])
    .strings(7, op.consumes as string[]);
  for (const p of (op.parameters as Record<string, unknown>[] | undefined) ?? []) {
    w.message(8, (pi) => writeParametersItem(pi, p));
  }
  w.message(9, (responses) => {
    for (const [code, response] of Object.entries(
      op.responses as Record<string, { description: string; schema?: JsonSchema }>,
    )) {
      responses.message(1, (named) =>
        named.string(1, code).message(2, (value) =>
          // ResponseValue.response = 1: Response{description = 1, schema = 2 (SchemaItem.schema = 1)}
          value.message(
            1,
            (r) => {
              r.string(1, response.description);
              if (response.schema)
                r.message(2, (item) => item.message(1, (s) => writeSchema(s, response.schema!), true));
            },
            true,
          ),
        ),
      );
    }
  });
  w.strings(10, op.schemes as string[]);
  writeExtensions(w, 13, op);
}

/** ParametersItem.parameter = 1 → Parameter{body_parameter = 1 | non_body_parameter = 2}. */
function writeParametersItem(w: ProtoWriter, p: Record<string, unknown>): void {
  w.message(1, (param) => {
    if (p.in === "body") {
      param.message(1, (b) =>
        b
          .string(1, p.description as string)
          .string(2, p.name as string)
          .string(3, "body")
          .bool(4, p.required as boolean)
          .message(5, (s) => writeSchema(s, p.schema as JsonSchema), true),
      );
      return;
    }
    const q = p as unknown as Parameter & { type: string };
    // NonBodyParameter: query_parameter_sub_schema = 3, path_parameter_sub_schema = 4.
    // Their field numbers differ after `name`: query has allow_empty_value = 5 before type = 6.
    const isPath = q.in === "path";
    param.message(2, (nb) =>
      nb.message(isPath ? 4 : 3, (s) =>
        s
          .bool(1, q.required)
          .string(2, q.in)
          .string(3, q.description)
          .string(4, q.name)
          .string(isPath ? 5 : 6, q.type)
          .bool(isPath ? 19 : 20, true),
      ),
    );
  });
}

function writeSchema(w: ProtoWriter, schema: JsonSchema): void {
  w.string(1, schema.$ref as string)
    .string(2, schema.format as string)
    .string(4, schema.description as string)
    .strings(19, schema.required as string[]);
  const additional = schema.additionalProperties;
  if (typeof additional === "boolean") w.message(21, (a) => a.bool(2, additional), true);
  else if (additional)
    w.message(21, (a) => a.message(1, (s) => writeSchema(s, additional as JsonSchema), true));
  if (schema.type) w.message(22, (t) => t.strings(1, [String(schema.type)]));
  if (schema.items)
    w.message(23, (i) => i.message(1, (s) => writeSchema(s, schema.items as JsonSchema), true));
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (properties) {
    w.message(
      25,
      (props) => {
        for (const [name, prop] of Object.entries(properties)) {
          props.message(1, (named) => named.string(1, name).message(2, (s) => writeSchema(s, prop), true));
        }
      },
      true,
    );
  }
  writeExtensions(w, 31, schema);
}

/** vendor_extension: repeated NamedAny{name = 1, value = 2: Any{yaml = 2}}. */
function writeExtensions(w: ProtoWriter, field: number, source: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(source)) {
    if (!name.startsWith("x-")) continue;
    w.message(field, (named) =>
      named.string(1, name).message(2, (any) => any.string(2, `${JSON.stringify(value)}\n`)),
    );
  }
}
