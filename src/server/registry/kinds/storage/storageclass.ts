// storage.k8s.io/v1 StorageClass: defaults (SetDefaults_StorageClass, pkg/apis/storage/v1/defaults.go),
// validation (ValidateStorageClass/Update, pkg/apis/storage/validation/validation.go) and Table columns
// (printStorageClass, pkg/printers/internalversion/printers.go) with the default class marked "(default)".
import { isQualifiedName } from "../../../../meta/names.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asString, deepEqual } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { forbidden, immutable, invalid, notSupported, required, tooLong } from "../../validation/field.ts";
import { CRUD } from "../verbs.ts";

/** storageutil.IsDefaultAnnotation: either annotation set to "true" marks the cluster's default class. */
export const DEFAULT_CLASS_ANNOTATIONS = [
  "storageclass.kubernetes.io/is-default-class",
  "storageclass.beta.kubernetes.io/is-default-class",
];
const RECLAIM_POLICIES = ["Delete", "Retain"];
const BINDING_MODES = ["Immediate", "WaitForFirstConsumer"];
const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;

const DOCS = {
  provisioner: "provisioner indicates the type of the provisioner.",
  reclaimPolicy:
    "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.",
  volumeBindingMode:
    "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.",
  allowVolumeExpansion: "allowVolumeExpansion shows whether the storage class allow volume expand.",
};

export function isDefaultClass(obj: KubeObject): boolean {
  const annotations = obj.metadata?.annotations ?? {};
  return DEFAULT_CLASS_ANNOTATIONS.some((a) => annotations[a] === "true");
}

export function defaultStorageClass(sc: KubeObject): void {
  const o = sc as Record<string, unknown>;
  o.reclaimPolicy ??= "Delete";
  o.volumeBindingMode ??= "Immediate";
}

export function validateStorageClass(sc: KubeObject, old?: KubeObject): FieldCause[] {
  const o = sc as Record<string, unknown>;
  if (old) {
    const before = old as Record<string, unknown>;
    const errs: FieldCause[] = [];
    if (!deepEqual(o.parameters ?? {}, before.parameters ?? {}))
      errs.push(forbidden("parameters", "updates to parameters are forbidden."));
    if (o.provisioner !== before.provisioner)
      errs.push(forbidden("provisioner", "updates to provisioner are forbidden."));
    if (o.reclaimPolicy !== before.reclaimPolicy)
      errs.push(forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
    if (o.volumeBindingMode !== before.volumeBindingMode)
      errs.push(immutable("volumeBindingMode", asString(o.volumeBindingMode)));
    return errs;
  }
  const errs: FieldCause[] = [];
  const provisioner = asString(o.provisioner);
  if (!provisioner) errs.push(required("provisioner"));
  else
    for (const msg of isQualifiedName(provisioner.toLowerCase()))
      errs.push(invalid("provisioner", provisioner.toLowerCase(), msg));
  const params = asMap(o.parameters);
  const keys = Object.keys(params);
  if (keys.length > MAX_PARAMETERS) errs.push(tooLong("parameters", MAX_PARAMETERS));
  else {
    let size = 0;
    for (const k of keys) {
      if (k.length < 1) errs.push(invalid("parameters", k, "field can not be empty."));
      size += Buffer.byteLength(k) + Buffer.byteLength(asString(params[k]));
    }
    if (size > MAX_PARAMETERS_SIZE) errs.push(tooLong("parameters", MAX_PARAMETERS_SIZE));
  }
  const reclaim = asString(o.reclaimPolicy);
  if (reclaim && !RECLAIM_POLICIES.includes(reclaim))
    errs.push(notSupported("reclaimPolicy", reclaim, RECLAIM_POLICIES));
  if (o.volumeBindingMode == null) errs.push(required("volumeBindingMode"));
  else if (!BINDING_MODES.includes(asString(o.volumeBindingMode)))
    errs.push(notSupported("volumeBindingMode", asString(o.volumeBindingMode), BINDING_MODES));
  return errs;
}

export const storageClass: ResourceDef = {
  group: "storage.k8s.io",
  version: "v1",
  resource: "storageclasses",
  singular: "storageclass",
  kind: "StorageClass",
  listKind: "StorageClassList",
  namespaced: false,
  shortNames: ["sc"],
  verbs: CRUD,
  defaults: defaultStorageClass,
  validate: validateStorageClass,
  printer: {
    columns: [
      NAME_COLUMN,
      column("Provisioner", "string", DOCS.provisioner),
      column("ReclaimPolicy", "string", DOCS.reclaimPolicy),
      column("VolumeBindingMode", "string", DOCS.volumeBindingMode),
      column("AllowVolumeExpansion", "string", DOCS.allowVolumeExpansion),
      AGE_COLUMN,
    ],
    cells: (obj, now) => {
      const o = obj as Record<string, unknown>;
      return [
        isDefaultClass(obj) ? `${nameOf(obj)} (default)` : nameOf(obj),
        asString(o.provisioner),
        asString(o.reclaimPolicy) || "Delete",
        asString(o.volumeBindingMode) || "Immediate",
        o.allowVolumeExpansion === true,
        age(obj, now),
      ];
    },
  },
};
