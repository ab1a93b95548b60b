// The Kubernetes protobuf envelope: the 4-byte magic "k8s\0", then a runtime.Unknown message
// (k8s.io/apimachinery pkg/runtime generated.proto) whose `raw` holds the object's own message.
import { ProtobufDecodeError } from "./errors.ts";
import { WIRE_LENGTH_DELIMITED, WireReader, wireTypeName } from "./wire.ts";

export const MAGIC = Uint8Array.from([0x6b, 0x38, 0x73, 0x00]);

/** runtime.Unknown and runtime.TypeMeta field numbers. */
export const UNKNOWN_FIELDS = { typeMeta: 1, raw: 2, contentEncoding: 3, contentType: 4 } as const;
export const TYPE_META_FIELDS = { apiVersion: 1, kind: 2 } as const;

export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

export function hasMagic(body: Uint8Array): boolean {
  return body.length >= MAGIC.length && MAGIC.every((b, i) => body[i] === b);
}

/** Reads the length-delimited fields of a message whose every known field is length-delimited. */
function readFields(data: Uint8Array, known: readonly number[], what: string): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  const r = new WireReader(data);
  while (!r.done) {
    const { field, wireType } = r.tag();
    if (!known.includes(field)) r.skip(wireType);
    else if (wireType !== WIRE_LENGTH_DELIMITED) {
      throw new ProtobufDecodeError(
        `${what} field ${field}: expected length-delimited, got ${wireTypeName(wireType)}`,
      );
    } else out.set(field, r.bytes());
  }
  return out;
}

const text = (b: Uint8Array | undefined): string => (b ? Buffer.from(b).toString("utf8") : "");

export function readEnvelope(body: Uint8Array): Envelope {
  if (!hasMagic(body)) {
    throw new ProtobufDecodeError(
      'not a Kubernetes protobuf body: it does not start with the magic "k8s\\0"',
    );
  }
  const unknown = readFields(body.subarray(MAGIC.length), Object.values(UNKNOWN_FIELDS), "envelope");
  const typeMeta = readFields(
    unknown.get(UNKNOWN_FIELDS.typeMeta) ?? new Uint8Array(0),
    Object.values(TYPE_META_FIELDS),
    "envelope typeMeta",
  );
  return {
    apiVersion: text(typeMeta.get(TYPE_META_FIELDS.apiVersion)),
    kind: text(typeMeta.get(TYPE_META_FIELDS.kind)),
    raw: unknown.get(UNKNOWN_FIELDS.raw) ?? new Uint8Array(0),
    contentEncoding: text(unknown.get(UNKNOWN_FIELDS.contentEncoding)),
    contentType: text(unknown.get(UNKNOWN_FIELDS.contentType)),
  };
}
