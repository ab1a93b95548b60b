// Service validation (pkg/apis/core/validation ValidateService/ValidateServiceUpdate,
// ValidateServiceClusterIPsRelatedFields, validateUpgradeDowngradeClusterIPs): type, ports, node ports,
// selector, session affinity, ExternalName, cluster IPs and IP families, traffic policies, source ranges,
// load balancer class, the topology annotations.
// Taken or out-of-range addresses and node ports are the allocator's (service-allocators.ts).

import { isIP, isIPv6 } from "node:net";
import type { Service } from "kubernetes-types/core/v1.d.ts";
import { goQuote } from "../../../meta/go-quote.ts";
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from "../../../meta/names.ts";
import type { KubeObject } from "../../../meta/types.ts";
import { goStringSlice } from "../go-format.ts";
import { asMap, asMaps, asNumber, asString, asStrings, deepEqual, isMap, type Json } from "../json-access.ts";
import type { FieldCause } from "../types.ts";
import { child, duplicate, forbidden, goSyntax, index, invalid, notSupported, required } from "./field.ts";
import { validateLabels } from "./meta.ts";
import { isValidPortName, isValidPortNum, PORT_PROTOCOLS } from "./ports.ts";

const SPEC = "spec";
const SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const SESSION_AFFINITIES = ["ClientIP", "None"];
const EXTERNAL_TRAFFIC_POLICIES = ["Cluster", "Local"];
const INTERNAL_TRAFFIC_POLICIES = ["Cluster", "Local"];
const IP_FAMILIES = ["IPv4", "IPv6"];
const IP_FAMILY_POLICIES = ["PreferDualStack", "RequireDualStack", "SingleStack"];
const IP_MODES = ["Proxy", "VIP"];
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;
const INVALID_IP = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
const INVALID_CIDR = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";
// k8s.io/api core/v1 annotation_key_constants.go.
const SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges";
const TOPOLOGY_AWARE_HINTS_ANNOTATION = "service.kubernetes.io/topology-aware-hints";
const TOPOLOGY_MODE_ANNOTATION = "service.kubernetes.io/topology-mode";

type Spec = NonNullable<Service["spec"]>;

