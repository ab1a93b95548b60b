// A PodSpec's containers, ported from kubernetes v1.33 pkg/apis/core/validation/validation.go:
// validateContainers, validateInitContainers (restartPolicy Always sidecars may have probes and lifecycle
// hooks), validateEphemeralContainers (validateFieldAllowList), validateContainerCommon, validateContainerPorts,
// ValidateEnv/validateEnvVarValueFrom, ValidateEnvFrom, ValidateVolumeMounts, ValidateVolumeDevices,
// validatePullPolicy, checkHostPortConflicts and validateContainerOnlyForPod.
// Fields SetDefaults always fills (imagePullPolicy, terminationMessagePolicy, port protocol) are validated
// as defaulted: validation here always runs after defaulting, so upstream's "Required" can't arise.

import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from "../../../meta/names.ts";
import { asMap, asMaps, asString, isMap, type Json } from "../json-access.ts";
import type { FieldCause } from "../types.ts";
import { isConfigMapKey } from "./config.ts";
import { child, duplicate, forbidden, index, invalid, notFound, notSupported, required } from "./field.ts";
import { validateName } from "./names.ts";
import { containerProbesErrors, lifecycleErrors } from "./pod-probes.ts";
import { resizePolicyErrors, resourceRequirementsErrors } from "./pod-resources.ts";
import { containerSecurityContextErrors } from "./pod-security-context.ts";
import { hasBacksteps, localDescendingPathErrors } from "./pod-volumes.ts";
import { isValidPortName, isValidPortNum, PORT_PROTOCOLS } from "./ports.ts";

/** What every container list needs from its PodSpec. */
export interface ContainerContext {
  volumes: Map<string, Json>;
  claimNames: Set<string>;
  gracePeriod: number | undefined;
  restartPolicy: string;
  hostUsers: boolean;
}

/** A defaulted enum: absent or "" means the default; anything else must be one of `valid`. */
export function enumErrors(value: unknown, path: string, valid: string[]): FieldCause[] {
  if (value == null || value === "" || valid.includes(asString(value))) return [];
  return [notSupported(path, asString(value), valid)];
}

/** validateContainers. */
export function containersErrors(containers: Json[], ctx: ContainerContext, path: string): FieldCause[] {
  if (containers.length === 0) return [required(path)];
  const errs: FieldCause[] = [];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const at = index(path, i);
    errs.push(...containerCommonErrors(c, ctx, at));
    const name = asString(c.name);
    if (names.has(name)) errs.push(duplicate(child(at, "name"), name));
    else names.add(name);
    if (isMap(c.lifecycle))
      errs.push(...lifecycleErrors(c.lifecycle, ctx.gracePeriod, child(at, "lifecycle")));
    errs.push(...containerProbesErrors(c, ctx.gracePeriod, at));
    if (c.restartPolicy != null)
      errs.push(forbidden(child(at, "restartPolicy"), "may not be set for non-init containers"));
  });
  errs.push(...hostPortConflictErrors(containers, path));
  return errs;
}

/** validateInitContainers. */
export function initContainersErrors(
  inits: Json[],
  regular: Json[],
  ctx: ContainerContext,
  path: string,
): FieldCause[] {
  const errs: FieldCause[] = [];
  const names = new Set(regular.map((c) => asString(c.name)));
  inits.forEach((c, i) => {
    const at = index(path, i);
    errs.push(...containerCommonErrors(c, ctx, at));
    const sidecar = c.restartPolicy === "Always";
    if (c.restartPolicy != null && !sidecar)
      errs.push(notSupported(child(at, "restartPolicy"), asString(c.restartPolicy), ["Always"]));
    const name = asString(c.name);
    if (names.has(name)) errs.push(duplicate(child(at, "name"), name));
    else if (name) names.add(name);
    // Init containers run one by one, so only a container's own host ports can collide.
    errs.push(...hostPortConflictErrors([c], path));
    if (sidecar) {
      if (isMap(c.lifecycle))
        errs.push(...lifecycleErrors(c.lifecycle, ctx.gracePeriod, child(at, "lifecycle")));
      errs.push(...containerProbesErrors(c, ctx.gracePeriod, at));
    } else {
      for (const field of ["lifecycle", "livenessProbe", "readinessProbe", "startupProbe"])
        if (c[field] != null)
          errs.push(
            forbidden(child(at, field), "may not be set for init containers without restartPolicy=Always"),
          );
    }
    // InPlacePodVerticalScaling (beta in v1.33) allows a resizePolicy on sidecars, so nothing more here.
  });
  return errs;
}

