// Facts shared by PersistentVolume and PersistentVolumeClaim (kubernetes pkg/apis/core/helper/helpers.go,
// pkg/apis/core/validation/validation.go).

import { canonicalQuantity, quantityError, quantityMilli } from "../../../../meta/quantity.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asString, asStrings } from "../../json-access.ts";
import type { FieldCause } from "../../types.ts";
import { invalid, notSupported } from "../../validation/field.ts";

/** supportedAccessModes, as field.NotSupported lists them (sorted). */
export const ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];
export const VOLUME_MODES = ["Block", "Filesystem"];
const SHORT_MODES: [string, string][] = [
  ["ReadWriteOnce", "RWO"],
  ["ReadOnlyMany", "ROX"],
  ["ReadWriteMany", "RWX"],
  ["ReadWriteOncePod", "RWOP"],
];
/** The beta annotation that still wins over spec.storageClassName (GetPersistentVolume(Claim)Class). */
const BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class";

/** GetAccessModesAsString: "RWO,ROX,RWX,RWOP" in that order, duplicates dropped. */
export function accessModesString(modes: unknown): string {
  const set = new Set(asStrings(modes));
  return SHORT_MODES.filter(([mode]) => set.has(mode))
    .map(([, short]) => short)
    .join(",");
}

/** GetPersistentVolumeClass / GetPersistentVolumeClaimClass. */
export function storageClassOf(obj: KubeObject): string {
  const beta = obj.metadata?.annotations?.[BETA_STORAGE_CLASS];
  return beta !== undefined ? beta : asString(asMap(obj.spec).storageClassName);
}

/** Quantity.String() of a stored quantity ("" when absent). */
export const quantityString = (v: unknown): string => (typeof v === "string" ? canonicalQuantity(v) : "");

/** The access-mode checks of ValidatePersistentVolumeSpec / ValidatePersistentVolumeClaimSpec. */
export function accessModeErrors(modes: string[], path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  let foundOther = false;
  for (const mode of modes) {
    if (!ACCESS_MODES.includes(mode)) errs.push(notSupported(path, mode, ACCESS_MODES));
    else if (mode !== "ReadWriteOncePod") foundOther = true;
  }
  if (modes.includes("ReadWriteOncePod") && foundOther)
    errs.push({
      field: path,
      message: "Forbidden: may not use ReadWriteOncePod with other access modes",
      type: "FieldValueForbidden",
    });
  return errs;
}

/** ValidateResourceQuantityValue (a parseable, non-negative quantity) at `path`. */
export function quantityErrors(value: unknown, path: string): FieldCause[] {
  const text = typeof value === "string" ? value : typeof value === "number" ? String(value) : "";
  const bad = quantityError(text);
  if (bad) return [invalid(path, text, bad)];
  if (quantityMilli(text) < 0n) return [invalid(path, text, "must be greater than or equal to 0")];
  return [];
}
