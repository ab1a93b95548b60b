// The generated schema tables (scripts/gen-typeinfo.ts) against the schemas kubectl was compiled with (its binary embeds every
// generated.proto as a descriptor): same field numbers, names, types and cardinality, no field missing.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { TYPE_META_FIELDS, UNKNOWN_FIELDS } from "../../../src/server/http/protobuf/envelope.ts";
import type { FieldSpec, TypeRef } from "../../../src/server/http/protobuf/schema.ts";
import { messageSchemas, PACKAGES } from "../../../src/server/typeinfo/index.ts";
import { type UpstreamMessage, upstreamMessages } from "./upstream-descriptors.ts";

// The newest kubectl: a superset of what every older one sends.
const KUBECTL = "/usr/lib/google-cloud-sdk/bin/kubectl.1.33";
// kubectl 1.27–1.33 ship with every machine of this kind; a missing binary is a failure, not a skip.
assert.ok(
  existsSync(KUBECTL),
  `${KUBECTL} is required: the schema tables are checked against its embedded descriptors`,
);
const upstream = upstreamMessages(KUBECTL);

const PROTO_PACKAGE = new Map(PACKAGES.map((p) => [p.package, p.proto]));
const SCHEMAS = messageSchemas();

function upstreamName(qualified: string): string {
  const [pkg, message] = qualified.split(".");
  return `${PROTO_PACKAGE.get(pkg)}.${message}`;
}

function describe(ref: TypeRef): string {
  return "scalar" in ref ? ref.scalar : upstreamName(ref.message);
}

function ours(f: FieldSpec): string {
  const type = f.mapValue ? `map<string,${describe(f.mapValue)}>` : describe(f.type);
  return `${f.repeated && !f.mapValue ? "repeated " : ""}${type}`;
}

function theirs(f: UpstreamMessage["fields"][number], all: Map<string, UpstreamMessage>): string {
  if (f.type !== "message") return `${f.repeated ? "repeated " : ""}${f.type}`;
  const entry = all.get(f.typeName!);
  if (entry?.mapEntry) {
    const [key, value] = entry.fields;
    return `map<${key.type},${value.type === "message" ? value.typeName : value.type}>`;
  }
  return `${f.repeated ? "repeated " : ""}${f.typeName}`;
}

test("every table matches kubectl's embedded generated.proto descriptors", () => {
  assert.ok(upstream.size > 500, "found kubectl's descriptors");
  // kubectl does not link every package (apiextensions, kube-aggregator, certificates/v1): those are
  // checked by the generator's own join of generated.proto and the Go struct tags.
  const embedded = new Set([...upstream.keys()].map((name) => name.slice(0, name.lastIndexOf("."))));
  let compared = 0;
  for (const schema of SCHEMAS.values()) {
    if (!embedded.has(PROTO_PACKAGE.get(schema.name.split(".")[0])!)) continue;
    compared++;
    const message = upstream.get(upstreamName(schema.name));
    assert.ok(message, `${schema.name} exists upstream`);
    const expected = message.fields
      .map((f) => `${f.number} ${f.name.toLowerCase()} ${theirs(f, upstream)}`)
      .sort();
    const actual = [...schema.fields.values()]
      .map((f) => `${f.number} ${(f.protoName ?? f.name).toLowerCase()} ${ours(f)}`)
      .sort();
    assert.deepEqual(actual, expected, schema.name);
  }
  assert.ok(compared > 450, `compared ${compared} messages`);
});

test("the envelope's field numbers match runtime.Unknown and runtime.TypeMeta", () => {
  const numbers = (name: string) =>
    Object.fromEntries(
      upstream.get(`k8s.io.apimachinery.pkg.runtime.${name}`)!.fields.map((f) => [f.name, f.number]),
    );
  assert.deepEqual(numbers("Unknown"), UNKNOWN_FIELDS);
  assert.deepEqual(numbers("TypeMeta"), TYPE_META_FIELDS);
});
