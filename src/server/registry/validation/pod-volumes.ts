// A PodSpec's volumes, after kubernetes v1.33 pkg/apis/core/validation/validation.go ValidateVolumes: names,
// one source per volume, and the file paths secret/configMap/downwardAPI/projected volumes write
// (validateKeyToPath, validateDownwardAPIVolumeFile, validateProjectionSources, validateLocalDescendingPath,
// ValidateLocalNonReservedPath). The per-source checks beyond paths are not ported yet.

import { isDNS1123Label } from "../../../meta/names.ts";
import { asMap, asMaps, asString, type Json } from "../json-access.ts";
import type { FieldCause } from "../types.ts";
import { child, duplicate, forbidden, index, invalid, required } from "./field.ts";

// VolumeSource members in the order validateVolumeSource checks them.
const VOLUME_SOURCES = [
  "hostPath",
  "emptyDir",
  "gitRepo",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "secret",
  "nfs",
  "iscsi",
  "glusterfs",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "downwardAPI",
  "fc",
  "azureFile",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "projected",
  "portworxVolume",
  "scaleIO",
  "configMap",
  "storageos",
  "csi",
  "ephemeral",
  "persistentVolumeClaim",
  "rbd",
  "image",
];

/** ValidateVolumes: the errors, and the valid volumes by name (only those can be mounted). */
export function validateVolumes(
  volumes: Json[],
  path: string,
): { errs: FieldCause[]; volumes: Map<string, Json> } {
  const errs: FieldCause[] = [];
  const valid = new Map<string, Json>();
  volumes.forEach((vol, i) => {
    const volPath = index(path, i);
    const namePath = child(volPath, "name");
    const name = asString(vol.name);
    const el: FieldCause[] = [];
    // No source at all is defaulted to emptyDir upstream; more than one is an error.
    const sources = VOLUME_SOURCES.filter((s) => vol[s] != null);
    for (const extra of sources.slice(1))
      el.push(forbidden(child(volPath, extra), "may not specify more than 1 volume type"));
    if (!name) el.push(required(namePath));
    else for (const msg of isDNS1123Label(name)) el.push(invalid(namePath, name, msg));
    if (valid.has(name)) el.push(duplicate(namePath, name));
    el.push(...volumeItemPathErrors(vol, volPath));
    if (el.length === 0) valid.set(name, vol);
    errs.push(...el);
  });
  return { errs, volumes: valid };
}

/** The item paths of secret, configMap, downwardAPI and projected volumes: each a local, descending path. */
function volumeItemPathErrors(vol: Json, volPath: string): FieldCause[] {
  const items = (source: Json, path: string) =>
    asMaps(source.items).flatMap((item, i) =>
      itemPathErrors(asString(item.path), child(index(child(path, "items"), i), "path")),
    );
  const errs: FieldCause[] = [];
  for (const kind of ["secret", "configMap", "downwardAPI"])
    if (vol[kind] != null) errs.push(...items(asMap(vol[kind]), child(volPath, kind)));
  asMaps(asMap(vol.projected).sources).forEach((source, i) => {
    const sourcePath = index(child(child(volPath, "projected"), "sources"), i);
    for (const kind of ["secret", "configMap", "downwardAPI"])
      if (source[kind] != null) errs.push(...items(asMap(source[kind]), child(sourcePath, kind)));
    const token = source.serviceAccountToken;
    if (token != null && asString(asMap(token).path))
      errs.push(
        ...localNonReservedPathErrors(
          asString(asMap(token).path),
          child(child(sourcePath, "serviceAccountToken"), "path"),
        ),
      );
  });
  return errs;
}

function itemPathErrors(path: string, fieldPath: string): FieldCause[] {
  if (!path) return [required(fieldPath)];
  return localNonReservedPathErrors(path, fieldPath);
}

/** ValidateLocalNonReservedPath: descending, and not starting with "..". */
function localNonReservedPathErrors(path: string, fieldPath: string): FieldCause[] {
  const errs = localDescendingPathErrors(path, fieldPath);
  if (path.startsWith("..") && !path.startsWith("../"))
    errs.push(invalid(fieldPath, path, "must not start with '..'"));
  return errs;
}

/** validateLocalDescendingPath: relative, with no ".." element. */
export function localDescendingPathErrors(path: string, fieldPath: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (path.startsWith("/")) errs.push(invalid(fieldPath, path, "must be a relative path"));
  if (path.split("/").includes("..")) errs.push(invalid(fieldPath, path, "must not contain '..'"));
  return errs;
}

/** validatePathNoBacksteps: no ".." element. */
export const hasBacksteps = (path: string) => path.split("/").includes("..");
