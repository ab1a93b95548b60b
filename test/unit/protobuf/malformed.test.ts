// Malformed or unsupported bodies throw ProtobufDecodeError saying what is wrong and where.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeKubernetesProtobuf, ProtobufDecodeError } from "../../../src/server/http/protobuf/index.ts";
import { concat, envelope, len, num, tag, varint } from "./encode.ts";

function rejects(body: Uint8Array, message: RegExp): void {
  assert.throws(
    () => decodeKubernetesProtobuf(Buffer.from(body)),
    (e: unknown) => e instanceof ProtobufDecodeError && message.test(e.message),
  );
}

const namespace = (raw: Uint8Array | number[]) => envelope("v1", "Namespace", raw);

test("a body without the k8s magic", () => {
  rejects(Buffer.from('{"kind":"Namespace"}'), /does not start with the magic "k8s\\0"/);
  rejects(new Uint8Array(0), /does not start with the magic/);
  rejects(Uint8Array.from([0x6b, 0x38, 0x73]), /does not start with the magic/);
});

test("a truncated varint names the field it was reading", () => {
  rejects(namespace(len(1, [0x38, 0x80])), /^Namespace\.metadata\.generation: truncated varint$/);
  rejects(namespace([0x08 | 0x80]), /^Namespace: truncated varint$/); // a truncated tag
});

test("a varint longer than ten bytes", () => {
  rejects(
    namespace(len(1, [0x38, ...Array(10).fill(0xff), 0x01])),
    /generation: varint longer than 10 bytes/,
  );
});

test("a field with the wrong wire type", () => {
  rejects(namespace(num(1, 5)), /^Namespace\.metadata: expected length-delimited, got varint$/);
  rejects(
    namespace(len(1, len(7, "1"))),
    /^Namespace\.metadata\.generation: expected varint, got length-delimited$/,
  );
  rejects(
    envelope("v1", "ConfigMap", len(2, num(1, 3))),
    /^ConfigMap\.data: map entry field 1 has unexpected varint$/,
  );
});

test("a length running past the end of the data", () => {
  rejects(
    namespace(concat(tag(1, 2), varint(100), [1, 2])),
    /Namespace\.metadata: length 100 runs past the end/,
  );
  rejects(namespace(concat(tag(99, 2), varint(2 ** 40))), /^Namespace: length 1099511627776 runs past/);
});

test("groups, invalid wire types and field number 0 are rejected", () => {
  rejects(namespace(tag(5, 3)), /field 5 has unsupported start-group/);
  rejects(namespace(tag(5, 7)), /field 5 has unsupported invalid wire type 7/);
  rejects(namespace([0x02, 0x00]), /invalid field number 0/);
  rejects(namespace(concat(tag(9, 1), [1, 2, 3])), /^Namespace: truncated 64-bit value$/);
  rejects(namespace(concat(tag(9, 5), [1, 2, 3])), /^Namespace: truncated 32-bit value$/);
});

test("an unknown kind, or an envelope without one", () => {
  rejects(
    envelope("example.com/v1", "Widget", []),
    /no protobuf schema for kind "Widget" of apiVersion "example.com\/v1"/,
  );
  rejects(envelope("batch/v2", "Job", []), /no protobuf schema for kind "Job" of apiVersion "batch\/v2"/);
  rejects(envelope("v1", "Pods", []), /no protobuf schema for kind "Pods" of apiVersion "v1"/);
  rejects(envelope("v1", "__proto__", []), /no protobuf schema for kind "__proto__"/);
  rejects(concat([0x6b, 0x38, 0x73, 0x00], len(2, [])), /does not name the object's apiVersion and kind/);
  rejects(
    concat([0x6b, 0x38, 0x73, 0x00], num(1, 1)),
    /envelope field 1: expected length-delimited, got varint/,
  );
});

test("an envelope with a content encoding or a foreign content type", () => {
  const base = envelope("v1", "Namespace", []);
  rejects(concat(base, len(3, "gzip")), /contentEncoding "gzip" is not supported/);
  rejects(concat(base, len(4, "application/json")), /contentType "application\/json" is not supported/);
  assert.deepEqual(
    decodeKubernetesProtobuf(Buffer.from(concat(base, len(4, "application/vnd.kubernetes.protobuf")))),
    {
      apiVersion: "v1",
      kind: "Namespace",
    },
  );
});

test("values Go could not write as JSON", () => {
  const port = (intOrString: Uint8Array) => envelope("v1", "Service", len(2, len(1, len(4, intOrString))));
  rejects(port(num(1, 7)), /^Service\.spec\.ports\[0\]\.targetPort: IntOrString has unknown type 7$/);
  const created = (seconds: number) => namespace(len(1, len(8, num(1, seconds))));
  rejects(
    created(300_000_000_000),
    /creationTimestamp: timestamp of 300000000000 seconds is outside years 0-9999/,
  );
  rejects(created(-62_200_000_000), /outside years 0-9999/);
  const managed = (raw: string) => namespace(len(1, len(17, len(7, len(1, raw)))));
  rejects(
    managed("{not json"),
    /^Namespace\.metadata\.managedFields\[0\]\.fieldsV1: fieldsV1 is not valid JSON$/,
  );
});
