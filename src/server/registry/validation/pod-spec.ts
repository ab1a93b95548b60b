// PodSpec validation, ported from kubernetes v1.33 pkg/apis/core/validation/validation.go: ValidatePodSpec
// in upstream's order (validatePodDNSConfig, ValidateHostAliases, validatePodHostNetworkDeps,
// validateReadinessGates…), validatePodMetadataAndSpec, ValidatePodSpecificAnnotations and
// ValidatePodTemplateSpec. Topics live in pod-containers, pod-probes, pod-resources, pod-scheduling,
// pod-security-context and pod-volumes; pod.ts has ValidatePodCreate, pod-update.ts the update rules.
// Validation runs on defaulted objects, so fields SetDefaults_PodSpec always fills are taken as defaulted.
// Feature gates are v1.33's defaults.

import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, regexError } from "../../../meta/names.ts";
import type { KubeObject } from "../../../meta/types.ts";
import { jsonKind, parseJsonGo } from "../go-format.ts";
import { asMap, asMaps, asNumber, asString, asStrings, isMap, type Json } from "../json-access.ts";
import type { FieldCause } from "../types.ts";
import { child, forbidden, index, invalid, key, required } from "./field.ts";
import { ipErrors } from "./ip.ts";
import { validateAnnotations, validateLabels } from "./meta.ts";
import {
  type ContainerContext,
  containerOnlyForPodErrors,
  containersErrors,
  enumErrors,
  ephemeralContainersErrors,
  initContainersErrors,
} from "./pod-containers.ts";
import { overheadErrors, podClaimNames, podResourceClaimsErrors } from "./pod-resources.ts";
import {
  affinityErrors,
  goStrings,
  schedulingGatesErrors,
  tolerationsErrors,
  topologySpreadErrors,
} from "./pod-scheduling.ts";
import {
  annotationFieldMatchErrors,
  hostUsersErrors,
  osErrors,
  podSecurityContextErrors,
  usesHostUsers,
  windowsHostProcessErrors,
} from "./pod-security-context.ts";
import { localDescendingPathErrors, validateVolumes } from "./pod-volumes.ts";

const SPEC = "spec";
const MAX_INT32 = 2147483647;

/** Pods get the checks pod templates don't (PodValidationOptions.ResourceIsPod). */
interface SpecOptions {
  resourceIsPod: boolean;
}

/** validatePodMetadataAndSpec without ObjectMeta (validated generically): annotations, spec, Pod-only rules. */
export function validatePodMetadataAndSpec(pod: KubeObject): FieldCause[] {
  const spec = asMap(pod.spec);
  const errs = [
    ...podSpecificAnnotationsErrors(asMap(pod.metadata?.annotations), spec, "metadata.annotations"),
    ...validatePodSpec(spec, SPEC, { resourceIsPod: true }),
  ];
  if (!asString(spec.serviceAccountName))
    asMaps(spec.volumes).forEach((vol, vi) => {
      asMaps(asMap(vol.projected).sources).forEach((source, si) => {
        if (source.serviceAccountToken != null)
          errs.push(
            forbidden(
              `${SPEC}.volumes[${vi}].projected.sources[${si}].serviceAccountToken`,
              "must not be specified when serviceAccountName is not set",
            ),
          );
      });
    });
  for (const field of ["containers", "initContainers"])
    asMaps(spec[field]).forEach((c, i) => {
      errs.push(...containerOnlyForPodErrors(c, index(child(SPEC, field), i)));
    });
  return errs;
}

/** ValidatePodTemplateSpec: a workload's template (labels and annotations at "<path>.labels"). */
export function validatePodTemplateSpec(template: Json, path: string): FieldCause[] {
  const meta = asMap(template.metadata);
  const spec = asMap(template.spec);
  const specPath = child(path, "spec");
  const annotations = asMap(meta.annotations);
  const errs = [
    ...validateLabels(meta.labels, child(path, "labels")),
    ...validateAnnotations(meta.annotations, child(path, "annotations")),
    ...podSpecificAnnotationsErrors(annotations, spec, child(path, "annotations")),
    ...validatePodSpec(spec, specPath, { resourceIsPod: false }),
    ...annotationFieldMatchErrors(annotations, spec, specPath),
  ];
  if (asMaps(spec.ephemeralContainers).length > 0)
    errs.push(
      forbidden(child(path, "spec.ephemeralContainers"), "ephemeral containers not allowed in pod template"),
    );
  return errs;
}

