// networking.k8s.io/v1 NetworkPolicy: defaults (pkg/apis/networking/v1/defaults.go), validation
// (pkg/apis/networking/validation/validation.go ValidateNetworkPolicy/Update) and Table columns
// (printNetworkPolicy, pkg/printers/internalversion/printers.go).
import { labelSelectorFromObject, selectorToString } from "../../../../meta/labels.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import { asList, asMap, asMaps, asString, isMap, type Json } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { validateLabelSelector } from "../../validation/apps.ts";
import {
  child,
  forbidden,
  goSyntax,
  index,
  invalid,
  notSupported,
  required,
} from "../../validation/field.ts";
import { isValidPortName, isValidPortNum } from "../../validation/ports.ts";
import { CRUD } from "../verbs.ts";
import { cidrErrors, parseCidr, strictSubset } from "./cidr.ts";

const PROTOCOLS = ["TCP", "UDP", "SCTP"];
const POLICY_TYPES = ["Ingress", "Egress"];

// extensionsv1beta1.NetworkPolicySpec{}.SwaggerDoc()["podSelector"], as printers.go cites it.
const POD_SELECTOR_DOC =
  "Selects the pods to which this NetworkPolicy object applies.  The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods.  In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.";

/** SetDefaults_NetworkPolicyPort (protocol TCP) and SetDefaults_NetworkPolicy (policyTypes). */
export function defaultNetworkPolicy(np: KubeObject): void {
  const spec = asMap(np.spec);
  for (const rules of [spec.ingress, spec.egress])
    for (const rule of asMaps(rules))
      for (const port of asList(rule.ports)) if (isMap(port) && port.protocol == null) port.protocol = "TCP";
  if (isMap(np.spec) && asList(spec.policyTypes).length === 0)
    np.spec.policyTypes = asList(spec.egress).length ? ["Ingress", "Egress"] : ["Ingress"];
}

function validatePort(port: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const protocol = port.protocol;
  if (typeof protocol === "string" && !PROTOCOLS.includes(protocol))
    errs.push(notSupported(child(path, "protocol"), protocol, PROTOCOLS));
  const endPort = typeof port.endPort === "number" ? port.endPort : undefined;
  if (typeof port.port === "number") {
    for (const msg of isValidPortNum(port.port)) errs.push(invalid(child(path, "port"), port.port, msg));
    if (endPort !== undefined) {
      if (endPort < port.port)
        errs.push(invalid(child(path, "endPort"), endPort, "must be greater than or equal to `port`"));
      for (const msg of isValidPortNum(endPort)) errs.push(invalid(child(path, "endPort"), endPort, msg));
    }
  } else if (typeof port.port === "string") {
    if (endPort !== undefined)
      errs.push(invalid(child(path, "endPort"), endPort, "may not be specified when `port` is non-numeric"));
    for (const msg of isValidPortName(port.port)) errs.push(invalid(child(path, "port"), port.port, msg));
  } else if (endPort !== undefined) {
    errs.push(invalid(child(path, "endPort"), endPort, "may not be specified when `port` is not specified"));
  }
  return errs;
}

function validateIPBlock(block: Json, path: string, oldCidrs: string[]): FieldCause[] {
  const cidr = asString(block.cidr);
  if (!cidr) return [required(child(path, "cidr"))];
  const errs = cidrErrors(child(path, "cidr"), cidr, oldCidrs);
  const outer = parseCidr(cidr);
  if (!outer) return errs;
  asList(block.except).forEach((value, i) => {
    const except = asString(value);
    const exceptPath = index(child(path, "except"), i);
    errs.push(...cidrErrors(exceptPath, except, oldCidrs));
    const inner = parseCidr(except);
    if (inner && !strictSubset(outer, inner))
      errs.push(invalid(exceptPath, except, "must be a strict subset of `cidr`"));
  });
  return errs;
}

