// node.k8s.io/v1 RuntimeClass: validation (ValidateRuntimeClass/Update, pkg/apis/node/validation/validation.go)
// and Table columns (printRuntimeClass, pkg/printers/internalversion/printers.go).
import { isDNS1123Label, isQualifiedName, isValidLabelValue } from "../../../../meta/names.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asMaps, asString, isMap } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { child, immutable, index, invalid, key } from "../../validation/field.ts";
import { CRUD } from "../verbs.ts";

// printers.go cites metav1.ObjectMeta{}.SwaggerDoc()["handler"], which does not exist: the column has no description.
const HANDLER_DOC = "";

export function validateRuntimeClass(rc: KubeObject, old?: KubeObject): FieldCause[] {
  const o = rc as Record<string, unknown>;
  const handler = asString(o.handler);
  if (old) {
    const before = asString((old as Record<string, unknown>).handler);
    return handler === before ? [] : [immutable("handler", handler)];
  }
  const errs = isDNS1123Label(handler).map((msg) => invalid("handler", handler, msg));
  if (isMap(o.scheduling)) {
    const scheduling = o.scheduling;
    for (const [k, v] of Object.entries(asMap(scheduling.nodeSelector))) {
      const path = key("scheduling.nodeSelector", k);
      for (const msg of isQualifiedName(k)) errs.push(invalid(path, k, msg));
      for (const msg of isValidLabelValue(asString(v))) errs.push(invalid(path, asString(v), msg));
    }
    asMaps(scheduling.tolerations).forEach((t, i) => {
      const k = asString(t.key);
      if (k)
        for (const msg of isQualifiedName(k))
          errs.push(invalid(child(index("scheduling.tolerations", i), "key"), k, msg));
    });
  }
  return errs;
}

export const runtimeClass: ResourceDef = {
  group: "node.k8s.io",
  version: "v1",
  resource: "runtimeclasses",
  singular: "runtimeclass",
  kind: "RuntimeClass",
  listKind: "RuntimeClassList",
  namespaced: false,
  verbs: CRUD,
  validate: validateRuntimeClass,
  printer: {
    columns: [NAME_COLUMN, column("Handler", "string", HANDLER_DOC), AGE_COLUMN],
    cells: (obj, now) => [nameOf(obj), asString((obj as Record<string, unknown>).handler), age(obj, now)],
  },
};