export function validateService(svc: KubeObject, old?: KubeObject, subresource?: string): FieldCause[] {
  // serviceStatusStrategy's ValidateUpdate: ValidateServiceStatusUpdate, the load balancer status only.
  if (subresource === "status") return loadBalancerStatusErrors(svc, asString(asMap(svc.spec).type));
  const spec = asMap(svc.spec);
  // Fields the strategy defaults (type, sessionAffinity, internalTrafficPolicy) read as defaulted.
  const type = asString(spec.type) || "ClusterIP";
  const ports = asMaps(spec.ports);
  const clusterIPs = asStrings(spec.clusterIPs);
  const headless = clusterIPs.length === 1 && clusterIPs[0] === "None";
  const errs: FieldCause[] = [];
  if (old) errs.push(...updateErrors(spec, asMap(old.spec)));
  const annotations = asMap(svc.metadata?.annotations);
  const hints = annotations[TOPOLOGY_AWARE_HINTS_ANNOTATION];
  const mode = annotations[TOPOLOGY_MODE_ANNOTATION];
  if (hints !== undefined && mode !== undefined && hints !== mode)
    errs.push(
      invalid(
        `metadata.annotations[${TOPOLOGY_MODE_ANNOTATION}]`,
        asString(mode),
        `must match annotations[${TOPOLOGY_AWARE_HINTS_ANNOTATION}] when both are specified`,
      ),
    );

  if (ports.length === 0 && !headless && type !== "ExternalName") errs.push(required(child(SPEC, "ports")));
  if ((type === "LoadBalancer" || type === "NodePort") && headless) {
    errs.push(
      invalid(index(child(SPEC, "clusterIPs"), 0), "None", `may not be set to 'None' for ${type} services`),
    );
  }
  if (type === "ExternalName") {
    // The strategy mirrors clusterIP into clusterIPs, so either one set is "clusterIPs set".
    if (clusterIPs.length > 0 || asString(spec.clusterIP) !== "") {
      errs.push(forbidden(child(SPEC, "clusterIPs"), "may not be set for ExternalName services"));
    }
    if (asStrings(spec.ipFamilies).length > 0)
      errs.push(forbidden(child(SPEC, "ipFamilies"), "may not be set for ExternalName services"));
    if (spec.ipFamilyPolicy != null)
      errs.push(forbidden(child(SPEC, "ipFamilyPolicy"), "may not be set for ExternalName services"));
    const cname = asString(spec.externalName).replace(/\.$/, "");
    if (cname)
      for (const msg of isDNS1123Subdomain(cname))
        errs.push(invalid(child(SPEC, "externalName"), cname, msg));
    else errs.push(required(child(SPEC, "externalName")));
  }

  const names = new Set<string>();
  errs.push(
    ...ports.flatMap((p, i) =>
      validateServicePort(p, ports.length > 1, names, index(child(SPEC, "ports"), i)),
    ),
  );
  if (spec.selector != null) errs.push(...validateLabels(spec.selector, child(SPEC, "selector")));
  const affinity = asString(spec.sessionAffinity) || "None";
  if (!SESSION_AFFINITIES.includes(affinity)) {
    errs.push(notSupported(child(SPEC, "sessionAffinity"), affinity, SESSION_AFFINITIES));
  } else errs.push(...sessionAffinityConfigErrors(affinity, spec.sessionAffinityConfig));
  errs.push(...validateClusterIPsRelatedFields(spec as Spec));
  asStrings(spec.externalIPs).forEach((ip, i) => {
    const path = index(child(SPEC, "externalIPs"), i);
    if (!isValidIP(ip)) errs.push(invalid(path, ip, INVALID_IP));
    else errs.push(...nonSpecialIPErrors(ip, path));
  });
  if (!SERVICE_TYPES.includes(type)) errs.push(notSupported(child(SPEC, "type"), type, SERVICE_TYPES));
  if (type === "ClusterIP") {
    ports.forEach((p, i) => {
      if (asNumber(p.nodePort) !== 0) {
        errs.push(
          forbidden(
            child(index(child(SPEC, "ports"), i), "nodePort"),
            "may not be used when `type` is 'ClusterIP'",
          ),
        );
      }
    });
  }
  errs.push(...duplicateNodePortErrors(ports));
  errs.push(...duplicatePortErrors(ports));
  errs.push(...sourceRangesErrors(spec, annotations, type));
  if (spec.allocateLoadBalancerNodePorts != null && type !== "LoadBalancer")
    errs.push(
      forbidden(
        child(SPEC, "allocateLoadBalancerNodePorts"),
        "may only be used when `type` is 'LoadBalancer'",
      ),
    );
  // The path without "spec." is upstream's.
  if (type === "LoadBalancer" && spec.allocateLoadBalancerNodePorts == null)
    errs.push(required("allocateLoadBalancerNodePorts"));
  errs.push(...loadBalancerClassErrors(spec, type));
  errs.push(...externalTrafficPolicyErrors(spec as Spec, type));
  const internal = spec.internalTrafficPolicy;
  if (internal == null && ["NodePort", "LoadBalancer", "ClusterIP"].includes(type))
    errs.push(required(child(SPEC, "internalTrafficPolicy")));
  if (internal != null && !INTERNAL_TRAFFIC_POLICIES.includes(asString(internal)))
    errs.push(
      notSupported(child(SPEC, "internalTrafficPolicy"), asString(internal), INTERNAL_TRAFFIC_POLICIES),
    );
  if (old && !deepEqual(svc.status ?? null, old.status ?? null))
    errs.push(...loadBalancerStatusErrors(svc, type));
  if (spec.trafficDistribution != null && spec.trafficDistribution !== "PreferClose")
    errs.push(
      notSupported(child(SPEC, "trafficDistribution"), asString(spec.trafficDistribution), ["PreferClose"]),
    );
  return errs;
}

/** validateClientIPAffinityConfig, and no config when affinity is None. */
function sessionAffinityConfigErrors(affinity: string, config: unknown): FieldCause[] {
  const path = child(SPEC, "sessionAffinityConfig");
  if (affinity === "None")
    return config != null ? [forbidden(path, "must not be set when session affinity is None")] : [];
  const why = "when session affinity type is ClientIP";
  if (!isMap(config)) return [required(path, why)];
  if (!isMap(config.clientIP)) return [required(child(path, "clientIP"), why)];
  const timeout = config.clientIP.timeoutSeconds;
  const timeoutPath = child(child(path, "clientIP"), "timeoutSeconds");
  if (timeout == null) return [required(timeoutPath, why)];
  const seconds = asNumber(timeout);
  return seconds <= 0 || seconds > MAX_CLIENT_IP_AFFINITY_SECONDS
    ? [
        invalid(
          timeoutPath,
          seconds,
          `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`,
        ),
      ]
    : [];
}

