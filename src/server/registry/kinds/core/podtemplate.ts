// core/v1 PodTemplate: REST shape, defaults (the template's SetDefaults_PodSpec, pkg/apis/core/v1/defaults.go),
// validation (ValidatePodTemplate, kubernetes pkg/apis/core/validation/validation.go) and Table columns
// (printPodTemplate, pkg/printers/internalversion/printers.go).
import type { PodTemplateSpec } from "kubernetes-types/core/v1.d.ts";
import type { KubeObject, Mutable } from "../../../../meta/types.ts";
import { asMap, asMaps, asString } from "../../json-access.ts";
import { dropDisabledTemplateFields } from "../../pod-disabled-fields.ts";
import { column, NAME_COLUMN } from "../../printers/columns.ts";
import { formatLabels, nameOf } from "../../printers/format.ts";
import type { ResourceDef } from "../../types.ts";
import { validatePodTemplateSpec } from "../../validation/apps.ts";
import { CRUD } from "../verbs.ts";
import { defaultPodTemplate } from "./pod.ts";

/** layoutContainerCells: container names and images, each joined with ",". */
export function containerCells(containers: unknown): [string, string] {
  const list = asMaps(containers);
  return [list.map((c) => asString(c.name)).join(","), list.map((c) => asString(c.image)).join(",")];
}

/** SetDefaults_PodSpec and the container defaults of a pod template (no Pod-only defaults). */
export function defaultTemplate(template: unknown): void {
  if (template && typeof template === "object") defaultPodTemplate(template as Mutable<PodTemplateSpec>);
}

export function validatePodTemplate(obj: KubeObject): ReturnType<typeof validatePodTemplateSpec> {
  return validatePodTemplateSpec(asMap(obj.template), "template");
}

export const podTemplate: ResourceDef = {
  group: "",
  version: "v1",
  resource: "podtemplates",
  singular: "podtemplate",
  kind: "PodTemplate",
  listKind: "PodTemplateList",
  namespaced: true,
  verbs: CRUD,
  defaults: (obj) => defaultTemplate(obj.template),
  prepare: (o, old) => dropDisabledTemplateFields(o, old, ["template"]),
  validate: validatePodTemplate,
  printer: {
    columns: [
      NAME_COLUMN,
      column("Containers", "string", "Names of each container in the template."),
      column("Images", "string", "Images referenced by each container in the template."),
      column("Pod Labels", "string", "The labels for the pod template."),
    ],
    cells(obj) {
      const template = asMap(obj.template);
      const [names, images] = containerCells(asMap(template.spec).containers);
      return [nameOf(obj), names, images, formatLabels(asMap(template.metadata).labels)];
    },
  },
};
