// A PodSpec's volumes, ported from kubernetes v1.33 pkg/apis/core/validation/validation.go: ValidateVolumes,
// validateVolumeSource (one source per volume, in upstream's order and with its field names, "downwarAPI"
// typo included) and the sources Pods use: emptyDir, hostPath (validateHostPathType), gitRepo,
// gcePersistentDisk, awsElasticBlockStore, secret, nfs, glusterfs, persistentVolumeClaim, downwardAPI
// (validateDownwardAPIVolumeFile), configMap, projected (validateProjectionSources), csi, ephemeral, image;
// validateKeyToPath, validateLocalDescendingPath, ValidateLocalNonReservedPath, validatePathNoBacksteps.
// The remaining in-tree plugins (iscsi, rbd, cinder, cephfs, fc, flexVolume, azure*, vsphere…) are only
// counted as a source.

import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from "../../../meta/names.ts";
import { quantityError, quantityMilli } from "../../../meta/quantity.ts";
import { asMap, asMaps, asNumber, asString, isMap, type Json } from "../json-access.ts";
import { csiDriverNameErrors } from "../kinds/storage/csi.ts";
import type { FieldCause } from "../types.ts";
import { child, duplicate, forbidden, index, invalid, notSupported, required } from "./field.ts";

// VolumeSource members in validateVolumeSource's order, with the path its duplicate error names.
const VOLUME_SOURCES: [string, string][] = [
  ["emptyDir", "emptyDir"],
  ["hostPath", "hostPath"],
  ["gitRepo", "gitRepo"],
  ["gcePersistentDisk", "gcePersistentDisk"],
  ["awsElasticBlockStore", "awsElasticBlockStore"],
  ["secret", "secret"],
  ["nfs", "nfs"],
  ["iscsi", "iscsi"],
  ["glusterfs", "glusterfs"],
  ["flocker", "flocker"],
  ["persistentVolumeClaim", "persistentVolumeClaim"],
  ["rbd", "rbd"],
  ["cinder", "cinder"],
  ["cephfs", "cephFS"],
  ["quobyte", "quobyte"],
  ["downwardAPI", "downwarAPI"],
  ["fc", "fc"],
  ["flexVolume", "flexVolume"],
  ["configMap", "configMap"],
  ["azureFile", "azureFile"],
  ["vsphereVolume", "vsphereVolume"],
  ["photonPersistentDisk", "photonPersistentDisk"],
  ["portworxVolume", "portworxVolume"],
  ["azureDisk", "azureDisk"],
  ["storageos", "storageos"],
  ["projected", "projected"],
  ["scaleIO", "scaleIO"],
  ["csi", "csi"],
  ["ephemeral", "ephemeral"],
  ["image", "image"],
];

const FILE_MODE_ERROR = "must be a number between 0 and 0777 (octal), both inclusive";
const PARTITION_ERROR = "must be between 1 and 255, inclusive";
// Go's sets.List order of supportedHostPathTypes.
const HOST_PATH_TYPES = [
  "",
  "BlockDevice",
  "CharDevice",
  "Directory",
  "DirectoryOrCreate",
  "File",
  "FileOrCreate",
  "Socket",
];

/** ValidateVolumes: the errors, and the valid volumes by name (only those can be mounted). */
export function validateVolumes(
  volumes: Json[],
  path: string,
  resourceIsPod = true,
): { errs: FieldCause[]; volumes: Map<string, Json> } {
  const errs: FieldCause[] = [];
  const valid = new Map<string, Json>();
  volumes.forEach((vol, i) => {
    const volPath = index(path, i);
    const namePath = child(volPath, "name");
    const name = asString(vol.name);
    const el = volumeSourceErrors(vol, volPath, resourceIsPod);
    if (!name) el.push(required(namePath));
    else for (const msg of isDNS1123Label(name)) el.push(invalid(namePath, name, msg));
    if (valid.has(name)) el.push(duplicate(namePath, name));
    if (el.length === 0) valid.set(name, vol);
    errs.push(...el);
  });
  return { errs, volumes: valid };
}

/** validateVolumeSource (a volume with no source is defaulted to emptyDir, so it is not "Required"). */
function volumeSourceErrors(vol: Json, path: string, resourceIsPod: boolean): FieldCause[] {
  const errs: FieldCause[] = [];
  let count = 0;
  for (const [field, duplicatePath] of VOLUME_SOURCES) {
    if (vol[field] == null) continue;
    if (count > 0 && field !== "emptyDir") {
      errs.push(forbidden(child(path, duplicatePath), "may not specify more than 1 volume type"));
      continue;
    }
    count++;
    errs.push(...sourceErrors(field, asMap(vol[field]), path, resourceIsPod));
  }
  return errs;
}

