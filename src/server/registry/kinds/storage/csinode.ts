// storage.k8s.io/v1 CSINode: validation (ValidateCSINode/Update, pkg/apis/storage/validation/validation.go)
// and Table columns (printCSINode, pkg/printers/internalversion/printers.go).
import { isQualifiedName } from "../../../../meta/names.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import { asList, asMap, asMaps, asString, deepEqual, isMap } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { child, duplicate, index, invalid, required, tooLong } from "../../validation/field.ts";
import { CRUD } from "../verbs.ts";
import { csiDriverNameErrors } from "./csi.ts";

const MAX_NODE_ID_LENGTH = 256;

function driverErrors(driver: Record<string, unknown>, path: string, names: Set<string>): FieldCause[] {
  const name = asString(driver.name);
  const errs = csiDriverNameErrors(name, child(path, "name"));
  if (names.has(name)) errs.push(duplicate(child(path, "name"), name));
  names.add(name);
  const nodeID = asString(driver.nodeID);
  if (!nodeID) errs.push(required(child(path, "nodeID"), "nodeID of the driver must be defined"));
  else if (nodeID.length > MAX_NODE_ID_LENGTH) errs.push(tooLong(child(path, "nodeID"), MAX_NODE_ID_LENGTH));
  const keys = new Set<string>();
  asList(driver.topologyKeys).forEach((k, i) => {
    const key = asString(k);
    const keyPath = index(child(path, "topologyKeys"), i);
    if (!key) errs.push(required(keyPath));
    if (keys.has(key)) errs.push(duplicate(keyPath, key));
    keys.add(key);
    for (const msg of isQualifiedName(key)) errs.push(invalid(keyPath, key, msg));
  });
  const count = asMap(driver.allocatable).count;
  if (typeof count === "number" && count < 0)
    errs.push(
      invalid(child(child(path, "allocatable"), "count"), count, "must be greater than or equal to 0"),
    );
  return errs;
}

export function validateCSINode(node: KubeObject, old?: KubeObject): FieldCause[] {
  const names = new Set<string>();
  const errs: FieldCause[] = [];
  asMaps(asMap(node.spec).drivers).forEach((d, i) => {
    errs.push(...driverErrors(d, index("spec.drivers", i), names));
  });
  if (old) {
    // ValidateCSINodeUpdate: a driver keeps its nodeID, topologyKeys and allocatable once registered.
    const before = new Map(asMaps(asMap(old.spec).drivers).map((d) => [asString(d.name), d]));
    asMaps(asMap(node.spec).drivers).forEach((d, i) => {
      const prev = before.get(asString(d.name));
      if (!prev) return;
      const path = index("spec.drivers", i);
      if (prev.nodeID !== d.nodeID)
        errs.push(invalid(child(path, "nodeID"), asString(d.nodeID), "field is immutable"));
      if (!deepEqual(prev.topologyKeys ?? null, d.topologyKeys ?? null))
        errs.push(
          invalid(
            child(path, "topologyKeys"),
            asList(d.topologyKeys).map(asString).join(","),
            "field is immutable",
          ),
        );
      if (isMap(prev.allocatable) && !deepEqual(prev.allocatable, d.allocatable))
        errs.push(invalid(child(path, "allocatable"), "", "field is immutable"));
    });
  }
  return errs;
}

export const csiNode: ResourceDef = {
  group: "storage.k8s.io",
  version: "v1",
  resource: "csinodes",
  singular: "csinode",
  kind: "CSINode",
  listKind: "CSINodeList",
  namespaced: false,
  verbs: CRUD,
  validate: validateCSINode,
  printer: {
    columns: [
      NAME_COLUMN,
      column("Drivers", "integer", "Drivers indicates the number of CSI drivers registered on the node"),
      AGE_COLUMN,
    ],
    cells: (obj, now) => [nameOf(obj), asList(asMap(obj.spec).drivers).length, age(obj, now)],
  },
};
