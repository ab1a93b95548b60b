// networking.k8s.io/v1 Ingress: validation (pkg/apis/networking/validation/validation.go ValidateIngressCreate/
// Update/StatusUpdate, with 1.33's gates: RelaxedServiceNameValidation off) and Table columns (printIngress,
// pkg/printers/internalversion/printers.go). No defaults in v1; status is its own subresource.

import { isIP } from "node:net";
import { isDNS1035Label, isDNS1123Subdomain, isWildcardDNS1123Subdomain } from "../../../../meta/names.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import { asList, asMap, asMaps, asString, isMap, type Json } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { child, goSyntax, index, invalid, notSupported, required } from "../../validation/field.ts";
import { isPathSegmentName } from "../../validation/names.ts";
import { isValidPortName, isValidPortNum } from "../../validation/ports.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";

const INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class";
const PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"]; // sets.List: sorted
const INVALID_PATH_SEQUENCES = ["//", "/./", "/../", "%2f", "%2F"];
const INVALID_PATH_SUFFIXES = ["/..", "/."];

function hostErrors(host: string, path: string): FieldCause[] {
  const check = host.includes("*") ? isWildcardDNS1123Subdomain : isDNS1123Subdomain;
  return check(host).map((msg) => invalid(path, host, msg));
}

/** validateIngressTypedLocalObjectReference (a resource backend). */
export function typedReferenceErrors(ref: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (typeof ref.apiGroup === "string")
    for (const msg of isDNS1123Subdomain(ref.apiGroup))
      errs.push(invalid(child(path, "apiGroup"), ref.apiGroup, msg));
  for (const key of ["kind", "name"] as const) {
    const value = asString(ref[key]);
    if (!value) errs.push(required(child(path, key)));
    else for (const msg of isPathSegmentName(value, false)) errs.push(invalid(child(path, key), value, msg));
  }
  return errs;
}

function validateBackend(backend: Json, path: string): FieldCause[] {
  const hasResource = isMap(backend.resource);
  const hasService = isMap(backend.service);
  if (hasResource && hasService) return [invalid(path, "", "cannot set both resource and service backends")];
  if (hasResource) return typedReferenceErrors(asMap(backend.resource), child(path, "resource"));
  if (!hasService) return [invalid(path, "", "resource or service backend is required")];
  const errs: FieldCause[] = [];
  const service = asMap(backend.service);
  const name = asString(service.name);
  const namePath = child(child(path, "service"), "name");
  if (!name) errs.push(required(namePath));
  else for (const msg of isDNS1035Label(name)) errs.push(invalid(namePath, name, msg));
  const port = asMap(service.port);
  const portName = asString(port.name);
  const portNumber = typeof port.number === "number" ? port.number : 0;
  const portPath = child(child(path, "service"), "port");
  if (portName && portNumber) errs.push(invalid(path, "", "cannot set both port name & port number"));
  else if (portName)
    for (const msg of isValidPortName(portName)) errs.push(invalid(child(portPath, "name"), portName, msg));
  else if (portNumber)
    for (const msg of isValidPortNum(portNumber))
      errs.push(invalid(child(portPath, "number"), portNumber, msg));
  else errs.push(required(path, "port name or number is required"));
  return errs;
}

function validatePath(p: Json, path: string): FieldCause[] {
  if (p.pathType == null) return [required(child(path, "pathType"), "pathType must be specified")];
  const errs: FieldCause[] = [];
  const value = asString(p.path);
  const pathType = asString(p.pathType);
  if (pathType === "Exact" || pathType === "Prefix") {
    if (!value.startsWith("/")) errs.push(invalid(child(path, "path"), value, "must be an absolute path"));
    if (value) {
      for (const seq of INVALID_PATH_SEQUENCES)
        if (value.includes(seq)) errs.push(invalid(child(path, "path"), value, `must not contain '${seq}'`));
      for (const suffix of INVALID_PATH_SUFFIXES)
        if (value.endsWith(suffix))
          errs.push(invalid(child(path, "path"), value, `cannot end with '${suffix}'`));
    }
  } else if (pathType === "ImplementationSpecific") {
    if (value && !value.startsWith("/"))
      errs.push(invalid(child(path, "path"), value, "must be an absolute path"));
  } else {
    errs.push(notSupported(child(path, "pathType"), pathType, PATH_TYPES));
  }
  errs.push(...validateBackend(asMap(p.backend), child(path, "backend")));
  return errs;
}

function validateRuleValue(rule: Json, path: string): FieldCause[] {
  if (!isMap(rule.http)) return [];
  const httpPath = child(path, "http");
  const paths = asMaps(rule.http.paths);
  const errs = paths.length === 0 ? [required(child(httpPath, "paths"))] : [];
  paths.forEach((p, i) => {
    errs.push(...validatePath(p, index(child(httpPath, "paths"), i)));
  });
  return errs;
}

/** Stored objects keep what older servers accepted (allowInvalidSecretName / allowInvalidWildcardHostRule). */
function options(old: KubeObject | undefined) {
  const spec = asMap(old?.spec);
  return {
    allowInvalidSecretName: asMaps(spec.tls).some((t) => secretNameErrors(asString(t.secretName)).length > 0),
    allowInvalidWildcardHostRule: asMaps(spec.rules).some(
      (r) => asString(r.host).includes("*") && validateRuleValue(r, "").length > 0,
    ),
  };
}

function secretNameErrors(name: string): string[] {
  return name ? isDNS1123Subdomain(name) : [];
}

