// Pod validation (pkg/apis/core/validation ValidatePodCreate/ValidatePodUpdate), the checks users meet:
// containers, names, images, ports, env, volumes and their mounts, restart and DNS policies, the
// service account, and which spec fields an update may change.

import { isDNS1123Label, isDNS1123Subdomain } from "../../../meta/names.ts";
import type { KubeObject } from "../../../meta/types.ts";
import { asMap, asMaps, asString, deepEqual, type Json } from "../json-access.ts";
import type { FieldCause } from "../types.ts";
import { child, duplicate, forbidden, index, invalid, notFound, notSupported, required } from "./field.ts";
import { validateLabels } from "./meta.ts";
import { isValidPortName, isValidPortNum, PORT_PROTOCOLS } from "./ports.ts";

const SPEC = "spec";

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

export function validatePod(pod: KubeObject, old?: KubeObject): FieldCause[] {
  const errs = validatePodSpec(asMap(pod.spec));
  if (old) return [...errs, ...specUpdateErrors(asMap(pod.spec), asMap(old.spec))];
  const spec = asMap(pod.spec);
  if (asMaps(spec.ephemeralContainers).length > 0) {
    errs.push(forbidden(child(SPEC, "ephemeralContainers"), "cannot be set on create"));
  }
  if (asString(spec.nodeName) && asMaps(spec.schedulingGates).length > 0) {
    errs.push(
      forbidden(child(SPEC, "nodeName"), "cannot be set until all schedulingGates have been cleared"),
    );
  }
  return errs;
}

/** ValidatePodSpec at `path` (a workload's template: "spec.template.spec"); `forPod` adds the checks
 * only Pods get (validateContainersOnlyForPod). */
export function validatePodSpec(spec: Json, path = SPEC, forPod = true): FieldCause[] {
  const { errs, names: volumes } = validateVolumes(asMaps(spec.volumes), child(path, "volumes"));
  const containers = asMaps(spec.containers);
  const containersPath = child(path, "containers");
  if (containers.length === 0) errs.push(required(containersPath));
  const seen = new Set<string>();
  containers.forEach((c, i) => {
    const path = index(containersPath, i);
    errs.push(...validateContainer(c, volumes, path));
    if (seen.has(asString(c.name))) errs.push(duplicate(child(path, "name"), asString(c.name)));
    else seen.add(asString(c.name));
    if (c.restartPolicy != null)
      errs.push(forbidden(child(path, "restartPolicy"), "may not be set for non-init containers"));
  });
  const initPath = child(path, "initContainers");
  asMaps(spec.initContainers).forEach((c, i) => {
    const path = index(initPath, i);
    errs.push(...validateContainer(c, volumes, path));
    if (c.restartPolicy != null && c.restartPolicy !== "Always") {
      errs.push(notSupported(child(path, "restartPolicy"), asString(c.restartPolicy), ["Always"]));
    }
    const name = asString(c.name);
    if (seen.has(name)) errs.push(duplicate(child(path, "name"), name));
    else if (name) seen.add(name);
  });
  errs.push(
    ...enumErrors(spec.restartPolicy, child(path, "restartPolicy"), ["Always", "OnFailure", "Never"]),
  );
  errs.push(
    ...enumErrors(spec.dnsPolicy, child(path, "dnsPolicy"), [
      "ClusterFirstWithHostNet",
      "ClusterFirst",
      "Default",
      "None",
    ]),
  );
  errs.push(...validateLabels(spec.nodeSelector, child(path, "nodeSelector")));
  for (const [field, value] of [
    ["serviceAccountName", asString(spec.serviceAccountName)],
    ["nodeName", asString(spec.nodeName)],
  ]) {
    if (value)
      for (const msg of isDNS1123Subdomain(value)) errs.push(invalid(child(path, field), value, msg));
  }
  if (!forPod) return errs;
  // Checks only pods (not pod templates) get.
  for (const [field, items] of [
    ["containers", containers],
    ["initContainers", asMaps(spec.initContainers)],
  ] as const) {
    items.forEach((c, i) => {
      const image = asString(c.image);
      if (image !== image.trim()) {
        errs.push(
          invalid(
            child(index(child(path, field), i), "image"),
            image,
            "must not have leading or trailing whitespace",
          ),
        );
      }
    });
  }
  return errs;
}

