// Pod and container security, ported from kubernetes v1.33 pkg/apis/core/validation/validation.go:
// validatePodSpecSecurityContext (IDs, sysctls, fsGroupChangePolicy, seccomp/AppArmor profiles,
// supplementalGroupsPolicy, seLinuxChangePolicy), ValidateSecurityContext (containers),
// validateWindowsSecurityContextOptions, validateHostUsers, validateWindowsHostProcessPod, validateOS with
// validateLinux/validateWindows, and the seccomp/AppArmor annotation-vs-field checks of ValidatePodCreate.
// In the v1 API hostNetwork/hostPID/hostIPC/hostUsers/shareProcessNamespace sit on the PodSpec; upstream's
// internal type keeps them in the security context, which is why some field paths name them there.

import { isDNS1123Subdomain } from "../../../meta/names.ts";
import { asMap, asMaps, asNumber, asString, isMap, type Json } from "../json-access.ts";
import type { FieldCause } from "../types.ts";
import {
  child,
  duplicate,
  forbidden,
  goSyntax,
  index,
  invalid,
  notSupported,
  required,
  tooLong,
} from "./field.ts";
import { localDescendingPathErrors } from "./pod-volumes.ts";

/** kube-apiserver --allow-privileged, on in every kubeadm/kind/minikube cluster (the flag defaults to off). */
const ALLOW_PRIVILEGED = true;

const MAX_ID = 2147483647;
const idErrors = (v: unknown, path: string): FieldCause[] => {
  const id = asNumber(v);
  return id >= 0 && id <= MAX_ID ? [] : [invalid(path, id, `must be between 0 and ${MAX_ID}, inclusive`)];
};

/** A container with its field path, in podshelper.VisitContainersWithPath's order. */
export interface VisitedContainer {
  container: Json;
  path: string;
}

export function containersWithPaths(spec: Json, specPath: string): VisitedContainer[] {
  return ["initContainers", "containers", "ephemeralContainers"].flatMap((field) =>
    asMaps(spec[field]).map((container, i) => ({ container, path: index(child(specPath, field), i) })),
  );
}

// ---- seccomp and AppArmor ----

const SECCOMP_TYPES = ["Localhost", "RuntimeDefault", "Unconfined"];

/** validateSeccompProfileField. */
function seccompProfileErrors(sp: unknown, path: string): FieldCause[] {
  if (!isMap(sp)) return [];
  const errs: FieldCause[] = [];
  const type = asString(sp.type);
  if (!type) errs.push(required(child(path, "type"), "type is required when seccompProfile is set"));
  else if (!SECCOMP_TYPES.includes(type)) errs.push(notSupported(child(path, "type"), type, SECCOMP_TYPES));
  const profilePath = child(path, "localhostProfile");
  if (type === "Localhost") {
    if (sp.localhostProfile == null)
      errs.push(required(profilePath, "must be set when seccomp type is Localhost"));
    else errs.push(...localDescendingPathErrors(asString(sp.localhostProfile), profilePath));
  } else if (sp.localhostProfile != null) {
    // Upstream prints the *SeccompProfile with %#v (a pointer address inside); this is its shape.
    const value = goSyntax(
      `core.SeccompProfile{Type:${JSON.stringify(type)}, LocalhostProfile:(*string)(0xc000000000)}`,
    );
    errs.push(invalid(profilePath, value, "can only be set when seccomp type is Localhost"));
  }
  return errs;
}

const APPARMOR_TYPES = ["Localhost", "RuntimeDefault", "Unconfined"];
const MAX_LOCALHOST_PROFILE_LENGTH = 4095; // PATH_MAX - 1

