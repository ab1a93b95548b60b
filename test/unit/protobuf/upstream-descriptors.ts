// Reads the protobuf schemas kubectl itself was compiled with: Go binaries built from gogo-generated
// code embed each generated.proto as a gzipped FileDescriptorProto. Used to check our hand-kept tables.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { WireReader } from "../../../src/server/http/protobuf/wire.ts";

export interface UpstreamField {
  name: string;
  number: number;
  repeated: boolean;
  /** descriptor.proto FieldDescriptorProto.Type, as its lower-case name ("string", "message", …). */
  type: string;
  /** Fully-qualified message name without the leading dot, for message fields. */
  typeName?: string;
}

export interface UpstreamMessage {
  fields: UpstreamField[];
  mapEntry: boolean;
}

const TYPES = [
  "",
  "double",
  "float",
  "int64",
  "uint64",
  "int32",
  "fixed64",
  "fixed32",
  "bool",
  "string",
  "group",
  "message",
  "bytes",
  "uint32",
  "enum",
  "sfixed32",
  "sfixed64",
  "sint32",
  "sint64",
];

const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0]);

function text(b: Uint8Array): string {
  return Buffer.from(b).toString("utf8");
}

function fieldOf(buf: Uint8Array): UpstreamField {
  const r = new WireReader(buf);
  const f: UpstreamField = { name: "", number: 0, repeated: false, type: "" };
  while (!r.done) {
    const { field, wireType } = r.tag();
    if (field === 1) f.name = text(r.bytes());
    else if (field === 3) f.number = Number(r.varint());
    else if (field === 4) f.repeated = r.varint() === 3n;
    else if (field === 5) f.type = TYPES[Number(r.varint())];
    else if (field === 6) f.typeName = text(r.bytes()).replace(/^\./, "");
    else r.skip(wireType);
  }
  return f;
}

function messagesOf(buf: Uint8Array, prefix: string, out: Map<string, UpstreamMessage>): void {
  const r = new WireReader(buf);
  let name = "";
  const fields: UpstreamField[] = [];
  const nested: Uint8Array[] = [];
  let mapEntry = false;
  while (!r.done) {
    const { field, wireType } = r.tag();
    if (field === 1) name = text(r.bytes());
    else if (field === 2) fields.push(fieldOf(r.bytes()));
    else if (field === 3) nested.push(r.bytes());
    else if (field === 7) {
      const o = new WireReader(r.bytes());
      while (!o.done) {
        const t = o.tag();
        if (t.field === 7) mapEntry = o.varint() === 1n;
        else o.skip(t.wireType);
      }
    } else r.skip(wireType);
  }
  const full = `${prefix}.${name}`;
  out.set(full, { fields, mapEntry });
  for (const n of nested) messagesOf(n, full, out);
}

function fileOf(buf: Uint8Array, out: Map<string, UpstreamMessage>): void {
  const r = new WireReader(buf);
  let pkg = "";
  const messages: Uint8Array[] = [];
  while (!r.done) {
    const { field, wireType } = r.tag();
    if (field === 2) pkg = text(r.bytes());
    else if (field === 4) messages.push(r.bytes());
    else r.skip(wireType);
  }
  for (const m of messages) messagesOf(m, pkg, out);
}

/** Every message of every k8s.io generated.proto embedded in the binary, by fully-qualified name. */
export function upstreamMessages(binaryPath: string): Map<string, UpstreamMessage> {
  const bin = readFileSync(binaryPath);
  const out = new Map<string, UpstreamMessage>();
  for (let at = bin.indexOf(GZIP_HEADER); at >= 0; at = bin.indexOf(GZIP_HEADER, at + 1)) {
    let file: Buffer;
    try {
      file = gunzipSync(bin.subarray(at, at + (1 << 20)), { finishFlush: 2 /* Z_SYNC_FLUSH */ });
    } catch {
      continue;
    }
    if (!file.subarray(0, 80).toString("latin1").includes("k8s.io/")) continue;
    if (!file.subarray(0, 200).toString("latin1").includes("generated.proto")) continue;
    try {
      fileOf(file, out);
    } catch {
      // Not a descriptor after all (or truncated): ignore.
    }
  }
  return out;
}
