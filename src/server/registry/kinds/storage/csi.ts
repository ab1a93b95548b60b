// Shared CSI driver-name check of pkg/apis/storage/validation/validation.go (validateCSIDriverName).
import { isDNS1123Subdomain } from "../../../../meta/names.ts";
import type { FieldCause } from "../../types.ts";
import { invalid, required, tooLong } from "../../validation/field.ts";

export function csiDriverNameErrors(name: string, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!name) errs.push(required(path));
  if (name.length > 63) errs.push(tooLong(path, 63));
  for (const msg of isDNS1123Subdomain(name.toLowerCase())) errs.push(invalid(path, name, msg));
  return errs;
}
