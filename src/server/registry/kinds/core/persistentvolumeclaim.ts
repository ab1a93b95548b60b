// core/v1 PersistentVolumeClaim: REST shape (pvc; status subresource), defaults
// (SetDefaults_PersistentVolumeClaim(Spec), kubernetes pkg/apis/core/v1/defaults.go), strategy
// (pkg/registry/core/persistentvolumeclaim/strategy.go), validation (ValidatePersistentVolumeClaimSpec,
// pkg/apis/core/validation/validation.go) and Table columns (printPersistentVolumeClaim,
// pkg/printers/internalversion/printers.go). Binding and provisioning: controllers/persistent-volumes.ts.

import { isDNS1123Subdomain, isQualifiedName } from "../../../../meta/names.ts";
import { quantityError, quantityGoSyntax, quantityMilli } from "../../../../meta/quantity.ts";
import type { KubeObject, StoredObject } from "../../../../meta/types.ts";
import { asMap, asString, asStrings, deepEqual, isMap, type Json } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN, wide } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { child, forbidden, goSyntax, invalid, key, notSupported, required } from "../../validation/field.ts";
import { isNativeResource } from "../../validation/pod-resources.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";
import {
  accessModeErrors,
  accessModesString,
  quantityErrors,
  quantityString,
  storageClassOf,
  VOLUME_MODES,
} from "./persistent-volumes.ts";

// corev1.PersistentVolumeClaim{Spec,Status}{}.SwaggerDoc() as of Kubernetes 1.33.
const DOCS = {
  phase: "phase represents the current phase of PersistentVolumeClaim.",
  volumeName: "volumeName is the binding reference to the PersistentVolume backing this claim.",
  capacity: "capacity represents the actual resources of the underlying volume.",
  accessModes:
    "accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1",
  volumeMode:
    "volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.",
};

export function defaultPersistentVolumeClaim(obj: KubeObject): void {
  obj.spec ??= {};
  const spec = obj.spec as Json;
  spec.volumeMode ??= "Filesystem";
  obj.status ??= {};
  const status = obj.status as Json;
  status.phase ||= "Pending";
}

/** ValidatePersistentVolumeClaimSpec at "spec" (also used for a StatefulSet's claim templates). */
export function validateClaimSpec(spec: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const modes = asStrings(spec.accessModes);
  if (modes.length === 0)
    errs.push(required(child(path, "accessModes"), "at least 1 access mode is required"));
  errs.push(...accessModeErrors(modes, child(path, "accessModes")));
  const storagePath = key(child(path, "resources"), "storage");
  const requests = asMap(asMap(spec.resources).requests);
  if (!("storage" in requests)) errs.push(required(storagePath));
  else {
    const bad = quantityErrors(requests.storage, storagePath);
    errs.push(...bad);
    if (!bad.length && quantityMilli(String(requests.storage)) <= 0n)
      errs.push(
        invalid(
          storagePath,
          goSyntax(quantityGoSyntax(String(requests.storage))),
          "must be greater than zero",
        ),
      );
  }
  const className = asString(spec.storageClassName);
  if (className)
    for (const msg of isDNS1123Subdomain(className))
      errs.push(invalid(child(path, "storageClassName"), className, msg));
  if (spec.volumeMode != null && !VOLUME_MODES.includes(asString(spec.volumeMode)))
    errs.push(notSupported(child(path, "volumeMode"), asString(spec.volumeMode), VOLUME_MODES));
  return errs;
}

export function validatePersistentVolumeClaim(obj: KubeObject, old?: StoredObject): FieldCause[] {
  const spec = asMap(obj.spec);
  const errs = validateClaimSpec(spec, "spec");
  if (old) {
    // ValidatePersistentVolumeClaimUpdate: only resources.requests (expansion) and
    // volumeAttributesClassName may change; upstream appends a Go cmp diff we do not reproduce.
    const strip = (s: Json) => ({ ...s, resources: { ...asMap(s.resources), requests: undefined } });
    // The volume controller binds a claim by setting volumeName: allowed once, while it is empty.
    const oldSpec = { ...asMap(old.spec) };
    if (!oldSpec.volumeName && spec.volumeName !== undefined) oldSpec.volumeName = spec.volumeName;
    if (
      !deepEqual(
        strip({ ...spec, volumeAttributesClassName: undefined }),
        strip({ ...oldSpec, volumeAttributesClassName: undefined }),
      )
    )
      errs.push(
        forbidden(
          "spec",
          "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
        ),
      );
  }
  return errs;
}

/** The resize states of status.allocatedResourceStatuses (resizeStatusSet, in sets.List's sorted order). */
const RESIZE_STATUSES = [
  "ControllerResizeInProgress",
  "ControllerResizeInfeasible",
  "NodeResizeInProgress",
  "NodeResizeInfeasible",
  "NodeResizePending",
];