/** A defaulted enum: absent or "" means the default; anything else must be one of `valid`. */
function enumErrors(value: unknown, path: string, valid: string[]): FieldCause[] {
  if (value == null || value === "" || valid.includes(asString(value))) return [];
  return [notSupported(path, asString(value), valid)];
}

function validateVolumes(volumes: Json[], path: string): { errs: FieldCause[]; names: Set<string> } {
  const errs: FieldCause[] = [];
  const names = new Set<string>();
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
    if (names.has(name)) el.push(duplicate(namePath, name));
    el.push(...volumeItemPathErrors(vol, volPath));
    // Only valid volumes can be mounted.
    if (el.length === 0) names.add(name);
    errs.push(...el);
  });
  return { errs, names };
}

function validateContainer(c: Json, volumes: Set<string>, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const namePath = child(path, "name");
  const name = asString(c.name);
  if (!name) errs.push(required(namePath));
  else for (const msg of isDNS1123Label(name)) errs.push(invalid(namePath, name, msg));
  if (!asString(c.image)) errs.push(required(child(path, "image")));
  errs.push(
    ...enumErrors(c.terminationMessagePolicy, child(path, "terminationMessagePolicy"), [
      "File",
      "FallbackToLogsOnError",
    ]),
  );
  errs.push(...validateContainerPorts(asMaps(c.ports), child(path, "ports")));
  errs.push(...validateEnv(asMaps(c.env), child(path, "env")));
  errs.push(...validateVolumeMounts(asMaps(c.volumeMounts), volumes, child(path, "volumeMounts")));
  errs.push(
    ...enumErrors(c.imagePullPolicy, child(path, "imagePullPolicy"), ["Always", "IfNotPresent", "Never"]),
  );
  return errs;
}

function validateContainerPorts(ports: Json[], path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const portPath = index(path, i);
    const name = asString(port.name);
    if (name) {
      const msgs = isValidPortName(name);
      for (const msg of msgs) errs.push(invalid(child(portPath, "name"), name, msg));
      if (msgs.length === 0 && names.has(name)) errs.push(duplicate(child(portPath, "name"), name));
      else if (msgs.length === 0) names.add(name);
    }
    const containerPort = typeof port.containerPort === "number" ? port.containerPort : 0;
    if (containerPort === 0) errs.push(required(child(portPath, "containerPort")));
    else
      for (const msg of isValidPortNum(containerPort))
        errs.push(invalid(child(portPath, "containerPort"), containerPort, msg));
    const hostPort = typeof port.hostPort === "number" ? port.hostPort : 0;
    if (hostPort !== 0)
      for (const msg of isValidPortNum(hostPort))
        errs.push(invalid(child(portPath, "hostPort"), hostPort, msg));
    errs.push(...enumErrors(port.protocol, child(portPath, "protocol"), PORT_PROTOCOLS));
  });
  return errs;
}

/** ValidateEnv with RelaxedEnvironmentVariableValidation (on by default): printable ASCII except '='. */
function validateEnv(env: Json[], path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  env.forEach((ev, i) => {
    const namePath = child(index(path, i), "name");
    const name = asString(ev.name);
    if (!name) errs.push(required(namePath));
    for (const msg of relaxedEnvVarNameErrors(name)) errs.push(invalid(namePath, name, msg));
  });
  return errs;
}

function relaxedEnvVarNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (name.length === 0) errs.push("environment variable name must be non-empty");
  if (/[^\x20-\x7e]|=/.test(name)) {
    errs.push(
      "a valid environment variable name must consist only of printable ASCII characters other than '='",
    );
  }
  return errs;
}

