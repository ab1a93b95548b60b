// Service validation (pkg/apis/core/validation ValidateService/ValidateServiceUpdate): type, ports,
// selector, session affinity, ExternalName, and clusterIP immutability.

import type { KubeObject } from "../../../meta/types.ts";
import { goQuote, goStringSlice } from "../go-format.ts";
import { asMap, asMaps, asNumber, asString, type Json } from "../json-access.ts";
import type { FieldCause } from "../types.ts";
import { child, duplicate, forbidden, goSyntax, index, invalid, notSupported, required } from "./field.ts";
import { validateLabels } from "./meta.ts";
import { isDNS1123Label, isDNS1123Subdomain } from "./names.ts";
import { isValidPortName, isValidPortNum, PORT_PROTOCOLS } from "./ports.ts";

const SPEC = "spec";
const SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const SESSION_AFFINITIES = ["ClientIP", "None"];

export function validateService(svc: KubeObject, old?: KubeObject): FieldCause[] {
  const spec = asMap(svc.spec);
  const type = asString(spec.type) || "ClusterIP"; // defaulted upstream before validation
  const ports = asMaps(spec.ports);
  const headless = spec.clusterIP === "None";
  const errs: FieldCause[] = [];
  if (old)
    errs.push(
      ...clusterIPUpdateErrors(spec, asMap(old.spec), type, asString(asMap(old.spec).type) || "ClusterIP"),
    );

  if (ports.length === 0 && !headless && type !== "ExternalName") errs.push(required(child(SPEC, "ports")));
  if (type === "ExternalName") {
    // The strategy mirrors clusterIP into clusterIPs, so either one set is "clusterIPs set".
    if (asMaps(spec.clusterIPs).length > 0 || asString(spec.clusterIP) !== "") {
      errs.push(forbidden(child(SPEC, "clusterIPs"), "may not be set for ExternalName services"));
    }
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
  const affinity = asString(spec.sessionAffinity);
  if (affinity && !SESSION_AFFINITIES.includes(affinity)) {
    errs.push(notSupported(child(SPEC, "sessionAffinity"), affinity, SESSION_AFFINITIES));
  }
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
  errs.push(...duplicatePortErrors(ports));
  return errs;
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
  if (protocol && !PORT_PROTOCOLS.includes(protocol))
    errs.push(notSupported(child(path, "protocol"), protocol, PORT_PROTOCOLS));
  // targetPort: an int port number or an IANA service name (absent is defaulted to port).
  if (typeof p.targetPort === "number") {
    for (const msg of isValidPortNum(p.targetPort))
      errs.push(invalid(child(path, "targetPort"), p.targetPort, msg));
  } else if (typeof p.targetPort === "string") {
    for (const msg of isValidPortName(p.targetPort))
      errs.push(invalid(child(path, "targetPort"), p.targetPort, msg));
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

/** The primary cluster IP may not change (unless to/from ExternalName); an omitted one is kept. */
function clusterIPUpdateErrors(spec: Json, old: Json, type: string, oldType: string): FieldCause[] {
  if (type === "ExternalName" || oldType === "ExternalName") return [];
  const before = asString(old.clusterIP);
  const now = asString(spec.clusterIP);
  if (!before || !now || before === now) return [];
  const ips = Array.isArray(spec.clusterIPs) ? (spec.clusterIPs as string[]) : [now];
  return [
    invalid(index(child(SPEC, "clusterIPs"), 0), goSyntax(goStringSlice(ips)), "may not change once set"),
  ];
}
