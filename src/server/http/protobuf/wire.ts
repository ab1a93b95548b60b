// Generic protobuf wire-format reader: tags, varints, fixed 32/64-bit values and length-delimited
// slices, every read bounds-checked so malformed input throws ProtobufDecodeError, never a RangeError.
import { ProtobufDecodeError } from "./errors.ts";

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_FIXED32 = 5;

const WIRE_NAMES = ["varint", "64-bit", "length-delimited", "start-group", "end-group", "32-bit"];

export function wireTypeName(wireType: number): string {
  return WIRE_NAMES[wireType] ?? `invalid wire type ${wireType}`;
}

export interface Tag {
  field: number;
  wireType: number;
}

export class WireReader {
  private readonly buf: Uint8Array;
  private readonly end: number;
  private pos: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  tag(): Tag {
    const key = this.varint();
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (field === 0 || field > 0x1fffffff) throw new ProtobufDecodeError(`invalid field number ${field}`);
    if (wireType > WIRE_FIXED32 || wireType === 3 || wireType === 4) {
      throw new ProtobufDecodeError(`field ${field} has unsupported ${wireTypeName(wireType)}`);
    }
    return { field, wireType };
  }

  /** A raw (unsigned, up to 64-bit) varint; at most 10 bytes, as the spec allows. */
  varint(): bigint {
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufDecodeError("truncated varint");
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) return BigInt.asUintN(64, result);
    }
    throw new ProtobufDecodeError("varint longer than 10 bytes");
  }

  fixed32(): Uint8Array {
    return this.take(4, "truncated 32-bit value");
  }

  fixed64(): Uint8Array {
    return this.take(8, "truncated 64-bit value");
  }

  /** The bytes of a length-delimited field (a view, not a copy). */
  bytes(): Uint8Array {
    const length = this.varint();
    if (length > BigInt(this.end - this.pos)) {
      throw new ProtobufDecodeError(`length ${length} runs past the end of the data`);
    }
    return this.take(Number(length), "truncated length-delimited value");
  }

  /** Skips an unknown field's value. */
  skip(wireType: number): void {
    if (wireType === WIRE_VARINT) this.varint();
    else if (wireType === WIRE_FIXED64) this.fixed64();
    else if (wireType === WIRE_LENGTH_DELIMITED) this.bytes();
    else if (wireType === WIRE_FIXED32) this.fixed32();
    else throw new ProtobufDecodeError(`cannot skip ${wireTypeName(wireType)}`);
  }

  private take(n: number, message: string): Uint8Array {
    if (this.end - this.pos < n) throw new ProtobufDecodeError(message);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}
