// A tiny protobuf writer for building inputs the captured fixtures cannot: malformed data, fields
// kubectl never sends (timestamps, managedFields), and encodings other writers may choose.
export type Part = Uint8Array | number[];

export function varint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

export function concat(...parts: Part[]): Uint8Array {
  return Buffer.concat(parts.map((p) => Uint8Array.from(p)));
}

export const tag = (field: number, wireType: number): number[] => varint(field * 8 + wireType);

/** A varint field. */
export const num = (field: number, value: number | bigint): Uint8Array =>
  concat(tag(field, 0), varint(value));

/** A length-delimited field: bytes, a string or a nested message. */
export function len(field: number, ...content: (Part | string)[]): Uint8Array {
  const data = concat(...content.map((c) => (typeof c === "string" ? Buffer.from(c) : c)));
  return concat(tag(field, 2), varint(data.length), data);
}

/** A full request body: magic, then runtime.Unknown{typeMeta, raw}. */
export function envelope(apiVersion: string, kind: string, raw: Part): Uint8Array {
  return concat([0x6b, 0x38, 0x73, 0x00], len(1, len(1, apiVersion), len(2, kind)), len(2, raw));
}
