// Minimal protobuf (proto3) wire-format writer: enough for the strings, bools, varints and nested
// messages of the gnostic OpenAPI v2 document. Default values are omitted, as proto3 does.
const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;

export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private length = 0;

  string(field: number, value: string | undefined): this {
    if (!value) return this;
    return this.bytes(field, Buffer.from(value, "utf8"));
  }

  strings(field: number, values: readonly string[] | undefined): this {
    for (const v of values ?? []) this.bytes(field, Buffer.from(v, "utf8"));
    return this;
  }

  bool(field: number, value: boolean | undefined): this {
    if (!value) return this;
    this.tag(field, WIRE_VARINT);
    this.varint(1);
    return this;
  }

  /** A nested message; skipped when `build` writes nothing and `always` is false. */
  message(field: number, build: (w: ProtoWriter) => void, always = false): this {
    const inner = new ProtoWriter();
    build(inner);
    if (inner.length === 0 && !always) return this;
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return Buffer.concat(this.chunks, this.length);
  }

  private bytes(field: number, data: Uint8Array): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(data.length);
    this.push(data);
    return this;
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  private varint(value: number): void {
    const out: number[] = [];
    let v = value;
    while (v > 0x7f) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    this.push(Uint8Array.from(out));
  }

  private push(data: Uint8Array): void {
    this.chunks.push(data);
    this.length += data.length;
  }
}
