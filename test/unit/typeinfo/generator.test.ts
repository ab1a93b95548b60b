// scripts/gen-typeinfo.ts's derivation rules on a small package written like k8s.io/api's: what
// becomes "keep", "inline", a kind, a custom JSON form, patch and list facts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { derivePackage, parsePackage } from "../../../scripts/gen-typeinfo.ts";

const PROTO = `
syntax = "proto2";
package k8s.io.api.example.v1;

// Widget is a kind.
message Widget {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional WidgetSpec spec = 2;
}

message WidgetSpec {
  optional int32 replicas = 1;
  optional int32 minReady = 2;
  optional string name = 3;
  repeated Part parts = 4;
  map<string, string> labels = 5;
  optional Ref ref = 6;
  optional double ratio = 7;
  repeated string finalizers = 8;
}

message Part {
  optional Ref ref = 1;
  optional string uid = 2;
}

message Ref {
  optional string target = 1;
}

message Extra {
  repeated string items = 1;
}
`;

const GO = `
package v1

const GroupName = "example.com"

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Widget is a kind; the marker block above is separated by a blank line, as upstream writes it.
type Widget struct {
	metav1.TypeMeta \`json:",inline"\`
	metav1.ObjectMeta \`json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"\`
	Spec WidgetSpec \`json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"\`
}

type WidgetSpec struct {
	Replicas *int32 \`json:"replicas,omitempty" protobuf:"varint,1,opt,name=replicas"\`
	MinReady int32 \`json:"minReadySeconds,omitempty" protobuf:"varint,2,opt,name=minReady"\`
	Name string \`json:"name" protobuf:"bytes,3,opt,name=name"\`
	// +listType=map
	// +listMapKey=uid
	// +patchStrategy=merge
	Parts []Part \`json:"parts,omitempty" patchStrategy:"merge,retainKeys" patchMergeKey:"uid" protobuf:"bytes,4,rep,name=parts"\`
	// +mapType=atomic
	Labels map[string]string \`json:"labels,omitempty" protobuf:"bytes,5,rep,name=labels"\`
	Ref \`json:",inline" protobuf:"bytes,6,opt,name=ref"\`
	Ratio *float64 \`json:"ratio,omitempty" protobuf:"bytes,7,opt,name=ratio"\`
	// +listType=set
	Finalizers []string \`json:"finalizers,omitempty" patchStrategy:"merge" protobuf:"bytes,8,rep,name=finalizers"\`
}

type Part struct {
	Ref *Ref \`json:"ref,omitempty" protobuf:"bytes,1,opt,name=ref"\`
	UID types.UID \`json:"uid" protobuf:"bytes,2,opt,name=uid,casttype=k8s.io/apimachinery/pkg/types.UID"\`
}

type Ref struct {
	Target string \`json:"target,omitempty" protobuf:"bytes,1,opt,name=target"\`
}

func (r Ref) String() string { return r.Target }

// Extra is a list of strings.
type Extra []string
`;

const parsed = parsePackage(PROTO, [GO]);
const out = derivePackage(
  { short: "example", go: "k8s.io/api/example/v1", version: "v1" },
  parsed,
  new Map([
    ["k8s.io.api.example.v1", "example"],
    ["k8s.io.apimachinery.pkg.apis.meta.v1", "meta"],
  ]),
);

test("field specs: JSON names, keep for pointers and fields without omitempty, inline members", () => {
  assert.equal(parsed.group, "example.com");
  assert.deepEqual(out.messages.WidgetSpec, {
    1: "replicas int32 keep", // *int32: nil is the only absent value
    2: "minReadySeconds int32 proto=minReady", // value field with omitempty: zero dropped
    3: "name string keep", // no omitempty: "" is written
    4: "parts Part[]",
    5: "labels map<string,string>",
    6: "ref Ref inline",
    7: "ratio double keep",
    8: "finalizers string[]",
  });
  assert.deepEqual(out.messages.Part, { 1: "ref Ref", 2: "uid string keep" });
  assert.deepEqual(out.messages.Widget, { 1: "metadata meta.ObjectMeta", 2: "spec WidgetSpec" });
});

test("kinds, TypeMeta, custom JSON forms and string lists", () => {
  assert.deepEqual(out.kinds, ["Widget"]);
  assert.deepEqual(out.typeMeta, ["Widget"]);
  assert.deepEqual(out.customJson, ["Extra"]);
  assert.deepEqual(out.stringLists, ["Extra"]);
  assert.deepEqual(out.messages.Extra, { 1: "items string[]" });
});

test("patch tags and list/map markers (tags win over the marker comments)", () => {
  assert.deepEqual(out.fields.WidgetSpec, {
    parts: { patchStrategy: "merge,retainKeys", patchMergeKey: "uid", listType: "map", listMapKeys: ["uid"] },
    labels: { mapType: "atomic" },
    finalizers: { patchStrategy: "merge", listType: "set" },
  });
  assert.equal(out.fields.Part, undefined);
});

test("a reference to a package the generator does not read is an error, not a guess", () => {
  const foreign = parsePackage(
    `package k8s.io.api.example.v1;\nmessage A {\n  optional .k8s.io.other.v1.B b = 1;\n}\n`,
    ['type A struct {\n\tB other.B `json:"b" protobuf:"bytes,1,opt,name=b"`\n}\n'],
  );
  assert.throws(
    () => derivePackage({ short: "example", go: "k8s.io/api/example/v1" }, foreign, new Map()),
    /message \.k8s\.io\.other\.v1\.B is in a package not listed in SOURCES/,
  );
});