/** ValidateAppArmorProfileField. */
function appArmorProfileErrors(profile: unknown, path: string): FieldCause[] {
  if (!isMap(profile)) return [];
  const errs: FieldCause[] = [];
  const type = asString(profile.type);
  const profilePath = child(path, "localhostProfile");
  if (type === "Localhost") {
    if (profile.localhostProfile == null)
      errs.push(required(profilePath, "must be set when AppArmor type is Localhost"));
    else {
      const local = asString(profile.localhostProfile);
      if (local.trim() !== local)
        errs.push(invalid(profilePath, local, "must not be padded with whitespace"));
      else if (local === "") errs.push(required(profilePath, "must be set when AppArmor type is Localhost"));
      if (Buffer.byteLength(local) > MAX_LOCALHOST_PROFILE_LENGTH)
        errs.push(tooLong(profilePath, MAX_LOCALHOST_PROFILE_LENGTH));
    }
  } else if (type === "RuntimeDefault" || type === "Unconfined") {
    if (profile.localhostProfile != null)
      errs.push(
        invalid(
          profilePath,
          asString(profile.localhostProfile),
          "can only be set when AppArmor type is Localhost",
        ),
      );
  } else if (type === "")
    errs.push(required(child(path, "type"), "type is required when appArmorProfile is set"));
  else errs.push(notSupported(child(path, "type"), type, APPARMOR_TYPES));
  return errs;
}

const SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/";
const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

/** validateSeccompAnnotationsAndFieldsMatch. */
function seccompAnnotationMatchErrors(annotation: string, profile: Json, path: string): FieldCause[] {
  const type = asString(profile.type);
  const mismatch = [forbidden(child(path, "type"), "seccomp type in annotation and field must match")];
  if (type === "Unconfined") return annotation === "unconfined" ? [] : mismatch;
  if (type === "RuntimeDefault")
    return annotation === "runtime/default" || annotation === "docker/default" ? [] : mismatch;
  if (type === "Localhost") {
    if (!annotation.startsWith("localhost/")) return mismatch;
    if (
      profile.localhostProfile == null ||
      annotation.slice("localhost/".length) !== asString(profile.localhostProfile)
    )
      return [
        forbidden(child(path, "localhostProfile"), "seccomp profile in annotation and field must match"),
      ];
  }
  return [];
}

/** validateSeccompAnnotationsAndFields and validateAppArmorAnnotationsAndFieldsMatchOnCreate. */
export function annotationFieldMatchErrors(annotations: Json, spec: Json, specPath: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const relevant = (k: string) =>
    k === SECCOMP_POD_ANNOTATION ||
    k.startsWith(SECCOMP_CONTAINER_ANNOTATION_PREFIX) ||
    k.startsWith(APPARMOR_ANNOTATION_PREFIX);
  if (!Object.keys(annotations).some(relevant)) return errs;
  const podSc = asMap(spec.securityContext);
  const podAnnotation = annotations[SECCOMP_POD_ANNOTATION];
  if (isMap(podSc.seccompProfile) && typeof podAnnotation === "string")
    errs.push(
      ...seccompAnnotationMatchErrors(
        podAnnotation,
        podSc.seccompProfile,
        child(child(specPath, "securityContext"), "seccompProfile"),
      ),
    );
  const visited = containersWithPaths(spec, specPath);
  for (const { container, path } of visited) {
    const profile = asMap(container.securityContext).seccompProfile;
    const annotation = annotations[SECCOMP_CONTAINER_ANNOTATION_PREFIX + asString(container.name)];
    if (isMap(profile) && typeof annotation === "string")
      errs.push(
        ...seccompAnnotationMatchErrors(
          annotation,
          profile,
          child(child(path, "securityContext"), "seccompProfile"),
        ),
      );
  }
  if (asString(asMap(spec.os).name) === "windows") return errs;
  for (const { container, path } of visited) {
    const own = asMap(container.securityContext).appArmorProfile;
    const profile = isMap(own) ? own : podSc.appArmorProfile;
    const annotation = annotations[APPARMOR_ANNOTATION_PREFIX + asString(container.name)];
    if (!isMap(profile) || typeof annotation !== "string") continue;
    const at = child(child(path, "securityContext"), "appArmorProfile");
    const mismatch = forbidden(child(at, "type"), "apparmor type in annotation and field must match");
    const type = asString(profile.type);
    if (type === "Unconfined" && annotation !== "unconfined") errs.push(mismatch);
    if (type === "RuntimeDefault" && annotation !== "runtime/default") errs.push(mismatch);
    if (type === "Localhost") {
      if (!annotation.startsWith("localhost/")) errs.push(mismatch);
      else if (
        profile.localhostProfile == null ||
        annotation.slice("localhost/".length) !== asString(profile.localhostProfile)
      )
        errs.push(
          forbidden(child(at, "localhostProfile"), "apparmor profile in annotation and field must match"),
        );
    }
  }
  return errs;
}

