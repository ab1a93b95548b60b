// printers.go for deployments and replicasets.
import { labelSelectorFromObject, selectorToString } from "../../../meta/labels.ts";
import type { KubeObject, LabelSelector } from "../../../meta/types.ts";
import { asMap, asMaps, asNumber, asString } from "../json-access.ts";
import type { PrinterTable } from "../tables.ts";
import { AGE_COLUMN, column, NAME_COLUMN, wide } from "./columns.ts";
import { age, nameOf } from "./format.ts";

const WORKLOAD_WIDE = [
  wide("Containers", "string", "Names of each container in the template."),
  wide("Images", "string", "Images referenced by each container in the template."),
  wide(
    "Selector",
    "string",
    "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
  ),
];

/** Containers, images and selector cells shared by workload printers. */
function templateCells(obj: KubeObject): string[] {
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

export const APPS_PRINTERS: PrinterTable = {
  "apps/deployments": {
    columns: [
      NAME_COLUMN,
      column("Ready", "string", "Number of the pod with ready state"),
      column(
        "Up-to-date",
        "integer",
        "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
      ),
      column(
        "Available",
        "integer",
        "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
      ),
      AGE_COLUMN,
      ...WORKLOAD_WIDE,
    ],
    cells(d, now) {
      const spec = asMap(d.spec);
      const status = asMap(d.status);
      const desired = spec.replicas === undefined ? 1 : asNumber(spec.replicas);
      return [
        nameOf(d),
        `${asNumber(status.readyReplicas)}/${desired}`,
        asNumber(status.updatedReplicas),
        asNumber(status.availableReplicas),
        age(d, now),
        ...templateCells(d),
      ];
    },
  },
  "apps/replicasets": {
    columns: [
      NAME_COLUMN,
      column("Desired", "integer", "Replicas is the number of desired replicas."),
      column("Current", "integer", "Replicas is the most recently observed number of replicas."),
      column("Ready", "integer", "The number of ready replicas for this replica set."),
      AGE_COLUMN,
      ...WORKLOAD_WIDE,
    ],
    cells(rs, now) {
      const spec = asMap(rs.spec);
      const status = asMap(rs.status);
      return [
        nameOf(rs),
        spec.replicas === undefined ? 1 : asNumber(spec.replicas),
        asNumber(status.replicas),
        asNumber(status.readyReplicas),
        age(rs, now),
        ...templateCells(rs),
      ];
    },
  },
};
