// Schema-driven message decoder: protobuf wire data → the JSON object Go's encoding/json would write
// for the same Go value. Unknown fields are skipped (newer clients may send fields we do not know).
import { ProtobufDecodeError } from "./errors.ts";
import type { FieldSpec, MessageSchema, ScalarType, TypeRef } from "./schema.ts";
import { converterFor } from "./well-known.ts";
import { WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT, WireReader, wireTypeName } from "./wire.ts";

type JsonObject = Record<string, unknown>;

// Nothing in the tables is recursive, so this only guards against a future table that is.
const MAX_DEPTH = 64;

const WIRE_OF: Record<ScalarType, number> = {
  string: WIRE_LENGTH_DELIMITED,
  bytes: WIRE_LENGTH_DELIMITED,
  bool: WIRE_VARINT,
  int32: WIRE_VARINT,
  int64: WIRE_VARINT,
  double: WIRE_FIXED64,
};

export class MessageDecoder {
  private readonly schemas: ReadonlyMap<string, MessageSchema>;

  constructor(schemas: ReadonlyMap<string, MessageSchema>) {
    this.schemas = schemas;
  }

  /** Decodes one message; `path` names it in error messages. */
  decode(message: string, data: Uint8Array, path: string): JsonObject {
    const out: JsonObject = {};
    this.decodeInto(this.schema(message), data, out, path, 0);
    return out;
  }

  private schema(name: string): MessageSchema {
    const s = this.schemas.get(name);
    if (!s) throw new Error(`no protobuf schema for ${name}`); // the tables are checked at load
    return s;
  }

  /** Reads fields into `target`; a message field seen twice merges, as protobuf specifies. */
  private decodeInto(
    schema: MessageSchema,
    data: Uint8Array,
    target: JsonObject,
    path: string,
    depth: number,
  ) {
    if (depth > MAX_DEPTH) throw new ProtobufDecodeError("messages nested too deeply", path);
    const r = new WireReader(data);
    while (!r.done) {
      let fieldPath = path;
      try {
        const { field, wireType } = r.tag();
        const spec = schema.fields.get(field);
        if (!spec) {
          r.skip(wireType);
          continue;
        }
        fieldPath = spec.inline ? path : `${path}.${spec.name}`;
        if (spec.repeated && !spec.mapValue) {
          fieldPath += `[${(target[spec.name] as unknown[] | undefined)?.length ?? 0}]`;
        }
        this.readField(spec, wireType, r, target, fieldPath, depth);
      } catch (e) {
        if (e instanceof ProtobufDecodeError && !e.path) throw new ProtobufDecodeError(e.reason, fieldPath);
        throw e;
      }
    }
  }

  private readField(
    f: FieldSpec,
    wireType: number,
    r: WireReader,
    target: JsonObject,
    path: string,
    depth: number,
  ) {
    if (f.mapValue) {
      expectWire(WIRE_LENGTH_DELIMITED, wireType);
      const [key, value] = this.mapEntry(f.mapValue, r.bytes(), path, depth);
      target[f.name] ??= {};
      const map = target[f.name] as JsonObject;
      // defineProperty: a "__proto__" key must stay an ordinary entry.
      Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
      return;
    }
    const type = f.type;
    if ("message" in type) {
      expectWire(WIRE_LENGTH_DELIMITED, wireType);
      const data = r.bytes();
      if (f.inline) return this.decodeInto(this.schema(type.message), data, target, path, depth + 1);
      const existing = target[f.name];
      if (!f.repeated && isPlainObject(existing) && !converterFor(type.message)) {
        return this.decodeInto(this.schema(type.message), data, existing, path, depth + 1);
      }
      return this.assign(f, target, this.message(type.message, data, path, depth + 1));
    }
    if (f.repeated && wireType === WIRE_LENGTH_DELIMITED && WIRE_OF[type.scalar] !== WIRE_LENGTH_DELIMITED) {
      // Packed encoding: proto2 writers do not use it, but a proto3-minded writer may.
      const packed = new WireReader(r.bytes());
      while (!packed.done) this.assign(f, target, scalar(type.scalar, packed));
      return;
    }
    expectWire(WIRE_OF[type.scalar], wireType);
    const value = scalar(type.scalar, r);
    if (!f.repeated && !f.keep && isZero(value)) delete target[f.name];
    else this.assign(f, target, value);
  }

  private assign(f: FieldSpec, target: JsonObject, value: unknown): void {
    if (value === undefined) {
      if (!f.repeated) delete target[f.name]; // a later zero Time replaces an earlier one
      return;
    }
    if (!f.repeated) {
      target[f.name] = value;
      return;
    }
    target[f.name] ??= [];
    (target[f.name] as unknown[]).push(value);
  }

  /** A nested message as its JSON value (well-known types convert; undefined means omit). */
  private message(name: string, data: Uint8Array, path: string, depth: number): unknown {
    const decoded: JsonObject = {};
    this.decodeInto(this.schema(name), data, decoded, path, depth);
    const convert = converterFor(name);
    return convert ? convert(decoded) : decoded;
  }

  /** A map entry message {key = 1, value = 2}; a missing key or value is its zero value. */
  private mapEntry(valueType: TypeRef, data: Uint8Array, path: string, depth: number): [string, unknown] {
    const r = new WireReader(data);
    let key = "";
    let value: unknown;
    while (!r.done) {
      const { field, wireType } = r.tag();
      if (field === 1 && wireType === WIRE_LENGTH_DELIMITED) key = utf8(r.bytes());
      else if (field === 2 && "message" in valueType && wireType === WIRE_LENGTH_DELIMITED) {
        value = this.message(valueType.message, r.bytes(), `${path}[${JSON.stringify(key)}]`, depth + 1);
      } else if (field === 2 && "scalar" in valueType && wireType === WIRE_OF[valueType.scalar]) {
        value = scalar(valueType.scalar, r);
      } else if (field === 1 || field === 2) {
        throw new ProtobufDecodeError(`map entry field ${field} has unexpected ${wireTypeName(wireType)}`);
      } else r.skip(wireType);
    }
    if (value === undefined) {
      value =
        "message" in valueType ? this.message(valueType.message, new Uint8Array(0), path, depth + 1) : "";
    }
    // A map value is always written: a zero metav1.Time (which a struct field omits) is JSON null.
    return [key, value === undefined ? null : value];
  }
}

function expectWire(expected: number, actual: number): void {
  if (expected !== actual) {
    throw new ProtobufDecodeError(`expected ${wireTypeName(expected)}, got ${wireTypeName(actual)}`);
  }
}

function scalar(type: ScalarType, r: WireReader): unknown {
  switch (type) {
    case "string":
      return utf8(r.bytes());
    case "bytes":
      return view(r.bytes()).toString("base64"); // Go's encoding/json writes []byte as base64
    case "bool":
      return r.varint() !== 0n;
    case "int32":
      return Number(BigInt.asIntN(32, r.varint()));
    case "int64":
      return Number(BigInt.asIntN(64, r.varint()));
    case "double": {
      const b = r.fixed64();
      const value = new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
      // encoding/json refuses to write NaN and ±Inf ("json: unsupported value").
      if (!Number.isFinite(value)) throw new ProtobufDecodeError(`json: unsupported value: ${value}`);
      return value;
    }
  }
}

function view(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function utf8(b: Uint8Array): string {
  return view(b).toString("utf8");
}

function isZero(v: unknown): boolean {
  return v === "" || v === 0 || v === false;
}

function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