// EphemeralContainerCommon fields outside allowedEphemeralContainerFields, in struct order.
const EPHEMERAL_FORBIDDEN = [
  "ports",
  "resources",
  "resizePolicy",
  "restartPolicy",
  "livenessProbe",
  "readinessProbe",
  "startupProbe",
  "lifecycle",
];

/** Whether a field differs from its Go zero value (validateFieldAllowList's reflect.DeepEqual). */
const isSet = (v: unknown): boolean =>
  v != null &&
  v !== "" &&
  !(Array.isArray(v) && v.length === 0) &&
  !(isMap(v) && !Object.values(v).some(isSet));

/** validateEphemeralContainers. */
export function ephemeralContainersErrors(
  ephemeral: Json[],
  spec: Json,
  ctx: ContainerContext,
  path: string,
): FieldCause[] {
  const errs: FieldCause[] = [];
  const others = new Set(
    [...asMaps(spec.containers), ...asMaps(spec.initContainers)].map((c) => asString(c.name)),
  );
  const all = new Set(others);
  ephemeral.forEach((c, i) => {
    const at = index(path, i);
    errs.push(...containerCommonErrors(c, ctx, at));
    errs.push(...containerOnlyForPodErrors(c, at));
    const name = asString(c.name);
    if (all.has(name)) errs.push(duplicate(child(at, "name"), name));
    else all.add(name);
    const target = asString(c.targetContainerName);
    if (target && !others.has(target)) errs.push(notFound(child(at, "targetContainerName"), target));
    for (const field of EPHEMERAL_FORBIDDEN)
      if (isSet(c[field])) errs.push(forbidden(child(at, field), "cannot be set for an Ephemeral Container"));
    asMaps(c.volumeMounts).forEach((m, j) => {
      for (const field of ["subPath", "subPathExpr"])
        if (asString(m[field]))
          errs.push(
            forbidden(
              child(index(child(at, "volumeMounts"), j), field),
              "cannot be set for an Ephemeral Container",
            ),
          );
    });
  });
  return errs;
}

/** validateContainerCommon. */
function containerCommonErrors(c: Json, ctx: ContainerContext, path: string): FieldCause[] {
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
  const mounts = asMaps(c.volumeMounts);
  const devices = asMaps(c.volumeDevices);
  errs.push(...containerPortsErrors(asMaps(c.ports), child(path, "ports")));
  errs.push(...envErrors(asMaps(c.env), child(path, "env")));
  errs.push(...envFromErrors(asMaps(c.envFrom), child(path, "envFrom")));
  errs.push(...volumeMountsErrors(mounts, devices, ctx.volumes, c, child(path, "volumeMounts")));
  errs.push(...volumeDevicesErrors(devices, mounts, ctx.volumes, child(path, "volumeDevices")));
  errs.push(
    ...enumErrors(c.imagePullPolicy, child(path, "imagePullPolicy"), ["Always", "IfNotPresent", "Never"]),
  );
  errs.push(...resourceRequirementsErrors(asMap(c.resources), ctx.claimNames, child(path, "resources")));
  errs.push(...resizePolicyErrors(asMaps(c.resizePolicy), child(path, "resizePolicy"), ctx.restartPolicy));
  errs.push(
    ...containerSecurityContextErrors(c.securityContext, child(path, "securityContext"), ctx.hostUsers),
  );
  return errs;
}

/** validateContainerOnlyForPod: no whitespace around the image (pod templates tolerate it). */
export function containerOnlyForPodErrors(c: Json, path: string): FieldCause[] {
  const image = asString(c.image);
  return image === image.trim()
    ? []
    : [invalid(child(path, "image"), image, "must not have leading or trailing whitespace")];
}

