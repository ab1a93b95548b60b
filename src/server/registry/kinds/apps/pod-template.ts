// What the apps/v1 workload kinds (StatefulSet, DaemonSet) share: their Pod template's defaults and the
// template/selector cells of their Table rows (printers.go layoutContainerCells, FormatLabelSelector).
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { labelSelectorFromObject, selectorToString } from "../../../../meta/labels.ts";
import type { KubeObject, LabelSelector, Mutable } from "../../../../meta/types.ts";
import { asMap, asMaps, asString, isMap } from "../../json-access.ts";
import { wide } from "../../printers/columns.ts";
import { defaultPod } from "../../strategies.ts";

/** The generated defaulters' pass over spec.template (SetDefaults_PodSpec and the containers'). */
export function defaultTemplate(spec: Record<string, unknown>): void {
  if (isMap(spec.template)) defaultPod(spec.template as Mutable<Pod>, false, true);
}

export const CONTAINERS_COLUMN = wide("Containers", "string", "Names of each container in the template.");
export const IMAGES_COLUMN = wide("Images", "string", "Images referenced by each container in the template.");

/** The Containers and Images cells of a workload's template. */
export function containerCells(obj: KubeObject): [string, string] {
  const containers = asMaps(asMap(asMap(asMap(obj.spec).template).spec).containers);
  return [
    containers.map((c) => asString(c.name)).join(","),
    containers.map((c) => asString(c.image)).join(","),
  ];
}

/** metav1.FormatLabelSelector: the selector's string form, "<none>" when it selects nothing. */
export function formatSelector(selector: unknown): string {
  const text = isMap(selector) ? selectorToString(labelSelectorFromObject(selector as LabelSelector)) : "";
  return text || "<none>";
}