/** ValidatePodSpec at `path` ("spec" for a Pod, "spec.template.spec" in a workload). */
export function validatePodSpec(
  spec: Json,
  path = SPEC,
  o: SpecOptions = { resourceIsPod: true },
): FieldCause[] {
  const grace = spec.terminationGracePeriodSeconds;
  const ctx: ContainerContext = {
    volumes: new Map(),
    claimNames: podClaimNames(asMaps(spec.resourceClaims)),
    gracePeriod: typeof grace === "number" ? grace : undefined,
    restartPolicy: asString(spec.restartPolicy) || "Always",
    hostUsers: usesHostUsers(spec),
  };
  const { errs, volumes } = validateVolumes(asMaps(spec.volumes), child(path, "volumes"), o.resourceIsPod);
  ctx.volumes = volumes;
  const containers = asMaps(spec.containers);
  errs.push(...podResourceClaimsErrors(asMaps(spec.resourceClaims), child(path, "resourceClaims")));
  errs.push(...containersErrors(containers, ctx, child(path, "containers")));
  errs.push(
    ...initContainersErrors(asMaps(spec.initContainers), containers, ctx, child(path, "initContainers")),
  );
  errs.push(
    ...ephemeralContainersErrors(
      asMaps(spec.ephemeralContainers),
      spec,
      ctx,
      child(path, "ephemeralContainers"),
    ),
  );
  errs.push(...hostNetworkPortErrors(spec, path, o.resourceIsPod));
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
  errs.push(...podSecurityContextErrors(spec, child(path, "securityContext")));
  errs.push(...affinityErrors(spec.affinity, child(path, "affinity")));
  errs.push(...dnsConfigErrors(spec, child(path, "dnsConfig")));
  asMaps(spec.readinessGates).forEach((gate, i) => {
    const type = asString(gate.conditionType);
    const at = child(index(child(path, "readinessGates"), i), "conditionType");
    for (const msg of isQualifiedName(type)) errs.push(invalid(at, type, msg));
  });
  errs.push(...schedulingGatesErrors(asMaps(spec.schedulingGates), child(path, "schedulingGates")));
  errs.push(
    ...topologySpreadErrors(asMaps(spec.topologySpreadConstraints), child(path, "topologySpreadConstraints")),
  );
  errs.push(...windowsHostProcessErrors(spec, path));
  errs.push(...hostUsersErrors(spec, path));
  for (const field of ["serviceAccountName", "nodeName"]) {
    const value = asString(spec[field]);
    if (value)
      for (const msg of isDNS1123Subdomain(value)) errs.push(invalid(child(path, field), value, msg));
  }
  if (spec.activeDeadlineSeconds != null) {
    const value = asNumber(spec.activeDeadlineSeconds);
    if (value < 1 || value > MAX_INT32)
      errs.push(
        invalid(child(path, "activeDeadlineSeconds"), value, `must be between 1 and ${MAX_INT32}, inclusive`),
      );
  }
  for (const field of ["hostname", "subdomain"]) {
    const value = asString(spec[field]);
    if (value) for (const msg of isDNS1123Label(value)) errs.push(invalid(child(path, field), value, msg));
  }
  errs.push(...tolerationsErrors(asMaps(spec.tolerations), child(path, "tolerations")));
  errs.push(...hostAliasesErrors(asMaps(spec.hostAliases), child(path, "hostAliases")));
  const priorityClassName = asString(spec.priorityClassName);
  if (priorityClassName)
    for (const msg of isDNS1123Subdomain(priorityClassName))
      errs.push(invalid(child(path, "priorityClassName"), priorityClassName, msg));
  if (spec.runtimeClassName != null) {
    const value = asString(spec.runtimeClassName);
    for (const msg of isDNS1123Subdomain(value))
      errs.push(invalid(child(path, "runtimeClassName"), value, msg));
  }
  if (spec.preemptionPolicy != null)
    errs.push(
      ...enumErrors(spec.preemptionPolicy, child(path, "preemptionPolicy"), [
        "PreemptLowerPriority",
        "Never",
      ]),
    );
  errs.push(...overheadErrors(spec.overhead, child(path, "overhead")));
  errs.push(...osErrors(spec, path));
  return errs;
}

