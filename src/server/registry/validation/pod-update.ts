// Pod writes after creation, ported from kubernetes v1.33 pkg/apis/core/validation/validation.go:
// ValidatePodUpdate (ValidateContainerUpdates, activeDeadlineSeconds, tolerations, scheduling gates, the
// gated-Pod nodeSelector/nodeAffinity relaxations, then "pod updates may not change fields other than …" with
// the spec diff), ValidatePodSpecificAnnotationUpdates, ValidatePodStatusUpdate (validatePodConditions,
// ValidateContainerStateTransition, ValidateInitContainerStateTransition, validatePodResourceClaimStatuses,
// validatePodIPs, validateHostIPs, validateContainerStatusUsers), ValidatePodEphemeralContainersUpdate and
// ValidatePodBinding. ObjectMeta update rules are the generic pass's (meta.ts).

import { isIP } from "node:net";
import { goQuote } from "../../../meta/go-quote.ts";
import { isDNS1123Subdomain, isQualifiedName } from "../../../meta/names.ts";
import type { KubeObject } from "../../../meta/types.ts";
import { asMap, asMaps, asNumber, asString, deepEqual, isMap, type Json } from "../json-access.ts";
import type { FieldCause } from "../types.ts";
import { stringMapSyntax } from "./apps.ts";
import {
  child,
  duplicate,
  forbidden,
  goSyntax,
  immutable,
  index,
  invalid,
  notSupported,
  required,
} from "./field.ts";
import { ipErrors } from "./ip.ts";
import {
  nodeAffinityMutationErrors,
  nodeSelectorMutationErrors,
  onlyAddedTolerationsErrors,
  onlyDeletedSchedulingGatesErrors,
} from "./pod-scheduling.ts";
import { podSpecificAnnotationsErrors, validatePodMetadataAndSpec } from "./pod-spec.ts";

const SPEC = "spec";
const MAX_INT32 = 2147483647;
const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
const APPARMOR_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

const UPDATABLE_FIELDS = [
  "`spec.containers[*].image`",
  "`spec.initContainers[*].image`",
  "`spec.activeDeadlineSeconds`",
  "`spec.tolerations` (only additions to existing tolerations)",
  "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
];

/** ValidatePodSpecificAnnotationUpdates: AppArmor and mirror-pod annotations are fixed at creation. */
function annotationUpdateErrors(pod: KubeObject, old: KubeObject): FieldCause[] {
  const path = "metadata.annotations";
  const now = asMap(pod.metadata?.annotations);
  const before = asMap(old.metadata?.annotations);
  const errs: FieldCause[] = [];
  for (const [k, v] of Object.entries(before)) {
    if (Object.hasOwn(now, k) && now[k] === v) continue;
    if (k.startsWith(APPARMOR_PREFIX))
      errs.push(forbidden(`${path}[${k}]`, "may not remove or update AppArmor annotations"));
    if (k === MIRROR_ANNOTATION)
      errs.push(forbidden(`${path}[${k}]`, "may not remove or update mirror pod annotation"));
  }
  for (const k of Object.keys(now)) {
    if (Object.hasOwn(before, k)) continue;
    if (k.startsWith(APPARMOR_PREFIX))
      errs.push(forbidden(`${path}[${k}]`, "may not add AppArmor annotations"));
    if (k === MIRROR_ANNOTATION) errs.push(forbidden(`${path}[${k}]`, "may not add mirror pod annotation"));
  }
  return [...errs, ...podSpecificAnnotationsErrors(now, asMap(pod.spec), path)];
}

/** ValidateContainerUpdates: same number of containers, each with a trimmed image. */
function containerUpdateErrors(
  now: Json[],
  before: Json[],
  path: string,
): { errs: FieldCause[]; stop: boolean } {
  if (now.length !== before.length)
    return { errs: [forbidden(path, "pod updates may not add or remove containers")], stop: true };
  const errs: FieldCause[] = [];
  now.forEach((c, i) => {
    const image = asString(c.image);
    if (!image) errs.push(required(child(index(path, i), "image")));
    if (image.trim() !== image)
      errs.push(
        invalid(child(index(path, i), "image"), image, "must not have leading or trailing whitespace"),
      );
  });
  return { errs, stop: false };
}