function containerPortsErrors(ports: Json[], path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const at = index(path, i);
    const name = asString(port.name);
    if (name) {
      const msgs = isValidPortName(name);
      for (const msg of msgs) errs.push(invalid(child(at, "name"), name, msg));
      if (msgs.length === 0 && names.has(name)) errs.push(duplicate(child(at, "name"), name));
      else if (msgs.length === 0) names.add(name);
    }
    const containerPort = typeof port.containerPort === "number" ? port.containerPort : 0;
    if (containerPort === 0) errs.push(required(child(at, "containerPort")));
    else
      for (const msg of isValidPortNum(containerPort))
        errs.push(invalid(child(at, "containerPort"), containerPort, msg));
    const hostPort = typeof port.hostPort === "number" ? port.hostPort : 0;
    if (hostPort !== 0)
      for (const msg of isValidPortNum(hostPort)) errs.push(invalid(child(at, "hostPort"), hostPort, msg));
    errs.push(...enumErrors(port.protocol, child(at, "protocol"), PORT_PROTOCOLS));
  });
  return errs;
}

/** checkHostPortConflicts: one protocol/hostIP/hostPort per list. */
export function hostPortConflictErrors(containers: Json[], path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    asMaps(c.ports).forEach((p, pi) => {
      const hostPort = typeof p.hostPort === "number" ? p.hostPort : 0;
      if (hostPort === 0) return;
      const id = `${asString(p.protocol)}/${asString(p.hostIP)}/${hostPort}`;
      if (seen.has(id))
        errs.push(duplicate(child(index(child(index(path, ci), "ports"), pi), "hostPort"), id));
      else seen.add(id);
    });
  });
  return errs;
}

/** IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation is on by default): printable ASCII except '='. */
function relaxedEnvVarNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (name.length === 0) errs.push("environment variable name must be non-empty");
  if (/[^\x20-\x7e]|=/.test(name))
    errs.push(
      "a valid environment variable name must consist only of printable ASCII characters other than '='",
    );
  return errs;
}

function envErrors(env: Json[], path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  env.forEach((ev, i) => {
    const at = index(path, i);
    const name = asString(ev.name);
    if (!name) errs.push(required(child(at, "name")));
    else for (const msg of relaxedEnvVarNameErrors(name)) errs.push(invalid(child(at, "name"), name, msg));
    errs.push(...valueFromErrors(ev, child(at, "valueFrom")));
  });
  return errs;
}

const ENV_FIELD_PATHS = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.serviceAccountName",
  "status.hostIP",
  "status.hostIPs",
  "status.podIP",
  "status.podIPs",
];
// ConvertDownwardAPIFieldLabel's accepted labels (spec.host is the old name of spec.nodeName).
const DOWNWARD_LABELS = new Set([
  "metadata.annotations",
  "metadata.labels",
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.restartPolicy",
  "spec.serviceAccountName",
  "spec.schedulerName",
  "status.phase",
  "status.hostIP",
  "status.hostIPs",
  "status.podIP",
  "status.podIPs",
]);
const CONTAINER_RESOURCE_PATHS = [
  "limits.cpu",
  "limits.ephemeral-storage",
  "limits.memory",
  "requests.cpu",
  "requests.ephemeral-storage",
  "requests.memory",
];

/** fieldpath.SplitMaybeSubscriptedPath: metadata.labels['key']. */
function splitSubscript(path: string): [string, string] | undefined {
  if (!path.endsWith("']")) return undefined;
  const at = path.indexOf("['");
  if (at <= 0) return undefined;
  return [path.slice(0, at), path.slice(at + 2, -2)];
}

/** validateObjectFieldSelector for env (ConvertDownwardAPIFieldLabel first). */
function fieldRefErrors(fs: Json, path: string): FieldCause[] {
  const apiVersion = asString(fs.apiVersion);
  const fieldPath = asString(fs.fieldPath);
  if (!apiVersion) return [required(child(path, "apiVersion"))];
  if (!fieldPath) return [required(child(path, "fieldPath"))];
  const subscripted = splitSubscript(fieldPath);
  let conversionError = "";
  if (apiVersion !== "v1") conversionError = `unsupported pod version: ${apiVersion}`;
  else if (subscripted && subscripted[0] !== "metadata.annotations" && subscripted[0] !== "metadata.labels")
    conversionError = `field label does not support subscript: ${fieldPath}`;
  else if (!subscripted && !DOWNWARD_LABELS.has(fieldPath) && fieldPath !== "spec.host")
    conversionError = `field label not supported: ${fieldPath}`;
  if (conversionError)
    return [invalid(child(path, "fieldPath"), fieldPath, `error converting fieldPath: ${conversionError}`)];
  if (subscripted) {
    const [base, sub] = subscripted;
    const keyName = base === "metadata.annotations" ? sub.toLowerCase() : sub;
    return isQualifiedName(keyName).map((msg) => invalid(path, keyName, msg));
  }
  const internal = fieldPath === "spec.host" ? "spec.nodeName" : fieldPath;
  return ENV_FIELD_PATHS.includes(internal)
    ? []
    : [notSupported(child(path, "fieldPath"), internal, ENV_FIELD_PATHS)];
}