/** validatePodHostNetworkDeps: with hostNetwork, a Pod's hostPort equals its containerPort (templates may omit it). */
function hostNetworkPortErrors(spec: Json, path: string, resourceIsPod: boolean): FieldCause[] {
  if (spec.hostNetwork !== true) return [];
  const errs: FieldCause[] = [];
  asMaps(spec.containers).forEach((c, i) => {
    asMaps(c.ports).forEach((p, j) => {
      const hostPort = asNumber(p.hostPort);
      if ((resourceIsPod || hostPort !== 0) && hostPort !== asNumber(p.containerPort))
        errs.push(
          invalid(
            child(index(child(index(child(path, "containers"), i), "ports"), j), "hostPort"),
            hostPort,
            "must match `containerPort` when `hostNetwork` is true",
          ),
        );
    });
  });
  return errs;
}

const MAX_DNS_NAMESERVERS = 3;
const MAX_DNS_SEARCH_PATHS = 32;
const MAX_DNS_SEARCH_LIST_CHARS = 2048;
const DNS1123_SUBDOMAIN_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const SUBDOMAIN_WITH_UNDERSCORE = /^_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*$/;

/** IsDNS1123SubdomainWithUnderscore (its message names the plain subdomain regex, as v0.33's does). */
function subdomainWithUnderscoreErrors(value: string): string[] {
  const errs: string[] = [];
  if (Buffer.byteLength(value) > 253) errs.push("must be no more than 253 characters");
  if (!SUBDOMAIN_WITH_UNDERSCORE.test(value))
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN_FMT,
        "example.com",
      ),
    );
  return errs;
}

/** validatePodDNSConfig (RelaxedDNSSearchValidation is beta, on, in v1.33). */
function dnsConfigErrors(spec: Json, path: string): FieldCause[] {
  const config = spec.dnsConfig;
  if (spec.dnsPolicy === "None") {
    if (!isMap(config)) return [required(path, "must provide `dnsConfig` when `dnsPolicy` is None")];
    if (asStrings(config.nameservers).length === 0)
      return [
        required(
          child(path, "nameservers"),
          "must provide at least one DNS nameserver when `dnsPolicy` is None",
        ),
      ];
  }
  if (!isMap(config)) return [];
  const errs: FieldCause[] = [];
  const nameservers = asStrings(config.nameservers);
  if (nameservers.length > MAX_DNS_NAMESERVERS)
    errs.push(
      invalid(
        child(path, "nameservers"),
        goStrings(nameservers),
        `must not have more than ${MAX_DNS_NAMESERVERS} nameservers`,
      ),
    );
  nameservers.forEach((ns, i) => {
    errs.push(...ipErrors(index(child(path, "nameservers"), i), ns));
  });
  const searches = asStrings(config.searches);
  if (searches.length > MAX_DNS_SEARCH_PATHS)
    errs.push(
      invalid(
        child(path, "searches"),
        goStrings(searches),
        `must not have more than ${MAX_DNS_SEARCH_PATHS} search paths`,
      ),
    );
  if (Buffer.byteLength(searches.join(" ")) > MAX_DNS_SEARCH_LIST_CHARS)
    errs.push(
      invalid(
        child(path, "searches"),
        goStrings(searches),
        `must not have more than ${MAX_DNS_SEARCH_LIST_CHARS} characters (including spaces) in the search list`,
      ),
    );
  searches.forEach((search, i) => {
    if (search === ".") return;
    const trimmed = search.endsWith(".") ? search.slice(0, -1) : search;
    for (const msg of subdomainWithUnderscoreErrors(trimmed))
      errs.push(invalid(index(child(path, "searches"), i), trimmed, msg));
  });
  asMaps(config.options).forEach((option, i) => {
    if (!asString(option.name)) errs.push(required(index(child(path, "options"), i), "must not be empty"));
  });
  return errs;
}