/** ValidatePodUpdate. */
export function validatePodUpdate(pod: KubeObject, old: KubeObject): FieldCause[] {
  const spec = asMap(pod.spec);
  const before = asMap(old.spec);
  const errs = [...validatePodMetadataAndSpec(pod), ...annotationUpdateErrors(pod, old)];
  for (const field of ["containers", "initContainers"]) {
    const { errs: containerErrs, stop } = containerUpdateErrors(
      asMaps(spec[field]),
      asMaps(before[field]),
      child(SPEC, field),
    );
    errs.push(...containerErrs);
    if (stop) return errs;
  }
  const deadlinePath = child(SPEC, "activeDeadlineSeconds");
  if (spec.activeDeadlineSeconds != null) {
    const value = asNumber(spec.activeDeadlineSeconds);
    if (value < 0 || value > MAX_INT32) {
      errs.push(invalid(deadlinePath, value, `must be between 0 and ${MAX_INT32}, inclusive`));
      return errs;
    }
    if (before.activeDeadlineSeconds != null && asNumber(before.activeDeadlineSeconds) < value) {
      errs.push(invalid(deadlinePath, value, "must be less than or equal to previous value"));
      return errs;
    }
  } else if (before.activeDeadlineSeconds != null)
    errs.push(invalid(deadlinePath, null, "must not update from a positive integer to nil value"));
  errs.push(
    ...onlyAddedTolerationsErrors(
      asMaps(spec.tolerations),
      asMaps(before.tolerations),
      child(SPEC, "tolerations"),
    ),
  );
  errs.push(
    ...onlyDeletedSchedulingGatesErrors(
      asMaps(spec.schedulingGates),
      asMaps(before.schedulingGates),
      child(SPEC, "schedulingGates"),
    ),
  );
  if (deepEqual(spec, before)) return errs;

  // Copy what may change from the old spec; anything still different is forbidden.
  const munged = structuredClone(spec);
  for (const field of ["containers", "initContainers"]) {
    const was = asMaps(before[field]);
    asMaps(munged[field]).forEach((c, i) => {
      c.image = was[i].image;
    });
  }
  for (const field of ["activeDeadlineSeconds", "schedulingGates", "tolerations"]) {
    if (before[field] === undefined) delete munged[field];
    else munged[field] = before[field];
  }
  if (asNumber(before.terminationGracePeriodSeconds) < 0 && munged.terminationGracePeriodSeconds === 1)
    munged.terminationGracePeriodSeconds = before.terminationGracePeriodSeconds;
  if (asMaps(before.schedulingGates).length > 0) errs.push(...gatedPodRelaxations(munged, before));
  if (!deepEqual(munged, before))
    errs.push(
      forbidden(
        SPEC,
        `pod updates may not change fields other than ${UPDATABLE_FIELDS.join(",")}\n${specDiff(before, munged)}`,
      ),
    );
  return errs;
}

/** A Pod still gated may gain nodeSelector entries and node affinity requirements (munged back after checks). */
function gatedPodRelaxations(munged: Json, before: Json): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!deepEqual(munged.nodeSelector ?? {}, before.nodeSelector ?? {})) {
    errs.push(
      ...nodeSelectorMutationErrors(
        asMap(munged.nodeSelector),
        asMap(before.nodeSelector),
        child(SPEC, "nodeSelector"),
        stringMapSyntax(munged.nodeSelector),
      ),
    );
    if (before.nodeSelector === undefined) delete munged.nodeSelector;
    else munged.nodeSelector = before.nodeSelector;
  }
  const oldNA = isMap(before.affinity) ? before.affinity.nodeAffinity : undefined;
  const newNA = isMap(munged.affinity) ? munged.affinity.nodeAffinity : undefined;
  if (!deepEqual(oldNA ?? null, newNA ?? null)) {
    errs.push(
      ...nodeAffinityMutationErrors(
        isMap(newNA) ? newNA : undefined,
        isMap(oldNA) ? oldNA : undefined,
        "spec.affinity.nodeAffinity",
      ),
    );
    const affinity = isMap(munged.affinity) ? munged.affinity : undefined;
    if (!affinity) {
      if (oldNA != null) munged.affinity = { nodeAffinity: oldNA };
    } else if (before.affinity == null && affinity.podAffinity == null && affinity.podAntiAffinity == null)
      delete munged.affinity;
    else if (oldNA === undefined) delete affinity.nodeAffinity;
    else affinity.nodeAffinity = oldNA;
  }
  return errs;
}

// ---- status ----

const SYSTEM_CONDITIONS = new Set(["PodScheduled", "Ready", "Initialized"]);