// ---- sysctls ----

const SYSCTL_SEGMENT = "[a-z0-9]([-_a-z0-9]*[a-z0-9])?";
const SYSCTL_PATTERN = `^(${SYSCTL_SEGMENT}[\\./])*${SYSCTL_SEGMENT}$`;
const SYSCTL_REGEXP = new RegExp(SYSCTL_PATTERN);
const SYSCTL_MAX_LENGTH = 253;

/** component-helpers' sysctl.GetNamespace (names normalized to dots). */
function sysctlNamespace(name: string): "net" | "ipc" | "" {
  const first = name.search(/[./]/);
  const dotted =
    first >= 0 && name[first] === "/" ? name.replace(/[./]/g, (c) => (c === "/" ? "." : "/")) : name;
  if (dotted.startsWith("net.")) return "net";
  if (dotted === "kernel.sem" || /^(kernel\.shm|kernel\.msg|fs\.mqueue\.)/.test(dotted)) return "ipc";
  return "";
}

/** validateSysctls with ValidateHostSysctl (namespaced sysctls may not be set in a shared host namespace). */
function sysctlsErrors(sysctls: Json[], spec: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const names = new Set<string>();
  sysctls.forEach((s, i) => {
    const namePath = child(index(path, i), "name");
    const name = asString(s.name);
    if (!name) errs.push(required(namePath));
    else if (Buffer.byteLength(name) > SYSCTL_MAX_LENGTH || !SYSCTL_REGEXP.test(name))
      errs.push(
        invalid(
          namePath,
          name,
          `must have at most ${SYSCTL_MAX_LENGTH} characters and match regex ${SYSCTL_PATTERN}`,
        ),
      );
    else if (names.has(name)) errs.push(duplicate(namePath, name));
    const ns = sysctlNamespace(name);
    if (spec.hostNetwork === true && ns === "net")
      errs.push(invalid(namePath, name, "may not be specified when 'hostNetwork' is true"));
    else if (spec.hostIPC === true && ns === "ipc")
      errs.push(invalid(namePath, name, "may not be specified when 'hostIPC' is true"));
    names.add(name);
  });
  return errs;
}

// ---- Windows options ----

const MAX_GMSA_SPEC_KIB = 64;
const MAX_DOMAIN_LENGTH = 256;
const MAX_USER_LENGTH = 104;
const NETBIOS = /^[^\\/:*?"<>|.][^\\/:*?"<>|]{0,14}$/;
const DNS_LABEL = "[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?";
const WINDOWS_DOMAIN_DNS = new RegExp(`^${DNS_LABEL}(?:\\.${DNS_LABEL})*$`);

