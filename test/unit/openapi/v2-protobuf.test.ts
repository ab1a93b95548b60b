import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ProtoWriter } from "../../../src/server/http/openapi/protobuf-writer.ts";
import { openapiV2, openapiV2Protobuf } from "../../../src/server/http/openapi.ts";
import { fixtureDefs, type Json } from "./fixtures.ts";

/** Field number → values (varints as numbers, length-delimited as bytes), in wire order. */
type Fields = Map<number, (number | Uint8Array)[]>;

function decode(buf: Uint8Array): Fields {
  const fields: Fields = new Map();
  let pos = 0;
  const varint = () => {
    let result = 0;
    let shift = 1;
    for (;;) {
      const b = buf[pos++];
      result += (b & 0x7f) * shift;
      if (b < 0x80) return result;
      shift *= 0x80;
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    let value: number | Uint8Array;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const len = varint();
      value = buf.subarray(pos, pos + len);
      pos += len;
    } else throw new Error(`unexpected wire type ${wire}`);
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

const text = (v: number | Uint8Array | undefined) => Buffer.from(v as Uint8Array).toString("utf8");
const msgs = (f: Fields, n: number) => (f.get(n) ?? []).map((v) => decode(v as Uint8Array));
const msg = (f: Fields, n: number) => msgs(f, n)[0];
const str = (f: Fields, n: number) => text(f.get(n)?.[0]);
const strs = (f: Fields, n: number) => (f.get(n) ?? []).map(text);

/** Repeated Named* pairs (name = 1, value = 2) as a map of decoded values. */
function named(entries: Fields[]): Map<string, Fields> {
  return new Map(entries.map((e) => [str(e, 1), msg(e, 2) ?? new Map()]));
}

/** vendor_extension NamedAny list → name → value parsed from the Any's yaml (JSON here). */
function extensions(entries: Fields[]): Record<string, unknown> {
  return Object.fromEntries(entries.map((e) => [str(e, 1), JSON.parse(str(msg(e, 2), 2))]));
}

const defs = fixtureDefs();
const doc = decode(openapiV2Protobuf(defs));

describe("OpenAPI v2 protobuf encoding (gnostic openapi.v2.Document)", () => {
  it("writes varints and nested messages in protobuf wire format", () => {
    const bytes = new ProtoWriter()
      .string(1, "hi")
      .bool(2, true)
      .message(3, (m) => m.string(1, "x"))
      .finish();
    assert.deepEqual([...bytes], [0x0a, 2, 0x68, 0x69, 0x10, 1, 0x1a, 3, 0x0a, 1, 0x78]);
    const long = new ProtoWriter().string(1, "a".repeat(300)).finish();
    assert.deepEqual([...long.subarray(0, 3)], [0x0a, 0xac, 0x02]);
    assert.equal(new ProtoWriter().string(1, "").bool(2, false).finish().length, 0);
  });

  it("carries the swagger version, info and every path and definition of the JSON document", () => {
    const swagger = openapiV2(defs) as Json;
    assert.equal(str(doc, 1), "2.0");
    assert.equal(str(msg(doc, 2), 1), "Kubernetes");
    const paths = named(msgs(msg(doc, 8), 2));
    assert.deepEqual([...paths.keys()], Object.keys(swagger.paths as Json));
    const definitions = named(msgs(msg(doc, 9), 1));
    assert.deepEqual([...definitions.keys()], Object.keys(swagger.definitions as Json));
  });

  it("encodes a kind's schema: description, required, properties, refs and the GVK extension", () => {
    const pod = named(msgs(msg(doc, 9), 1)).get("io.k8s.api.core.v1.Pod")!;
    assert.match(str(pod, 4), /^Pod is a collection of containers/);
    assert.deepEqual(strs(msg(pod, 22), 1), ["object"]);
    const properties = named(msgs(msg(pod, 25), 1));
    assert.deepEqual([...properties.keys()], ["apiVersion", "kind", "metadata", "spec", "status"]);
    assert.equal(str(properties.get("spec")!, 1), "#/definitions/io.k8s.api.core.v1.PodSpec");
    assert.deepEqual(extensions(msgs(pod, 31))["x-kubernetes-group-version-kind"], [
      { group: "", kind: "Pod", version: "v1" },
    ]);
    const spec = named(msgs(msg(named(msgs(msg(doc, 9), 1)).get("io.k8s.api.core.v1.PodSpec")!, 25), 1));
    const containers = spec.get("containers")!;
    assert.deepEqual(strs(msg(containers, 22), 1), ["array"]);
    assert.equal(str(msg(msg(containers, 23), 1), 1), "#/definitions/io.k8s.api.core.v1.Container");
    assert.equal(extensions(msgs(containers, 31))["x-kubernetes-patch-merge-key"], "name");
    assert.ok(
      strs(named(msgs(msg(doc, 9), 1)).get("io.k8s.api.core.v1.PodSpec")!, 19).includes("containers"),
    );
  });

  it("encodes maps as additionalProperties and keeps empty schemas present", () => {
    const definitions = named(msgs(msg(doc, 9), 1));
    const labels = named(
      msgs(msg(definitions.get("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")!, 25), 1),
    ).get("labels")!;
    assert.deepEqual(strs(msg(msg(msg(labels, 21), 1), 22), 1), ["string"]);
    assert.ok(definitions.has("io.k8s.apimachinery.pkg.runtime.RawExtension"));
  });

  it("encodes the PATCH operation kubectl probes: consumes, GVK and inline query parameters", () => {
    const item = named(msgs(msg(doc, 8), 2)).get("/api/v1/namespaces/{namespace}/pods/{name}")!;
    const patch = msg(item, 8);
    assert.equal(str(patch, 5), "patchCoreV1NamespacedPod");
    assert.ok(strs(patch, 7).includes("application/strategic-merge-patch+json"));
    assert.deepEqual(extensions(msgs(patch, 13))["x-kubernetes-group-version-kind"], {
      group: "",
      kind: "Pod",
      version: "v1",
    });
    // ParametersItem.parameter(1) → Parameter.non_body_parameter(2) → query_parameter_sub_schema(3), name = 4
    const queryNames = msgs(patch, 8)
      .map((p) => msg(msg(p, 1), 2))
      .filter((nb) => nb?.has(3))
      .map((nb) => str(msg(nb, 3), 4));
    assert.deepEqual(queryNames, ["dryRun", "fieldManager", "fieldValidation", "force"]);
    // The body parameter: Parameter.body_parameter(1) → name = 2, in = 3, schema = 5
    const body = msg(msg(msgs(patch, 8)[0], 1), 1);
    assert.deepEqual([str(body, 2), str(body, 3)], ["body", "body"]);
    // Path-level parameters: PathParameterSubSchema(4) with required = 1, name = 4
    const pathParams = msgs(item, 9).map((p) => msg(msg(p, 1), 2));
    const name = msg(pathParams[0], 4);
    assert.deepEqual([str(name, 4), name.get(1)?.[0]], ["name", 1]);
  });

  it("encodes responses with their schema", () => {
    const item = named(msgs(msg(doc, 8), 2)).get("/api/v1/namespaces/{namespace}/pods")!;
    const responses = named(msgs(msg(msg(item, 2), 9), 1));
    const ok = msg(responses.get("200")!, 1);
    assert.equal(str(ok, 1), "OK");
    assert.equal(str(msg(msg(ok, 2), 1), 1), "#/definitions/io.k8s.api.core.v1.PodList");
  });
});
