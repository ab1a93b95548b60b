// The shape of one generated package table (src/server/typeinfo/generated/<package>.ts, written by
// scripts/gen-typeinfo.ts from the upstream Go sources).

/** Patch and list facts of one struct field: its struct tags and +listType/+listMapKey/+mapType markers. */
export interface FieldFacts {
  patchStrategy?: string;
  patchMergeKey?: string;
  listType?: string;
  listMapKeys?: string[];
  mapType?: string;
  /** `+structType=atomic` on the field's type (metav1.LabelSelector, ObjectReference…): one leaf. */
  structType?: string;
}

export interface GeneratedPackage {
  /** Short name qualifying messages: "core" in "core.PodSpec". */
  package: string;
  /** The protobuf package ("k8s.io.api.core.v1"). */
  proto: string;
  /** The Go import path ("k8s.io/api/core/v1"). */
  go: string;
  /** For served API packages: the apiVersion its kinds are registered under ("apps/v1", "v1"). */
  groupVersion?: string;
  /** Messages that are kinds (runtime.Object), list kinds included. */
  kinds: string[];
  /** Messages whose JSON form is custom (MarshalJSON, or a Go non-struct type in a wrapper message). */
  customJson: string[];
  /** Of those, Go `[]string` types (ExtraValue) that protobuf wraps as {items}: JSON arrays of strings. */
  stringLists: string[];
  /** Messages whose Go struct embeds metav1.TypeMeta (JSON apiVersion and kind; not in protobuf). */
  typeMeta: string[];
  /** One line per message: "Name|<number>=<field spec>|…" (field specs: src/server/http/protobuf/schema.ts). */
  messages: string;
  /** One line per message with facts: "Name|<JSON: field name → FieldFacts>" (other fields have none). */
  fields: string;
}
