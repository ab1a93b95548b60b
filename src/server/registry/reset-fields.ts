// The fields a write through a resource or one of its subresources may not own in managedFields: the
// strategy's GetResetFields (pkg/registry/<group>/<kind>/strategy.go), which apiserver's
// endpoints/installer.go hands to the field manager as a fieldpath.Filter, or its GetResetFieldsFilter
// (pods/ephemeralcontainers). The field manager records the request's changes through this filter before
// PrepareForUpdate resets those fields (endpoints/handlers/update.go, structured-merge-diff merge.Updater).
import type { FieldFilter } from "./managed-fields.ts";
import type { ResourceDef } from "./types.ts";

const NONE: FieldFilter = {};
const STATUS: FieldFilter = { exclude: [["status"]] };

const filters = new WeakMap<ResourceDef, Map<string, FieldFilter>>();

/** The reset-fields filter of a write to `def` through `subresource` ("" for the resource itself). */
export function resetFieldsFor(def: ResourceDef, subresource: string): FieldFilter {
  let byDef = filters.get(def);
  if (!byDef) {
    byDef = new Map();
    filters.set(def, byDef);
  }
  let filter = byDef.get(subresource);
  if (!filter) {
    filter = def.resetFields?.[subresource] ?? defaultResetFields(def, subresource);
    byDef.set(subresource, filter);
  }
  return filter;
}

function defaultResetFields(def: ResourceDef, subresource: string): FieldFilter {
  if (!def.subresources?.some((s) => s.name === "status")) return NONE;
  if (subresource !== "status") return STATUS; // the main strategy resets status
  // A status strategy resets spec and the metadata it keeps from the stored object (statusKeepsMetadata):
  // all of it (`metadata`, ResetObjectMetaForStatus) or the listed fields (Deployment: metadata.labels).
  const keeps = def.statusKeepsMetadata ?? "all";
  return {
    exclude: [["spec"], ...(keeps === "all" ? [["metadata"]] : keeps.map((field) => ["metadata", field]))],
  };
}