/**
 * loadBalancerSourceRanges, else the older annotation: each a CIDR (IsValidCIDRForLegacyField without
 * StrictIPCIDRValidation, off in 1.33: ParseCIDRSloppy), only on LoadBalancer Services. The field
 * path's capital L is upstream's.
 */
function sourceRangesErrors(spec: Json, annotations: Json, type: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const ranges = asStrings(spec.loadBalancerSourceRanges);
  const onlyLB = "may only be used when `type` is 'LoadBalancer'";
  if (ranges.length > 0) {
    const path = child(SPEC, "LoadBalancerSourceRanges");
    if (type !== "LoadBalancer") errs.push(forbidden(path, onlyLB));
    ranges.forEach((value, i) => {
      const trimmed = value.trim(); // space padding is tolerated (a leftover of the annotation)
      if (!isValidCIDRSloppy(trimmed)) errs.push(invalid(index(path, i), trimmed, INVALID_CIDR));
    });
  } else if (annotations[SOURCE_RANGES_ANNOTATION] !== undefined) {
    const path = `metadata.annotations[${SOURCE_RANGES_ANNOTATION}]`;
    if (type !== "LoadBalancer") errs.push(forbidden(path, onlyLB));
    const text = asString(annotations[SOURCE_RANGES_ANNOTATION]).trim();
    if (text)
      for (const part of text.split(",")) {
        const value = part.trim();
        if (!isValidCIDRSloppy(value)) errs.push(invalid(path, value, INVALID_CIDR));
      }
  }
  return errs;
}

/** netutils.ParseCIDRSloppy succeeds: an IP (IPv4 octets may have leading zeros) and a prefix length. */
function isValidCIDRSloppy(value: string): boolean {
  const slash = value.lastIndexOf("/");
  if (slash < 0) return false;
  const ip = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || ip.includes("%") || !isValidIP(ip)) return false;
  return Number(bits) <= (isIPv6(ip) ? 128 : 32);
}

/** validateLoadBalancerClassField (create part): a qualified name, on LoadBalancer Services only. */
function loadBalancerClassErrors(spec: Json, type: string): FieldCause[] {
  const path = child(SPEC, "loadBalancerClass");
  if (spec.loadBalancerClass == null) return [];
  if (type !== "LoadBalancer") return [forbidden(path, "may only be used when `type` is 'LoadBalancer'")];
  const value = asString(spec.loadBalancerClass);
  return isQualifiedName(value).map((msg) => invalid(path, value, msg));
}

/** ValidateLoadBalancerStatus (a status write; AllowServiceLBStatusOnNonLB is off in 1.33). */
function loadBalancerStatusErrors(svc: KubeObject, type: string): FieldCause[] {
  const ingress = asMaps(asMap(asMap(svc.status).loadBalancer).ingress);
  const path = "status.loadBalancer.ingress";
  if (type !== "LoadBalancer" && ingress.length > 0)
    return [forbidden(path, "may only be used when `spec.type` is 'LoadBalancer'")];
  const errs: FieldCause[] = [];
  ingress.forEach((entry, i) => {
    const at = index(path, i);
    const ip = asString(entry.ip);
    if (ip && !isValidIP(ip)) errs.push(invalid(child(at, "ip"), ip, INVALID_IP));
    if (entry.ipMode == null) {
      if (ip) errs.push(required(child(at, "ipMode"), "must be specified when `ip` is set"));
    } else if (!ip) errs.push(forbidden(child(at, "ipMode"), "may not be specified when `ip` is not set"));
    else if (!IP_MODES.includes(asString(entry.ipMode)))
      errs.push(notSupported(child(at, "ipMode"), asString(entry.ipMode), IP_MODES));
    const hostname = asString(entry.hostname);
    if (hostname) {
      for (const msg of isDNS1123Subdomain(hostname))
        errs.push(invalid(child(at, "hostname"), hostname, msg));
      if (isValidIP(hostname))
        errs.push(invalid(child(at, "hostname"), hostname, "must be a DNS name, not an IP address"));
    }
  });
  return errs;
}

