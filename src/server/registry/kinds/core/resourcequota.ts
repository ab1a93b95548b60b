// core/v1 ResourceQuota: REST shape (quota; status subresource), validation (ValidateResourceQuota,
// kubernetes pkg/apis/core/validation/validation.go: quantities and scopes) and Table columns
// (printResourceQuota, pkg/printers/internalversion/printers.go). The quota controller
// (controllers/resource-quota.ts) keeps status current; admission/resource-quota.ts enforces it.
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asStrings } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { child, index, invalid, key, notSupported } from "../../validation/field.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";
import { quantityErrors, quantityString } from "./persistent-volumes.ts";

const SCOPES = [
  "BestEffort",
  "CrossNamespacePodAffinity",
  "NotBestEffort",
  "NotTerminating",
  "PriorityClass",
  "Terminating",
  "VolumeAttributesClass",
];

/** helper.IsStandardQuotaResourceName: what a quota may name without a "/" (hugepages by prefix). */
const STANDARD_QUOTA_RESOURCES = new Set([
  "cpu",
  "memory",
  "ephemeral-storage",
  "requests.cpu",
  "requests.memory",
  "requests.storage",
  "requests.ephemeral-storage",
  "limits.cpu",
  "limits.memory",
  "limits.ephemeral-storage",
  "pods",
  "resourcequotas",
  "services",
  "replicationcontrollers",
  "secrets",
  "persistentvolumeclaims",
  "configmaps",
  "services.nodeports",
  "services.loadbalancers",
]);

/** validateResourceQuotaResourceName for names without a "/" (the rest are qualified names). */
function quotaNameErrors(name: string, path: string): FieldCause[] {
  if (name.includes("/")) return [];
  const huge = /^(requests\.)?hugepages-/.test(name);
  return STANDARD_QUOTA_RESOURCES.has(name) || huge
    ? []
    : [invalid(path, name, "must be a standard resource for quota")];
}

/** ValidateResourceQuotaStatusUpdate: status.hard and status.used name quota resources with valid quantities. */
function validateResourceQuotaStatus(obj: KubeObject): FieldCause[] {
  const status = asMap(obj.status);
  return ["hard", "used"].flatMap((field) =>
    Object.entries(asMap(status[field])).flatMap(([name, value]) => [
      ...quotaNameErrors(name, key(child("status", field), name)),
      ...quantityErrors(value, key(child("status", field), name)),
    ]),
  );
}

export function validateResourceQuota(obj: KubeObject): FieldCause[] {
  const spec = asMap(obj.spec);
  const errs: FieldCause[] = [];
  for (const [name, value] of Object.entries(asMap(spec.hard))) {
    errs.push(...quotaNameErrors(name, key(child("spec", "hard"), name)));
    errs.push(...quantityErrors(value, key(child("spec", "hard"), name)));
  }
  for (const [name, value] of Object.entries(asMap(asMap(obj.status).hard)))
    errs.push(...quantityErrors(value, key(child("status", "hard"), name)));
  for (const [name, value] of Object.entries(asMap(asMap(obj.status).used)))
    errs.push(...quantityErrors(value, key(child("status", "used"), name)));
  asStrings(spec.scopes).forEach((scope, i) => {
    if (!SCOPES.includes(scope)) errs.push(notSupported(index(child("spec", "scopes"), i), scope, SCOPES));
  });
  return errs;
}

/** printResourceQuota's cells: "name: used/hard" pairs, limits.* in the Limit column. */
function usageColumns(obj: KubeObject): [string, string] {
  const status = asMap(obj.status);
  const hard = asMap(status.hard);
  const used = asMap(status.used);
  const request: string[] = [];
  const limit: string[] = [];
  for (const name of Object.keys(hard).sort()) {
    const pieces = name.split(".");
    const cell = `${name}: ${quantityString(used[name]) || "0"}/${quantityString(hard[name]) || "0"}`;
    (pieces.length > 1 && pieces[0] === "limits" ? limit : request).push(cell);
  }
  return [request.join(", "), limit.join(", ")];
}

export const resourceQuota: ResourceDef = {
  group: "",
  version: "v1",
  resource: "resourcequotas",
  singular: "resourcequota",
  kind: "ResourceQuota",
  listKind: "ResourceQuotaList",
  namespaced: true,
  shortNames: ["quota"],
  verbs: CRUD,
  subresources: [{ name: "status", kind: "ResourceQuota", verbs: GET_PATCH_UPDATE }],
  // A new quota's status is the empty struct ({}), as upstream encodes it, until its controller fills it.
  defaults: (obj) => {
    obj.status ??= {};
  },
  statusKeepsMetadata: [], // resourcequotaStatusStrategy keeps spec only
  generation: false, // resourcequota strategy.go never sets it
  validate: (o, _old, subresource) =>
    subresource === "status" ? validateResourceQuotaStatus(o) : validateResourceQuota(o),
  printer: {
    columns: [
      NAME_COLUMN,
      column(
        "Request",
        "string",
        "Request represents a minimum amount of cpu/memory that a container may consume.",
      ),
      column(
        "Limit",
        "string",
        "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.",
      ),
      AGE_COLUMN,
    ],
    cells: (obj, now) => [nameOf(obj), ...usageColumns(obj), age(obj, now)],
  },
};
