// storage.k8s.io/v1 CSIStorageCapacity: validation (ValidateCSIStorageCapacity/Update, kubernetes
// pkg/apis/storage/validation/validation.go: the GetCapacity inputs nodeTopology and storageClassName are
// immutable) and Table columns (printCSIStorageCapacity, pkg/printers/internalversion/printers.go).
import { isDNS1123Subdomain } from "../../../../meta/names.ts";
import { canonicalQuantity, quantityError } from "../../../../meta/quantity.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import { asString, deepEqual, isMap } from "../../json-access.ts";
import { column, NAME_COLUMN } from "../../printers/columns.ts";
import { nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { labelSelectorSyntax, validateLabelSelector } from "../../validation/apps.ts";
import { goSyntax, immutable, invalid } from "../../validation/field.ts";
import { quantityErrors } from "../core/persistent-volumes.ts";
import { CRUD } from "../verbs.ts";

// storagev1.CSIStorageCapacity{}.SwaggerDoc() as of Kubernetes 1.33.
const DOCS = {
  storageClassName:
    "storageClassName represents the name of the StorageClass that the reported capacity applies to. It must meet the same requirements as the name of a StorageClass object (non-empty, DNS subdomain). If that object no longer exists, the CSIStorageCapacity object is obsolete and should be removed by its creator. This field is immutable.",
  capacity:
    "capacity is the value reported by the CSI driver in its GetCapacityResponse for a GetCapacityRequest with topology and parameters that match the previous fields.\n\nThe semantic is currently (CSI spec 1.2) defined as: The available capacity, in bytes, of the storage that can be used to provision volumes. If not set, that information is currently unavailable.",
};

export function validateCSIStorageCapacity(obj: KubeObject, old?: KubeObject): FieldCause[] {
  const errs: FieldCause[] = [];
  if (isMap(obj.nodeTopology)) errs.push(...validateLabelSelector(obj.nodeTopology, "nodeTopology"));
  const className = asString(obj.storageClassName);
  for (const msg of isDNS1123Subdomain(className)) errs.push(invalid("storageClassName", className, msg));
  for (const f of ["capacity", "maximumVolumeSize"])
    if (obj[f] !== undefined && obj[f] !== null) errs.push(...quantityErrors(obj[f], f));
  if (old) {
    if (!deepEqual(obj.nodeTopology ?? null, old.nodeTopology ?? null)) {
      const value = isMap(obj.nodeTopology) ? goSyntax(labelSelectorSyntax(obj.nodeTopology)) : null;
      errs.push(immutable("nodeTopology", value));
    }
    if (className !== asString(old.storageClassName)) errs.push(immutable("storageClassName", className));
  }
  return errs;
}

export const csiStorageCapacity: ResourceDef = {
  group: "storage.k8s.io",
  version: "v1",
  resource: "csistoragecapacities",
  singular: "csistoragecapacity",
  kind: "CSIStorageCapacity",
  listKind: "CSIStorageCapacityList",
  namespaced: true,
  verbs: CRUD,
  validate: validateCSIStorageCapacity,
  printer: {
    columns: [
      NAME_COLUMN,
      column("StorageClassName", "string", DOCS.storageClassName),
      column("Capacity", "string", DOCS.capacity),
    ],
    cells: (obj) => {
      const capacity = asString(obj.capacity);
      const shown = capacity && !quantityError(capacity) ? canonicalQuantity(capacity) : "<unset>";
      return [nameOf(obj), asString(obj.storageClassName), shown];
    },
  },
};