/** apiservice.ExternallyAccessible. */
const externallyAccessible = (spec: Spec, type: string) =>
  type === "LoadBalancer" ||
  type === "NodePort" ||
  (type === "ClusterIP" && (spec.externalIPs ?? []).length > 0);

/** validateServiceExternalTrafficPolicy. */
function externalTrafficPolicyErrors(spec: Spec, type: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const policy = spec.externalTrafficPolicy ?? "";
  const path = child(SPEC, "externalTrafficPolicy");
  if (!externallyAccessible(spec, type)) {
    if (policy) errs.push(invalid(path, policy, "may only be set for externally-accessible services"));
  } else if (!policy) errs.push(required(path));
  else if (!EXTERNAL_TRAFFIC_POLICIES.includes(policy))
    errs.push(notSupported(path, policy, EXTERNAL_TRAFFIC_POLICIES));
  const hcPath = child(SPEC, "healthCheckNodePort");
  const hc = spec.healthCheckNodePort ?? 0;
  if (!(type === "LoadBalancer" && policy === "Local")) {
    if (hc !== 0)
      errs.push(
        invalid(
          hcPath,
          hc,
          "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
        ),
      );
  } else if (hc === 0) errs.push(required(hcPath));
  else for (const msg of isValidPortNum(hc)) errs.push(invalid(hcPath, hc, msg));
  return errs;
}

/** ValidateServiceUpdate's own checks: cluster IPs and families may not change (except to/from
 * ExternalName), nor a needed health check node port. */
function updateErrors(spec: Json, old: Json): FieldCause[] {
  const type = asString(spec.type) || "ClusterIP";
  const oldType = asString(old.type) || "ClusterIP";
  if (type === "ExternalName" || oldType === "ExternalName") return [];
  const errs = [...clusterIPsUpdateErrors(spec, old), ...ipFamiliesUpdateErrors(spec, old)];
  if (
    spec.type === "LoadBalancer" &&
    old.type === "LoadBalancer" &&
    (spec.loadBalancerClass ?? null) !== (old.loadBalancerClass ?? null)
  ) {
    const value = spec.loadBalancerClass == null ? null : asString(spec.loadBalancerClass);
    errs.push(invalid(child(SPEC, "loadBalancerClass"), value, "may not change once set"));
  }
  const needsHC = (s: Json) => s.type === "LoadBalancer" && s.externalTrafficPolicy === "Local";
  if (
    needsHC(old) &&
    needsHC(spec) &&
    asNumber(spec.healthCheckNodePort) !== asNumber(old.healthCheckNodePort)
  )
    errs.push(forbidden(child(SPEC, "healthCheckNodePort"), "field is immutable"));
  return errs;
}

const isHeadless = (ips: string[]) => ips.length === 1 && ips[0] === "None";

/** validateUpgradeDowngradeClusterIPs. */
function clusterIPsUpdateErrors(spec: Json, old: Json): FieldCause[] {
  const now = asStrings(spec.clusterIPs);
  const before = asStrings(old.clusterIPs);
  if (isHeadless(now) && isHeadless(before)) return [];
  const value = goSyntax(goStringSlice(Array.isArray(spec.clusterIPs) ? now : undefined));
  const at0 = index(child(SPEC, "clusterIPs"), 0);
  const errs: FieldCause[] = [];
  if (before.length === now.length) {
    before.forEach((ip, i) => {
      if (ip !== now[i])
        errs.push(invalid(index(child(SPEC, "clusterIPs"), i), value, "may not change once set"));
    });
  } else if (before.length > now.length) {
    if (now.length === 0) errs.push(invalid(at0, value, "primary clusterIP can not be unset"));
    if (before.length > 0 && now.length > 0 && now[0] !== before[0])
      errs.push(invalid(at0, value, "may not change once set"));
    if (now.length === 1 && spec.ipFamilyPolicy !== "SingleStack")
      errs.push(
        invalid(
          child(SPEC, "ipFamilyPolicy"),
          spec.ipFamilyPolicy == null ? null : asString(spec.ipFamilyPolicy),
          "must be set to 'SingleStack' when releasing the secondary clusterIP",
        ),
      );
  } else if (before.length > 0 && now[0] !== before[0]) {
    errs.push(invalid(at0, value, "may not change once set"));
  }
  return errs;
}