function validatePeer(peer: Json, path: string, oldCidrs: string[]): FieldCause[] {
  const errs: FieldCause[] = [];
  let peers = 0;
  if (isMap(peer.podSelector)) {
    peers++;
    errs.push(...validateLabelSelector(peer.podSelector, child(path, "podSelector")));
  }
  if (isMap(peer.namespaceSelector)) {
    peers++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, child(path, "namespaceSelector")));
  }
  if (isMap(peer.ipBlock)) {
    peers++;
    errs.push(...validateIPBlock(peer.ipBlock, child(path, "ipBlock"), oldCidrs));
  }
  if (peers === 0) errs.push(required(path, "must specify a peer"));
  else if (peers > 1 && isMap(peer.ipBlock))
    errs.push(forbidden(path, "may not specify both ipBlock and another peer"));
  return errs;
}

/** Every ipBlock CIDR the old object holds: an update may keep them even if invalid now. */
function storedCidrs(old: KubeObject | undefined): string[] {
  if (!old) return [];
  const spec = asMap(old.spec);
  const out: string[] = [];
  for (const [rules, peersKey] of [
    [spec.ingress, "from"],
    [spec.egress, "to"],
  ] as const)
    for (const rule of asMaps(rules))
      for (const peer of asMaps(rule[peersKey])) {
        const block = asMap(peer.ipBlock);
        if (!isMap(peer.ipBlock)) continue;
        out.push(asString(block.cidr), ...asList(block.except).map(asString));
      }
  return out;
}

export function validateNetworkPolicy(np: KubeObject, old?: KubeObject): FieldCause[] {
  const spec = asMap(np.spec);
  const oldCidrs = storedCidrs(old);
  const errs = validateLabelSelector(asMap(spec.podSelector), "spec.podSelector");
  for (const [key, peersKey] of [
    ["ingress", "from"],
    ["egress", "to"],
  ] as const) {
    asMaps(spec[key]).forEach((rule, i) => {
      const rulePath = index(child("spec", key), i);
      asMaps(rule.ports).forEach((p, j) => {
        errs.push(...validatePort(p, index(child(rulePath, "ports"), j)));
      });
      asMaps(rule[peersKey]).forEach((p, j) => {
        errs.push(...validatePeer(p, index(child(rulePath, peersKey), j), oldCidrs));
      });
    });
  }
  const types = asList(spec.policyTypes).map(asString);
  if (types.length > POLICY_TYPES.length) {
    const shown = `[]networking.PolicyType{${types.map((t) => JSON.stringify(t)).join(", ")}}`;
    errs.push(invalid("spec.policyTypes", goSyntax(shown), "may not specify more than two policyTypes"));
    return errs;
  }
  types.forEach((t, i) => {
    if (!POLICY_TYPES.includes(t)) errs.push(notSupported(index("spec.policyTypes", i), t, POLICY_TYPES));
  });
  return errs;
}

/** metav1.FormatLabelSelector: "<none>" for an absent or empty selector. */
export function formatLabelSelector(selector: unknown): string {
  if (!isMap(selector)) return "<none>";
  try {
    const text = selectorToString(labelSelectorFromObject(selector));
    return text === "" ? "<none>" : text;
  } catch {
    return "<error>";
  }
}

export const networkPolicy: ResourceDef = {
  group: "networking.k8s.io",
  version: "v1",
  resource: "networkpolicies",
  singular: "networkpolicy",
  kind: "NetworkPolicy",
  listKind: "NetworkPolicyList",
  namespaced: true,
  shortNames: ["netpol"],
  verbs: CRUD,
  defaults: defaultNetworkPolicy,
  validate: validateNetworkPolicy,
  printer: {
    columns: [NAME_COLUMN, column("Pod-Selector", "string", POD_SELECTOR_DOC), AGE_COLUMN],
    cells: (obj, now) => [nameOf(obj), formatLabelSelector(asMap(obj.spec).podSelector), age(obj, now)],
  },
};
