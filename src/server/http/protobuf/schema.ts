// Message schemas as data. Each package table (generated from upstream by scripts/gen-typeinfo.ts
// into src/server/typeinfo/generated/) maps message name → field number → a one-line field spec,
// read like a proto declaration plus the Go JSON facts the wire format does not carry:
//
//   "<jsonName> <type> [keep] [inline] [proto=<name>]"
//   type:   string | bytes | bool | int32 | int64 | double | <Message> | <pkg>.<Message>, optionally suffixed
//           with [] (repeated), or map<string,<type>> (a repeated {key=1,value=2} entry message)
//   keep:   emit the value even when it is zero ("", 0, false). For Go pointer fields (present on the
//           wire only when set: `automountServiceAccountToken: false` matters) and for fields without
//           `omitempty`. Go value fields are always on the wire, so without `keep` zeros are dropped,
//           exactly as encoding/json's omitempty drops them.
//   inline: the message's fields belong to the parent object (Go `json:",inline"`); the name is the
//           proto field name, used only in error paths.
//   proto:  the proto field name where it differs from the JSON name ("$ref" is proto "ref").

export type ScalarType = "string" | "bytes" | "bool" | "int32" | "int64" | "double";

export type TypeRef = { scalar: ScalarType } | { message: string };

export interface FieldSpec {
  number: number;
  name: string;
  type: TypeRef;
  repeated: boolean;
  /** For map fields: the value type (keys are always strings). `type` is then unused. */
  mapValue?: TypeRef;
  keep: boolean;
  inline: boolean;
  /** The proto field name, when it is not the JSON name. */
  protoName?: string;
}

export interface MessageSchema {
  /** Qualified name, "<pkg>.<Message>". */
  name: string;
  fields: Map<number, FieldSpec>;
}

export interface PackageTable {
  package: string;
  messages: Record<string, Record<number, string>>;
}

const SCALARS = new Set<string>(["string", "bytes", "bool", "int32", "int64", "double"]);

function typeRef(token: string, pkg: string): TypeRef {
  if (SCALARS.has(token)) return { scalar: token as ScalarType };
  if (!/^([a-z][a-z0-9]*\.)?[A-Z]\w*$/.test(token)) throw new Error(`bad protobuf type "${token}"`);
  return { message: token.includes(".") ? token : `${pkg}.${token}` };
}

export function parseField(number: number, spec: string, pkg: string): FieldSpec {
  const [name, type, ...flags] = spec.split(" ");
  const protoFlag = flags.find((f) => f.startsWith("proto="));
  const unknown = flags.filter((f) => f !== "keep" && f !== "inline" && f !== protoFlag);
  if (!name || !type || unknown.length) throw new Error(`bad field spec "${spec}"`);
  const field: FieldSpec = {
    number,
    name,
    type: { scalar: "string" },
    repeated: false,
    keep: flags.includes("keep"),
    inline: flags.includes("inline"),
  };
  if (protoFlag) field.protoName = protoFlag.slice("proto=".length);
  const map = /^map<string,(.+)>$/.exec(type);
  if (map) {
    field.repeated = true;
    field.mapValue = typeRef(map[1], pkg);
  } else if (type.endsWith("[]")) {
    field.repeated = true;
    field.type = typeRef(type.slice(0, -2), pkg);
  } else {
    field.type = typeRef(type, pkg);
  }
  return field;
}

/** Parses every table and checks that each message reference resolves. */
export function buildSchemas(tables: readonly PackageTable[]): Map<string, MessageSchema> {
  const out = new Map<string, MessageSchema>();
  for (const t of tables) {
    for (const [message, fields] of Object.entries(t.messages)) {
      const name = `${t.package}.${message}`;
      const parsed = Object.entries(fields).map(([n, spec]) => parseField(Number(n), spec, t.package));
      out.set(name, { name, fields: new Map(parsed.map((f) => [f.number, f])) });
    }
  }
  for (const schema of out.values()) {
    for (const f of schema.fields.values()) {
      const ref = f.mapValue ?? f.type;
      if ("message" in ref && !out.has(ref.message)) {
        throw new Error(`${schema.name}.${f.name} refers to unknown message ${ref.message}`);
      }
    }
  }
  return out;
}
