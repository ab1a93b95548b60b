// The served resources, as data: the kind modules (kinds/index.ts). Discovery, routing, storage key
// spaces, field selectors, defaulting, validation, Table output and OpenAPI all derive from it.
import { KINDS } from "./kinds/index.ts";
import type { ResourceDef } from "./types.ts";

export const RESOURCES: ResourceDef[] = [...KINDS];

// kubectl lists CRDs before validating kinds without a PATCH operation; the local server serves the
// API read-only (empty) so that probe succeeds, and says clearly that it does not run custom resources.
RESOURCES.push({
  group: "apiextensions.k8s.io",
  version: "v1",
  resource: "customresourcedefinitions",
  singular: "customresourcedefinition",
  kind: "CustomResourceDefinition",
  listKind: "CustomResourceDefinitionList",
  namespaced: false,
  shortNames: ["crd", "crds"],
  verbs: ["get", "list", "watch"],
});