/** validateUpgradeDowngradeIPFamilies (a change of the primary family). */
function ipFamiliesUpdateErrors(spec: Json, old: Json): FieldCause[] {
  if (isHeadless(asStrings(spec.clusterIPs)) || isHeadless(asStrings(old.clusterIPs))) return [];
  const now = asStrings(spec.ipFamilies);
  const before = asStrings(old.ipFamilies);
  if (now.length === before.length && before.some((f, i) => f !== now[i]))
    return [
      invalid(
        index(child(SPEC, "ipFamilies"), 0),
        goSyntax(ipFamiliesSyntax(spec.ipFamilies)),
        "may not change once set",
      ),
    ];
  return [];
}

const ipFamiliesSyntax = (v: unknown) =>
  Array.isArray(v) ? `[]core.IPFamily{${asStrings(v).map(goQuote).join(", ")}}` : "[]core.IPFamily(nil)";

/**
 * ValidateServiceClusterIPsRelatedFields: clusterIP and clusterIPs agree, families and policy are
 * known values, every cluster IP is an IP ("None" only alone), at most one per family, matching
 * ipFamilies. Also run by the allocator before it allocates, as alloc.go does.
 */
export function validateClusterIPsRelatedFields(spec: Spec): FieldCause[] {
  if (spec.type === "ExternalName") return [];
  const errs: FieldCause[] = [];
  const ips = spec.clusterIPs ?? [];
  const ipsValue = goSyntax(goStringSlice(spec.clusterIPs));
  const ipsPath = child(SPEC, "clusterIPs");
  if (spec.clusterIP) {
    if (ips.length === 0) errs.push(required(ipsPath));
    else if (ips[0] !== spec.clusterIP)
      errs.push(invalid(ipsPath, ipsValue, "first value must match `clusterIP`"));
  } else if (ips.length !== 0) {
    errs.push(invalid(ipsPath, ipsValue, "must be empty when `clusterIP` is not specified"));
  }
  const seen = new Set<string>();
  (spec.ipFamilies ?? []).forEach((family, i) => {
    const path = index(child(SPEC, "ipFamilies"), i);
    if (!IP_FAMILIES.includes(family)) errs.push(notSupported(path, family, IP_FAMILIES));
    if (seen.has(family)) errs.push(duplicate(path, family));
    seen.add(family);
  });
  if (spec.ipFamilyPolicy != null && !IP_FAMILY_POLICIES.includes(spec.ipFamilyPolicy))
    errs.push(notSupported(child(SPEC, "ipFamilyPolicy"), spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  let invalidIPs = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === "None") {
      if (ips.length > 1) {
        invalidIPs = true;
        errs.push(invalid(ipsPath, ipsValue, "'None' must be the first and only value"));
      }
      return;
    }
    if (!isValidIP(ip)) {
      invalidIPs = true;
      errs.push(invalid(index(ipsPath, i), ip, INVALID_IP));
    }
  });
  if (ips.length > 2) errs.push(invalid(ipsPath, ipsValue, "may only hold up to 2 values"));
  if (invalidIPs) return errs;
  if (ips.length > 1 && !(ips.length === 2 && isIPv6(ips[0]) !== isIPv6(ips[1])))
    errs.push(invalid(ipsPath, ipsValue, "may specify no more than one IP for each IP family"));
  const families = spec.ipFamilies ?? [];
  if (!isHeadless(ips))
    ips.slice(0, families.length).forEach((ip, i) => {
      if (families[i] === "IPv4" && isIPv6(ip))
        errs.push(
          invalid(index(ipsPath, i), ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``),
        );
      if (families[i] === "IPv6" && !isIPv6(ip))
        errs.push(
          invalid(index(ipsPath, i), ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``),
        );
    });
  return errs;
}