function sourceErrors(field: string, source: Json, volPath: string, resourceIsPod: boolean): FieldCause[] {
  const at = child(volPath, field);
  const requiredText = (key: string) => (asString(source[key]) ? [] : [required(child(at, key))]);
  switch (field) {
    case "emptyDir": {
      const limit = source.sizeLimit;
      const text = typeof limit === "number" ? String(limit) : asString(limit);
      return limit != null && !quantityError(text) && quantityMilli(text) < 0n
        ? [forbidden(child(at, "sizeLimit"), "SizeLimit field must be a valid resource quantity")]
        : [];
    }
    case "hostPath": {
      const p = asString(source.path);
      if (!p) return [required(child(at, "path"))];
      const errs = backstepErrors(p, child(at, "path"));
      if (source.type != null && !HOST_PATH_TYPES.includes(asString(source.type)))
        errs.push(notSupported(child(at, "type"), asString(source.type), HOST_PATH_TYPES));
      return errs;
    }
    case "gitRepo":
      return [
        ...requiredText("repository"),
        ...localDescendingPathErrors(asString(source.directory), child(at, "directory")),
      ];
    case "gcePersistentDisk":
    case "awsElasticBlockStore": {
      const gce = field === "gcePersistentDisk";
      const base = gce ? child(volPath, "persistentDisk") : at;
      const key = gce ? "pdName" : "volumeID";
      const errs = asString(source[key]) ? [] : [required(child(base, key))];
      const partition = asNumber(source.partition);
      if (partition < 0 || partition > 255)
        errs.push(invalid(child(base, "partition"), partition, PARTITION_ERROR));
      return errs;
    }
    case "secret":
    case "configMap": {
      const errs = requiredText(field === "secret" ? "secretName" : "name");
      errs.push(...modeErrors(source.defaultMode, child(at, "defaultMode")));
      asMaps(source.items).forEach((item, i) => {
        errs.push(...keyToPathErrors(item, index(child(at, "items"), i)));
      });
      return errs;
    }
    case "nfs": {
      const errs = [...requiredText("server"), ...requiredText("path")];
      if (!asString(source.path).startsWith("/"))
        errs.push(invalid(child(at, "path"), asString(source.path), "must be an absolute path"));
      return errs;
    }
    case "glusterfs":
      return [...requiredText("endpoints"), ...requiredText("path")];
    case "persistentVolumeClaim":
      return requiredText("claimName");
    case "downwardAPI":
      return [
        ...modeErrors(source.defaultMode, child(at, "defaultMode")),
        ...asMaps(source.items).flatMap((file) => downwardAPIFileErrors(file, at)),
      ];
    case "projected":
      return [...modeErrors(source.defaultMode, child(at, "defaultMode")), ...projectionErrors(source, at)];
    case "csi": {
      const errs = csiDriverNameErrors(asString(source.driver), child(at, "driver"));
      if (isMap(source.nodePublishSecretRef)) {
        const name = asString(source.nodePublishSecretRef.name);
        if (!name) errs.push(required(child(child(at, "nodePublishSecretRef"), "name")));
        else for (const msg of isDNS1123Subdomain(name)) errs.push(invalid(child(at, "name"), name, msg));
      }
      return errs;
    }
    case "ephemeral":
      return isMap(source.volumeClaimTemplate) ? [] : [required(child(at, "volumeClaimTemplate"))];
    case "image": {
      const errs = resourceIsPod && !asString(source.reference) ? [required(child(at, "reference"))] : [];
      const policy = source.pullPolicy;
      if (policy != null && policy !== "" && !["Always", "IfNotPresent", "Never"].includes(asString(policy)))
        errs.push(
          notSupported(child(at, "pullPolicy"), asString(policy), ["Always", "IfNotPresent", "Never"]),
        );
      return errs;
    }
    default:
      return [];
  }
}

const modeErrors = (mode: unknown, path: string): FieldCause[] =>
  mode != null && (asNumber(mode) > 0o777 || asNumber(mode) < 0)
    ? [invalid(path, asNumber(mode), FILE_MODE_ERROR)]
    : [];

/** validateKeyToPath. */
function keyToPathErrors(kp: Json, path: string): FieldCause[] {
  const p = asString(kp.path);
  const errs: FieldCause[] = [];
  if (!asString(kp.key)) errs.push(required(child(path, "key")));
  if (!p) errs.push(required(child(path, "path")));
  errs.push(...localNonReservedPathErrors(p, child(path, "path")));
  errs.push(...modeErrors(kp.mode, child(path, "mode")));
  return errs;
}

const VOLUME_FIELD_PATHS = [
  "metadata.annotations",
  "metadata.labels",
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
];
const CONTAINER_RESOURCE_PATHS = [
  "limits.cpu",
  "limits.ephemeral-storage",
  "limits.memory",
  "requests.cpu",
  "requests.ephemeral-storage",
  "requests.memory",
];

