// core/v1 bindings: create-only, POST /api/v1/namespaces/NS/bindings binds the Pod the body names, as
// pods/binding does (kubernetes pkg/registry/core/pod/storage/storage.go LegacyBindingREST over BindingREST).
// Virtual: nothing is stored; handlers/pods.ts createBinding answers both paths.
import type { ResourceDef } from "../../types.ts";
import { CREATE_ONLY } from "../verbs.ts";

export const binding: ResourceDef = {
  group: "",
  version: "v1",
  resource: "bindings",
  singular: "binding",
  kind: "Binding",
  listKind: "BindingList",
  namespaced: true,
  verbs: CREATE_ONLY,
  virtual: true,
};