function keySelectorErrors(s: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const name = asString(s.name);
  for (const msg of isDNS1123Subdomain(name)) errs.push(invalid(child(path, "name"), name, msg));
  const k = asString(s.key);
  if (!k) errs.push(required(child(path, "key")));
  else for (const msg of isConfigMapKey(k)) errs.push(invalid(child(path, "key"), k, msg));
  return errs;
}

/** validateEnvVarValueFrom: exactly one source, and not together with a value. */
function valueFromErrors(ev: Json, path: string): FieldCause[] {
  if (!isMap(ev.valueFrom)) return [];
  const from = ev.valueFrom;
  const errs: FieldCause[] = [];
  let sources = 0;
  if (isMap(from.fieldRef)) {
    sources++;
    errs.push(...fieldRefErrors(from.fieldRef, child(path, "fieldRef")));
  }
  if (isMap(from.resourceFieldRef)) {
    sources++;
    const at = child(path, "resourceFieldRef");
    const resource = asString(from.resourceFieldRef.resource);
    if (!resource) errs.push(required(child(at, "resource")));
    else if (!CONTAINER_RESOURCE_PATHS.includes(resource) && !/^(requests|limits)\.hugepages-/.test(resource))
      errs.push(notSupported(child(at, "resource"), resource, CONTAINER_RESOURCE_PATHS));
  }
  if (isMap(from.configMapKeyRef)) {
    sources++;
    errs.push(...keySelectorErrors(from.configMapKeyRef, child(path, "configMapKeyRef")));
  }
  if (isMap(from.secretKeyRef)) {
    sources++;
    errs.push(...keySelectorErrors(from.secretKeyRef, child(path, "secretKeyRef")));
  }
  if (sources === 0)
    errs.push(
      invalid(
        path,
        "",
        "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
      ),
    );
  else if (asString(ev.value)) errs.push(invalid(path, "", "may not be specified when `value` is not empty"));
  else if (sources > 1) errs.push(invalid(path, "", "may not have more than one field specified at a time"));
  return errs;
}

/** ValidateEnvFrom. */
function envFromErrors(envFrom: Json[], path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  envFrom.forEach((ev, i) => {
    const at = index(path, i);
    const prefix = asString(ev.prefix);
    if (prefix)
      for (const msg of relaxedEnvVarNameErrors(prefix)) errs.push(invalid(child(at, "prefix"), prefix, msg));
    let sources = 0;
    for (const field of ["configMapRef", "secretRef"]) {
      if (!isMap(ev[field])) continue;
      sources++;
      const name = asString(ev[field].name);
      const namePath = child(child(at, field), "name");
      if (!name) errs.push(required(namePath));
      else
        for (const msg of validateName("dns1123Subdomain", name, true))
          errs.push(invalid(namePath, name, msg));
    }
    if (sources === 0) errs.push(invalid(path, "", "must specify one of: `configMapRef` or `secretRef`"));
    else if (sources > 1)
      errs.push(invalid(path, "", "may not have more than one field specified at a time"));
  });
  return errs;
}

const MOUNT_PROPAGATIONS = ["Bidirectional", "HostToContainer", "None"];
const RECURSIVE_READ_ONLY = ["Disabled", "Enabled", "IfPossible"];