/** ValidateContainerStateTransition (and its init-container variant: sidecars may restart). */
function stateTransitionErrors(
  now: Json[],
  before: Json[],
  path: string,
  restartPolicy: string,
  spec?: Json,
): FieldCause[] {
  if (restartPolicy === "Always") return [];
  const sidecars = new Set(
    asMaps(spec?.initContainers)
      .filter((c) => c.restartPolicy === "Always")
      .map((c) => asString(c.name)),
  );
  const errs: FieldCause[] = [];
  before.forEach((old, i) => {
    const terminated = asMap(old.state).terminated;
    if (!isMap(terminated)) return;
    if (asNumber(terminated.exitCode) !== 0 && restartPolicy === "OnFailure") return;
    if (sidecars.has(asString(old.name))) return;
    for (const n of now)
      if (n.name === old.name && !isMap(asMap(n.state).terminated))
        errs.push(
          forbidden(child(index(path, i), "state"), "may not be transitioned to non-terminated state"),
        );
  });
  return errs;
}

/** netutils.IsDualStackIPStrings: exactly one address of each family. */
function isDualStack(ips: string[]): boolean {
  const families = ips.map((ip) => isIP(ip));
  return (
    families.filter((f) => f === 4).length === 1 &&
    families.filter((f) => f === 6).length === 1 &&
    ips.length === 2
  );
}

const ipListSyntax = (items: Json[], type: string) =>
  goSyntax(`[]core.${type}{${items.map((x) => `core.${type}{IP:${goQuote(asString(x.ip))}}`).join(", ")}}`);

/** validatePodIPs / validateHostIPs. */
function statusIPsErrors(status: Json, field: "podIPs" | "hostIPs", type: string): FieldCause[] {
  const path = child("status", field);
  const items = asMaps(status[field]);
  const errs: FieldCause[] = [];
  if (field === "hostIPs" && items.length > 0 && asString(status.hostIP) !== asString(items[0].ip))
    errs.push(invalid(child(index(path, 0), "ip"), asString(items[0].ip), "must be equal to `hostIP`"));
  items.forEach((x, i) => {
    errs.push(...ipErrors(index(path, i), asString(x.ip)));
  });
  if (items.length > 1) {
    const ips = items.map((x) => asString(x.ip));
    if (!isDualStack(ips))
      errs.push(
        invalid(path, ipListSyntax(items, type), "may specify no more than one IP for each IP family"),
      );
    const seen = new Set<string>();
    items.forEach((x, i) => {
      const ip = asString(x.ip);
      if (seen.has(ip)) errs.push(duplicate(index(path, i), goSyntax(`core.${type}{IP:${goQuote(ip)}}`)));
      seen.add(ip);
    });
  }
  return errs;
}

const MAX_ID = 2147483647;

/** validateContainerStatusUsers. */
function statusUsersErrors(statuses: Json[], path: string, os: string): FieldCause[] {
  const errs: FieldCause[] = [];
  statuses.forEach((s, i) => {
    if (!isMap(s.user)) return;
    const linux = s.user.linux;
    const at = child(index(path, i), "linux");
    if (os === "windows") {
      if (linux != null) errs.push(forbidden(at, "cannot be set for a windows pod"));
      return;
    }
    if (!isMap(linux)) return;
    const id = (v: unknown, p: string) => {
      const n = asNumber(v);
      if (n < 0 || n > MAX_ID) errs.push(invalid(p, n, `must be between 0 and ${MAX_ID}, inclusive`));
    };
    id(linux.uid, child(at, "uid"));
    id(linux.gid, child(at, "gid"));
    (Array.isArray(linux.supplementalGroups) ? linux.supplementalGroups : []).forEach((g, j) => {
      id(g, index(child(at, "supplementalGroups"), j));
    });
  });
  return errs;
}