/** validateWindowsSecurityContextOptions. */
function windowsOptionsErrors(options: unknown, path: string): FieldCause[] {
  if (!isMap(options)) return [];
  const errs: FieldCause[] = [];
  if (options.gmsaCredentialSpecName != null) {
    const name = asString(options.gmsaCredentialSpecName);
    for (const msg of isDNS1123Subdomain(name))
      errs.push(invalid(child(path, "gmsaCredentialSpecName"), name, msg));
  }
  if (options.gmsaCredentialSpec != null) {
    const spec = asString(options.gmsaCredentialSpec);
    const at = child(path, "gmsaCredentialSpec");
    if (spec.length === 0) errs.push(invalid(at, spec, "gmsaCredentialSpec cannot be an empty string"));
    else if (Buffer.byteLength(spec) > MAX_GMSA_SPEC_KIB * 1024)
      errs.push(invalid(at, spec, `gmsaCredentialSpec size must be under ${MAX_GMSA_SPEC_KIB} KiB`));
  }
  if (options.runAsUserName != null) {
    const name = asString(options.runAsUserName);
    const at = child(path, "runAsUserName");
    const bad = (msg: string) => errs.push(invalid(at, name, msg));
    const parts = name.split("\\");
    if (name.length === 0) bad("runAsUserName cannot be an empty string");
    else if (/\p{Cc}/u.test(name)) bad("runAsUserName cannot contain control characters");
    else if (parts.length > 2) bad("runAsUserName cannot contain more than one backslash");
    else {
      const [domain, user] = parts.length === 1 ? ["", parts[0]] : parts;
      if (domain.length >= MAX_DOMAIN_LENGTH)
        bad(`runAsUserName's Domain length must be under ${MAX_DOMAIN_LENGTH} characters`);
      if (parts.length === 2 && !(NETBIOS.test(domain) || WINDOWS_DOMAIN_DNS.test(domain)))
        bad("runAsUserName's Domain doesn't match the NetBios nor the DNS format");
      if (user.length === 0) bad("runAsUserName's User cannot be empty");
      else if (user.length > MAX_USER_LENGTH)
        bad(`runAsUserName's User length must not be longer than ${MAX_USER_LENGTH} characters`);
      if (/^[. ]+$/.test(user)) bad("runAsUserName's User cannot contain only periods or spaces");
      if (/["/\\:;|=,+*?<>@[\]]/.test(user))
        bad(`runAsUserName's User cannot contain the following characters: "/\\:;|=,+*?<>@[]`);
    }
  }
  return errs;
}

// ---- pod and container security contexts ----

const FS_GROUP_CHANGE_POLICIES = ["Always", "OnRootMismatch"];
const SUPPLEMENTAL_GROUPS_POLICIES = ["Merge", "Strict"];
// SELinuxChangePolicy is beta (on) in v1.33, so both values are allowed.
const SELINUX_CHANGE_POLICIES = ["MountOption", "Recursive"];

/** validatePodSpecSecurityContext (`path` is <spec>.securityContext). */
export function podSecurityContextErrors(spec: Json, path: string): FieldCause[] {
  const sc = asMap(spec.securityContext);
  const errs: FieldCause[] = [];
  if (sc.fsGroup != null) errs.push(...idErrors(sc.fsGroup, child(path, "fsGroup")));
  if (sc.runAsUser != null) errs.push(...idErrors(sc.runAsUser, child(path, "runAsUser")));
  if (sc.runAsGroup != null) errs.push(...idErrors(sc.runAsGroup, child(path, "runAsGroup")));
  (Array.isArray(sc.supplementalGroups) ? sc.supplementalGroups : []).forEach((g, i) => {
    errs.push(...idErrors(g, index(child(path, "supplementalGroups"), i)));
  });
  if (spec.shareProcessNamespace === true && spec.hostPID === true)
    errs.push(
      invalid(
        child(path, "shareProcessNamespace"),
        true,
        "ShareProcessNamespace and HostPID cannot both be enabled",
      ),
    );
  const sysctls = asMaps(sc.sysctls);
  if (sysctls.length > 0) errs.push(...sysctlsErrors(sysctls, spec, child(path, "sysctls")));
  if (sc.fsGroupChangePolicy != null && !FS_GROUP_CHANGE_POLICIES.includes(asString(sc.fsGroupChangePolicy)))
    errs.push(
      notSupported(
        child(path, "fsGroupChangePolicy"),
        asString(sc.fsGroupChangePolicy),
        FS_GROUP_CHANGE_POLICIES,
      ),
    );
  errs.push(...seccompProfileErrors(sc.seccompProfile, child(path, "seccompProfile")));
  errs.push(...windowsOptionsErrors(sc.windowsOptions, child(path, "windowsOptions")));
  errs.push(...appArmorProfileErrors(sc.appArmorProfile, child(path, "appArmorProfile")));
  if (
    sc.supplementalGroupsPolicy != null &&
    !SUPPLEMENTAL_GROUPS_POLICIES.includes(asString(sc.supplementalGroupsPolicy))
  )
    errs.push(
      notSupported(
        child(path, "supplementalGroupsPolicy"),
        asString(sc.supplementalGroupsPolicy),
        SUPPLEMENTAL_GROUPS_POLICIES,
      ),
    );
  if (sc.seLinuxChangePolicy != null && !SELINUX_CHANGE_POLICIES.includes(asString(sc.seLinuxChangePolicy)))
    errs.push(
      notSupported(
        child(path, "seLinuxChangePolicy"),
        asString(sc.seLinuxChangePolicy),
        SELINUX_CHANGE_POLICIES,
      ),
    );
  return errs;
}

/** ValidateSecurityContext for one container. */
export function containerSecurityContextErrors(sc: unknown, path: string, hostUsers: boolean): FieldCause[] {
  if (!isMap(sc)) return [];
  const errs: FieldCause[] = [];
  if (sc.privileged === true && !ALLOW_PRIVILEGED)
    errs.push(forbidden(child(path, "privileged"), "disallowed by cluster policy"));
  if (sc.runAsUser != null) errs.push(...idErrors(sc.runAsUser, child(path, "runAsUser")));
  if (sc.runAsGroup != null) errs.push(...idErrors(sc.runAsGroup, child(path, "runAsGroup")));
  if (sc.procMount != null) {
    const procMount = asString(sc.procMount);
    if (procMount !== "Default" && procMount !== "Unmasked")
      errs.push(notSupported(child(path, "procMount"), procMount, ["Default", "Unmasked"]));
    if (hostUsers && procMount === "Unmasked")
      errs.push(invalid(child(path, "procMount"), procMount, "`hostUsers` must be false to use `Unmasked`"));
  }
  errs.push(...seccompProfileErrors(sc.seccompProfile, child(path, "seccompProfile")));
  if (sc.allowPrivilegeEscalation === false) {
    // Upstream prints the whole *SecurityContext with %#v; this names it without its pointers.
    const value = goSyntax("&core.SecurityContext{…}");
    if (sc.privileged === true)
      errs.push(
        invalid(path, value, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"),
      );
    for (const cap of Array.isArray(asMap(sc.capabilities).add)
      ? (asMap(sc.capabilities).add as unknown[])
      : [])
      if (cap === "CAP_SYS_ADMIN")
        errs.push(
          invalid(
            path,
            value,
            "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN",
          ),
        );
  }
  errs.push(...windowsOptionsErrors(sc.windowsOptions, child(path, "windowsOptions")));
  errs.push(...appArmorProfileErrors(sc.appArmorProfile, child(path, "appArmorProfile")));
  return errs;
}

/** The default for hostUsers is true. */
export const usesHostUsers = (spec: Json) => spec.hostUsers !== false;

/** validateHostUsers: a user namespace excludes the host's network, PID and IPC namespaces. */
export function hostUsersErrors(spec: Json, path: string): FieldCause[] {
  if (usesHostUsers(spec)) return [];
  const why = "when `pod.Spec.HostUsers` is false";
  const errs: FieldCause[] = [];
  if (spec.hostNetwork === true) errs.push(forbidden(child(path, "hostNetwork"), why));
  if (spec.hostPID === true) errs.push(forbidden(child(path, "HostPID"), why));
  if (spec.hostIPC === true) errs.push(forbidden(child(path, "HostIPC"), why));
  return errs;
}

/** validateWindowsHostProcessPod. */
export function windowsHostProcessErrors(spec: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const podHostProcess = asMap(asMap(spec.securityContext).windowsOptions).hostProcess;
  const hasWindowsOptions = (c: Json) => isMap(c.securityContext) && c.securityContext.windowsOptions != null;
  const anyContainer = ["initContainers", "containers", "ephemeralContainers"].some((f) =>
    asMaps(spec[f]).some(hasWindowsOptions),
  );
  if (podHostProcess == null && !anyContainer) return errs; // nothing can be a hostProcess container
  let containers = 0;
  let hostProcess = 0;
  for (const { container, path: at } of containersWithPaths(spec, path)) {
    containers++;
    const own = asMap(asMap(container.securityContext).windowsOptions).hostProcess;
    if (typeof podHostProcess === "boolean" && typeof own === "boolean" && podHostProcess !== own)
      errs.push(
        invalid(
          child(child(child(at, "securityContext"), "windowsOptions"), "hostProcess"),
          own,
          `pod hostProcess value must be identical if both are specified, was ${podHostProcess}`,
        ),
      );
    if (own === true || (own == null && podHostProcess === true)) hostProcess++;
  }
  if (hostProcess > 0) {
    if (hostProcess !== containers)
      errs.push(
        invalid(
          path,
          "",
          "If pod contains any hostProcess containers then all containers must be HostProcess containers",
        ),
      );
    if (spec.hostNetwork !== true)
      errs.push(
        invalid(
          child(path, "hostNetwork"),
          false,
          "hostNetwork must be true if pod contains any hostProcess containers",
        ),
      );
    if (!ALLOW_PRIVILEGED)
      errs.push(forbidden(path, "hostProcess containers are disallowed by cluster policy"));
  }
  return errs;
}

const OSES = ["linux", "windows"];

/** validateOS, then validateLinux or validateWindows: what an OS-specific Pod may not set. */
export function osErrors(spec: Json, specPath: string): FieldCause[] {
  if (!isMap(spec.os)) return [];
  const path = child(specPath, "os");
  const name = asString(spec.os.name);
  if (!name) return [required(child(path, "name"), "cannot be empty")];
  if (!OSES.includes(name)) return [notSupported(path, name, OSES)];
  const errs: FieldCause[] = [];
  const sc = asMap(spec.securityContext);
  const scPath = child(specPath, "securityContext");
  const visited = containersWithPaths(spec, specPath);
  if (name === "linux") {
    const why = "windows options cannot be set for a linux pod";
    if (sc.windowsOptions != null) errs.push(forbidden(child(scPath, "windowsOptions"), why));
    for (const { container, path: at } of visited)
      if (asMap(container.securityContext).windowsOptions != null)
        errs.push(forbidden(child(child(at, "securityContext"), "windowsOptions"), why));
    return errs;
  }
  const why = "cannot be set for a windows pod";
  const podRules: [string, boolean][] = [
    [child(scPath, "appArmorProfile"), sc.appArmorProfile != null],
    [child(scPath, "seLinuxOptions"), sc.seLinuxOptions != null],
    [child(specPath, "hostUsers"), spec.hostUsers != null],
    [child(specPath, "hostPID"), spec.hostPID === true],
    [child(specPath, "hostIPC"), spec.hostIPC === true],
    [child(scPath, "seccompProfile"), sc.seccompProfile != null],
    [child(scPath, "fsGroup"), sc.fsGroup != null],
    [child(scPath, "fsGroupChangePolicy"), sc.fsGroupChangePolicy != null],
    [child(scPath, "sysctls"), asMaps(sc.sysctls).length > 0],
    [child(specPath, "shareProcessNamespace"), spec.shareProcessNamespace != null],
    [child(scPath, "runAsUser"), sc.runAsUser != null],
    [child(scPath, "runAsGroup"), sc.runAsGroup != null],
    [child(scPath, "supplementalGroups"), sc.supplementalGroups != null],
    [child(scPath, "supplementalGroupsPolicy"), sc.supplementalGroupsPolicy != null],
    [child(scPath, "seLinuxChangePolicy"), sc.seLinuxChangePolicy != null],
  ];
  for (const [at, set] of podRules) if (set) errs.push(forbidden(at, why));
  const containerFields = [
    "appArmorProfile",
    "seLinuxOptions",
    "seccompProfile",
    "capabilities",
    "readOnlyRootFilesystem",
    "privileged",
    "allowPrivilegeEscalation",
    "procMount",
    "runAsUser",
    "runAsGroup",
  ];
  for (const { container, path: at } of visited) {
    const csc = container.securityContext;
    if (!isMap(csc)) continue;
    for (const field of containerFields)
      if (csc[field] != null) errs.push(forbidden(child(child(at, "securityContext"), field), why));
  }
  return errs;
}
