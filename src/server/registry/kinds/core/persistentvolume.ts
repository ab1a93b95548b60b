// core/v1 PersistentVolume (cluster-scoped): REST shape (pv; status subresource), defaults
// (SetDefaults_PersistentVolume(Spec), kubernetes pkg/apis/core/v1/defaults.go), validation
// (ValidatePersistentVolumeSpec, pkg/apis/core/validation/validation.go: capacity, access modes, reclaim
// policy, exactly one volume source, hostPath/local paths) and Table columns (printPersistentVolume,
// pkg/printers/internalversion/printers.go).
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asString, asStrings, isMap, type Json } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN, wide } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { child, forbidden, goSyntax, invalid, key, notSupported, required } from "../../validation/field.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";
import {
  accessModeErrors,
  accessModesString,
  quantityErrors,
  quantityString,
  storageClassOf,
  VOLUME_MODES,
} from "./persistent-volumes.ts";

const RECLAIM_POLICIES = ["Delete", "Recycle", "Retain"];
// PersistentVolumeSource members (one must be set).
const SOURCES = [
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "hostPath",
  "glusterfs",
  "nfs",
  "rbd",
  "quobyte",
  "cephfs",
  "iscsi",
  "cinder",
  "fc",
  "flocker",
  "flexVolume",
  "azureFile",
  "vsphereVolume",
  "azureDisk",
  "photonPersistentDisk",
  "portworxVolume",
  "scaleIO",
  "local",
  "storageos",
  "csi",
];

// corev1.PersistentVolume{Spec,Status}{}.SwaggerDoc() as of Kubernetes 1.33.
const DOCS = {
  capacity:
    "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity",
  accessModes:
    "accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes",
  reclaim:
    "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming",
  phase:
    "phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase",
  claimRef:
    "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding",
  reason:
    "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.",
  volumeMode:
    "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.",
};

export function defaultPersistentVolume(obj: KubeObject): void {
  obj.spec ??= {};
  const spec = obj.spec as Json;
  spec.persistentVolumeReclaimPolicy ??= "Retain";
  spec.volumeMode ??= "Filesystem";
  obj.status ??= {};
  const status = obj.status as Json;
  status.phase ||= "Pending";
}

export function validatePersistentVolume(obj: KubeObject): FieldCause[] {
  const spec = asMap(obj.spec);
  const errs: FieldCause[] = [];
  const modes = asStrings(spec.accessModes);
  if (modes.length === 0) errs.push(required(child("spec", "accessModes")));
  errs.push(...accessModeErrors(modes, child("spec", "accessModes")));
  const capacity = asMap(spec.capacity);
  const names = Object.keys(capacity);
  if (names.length === 0) errs.push(required(child("spec", "capacity")));
  else if (!("storage" in capacity) || names.length > 1)
    errs.push(
      notSupported(
        child("spec", "capacity"),
        goSyntax(`[]core.ResourceName{${names.map((n) => JSON.stringify(n)).join(", ")}}`),
        ["storage"],
      ),
    );
  for (const name of names)
    errs.push(...quantityErrors(capacity[name], key(child("spec", "capacity"), name)));
  const policy = asString(spec.persistentVolumeReclaimPolicy);
  if (policy && !RECLAIM_POLICIES.includes(policy))
    errs.push(notSupported(child("spec", "persistentVolumeReclaimPolicy"), policy, RECLAIM_POLICIES));
  if (spec.volumeMode != null && !VOLUME_MODES.includes(asString(spec.volumeMode)))
    errs.push(notSupported(child("spec", "volumeMode"), asString(spec.volumeMode), VOLUME_MODES));
  const sources = SOURCES.filter((s) => spec[s] != null);
  if (sources.length === 0) errs.push(required("spec", "must specify a volume type"));
  for (const s of sources.slice(1))
    errs.push(forbidden(child("spec", s), "may not specify more than 1 volume type"));
  for (const s of ["hostPath", "local"]) {
    if (!isMap(spec[s])) continue;
    const path = asString(spec[s].path);
    const at = child(child("spec", s), "path");
    if (!path) errs.push(required(at));
    else if (path.split("/").includes("..")) errs.push(invalid(at, path, "must not contain '..'"));
  }
  return errs;
}

export const persistentVolume: ResourceDef = {
  group: "",
  version: "v1",
  resource: "persistentvolumes",
  singular: "persistentvolume",
  kind: "PersistentVolume",
  listKind: "PersistentVolumeList",
  namespaced: false,
  shortNames: ["pv"],
  verbs: CRUD,
  subresources: [{ name: "status", kind: "PersistentVolume", verbs: GET_PATCH_UPDATE }],
  defaults: defaultPersistentVolume,
  statusKeepsMetadata: [], // persistentvolumeStatusStrategy keeps spec only
  generation: false, // persistentvolume strategy.go never sets it
  // ValidatePersistentVolumeStatusUpdate checks metadata only (its resourceVersion rule cannot fail: an
  // unconditional update is given the stored one first).
  // ValidatePersistentVolumeStatusUpdate checks ObjectMeta (generic) and that the write names a
  // resourceVersion (the store does not fill one in before validating).
  validate: (o, _old, subresource) =>
    subresource === "status"
      ? o.metadata?.resourceVersion
        ? []
        : [required("resourceVersion")]
      : validatePersistentVolume(o),
  printer: {
    columns: [
      NAME_COLUMN,
      column("Capacity", "string", DOCS.capacity),
      column("Access Modes", "string", DOCS.accessModes),
      column("Reclaim Policy", "string", DOCS.reclaim),
      column("Status", "string", DOCS.phase),
      column("Claim", "string", DOCS.claimRef),
      column("StorageClass", "string", "StorageClass of the pv"),
      column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
      column("Reason", "string", DOCS.reason),
      AGE_COLUMN,
      wide("VolumeMode", "string", DOCS.volumeMode),
    ],
    cells(obj, now) {
      const spec = asMap(obj.spec);
      const status = asMap(obj.status);
      const claim = isMap(spec.claimRef)
        ? `${asString(spec.claimRef.namespace)}/${asString(spec.claimRef.name)}`
        : "";
      return [
        nameOf(obj),
        quantityString(asMap(spec.capacity).storage) || "0",
        accessModesString(spec.accessModes),
        asString(spec.persistentVolumeReclaimPolicy),
        obj.metadata?.deletionTimestamp ? "Terminating" : asString(status.phase),
        claim,
        storageClassOf(obj),
        typeof spec.volumeAttributesClassName === "string" ? spec.volumeAttributesClassName : "<unset>",
        asString(status.reason),
        age(obj, now),
        typeof spec.volumeMode === "string" ? spec.volumeMode : "<unset>",
      ];
    },
  },
};