/** ValidateNonSpecialIP: no unspecified, loopback or link-local addresses (node-centric uses). */
function nonSpecialIPErrors(ip: string, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  let v4 = isIP(ip) === 6 ? undefined : ip.split(".").map(Number);
  let v6 = v4 ? undefined : expandIPv6(ip);
  // An IPv4-mapped IPv6 address is the IPv4 address to Go's net.IP (To4 succeeds).
  if (v6?.slice(0, 5).every((h) => h === 0) && v6[5] === 0xffff) {
    v4 = [v6[6] >> 8, v6[6] & 255, v6[7] >> 8, v6[7] & 255];
    v6 = undefined;
  }
  const unspecified = v4 ? v4.every((o) => o === 0) : v6?.every((h) => h === 0);
  const loopback = v4 ? v4[0] === 127 : v6?.slice(0, 7).every((h) => h === 0) && v6[7] === 1;
  const linkLocal = v4 ? v4[0] === 169 && v4[1] === 254 : ((v6?.[0] ?? 0) & 0xffc0) === 0xfe80;
  const linkLocalMulticast = v4
    ? v4[0] === 224 && v4[1] === 0 && v4[2] === 0
    : ((v6?.[0] ?? 0) & 0xff0f) === 0xff02;
  if (unspecified) errs.push(invalid(path, ip, `may not be unspecified (${ip})`));
  if (loopback) errs.push(invalid(path, ip, "may not be in the loopback range (127.0.0.0/8, ::1/128)"));
  if (linkLocal)
    errs.push(invalid(path, ip, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"));
  if (linkLocalMulticast)
    errs.push(invalid(path, ip, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"));
  return errs;
}

/** The eight 16-bit groups of an IPv6 address (an embedded IPv4 tail included). */
function expandIPv6(ip: string): number[] {
  let text = ip;
  const v4tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4tail) {
    const [a, b, c, d] = v4tail.slice(1).map(Number);
    text = `${text.slice(0, v4tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const parse = (part: string) => (part ? part.split(":").map((h) => Number.parseInt(h, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
}

/** netutils.ParseIPSloppy succeeds (IPv4 octets may carry leading zeros). */
function isValidIP(ip: string): boolean {
  return (
    isIP(ip) !== 0 ||
    (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(ip) && ip.split(".").every((o) => Number(o) <= 255))
  );
}

function validateServicePort(p: Json, requireName: boolean, names: Set<string>, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const name = asString(p.name);
  if (requireName && !name) errs.push(required(child(path, "name")));
  else if (name) {
    for (const msg of isDNS1123Label(name)) errs.push(invalid(child(path, "name"), name, msg));
    if (names.has(name)) errs.push(duplicate(child(path, "name"), name));
    else names.add(name);
  }
  for (const msg of isValidPortNum(asNumber(p.port)))
    errs.push(invalid(child(path, "port"), asNumber(p.port), msg));
  const protocol = asString(p.protocol);
  if (!protocol) errs.push(required(child(path, "protocol")));
  else if (!PORT_PROTOCOLS.includes(protocol))
    errs.push(notSupported(child(path, "protocol"), protocol, PORT_PROTOCOLS));
  // targetPort: an int port number or an IANA service name (absent is defaulted to port).
  if (typeof p.targetPort === "number") {
    for (const msg of isValidPortNum(p.targetPort))
      errs.push(invalid(child(path, "targetPort"), p.targetPort, msg));
  } else if (typeof p.targetPort === "string") {
    for (const msg of isValidPortName(p.targetPort))
      errs.push(invalid(child(path, "targetPort"), p.targetPort, msg));
  }
  if (p.appProtocol != null) {
    const app = asString(p.appProtocol);
    for (const msg of isQualifiedName(app)) errs.push(invalid(child(path, "appProtocol"), app, msg));
  }
  return errs;
}

/** Ports must be unique by (protocol, port); upstream prints the key as a core.ServicePort literal. */
function duplicatePortErrors(ports: Json[]): FieldCause[] {
  const errs: FieldCause[] = [];
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const protocol = asString(p.protocol) || "TCP";
    const key = `${protocol}/${asNumber(p.port)}`;
    if (seen.has(key)) {
      errs.push(
        duplicate(
          index(child(SPEC, "ports"), i),
          goSyntax(
            `core.ServicePort{Name:"", Protocol:${goQuote(protocol)}, AppProtocol:(*string)(nil), Port:${asNumber(p.port)}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`,
          ),
        ),
      );
    }
    seen.add(key);
  });
  return errs;
}

/** Node ports must be unique by (protocol, nodePort). */
function duplicateNodePortErrors(ports: Json[]): FieldCause[] {
  const seen = new Set<string>();
  return ports.flatMap((p, i) => {
    const nodePort = asNumber(p.nodePort);
    if (nodePort === 0) return [];
    const key = `${asString(p.protocol) || "TCP"}/${nodePort}`;
    const dup = seen.has(key);
    seen.add(key);
    return dup ? [duplicate(child(index(child(SPEC, "ports"), i), "nodePort"), nodePort)] : [];
  });
}
