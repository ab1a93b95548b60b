// apps/v1 ControllerRevision: REST shape, ValidateControllerRevision(Update) (kubernetes
// pkg/apis/apps/validation/validation.go) and printControllerRevision (pkg/printers/internalversion/
// printers.go). No defaults and no status.
import type { KubeObject } from "../../../../meta/types.ts";
import { controllerOf } from "../../../controllers/owners.ts";
import { deepEqual } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { nonnegative } from "../../validation/apps.ts";
import { goSyntax, immutable, required } from "../../validation/field.ts";
import { CRUD } from "../verbs.ts";

export function validateControllerRevision(obj: KubeObject, old?: KubeObject): FieldCause[] {
  const errs: FieldCause[] = [];
  if (obj.data == null) errs.push(required("data", "data is mandatory"));
  errs.push(...nonnegative(obj.revision, "revision"));
  if (old && !deepEqual(obj.data ?? null, old.data ?? null))
    errs.push(immutable("data", goSyntax(rawExtensionSyntax(obj.data))));
  return errs;
}

/** %#v of the runtime.RawExtension upstream holds: the JSON bytes as a Go byte slice. */
function rawExtensionSyntax(data: unknown): string {
  const bytes = [...Buffer.from(JSON.stringify(data ?? null))].map((b) => `0x${b.toString(16)}`);
  return `runtime.RawExtension{Raw:[]uint8{${bytes.join(", ")}}, Object:runtime.Object(nil)}`;
}

/** formatResourceName(gvk.GroupKind(), name, true): "statefulset.apps/web". */
function controllerName(obj: KubeObject): string {
  const ref = controllerOf(obj);
  if (!ref) return "<none>";
  const group = ref.apiVersion.includes("/") ? ref.apiVersion.split("/")[0] : "";
  const kind = group ? `${ref.kind}.${group}` : ref.kind;
  return kind ? `${kind.toLowerCase()}/${ref.name}` : ref.name;
}

export const controllerRevision: ResourceDef = {
  group: "apps",
  version: "v1",
  resource: "controllerrevisions",
  singular: "controllerrevision",
  kind: "ControllerRevision",
  listKind: "ControllerRevisionList",
  namespaced: true,
  verbs: CRUD,
  validate: validateControllerRevision,
  printer: {
    columns: [
      NAME_COLUMN,
      column("Controller", "string", "Controller of the object"),
      column("Revision", "string", "revision indicates the revision of the state represented by Data."),
      AGE_COLUMN,
    ],
    cells: (obj, now) => [nameOf(obj), controllerName(obj), Number(obj.revision ?? 0), age(obj, now)],
  },
};