export function validateIngress(ing: KubeObject, old?: KubeObject): FieldCause[] {
  const spec = asMap(ing.spec);
  const opts = options(old);
  const errs: FieldCause[] = [];
  const rules = asMaps(spec.rules);
  if (rules.length === 0 && !isMap(spec.defaultBackend)) {
    const shown =
      spec.rules === undefined || spec.rules === null
        ? "[]networking.IngressRule(nil)"
        : "[]networking.IngressRule{}";
    errs.push(invalid("spec", goSyntax(shown), "either `defaultBackend` or `rules` must be specified"));
  }
  if (isMap(spec.defaultBackend)) errs.push(...validateBackend(spec.defaultBackend, "spec.defaultBackend"));
  rules.forEach((rule, i) => {
    const rulePath = index("spec.rules", i);
    const host = asString(rule.host);
    if (host) {
      if (isIP(host))
        errs.push(invalid(child(rulePath, "host"), host, "must be a DNS name, not an IP address"));
      errs.push(...hostErrors(host, child(rulePath, "host")));
    }
    if (!host.includes("*") || !opts.allowInvalidWildcardHostRule)
      errs.push(...validateRuleValue(rule, rulePath));
  });
  asMaps(spec.tls).forEach((tls, i) => {
    const tlsPath = index("spec.tls", i);
    asList(tls.hosts).forEach((h, j) => {
      errs.push(...hostErrors(asString(h), index(child(tlsPath, "hosts"), j)));
    });
    if (!opts.allowInvalidSecretName) {
      const secretName = asString(tls.secretName);
      for (const msg of secretNameErrors(secretName))
        errs.push(invalid(child(tlsPath, "secretName"), secretName, msg));
    }
  });
  if (typeof spec.ingressClassName === "string")
    for (const msg of isDNS1123Subdomain(spec.ingressClassName))
      errs.push(invalid("spec.ingressClassName", spec.ingressClassName, msg));
  if (!old) {
    const annotation = ing.metadata?.annotations?.[INGRESS_CLASS_ANNOTATION];
    if (
      annotation !== undefined &&
      typeof spec.ingressClassName === "string" &&
      annotation !== spec.ingressClassName
    )
      errs.push(
        invalid(
          `annotations.${INGRESS_CLASS_ANNOTATION}`,
          annotation,
          "must match `ingressClassName` when both are specified",
        ),
      );
  }
  errs.push(...validateLoadBalancerStatus(ing, old));
  return errs;
}

/** ValidateIngressLoadBalancerStatus (status writes; harmless on the main resource, whose status is kept). */
function validateLoadBalancerStatus(ing: KubeObject, old?: KubeObject): FieldCause[] {
  const oldIPs = asMaps(asMap(asMap(old?.status).loadBalancer).ingress).map((i) => asString(i.ip));
  const errs: FieldCause[] = [];
  asMaps(asMap(asMap(ing.status).loadBalancer).ingress).forEach((entry, i) => {
    const path = index("status.loadBalancer.ingress", i);
    const ip = asString(entry.ip);
    if (ip && !isIP(ip) && !oldIPs.includes(ip))
      errs.push(
        invalid(child(path, "ip"), ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"),
      );
    const hostname = asString(entry.hostname);
    if (hostname) {
      for (const msg of isDNS1123Subdomain(hostname))
        errs.push(invalid(child(path, "hostname"), hostname, msg));
      if (isIP(hostname))
        errs.push(invalid(child(path, "hostname"), hostname, "must be a DNS name, not an IP address"));
    }
  });
  return errs;
}

/** formatHosts: the first three rule hosts, "+ N more...", or "*" when no rule names a host. */
function formatHosts(rules: Json[]): string {
  const max = 3;
  const list: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (list.length === max) more = true;
    if (!more && asString(rule.host)) list.push(asString(rule.host));
  }
  if (list.length === 0) return "*";
  return more ? `${list.join(",")} + ${rules.length - max} more...` : list.join(",");
}

/** ingressLoadBalancerStatusStringer (server tables are generated wide: never truncated). */
function address(ing: KubeObject): string {
  const entries = asMaps(asMap(asMap(ing.status).loadBalancer).ingress);
  const set = new Set(entries.map((e) => asString(e.ip) || asString(e.hostname)).filter((s) => s !== ""));
  return [...set].sort().join(",");
}

export const ingress: ResourceDef = {
  group: "networking.k8s.io",
  version: "v1",
  resource: "ingresses",
  singular: "ingress",
  kind: "Ingress",
  listKind: "IngressList",
  namespaced: true,
  shortNames: ["ing"],
  verbs: CRUD,
  subresources: [{ name: "status", kind: "Ingress", verbs: GET_PATCH_UPDATE }],
  statusKeepsMetadata: [], // ingressStatusStrategy keeps spec only
  // ingressStatusStrategy: ValidateIngressStatusUpdate, the load balancer status only.
  validate: (o, old, subresource) =>
    subresource === "status" ? validateLoadBalancerStatus(o, old) : validateIngress(o, old),
  printer: {
    columns: [
      NAME_COLUMN,
      column(
        "Class",
        "string",
        "The name of the IngressClass resource that should be used for additional configuration",
      ),
      column("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
      column("Address", "string", "Address is a list containing ingress points for the load-balancer"),
      column("Ports", "string", "Ports of TLS configurations that open"),
      AGE_COLUMN,
    ],
    cells: (obj, now) => {
      const spec = asMap(obj.spec);
      return [
        nameOf(obj),
        typeof spec.ingressClassName === "string" ? spec.ingressClassName : "<none>",
        formatHosts(asMaps(spec.rules)),
        address(obj),
        asList(spec.tls).length ? "80, 443" : "80",
        age(obj, now),
      ];
    },
  },
};