function validateVolumeMounts(mounts: Json[], volumes: Set<string>, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const mountPoints = new Set<string>();
  mounts.forEach((m, i) => {
    const mountPath = index(path, i);
    const name = asString(m.name);
    const target = asString(m.mountPath);
    if (!name) errs.push(required(child(mountPath, "name")));
    if (!volumes.has(name)) errs.push(notFound(child(mountPath, "name"), name));
    if (!target) errs.push(required(child(mountPath, "mountPath")));
    if (mountPoints.has(target)) errs.push(invalid(child(mountPath, "mountPath"), target, "must be unique"));
    mountPoints.add(target);
    const subPath = asString(m.subPath);
    if (subPath) errs.push(...localDescendingPathErrors(subPath, child(mountPath, "subPath")));
  });
  return errs;
}

// ---- file paths inside volumes ----

/** The item paths of secret, configMap, downwardAPI and projected volumes (validateKeyToPath,
 * validateDownwardAPIVolumeFile, validateProjectionSources): each a local, descending path. */
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
function localDescendingPathErrors(path: string, fieldPath: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (path.startsWith("/")) errs.push(invalid(fieldPath, path, "must be a relative path"));
  if (path.split("/").includes("..")) errs.push(invalid(fieldPath, path, "must not contain '..'"));
  return errs;
}

// ---- updates ----

const UPDATABLE_FIELDS = [
  "`spec.containers[*].image`",
  "`spec.initContainers[*].image`",
  "`spec.activeDeadlineSeconds`",
  "`spec.tolerations` (only additions to existing tolerations)",
  "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
];

function specUpdateErrors(spec: Json, old: Json): FieldCause[] {
  const tolerations = onlyAddedTolerations(asMaps(spec.tolerations), asMaps(old.tolerations));
  if (tolerations.length > 0) return tolerations;
  // Copy what may change from the old spec, then anything still different is forbidden.
  const munged = structuredClone(spec);
  for (const field of ["containers", "initContainers"]) {
    const before = asMaps(old[field]);
    asMaps(munged[field]).forEach((c, i) => {
      if (i < before.length) c.image = before[i].image;
    });
  }
  for (const field of ["activeDeadlineSeconds", "tolerations", "ephemeralContainers", "schedulingGates"]) {
    if (old[field] === undefined) delete munged[field];
    else munged[field] = old[field];
  }
  const grace = (s: Json) =>
    typeof s.terminationGracePeriodSeconds === "number" ? s.terminationGracePeriodSeconds : 0;
  if (grace(old) < 0 && grace(spec) === 1)
    munged.terminationGracePeriodSeconds = old.terminationGracePeriodSeconds;
  if (deepEqual(munged, old)) return [];
  return [
    forbidden(
      SPEC,
      `pod updates may not change fields other than ${UPDATABLE_FIELDS.join(",")}\n${specDiff(old, munged)}`,
    ),
  ];
}

/** Every existing toleration must still be there (only tolerationSeconds may change). */
function onlyAddedTolerations(now: Json[], before: Json[]): FieldCause[] {
  const withoutSeconds = ({ tolerationSeconds: _, ...rest }: Json) => rest;
  const kept = before.every((t) => now.some((n) => deepEqual(withoutSeconds(t), withoutSeconds(n))));
  return kept
    ? []
    : [
        forbidden(
          child(SPEC, "tolerations"),
          "existing toleration can not be modified except its tolerationSeconds",
        ),
      ];
}

/** A compact rendering of the changed spec fields, in the spirit of upstream's cmp.Diff. */
function specDiff(old: Json, now: Json): string {
  const goName = (k: string) => k.charAt(0).toUpperCase() + k.slice(1);
  const lines = ["  core.PodSpec{"];
  for (const k of [...new Set([...Object.keys(old), ...Object.keys(now)])]) {
    if (deepEqual(old[k], now[k])) continue;
    if (old[k] !== undefined) lines.push(`- \t${goName(k)}: ${JSON.stringify(old[k])},`);
    if (now[k] !== undefined) lines.push(`+ \t${goName(k)}: ${JSON.stringify(now[k])},`);
  }
  lines.push("  }");
  return `${lines.join("\n")}\n`;
}