/** validateDownwardAPIVolumeFile (its paths name the source, not the item, as upstream's do). */
function downwardAPIFileErrors(file: Json, path: string): FieldCause[] {
  const p = asString(file.path);
  const errs: FieldCause[] = [];
  if (!p) errs.push(required(child(path, "path")));
  errs.push(...localNonReservedPathErrors(p, child(path, "path")));
  if (isMap(file.fieldRef)) {
    errs.push(...volumeFieldRefErrors(file.fieldRef, child(path, "fieldRef")));
    if (file.resourceFieldRef != null)
      errs.push(
        invalid(path, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"),
      );
  } else if (isMap(file.resourceFieldRef)) {
    const at = child(path, "resourceFieldRef");
    const resource = asString(file.resourceFieldRef.resource);
    if (!asString(file.resourceFieldRef.containerName)) errs.push(required(child(at, "containerName")));
    else if (!resource) errs.push(required(child(at, "resource")));
    else if (!CONTAINER_RESOURCE_PATHS.includes(resource) && !/^(requests|limits)\.hugepages-/.test(resource))
      errs.push(notSupported(child(at, "resource"), resource, CONTAINER_RESOURCE_PATHS));
  } else errs.push(required(path, "one of fieldRef and resourceFieldRef is required"));
  errs.push(...modeErrors(file.mode, child(path, "mode")));
  return errs;
}

/** validateObjectFieldSelector for volume files: labels and annotations may be read whole or by key. */
function volumeFieldRefErrors(fs: Json, path: string): FieldCause[] {
  const fieldPath = asString(fs.fieldPath);
  if (!asString(fs.apiVersion)) return [required(child(path, "apiVersion"))];
  if (!fieldPath) return [required(child(path, "fieldPath"))];
  const m = /^(.+)\['(.*)'\]$/.exec(fieldPath);
  if (m) {
    if (m[1] !== "metadata.annotations" && m[1] !== "metadata.labels")
      return [
        invalid(
          child(path, "fieldPath"),
          fieldPath,
          `error converting fieldPath: field label does not support subscript: ${fieldPath}`,
        ),
      ];
    const key = m[1] === "metadata.annotations" ? m[2].toLowerCase() : m[2];
    return isQualifiedName(key).map((msg) => invalid(path, key, msg));
  }
  return VOLUME_FIELD_PATHS.includes(fieldPath)
    ? []
    : [notSupported(child(path, "fieldPath"), fieldPath, VOLUME_FIELD_PATHS)];
}

/** validateProjectionSources: one kind per source, no two files at the same path. */
function projectionErrors(projection: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const paths = new Set<string>();
  const claim = (p: string, shown: string) => {
    if (paths.has(p)) errs.push(invalid(path, shown, "conflicting duplicate paths"));
    else paths.add(p);
  };
  asMaps(projection.sources).forEach((source, i) => {
    const srcPath = index(child(path, "sources"), i);
    let count = 0;
    for (const kind of ["secret", "configMap"]) {
      if (!isMap(source[kind])) continue;
      count++;
      const at = child(srcPath, kind);
      const name = asString(source[kind].name);
      if (!name) errs.push(required(child(at, "name")));
      asMaps(source[kind].items).forEach((item, j) => {
        errs.push(...keyToPathErrors(item, index(child(at, "items"), j)));
        if (asString(item.path)) claim(asString(item.path), name);
      });
    }
    if (isMap(source.downwardAPI)) {
      count++;
      for (const file of asMaps(source.downwardAPI.items)) {
        errs.push(...downwardAPIFileErrors(file, child(srcPath, "downwardAPI")));
        if (asString(file.path)) claim(asString(file.path), asString(file.path));
      }
    }
    if (isMap(source.serviceAccountToken)) {
      count++;
      const token = source.serviceAccountToken;
      const at = child(child(srcPath, "serviceAccountToken"), "expirationSeconds");
      const seconds = asNumber(token.expirationSeconds);
      if (seconds < 600) errs.push(invalid(at, seconds, "may not specify a duration less than 10 minutes"));
      if (seconds > 2 ** 32)
        errs.push(invalid(at, seconds, "may not specify a duration larger than 2^32 seconds"));
      const p = asString(token.path);
      if (!p) errs.push(required(child(path, "path")));
      else errs.push(...localNonReservedPathErrors(p, child(path, "path")));
    }
    if (isMap(source.clusterTrustBundle)) {
      count++;
      const p = asString(source.clusterTrustBundle.path);
      const at = child(srcPath, "clusterTrustBundle");
      if (source.clusterTrustBundle.name == null && source.clusterTrustBundle.signerName == null)
        errs.push(required(at, "either name or signerName must be specified"));
      if (!p) errs.push(required(child(at, "path")));
      errs.push(...localNonReservedPathErrors(p, child(at, "path")));
      claim(p, p);
    }
    if (count > 1) errs.push(forbidden(srcPath, "may not specify more than 1 volume type per source"));
  });
  return errs;
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
  errs.push(...backstepErrors(path, fieldPath));
  return errs;
}

/** validatePathNoBacksteps. */
function backstepErrors(path: string, fieldPath: string): FieldCause[] {
  return hasBacksteps(path) ? [invalid(fieldPath, path, "must not contain '..'")] : [];
}

/** Whether a path has a ".." element. */
export const hasBacksteps = (path: string) => path.split("/").includes("..");