/** ValidateHostAliases. */
function hostAliasesErrors(aliases: Json[], path: string): FieldCause[] {
  return aliases.flatMap((alias, i) => [
    ...ipErrors(child(index(path, i), "ip"), asString(alias.ip)),
    ...asStrings(alias.hostnames).flatMap((h, j) =>
      isDNS1123Subdomain(h).map((msg) => invalid(index(child(index(path, i), "hostnames"), j), h, msg)),
    ),
  ]);
}

const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
const DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost";
const TOLERATIONS_ANNOTATION = "scheduler.alpha.kubernetes.io/tolerations";
const SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_PREFIX = "container.seccomp.security.alpha.kubernetes.io/";
const APPARMOR_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

/** ValidateSeccompProfile: an annotation's seccomp profile name. */
function seccompAnnotationErrors(profile: string, path: string): FieldCause[] {
  if (["runtime/default", "docker/default", "unconfined"].includes(profile)) return [];
  if (profile.startsWith("localhost/"))
    return localDescendingPathErrors(profile.slice("localhost/".length), path);
  return [invalid(path, profile, "must be a valid seccomp profile")];
}

/** ValidatePodSpecificAnnotations (the deprecated tolerations annotation is not checked). */
export function podSpecificAnnotationsErrors(annotations: Json, spec: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const mirror = annotations[MIRROR_ANNOTATION];
  if (typeof mirror === "string" && !asString(spec.nodeName))
    errs.push(
      invalid(key(path, MIRROR_ANNOTATION), mirror, "must set spec.nodeName if mirror pod annotation is set"),
    );
  const tolerations = annotations[TOLERATIONS_ANNOTATION];
  if (typeof tolerations === "string" && tolerations)
    errs.push(...annotationTolerationsErrors(tolerations, path));
  const cost = annotations[DELETION_COST_ANNOTATION];
  if (typeof cost === "string" && !isInt32(cost))
    errs.push(invalid(key(path, DELETION_COST_ANNOTATION), cost, "must be a 32bit integer"));
  const podSeccomp = annotations[SECCOMP_POD_ANNOTATION];
  if (typeof podSeccomp === "string")
    errs.push(...seccompAnnotationErrors(podSeccomp, child(path, SECCOMP_POD_ANNOTATION)));
  for (const [k, v] of Object.entries(annotations))
    if (k.startsWith(SECCOMP_CONTAINER_PREFIX))
      errs.push(...seccompAnnotationErrors(asString(v), child(path, k)));
  const containerNames = new Set(
    ["initContainers", "containers", "ephemeralContainers"].flatMap((f) =>
      asMaps(spec[f]).map((c) => asString(c.name)),
    ),
  );
  for (const [k, v] of Object.entries(annotations)) {
    if (!k.startsWith(APPARMOR_PREFIX)) continue;
    const name = k.slice(APPARMOR_PREFIX.length);
    if (!containerNames.has(name)) errs.push(invalid(key(path, k), name, "container not found"));
    const profile = asString(v);
    if (
      profile &&
      profile !== "runtime/default" &&
      profile !== "unconfined" &&
      !profile.startsWith("localhost/")
    )
      errs.push(invalid(key(path, k), profile, `invalid AppArmor profile name: ${JSON.stringify(profile)}`));
  }
  return errs;
}

/** ValidateTolerationsInPodAnnotations: the deprecated annotation holds a JSON list of tolerations. */
function annotationTolerationsErrors(text: string, path: string): FieldCause[] {
  const parsed = parseJsonGo(text);
  const error =
    "error" in parsed
      ? parsed.error
      : Array.isArray(parsed.value) || parsed.value === null
        ? ""
        : `json: cannot unmarshal ${jsonKind(parsed.value)} into Go value of type []core.Toleration`;
  if (error) return [invalid(path, TOLERATIONS_ANNOTATION, error)];
  const list = asMaps("value" in parsed ? parsed.value : []);
  return list.length > 0 ? tolerationsErrors(list, child(path, TOLERATIONS_ANNOTATION)) : [];
}

/** strconv.ParseInt(s, 10, 32) succeeds. */
function isInt32(s: string): boolean {
  if (!/^[+-]?\d+$/.test(s)) return false;
  const n = Number(s);
  return n >= -2147483648 && n <= MAX_INT32;
}