/** resource.Quantity.Value() of a parseable quantity: rounded up, away from zero. */
function quantityValue(text: string): bigint {
  const milli = quantityMilli(text);
  return milli < 0n ? -((-milli + 999n) / 1000n) : (milli + 999n) / 1000n;
}

/** validateBasicResource: a quantity must not be negative (Go prints its rounded value). */
function basicResourceErrors(value: unknown, path: string): FieldCause[] {
  const text = typeof value === "number" ? String(value) : asString(value);
  if (quantityError(text)) return []; // the typed decoder refuses a malformed quantity first
  const n = quantityValue(text);
  return n < 0n ? [invalid(path, Number(n), "must be a valid resource quantity")] : [];
}

/** validatePersistentVolumeClaimResourceKey: a qualified name; of the native names, only storage. */
function claimResourceKeyErrors(name: string, path: string): FieldCause[] {
  const errs = isQualifiedName(name).map((msg) => invalid(path, name, msg));
  if (errs.length) return errs;
  if (isNativeResource(name) && name !== "storage") return [notSupported(path, name, ["storage"])];
  return [];
}

/**
 * ValidatePersistentVolumeClaimStatusUpdate (pkg/apis/core/validation/validation.go), with 1.33's default
 * RecoverVolumeExpansionFailure (beta, on): what a /status write is checked for, besides ObjectMeta.
 */
export function validateClaimStatusUpdate(obj: KubeObject): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!obj.metadata?.resourceVersion) errs.push(required("resourceVersion"));
  if (asStrings(asMap(obj.spec).accessModes).length === 0) errs.push(required("Spec.accessModes"));
  const status = asMap(obj.status);
  for (const [name, qty] of Object.entries(asMap(status.capacity)))
    errs.push(...basicResourceErrors(qty, key("status.capacity", name)));
  const statusesPath = "status.allocatedResourceStatuses";
  for (const [name, state] of Object.entries(asMap(status.allocatedResourceStatuses))) {
    errs.push(...claimResourceKeyErrors(name, statusesPath));
    // Upstream reports the key, not the unsupported state.
    if (!RESIZE_STATUSES.includes(asString(state)))
      errs.push(notSupported(statusesPath, name, RESIZE_STATUSES));
  }
  const allocatedPath = "status.allocatedResources";
  for (const [name, qty] of Object.entries(asMap(status.allocatedResources))) {
    const keyErrs = claimResourceKeyErrors(name, allocatedPath);
    // ValidateResourceQuantityValue adds nothing for storage once the quantity is not negative.
    errs.push(...(keyErrs.length ? keyErrs : basicResourceErrors(qty, key(allocatedPath, name))));
  }
  return errs;
}

export const persistentVolumeClaim: ResourceDef = {
  group: "",
  version: "v1",
  resource: "persistentvolumeclaims",
  singular: "persistentvolumeclaim",
  kind: "PersistentVolumeClaim",
  listKind: "PersistentVolumeClaimList",
  namespaced: true,
  shortNames: ["pvc"],
  verbs: CRUD,
  subresources: [{ name: "status", kind: "PersistentVolumeClaim", verbs: GET_PATCH_UPDATE }],
  defaults: defaultPersistentVolumeClaim,
  statusKeepsMetadata: [], // persistentvolumeclaimStatusStrategy keeps spec only
  generation: false, // persistentvolumeclaim strategy.go never sets it
  validate: (o, old, subresource) =>
    subresource === "status" ? validateClaimStatusUpdate(o) : validatePersistentVolumeClaim(o, old),
  printer: {
    columns: [
      NAME_COLUMN,
      column("Status", "string", DOCS.phase),
      column("Volume", "string", DOCS.volumeName),
      column("Capacity", "string", DOCS.capacity),
      column("Access Modes", "string", DOCS.accessModes),
      column("StorageClass", "string", "StorageClass of the pvc"),
      column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
      AGE_COLUMN,
      wide("VolumeMode", "string", DOCS.volumeMode),
    ],
    cells(obj, now) {
      const spec = asMap(obj.spec);
      const status = asMap(obj.status);
      const phase = obj.metadata?.deletionTimestamp ? "Terminating" : asString(status.phase);
      const volumeName = asString(spec.volumeName);
      const bound = volumeName !== "";
      return [
        nameOf(obj),
        phase,
        volumeName,
        bound ? quantityString(asMap(status.capacity).storage) || "0" : "",
        bound ? accessModesString(status.accessModes) : "",
        storageClassOf(obj),
        isMap(spec) && typeof spec.volumeAttributesClassName === "string"
          ? spec.volumeAttributesClassName
          : "<unset>",
        age(obj, now),
        typeof spec.volumeMode === "string" ? spec.volumeMode : "<unset>",
      ];
    },
  },
};
