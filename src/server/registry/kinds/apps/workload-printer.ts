// The wide columns printers.go gives every workload (Containers, Images, Selector), shared by the apps kinds.
import { labelSelectorFromObject, selectorToString } from "../../../../meta/labels.ts";
import type { KubeObject, LabelSelector } from "../../../../meta/types.ts";
import { asMap, asMaps, asString } from "../../json-access.ts";
import { wide } from "../../printers/columns.ts";

export const WORKLOAD_WIDE = [
  wide("Containers", "string", "Names of each container in the template."),
  wide("Images", "string", "Images referenced by each container in the template."),
  wide(
    "Selector",
    "string",
    "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
  ),
];

/** Containers, images and selector cells shared by workload printers. */
export function templateCells(obj: KubeObject): string[] {
  const spec = asMap(obj.spec);
  const containers = asMaps(asMap(asMap(spec.template).spec).containers);
  const selector = spec.selector
    ? selectorToString(labelSelectorFromObject(spec.selector as LabelSelector))
    : "<none>";
  return [
    containers.map((c) => asString(c.name)).join(","),
    containers.map((c) => asString(c.image)).join(","),
    selector,
  ];
}