/** ValidatePodStatusUpdate (the object merged for pods/status: spec and metadata are the stored ones). */
export function validatePodStatusUpdate(pod: KubeObject, old: KubeObject): FieldCause[] {
  const status = asMap(pod.status);
  const oldStatus = asMap(old.status);
  const spec = asMap(pod.spec);
  const oldSpec = asMap(old.spec);
  const errs = annotationUpdateErrors(pod, old);
  asMaps(status.conditions).forEach((c, i) => {
    const type = asString(c.type);
    if (SYSTEM_CONDITIONS.has(type)) return;
    // Upstream names these under metadata (its fldPath at that point).
    for (const msg of isQualifiedName(type)) errs.push(invalid(`metadata.conditions[${i}].Type`, type, msg));
  });
  if (asString(spec.nodeName) !== asString(oldSpec.nodeName))
    errs.push(forbidden("status.nodeName", "may not be changed directly"));
  const nominated = asString(status.nominatedNodeName);
  if (nominated && nominated !== asString(oldStatus.nominatedNodeName))
    for (const msg of isDNS1123Subdomain(nominated))
      errs.push(invalid("status.nominatedNodeName", nominated, msg));
  if (asString(status.qosClass) !== asString(oldStatus.qosClass))
    errs.push(immutable("status.qosClass", asString(status.qosClass)));
  const restartPolicy = asString(oldSpec.restartPolicy);
  errs.push(
    ...stateTransitionErrors(
      asMaps(status.containerStatuses),
      asMaps(oldStatus.containerStatuses),
      "status.containerStatuses",
      restartPolicy,
    ),
    ...stateTransitionErrors(
      asMaps(status.initContainerStatuses),
      asMaps(oldStatus.initContainerStatuses),
      "status.initContainerStatuses",
      restartPolicy,
      oldSpec,
    ),
    ...stateTransitionErrors(
      asMaps(status.ephemeralContainerStatuses),
      asMaps(oldStatus.ephemeralContainerStatuses),
      "status.ephemeralContainerStatuses",
      "Never",
    ),
  );
  const claims = new Set(asMaps(spec.resourceClaims).map((c) => asString(c.name)));
  const seenClaims = new Set<string>();
  asMaps(status.resourceClaimStatuses).forEach((s, i) => {
    const at = child(index("status.resourceClaimStatuses", i), "name");
    const name = asString(s.name);
    if (!claims.has(name))
      errs.push(invalid(at, name, "must match the name of an entry in `spec.resourceClaims`"));
    if (seenClaims.has(name)) errs.push(duplicate(at, name));
    else seenClaims.add(name);
    if (s.resourceClaimName != null) {
      const claimName = asString(s.resourceClaimName);
      for (const msg of isDNS1123Subdomain(claimName)) errs.push(invalid(at, claimName, msg));
    }
  });
  errs.push(...statusIPsErrors(status, "podIPs", "PodIP"), ...statusIPsErrors(status, "hostIPs", "HostIP"));
  const os = asString(asMap(spec.os).name) || "linux";
  for (const field of ["containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"])
    errs.push(...statusUsersErrors(asMaps(status[field]), child("status", field), os));
  errs.push(
    ...allocatedResourcesStatusErrors(
      asMaps(status.containerStatuses),
      asMaps(spec.containers),
      "status.containerStatuses",
    ),
    ...allocatedResourcesStatusErrors(
      asMaps(status.initContainerStatuses),
      asMaps(spec.initContainers),
      "status.initContainerStatuses",
    ),
  );
  asMaps(status.ephemeralContainerStatuses).forEach((s, i) => {
    if (Array.isArray(s.allocatedResourcesStatus) && s.allocatedResourcesStatus.length > 0)
      errs.push(
        forbidden(
          child(index("status.ephemeralContainerStatuses", i), "allocatedResourcesStatus"),
          "must not be specified in container status",
        ),
      );
  });
  return errs;
}

const RESOURCE_HEALTH = ["Healthy", "Unhealthy", "Unknown"];

/** validateContainerStatusAllocatedResourcesStatus: names a container's requests or claims, unique IDs. */
function allocatedResourcesStatusErrors(statuses: Json[], containers: Json[], path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  statuses.forEach((s, i) => {
    const container = containers.find((c) => c.name === s.name);
    asMaps(s.allocatedResourcesStatus).forEach((allocated, j) => {
      const at = index(child(index(path, i), "allocatedResourcesStatus"), j);
      const name = asString(allocated.name);
      // A status for a container the spec lacks is ignored (kubernetes#124915).
      if (container) {
        const resources = asMap(container.resources);
        const claim = name.startsWith("claim:");
        const found = claim
          ? asMaps(resources.claims).some(
              (c) =>
                `claim:${asString(c.name)}${asString(c.request) ? `/${asString(c.request)}` : ""}` === name,
            )
          : Object.hasOwn(asMap(resources.requests), name);
        if (!found)
          errs.push(
            invalid(
              child(at, "name"),
              name,
              claim
                ? "must match one of the container's resource claims in a format 'claim:<claimName>/<request>' or 'claim:<claimName>' if request is empty"
                : "must match one of the container's resource requests",
            ),
          );
      }
      const ids = new Set<string>();
      asMaps(allocated.resources).forEach((r, k) => {
        const rp = index(child(at, "resources"), k);
        const health = asString(r.health);
        if (!RESOURCE_HEALTH.includes(health))
          errs.push(notSupported(child(rp, "health"), health, RESOURCE_HEALTH));
        const id = asString(r.resourceID);
        if (ids.has(id)) errs.push(duplicate(child(rp, "resourceID"), id));
        else ids.add(id);
      });
    });
  });
  return errs;
}