/** ValidateVolumeMounts (subPath and mountPropagation paths name the list, not the item, as upstream's do). */
function volumeMountsErrors(
  mounts: Json[],
  devices: Json[],
  volumes: Map<string, Json>,
  c: Json,
  path: string,
): FieldCause[] {
  const errs: FieldCause[] = [];
  const mountPoints = new Set<string>();
  const deviceNames = new Set(devices.map((d) => asString(d.name)));
  const devicePaths = new Set(devices.map((d) => asString(d.devicePath)));
  mounts.forEach((m, i) => {
    const at = index(path, i);
    const name = asString(m.name);
    const target = asString(m.mountPath);
    if (!name) errs.push(required(child(at, "name")));
    if (!volumes.has(name)) errs.push(notFound(child(at, "name"), name));
    if (!target) errs.push(required(child(at, "mountPath")));
    if (mountPoints.has(target)) errs.push(invalid(child(at, "mountPath"), target, "must be unique"));
    mountPoints.add(target);
    if (deviceNames.has(name))
      errs.push(invalid(child(at, "name"), name, "must not already exist in volumeDevices"));
    if (devicePaths.has(target))
      errs.push(invalid(child(at, "mountPath"), target, "must not already exist as a path in volumeDevices"));
    const subPath = asString(m.subPath);
    const subPathExpr = asString(m.subPathExpr);
    if (volumes.get(name)?.image != null) {
      if (subPath) errs.push(invalid(child(at, "subPath"), subPath, "not allowed in image volume sources"));
      if (subPathExpr)
        errs.push(invalid(child(at, "subPathExpr"), subPathExpr, "not allowed in image volume sources"));
    }
    if (subPath) errs.push(...localDescendingPathErrors(subPath, child(path, "subPath")));
    if (subPathExpr) {
      if (subPath)
        errs.push(
          invalid(child(at, "subPathExpr"), subPathExpr, "subPathExpr and subPath are mutually exclusive"),
        );
      errs.push(...localDescendingPathErrors(subPathExpr, child(path, "subPathExpr")));
    }
    const propagation = m.mountPropagation;
    if (propagation != null) {
      const mode = asString(propagation);
      const at2 = child(path, "mountPropagation");
      if (!MOUNT_PROPAGATIONS.includes(mode)) errs.push(notSupported(at2, mode, MOUNT_PROPAGATIONS));
      if (mode === "Bidirectional" && asMap(c.securityContext).privileged !== true)
        errs.push(
          forbidden(at2, "Bidirectional mount propagation is available only to privileged containers"),
        );
    }
    if (m.recursiveReadOnly != null) {
      const rro = asString(m.recursiveReadOnly);
      const at2 = child(path, "recursiveReadOnly");
      if (rro === "Enabled" || rro === "IfPossible") {
        if (m.readOnly !== true) errs.push(forbidden(at2, "may only be specified when readOnly is true"));
        if (propagation != null && propagation !== "None")
          errs.push(forbidden(at2, "may only be specified when mountPropagation is None or not specified"));
      } else if (rro !== "Disabled") errs.push(notSupported(at2, rro, RECURSIVE_READ_ONLY));
    }
  });
  return errs;
}

/** ValidateVolumeDevices: block devices come from PersistentVolumeClaim or ephemeral volumes. */
function volumeDevicesErrors(
  devices: Json[],
  mounts: Json[],
  volumes: Map<string, Json>,
  path: string,
): FieldCause[] {
  const errs: FieldCause[] = [];
  const paths = new Set<string>();
  const names = new Set<string>();
  const mountNames = new Set(mounts.map((m) => asString(m.name)));
  const mountPaths = new Set(mounts.map((m) => asString(m.mountPath)));
  devices.forEach((d, i) => {
    const at = index(path, i);
    const name = asString(d.name);
    const devicePath = asString(d.devicePath);
    const volume = volumes.get(name);
    const isPVC = volume != null && (volume.persistentVolumeClaim != null || volume.ephemeral != null);
    if (!name) errs.push(required(child(at, "name")));
    if (names.has(name)) errs.push(invalid(child(at, "name"), name, "must be unique"));
    if (volume && !isPVC)
      errs.push(
        invalid(
          child(at, "name"),
          name,
          "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode",
        ),
      );
    if (!volume) errs.push(notFound(child(at, "name"), name));
    if (!devicePath) errs.push(required(child(at, "devicePath")));
    if (paths.has(devicePath)) errs.push(invalid(child(at, "devicePath"), devicePath, "must be unique"));
    if (devicePath && hasBacksteps(devicePath))
      errs.push(invalid(child(at, "devicePath"), devicePath, "can not contain backsteps ('..')"));
    else paths.add(devicePath);
    if (mountNames.has(name))
      errs.push(invalid(child(at, "name"), name, "must not already exist in volumeMounts"));
    if (mountPaths.has(devicePath))
      errs.push(
        invalid(child(at, "devicePath"), devicePath, "must not already exist as a path in volumeMounts"),
      );
    if (name) names.add(name);
  });
  return errs;
}
