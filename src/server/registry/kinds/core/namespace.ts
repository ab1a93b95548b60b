// core/v1 Namespace: SetDefaults_Namespace + the strategy's PrepareForCreate (phase Active, the
// kubernetes finalizer; pkg/registry/core/namespace/strategy.go), ValidateNamespace, printNamespace.

import type { Namespace } from "kubernetes-types/core/v1.d.ts";
import type { Mutable } from "../../../../meta/types.ts";
import { asMap, asString } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { ResourceDef } from "../../types.ts";
import { validateNamespace, validateNamespaceStatus } from "../../validation/core.ts";
import { fields } from "../fields.ts";
import { GET_PATCH_UPDATE } from "../verbs.ts";

function defaultNamespace(ns: Mutable<Namespace>): void {
  ns.metadata ??= {};
  const meta = ns.metadata;
  meta.labels = { ...meta.labels, "kubernetes.io/metadata.name": meta.name ?? "" };
  ns.spec ??= {};
  ns.spec.finalizers ??= ["kubernetes"];
}

export const namespace: ResourceDef = {
  group: "",
  version: "v1",
  resource: "namespaces",
  singular: "namespace",
  kind: "Namespace",
  listKind: "NamespaceList",
  namespaced: false,
  shortNames: ["ns"],
  verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
  subresources: [
    { name: "status", kind: "Namespace", verbs: GET_PATCH_UPDATE },
    { name: "finalize", kind: "Namespace", verbs: ["update"] },
  ],
  selectableFields: fields("status.phase"),
  generation: false, // namespace strategy.go never sets it
  returnsDeletedObject: true,
  defaults: (o) => defaultNamespace(o as Mutable<Namespace>),
  statusKeepsMetadata: [], // namespaceStatusStrategy keeps spec only
  prepare(o, old) {
    if (!old) (o as Mutable<Namespace>).status = { phase: "Active" };
  },
  validate: (o, old, subresource) =>
    subresource === "status" ? validateNamespaceStatus(o) : validateNamespace(o, old),
  printer: {
    columns: [NAME_COLUMN, column("Status", "string", "The status of the namespace"), AGE_COLUMN],
    cells: (ns, now) => [nameOf(ns), asString(asMap(ns.status).phase), age(ns, now)],
  },
};