/** ValidatePodEphemeralContainersUpdate: ephemeral containers may only be added. */
export function validatePodEphemeralContainersUpdate(pod: KubeObject, old: KubeObject): FieldCause[] {
  const errs = [...validatePodMetadataAndSpec(pod), ...annotationUpdateErrors(pod, old)];
  if (Object.hasOwn(asMap(old.metadata?.annotations), MIRROR_ANNOTATION))
    return [forbidden("", "static pods do not support ephemeral containers")];
  const path = "spec.ephemeralContainers";
  const now = new Map(asMaps(asMap(pod.spec).ephemeralContainers).map((c) => [asString(c.name), c]));
  for (const was of asMaps(asMap(old.spec).ephemeralContainers)) {
    const name = asString(was.name);
    const current = now.get(name);
    if (!current)
      errs.push(forbidden(path, `existing ephemeral containers ${goQuote(name)} may not be removed\n`));
    else if (!deepEqual(was, current))
      errs.push(
        forbidden(
          path,
          `existing ephemeral containers ${goQuote(name)} may not be changed\n${diff(was, current, "core.EphemeralContainer")}`,
        ),
      );
  }
  return errs;
}

/** ValidatePodBinding. */
export function validatePodBinding(binding: Json): FieldCause[] {
  const target = asMap(binding.target);
  const errs: FieldCause[] = [];
  const kind = asString(target.kind);
  if (kind && kind !== "Node") errs.push(notSupported("target.kind", kind, ["Node", "<empty>"]));
  if (!asString(target.name)) errs.push(required("target.name"));
  return errs;
}

// ---- the diff in the update error ----

// Go field names that are not just the JSON name capitalized.
const GO_NAMES: Record<string, string> = {
  dnsPolicy: "DNSPolicy",
  dnsConfig: "DNSConfig",
  hostPID: "HostPID",
  hostIPC: "HostIPC",
  os: "OS",
  tty: "TTY",
  hostIP: "HostIP",
  httpGet: "HTTPGet",
  tcpSocket: "TCPSocket",
  grpc: "GRPC",
  podIP: "PodIP",
};
const goName = (k: string) => GO_NAMES[k] ?? k.charAt(0).toUpperCase() + k.slice(1);

function goValue(v: unknown): string {
  if (v === undefined || v === null) return "nil";
  if (typeof v === "string") return goQuote(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `{${v.map(goValue).join(", ")}}`;
  return `{${Object.entries(v as Json)
    .map(([k, x]) => `${goName(k)}: ${goValue(x)}`)
    .join(", ")}}`;
}

/** In the shape of go-cmp's cmp.Diff(old, new) report: changed fields as -/+ lines, equal ones counted. */
function diff(old: unknown, now: unknown, type: string): string {
  const lines: string[] = [`  ${type}{`];
  diffFields(old as Json, now as Json, 1, lines);
  lines.push("  }");
  return `${lines.join("\n")}\n`;
}

function diffFields(old: Json, now: Json, depth: number, lines: string[]): void {
  const pad = "\t".repeat(depth);
  let identical = 0;
  for (const k of [...new Set([...Object.keys(old), ...Object.keys(now)])]) {
    if (deepEqual(old[k], now[k])) {
      identical++;
      continue;
    }
    if (identical > 0) lines.push(`  ${pad}... // ${identical} identical fields`);
    identical = 0;
    diffValue(goName(k), old[k], now[k], depth, lines);
  }
  if (identical > 0) lines.push(`  ${pad}... // ${identical} identical fields`);
}

function diffValue(label: string, old: unknown, now: unknown, depth: number, lines: string[]): void {
  const pad = "\t".repeat(depth);
  const prefix = label ? `${label}: ` : "";
  if (isMap(old) && isMap(now)) {
    lines.push(`  ${pad}${prefix}{`);
    diffFields(old, now, depth + 1, lines);
    lines.push(`  ${pad}},`);
  } else if (Array.isArray(old) && Array.isArray(now) && old.length === now.length) {
    lines.push(`  ${pad}${prefix}{`);
    let identical = 0;
    old.forEach((o, i) => {
      if (deepEqual(o, now[i])) identical++;
      else {
        if (identical > 0) lines.push(`  ${pad}\t... // ${identical} identical elements`);
        identical = 0;
        diffValue("", o, now[i], depth + 1, lines);
      }
    });
    if (identical > 0) lines.push(`  ${pad}\t... // ${identical} identical elements`);
    lines.push(`  ${pad}},`);
  } else {
    if (old !== undefined) lines.push(`- ${pad}${prefix}${goValue(old)},`);
    if (now !== undefined) lines.push(`+ ${pad}${prefix}${goValue(now)},`);
  }
}

/** The spec diff of the update error. */
export const specDiff = (old: Json, now: Json) => diff(old, now, "core.PodSpec");
