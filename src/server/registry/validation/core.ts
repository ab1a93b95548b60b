// Validation for the remaining core kinds and EndpointSlice: Namespace, ServiceAccount, Node, Event.

import { isIPv4, isIPv6 } from "node:net";
import {
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue as labelValueErrors,
} from "../../../meta/names.ts";
import type { KubeObject } from "../../../meta/types.ts";
import { asMap, asMaps, asString, asStrings } from "../json-access.ts";
import type { FieldCause } from "../types.ts";
import { child, immutable, index, invalid, notSupported, required } from "./field.ts";
import { kubeFinalizerNameErrors, validateFinalizers } from "./meta.ts";

/** ValidateNamespace: spec.finalizers are qualified or standard names (the name itself is a DNS label). */
export function validateNamespace(ns: KubeObject, old?: KubeObject): FieldCause[] {
  if (old) return []; // ValidateNamespaceUpdate checks metadata only
  const path = "spec.finalizers";
  return asStrings(asMap(ns.spec).finalizers).flatMap((f) => [
    ...validateFinalizers([f], path),
    ...kubeFinalizerNameErrors(f, path),
  ]);
}

/** ValidateNamespaceStatusUpdate (namespaceStatusStrategy): the phase follows metadata.deletionTimestamp. */
export function validateNamespaceStatus(ns: KubeObject): FieldCause[] {
  const phase = asString(asMap(ns.status).phase);
  const path = "status.Phase"; // sic: upstream's field path
  if (!ns.metadata?.deletionTimestamp)
    return phase === "Active"
      ? []
      : [invalid(path, phase, "may only be 'Active' if `deletionTimestamp` is empty")];
  return phase === "Terminating"
    ? []
    : [invalid(path, phase, "may only be 'Terminating' if `deletionTimestamp` is not empty")];
}

/** ValidateServiceAccount: metadata only (validateObjectMeta covers it). */
export function validateServiceAccount(_sa: KubeObject, _old?: KubeObject): FieldCause[] {
  return [];
}

const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

/** ValidateNode: spec.taints keys, values and effects. */
export function validateNode(node: KubeObject, _old?: KubeObject): FieldCause[] {
  const errs: FieldCause[] = [];
  asMaps(asMap(node.spec).taints).forEach((t, i) => {
    const path = index("spec.taints", i);
    const k = asString(t.key);
    for (const msg of isQualifiedName(k)) errs.push(invalid(child(path, "key"), k, msg));
    const valueErrs = labelValueErrors(asString(t.value));
    if (valueErrs.length > 0)
      errs.push(invalid(child(path, "value"), asString(t.value), valueErrs.join(";")));
    const effect = asString(t.effect);
    if (!effect) errs.push(required(child(path, "effect")));
    else if (!TAINT_EFFECTS.includes(effect))
      errs.push(notSupported(child(path, "effect"), effect, TAINT_EFFECTS));
  });
  return errs;
}

const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

/** legacyValidateEvent for core/v1 (the only check core/v1 events get besides the generic metadata pass). */
export function validateEvent(event: KubeObject, _old?: KubeObject): FieldCause[] {
  const errs: FieldCause[] = [];
  const namespace = event.metadata?.namespace ?? "";
  const involved = asMap(event.involvedObject);
  const involvedNamespace = asString(involved.namespace);
  const mismatch = () =>
    invalid("involvedObject.namespace", involvedNamespace, "does not match event.namespace");
  if (!asString(event.eventTime)) {
    // Old-style events: the namespaces must agree ("default" stands in for none, for old clients).
    if (!involvedNamespace ? namespace !== "" && namespace !== "default" : namespace !== involvedNamespace) {
      errs.push(mismatch());
    }
  } else {
    if (!involvedNamespace && namespace !== "default" && namespace !== "kube-system") errs.push(mismatch());
    const controller = asString(event.reportingComponent);
    if (!controller) errs.push(required("reportingComponent"));
    for (const msg of isQualifiedName(controller)) errs.push(invalid("reportingComponent", controller, msg));
    const limit = (field: string, value: string, max: number) => {
      if (value.length > max) errs.push(invalid(field, "", `can have at most ${max} characters`));
    };
    const instance = asString(event.reportingInstance);
    if (!instance) errs.push(required("reportingInstance"));
    limit("reportingInstance", instance, REPORTING_INSTANCE_LIMIT);
    const action = asString(event.action);
    if (!action) errs.push(required("action"));
    limit("action", action, ACTION_LIMIT);
    const reason = asString(event.reason);
    if (!reason) errs.push(required("reason"));
    limit("reason", reason, REASON_LIMIT);
    limit("message", asString(event.message), NOTE_LIMIT);
  }
  for (const msg of isDNS1123Subdomain(namespace)) errs.push(invalid("namespace", namespace, msg));
  return errs;
}

const ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"];

/** ValidateEndpointSlice (addressType, one address per endpoint) and its immutable addressType. */
export function validateEndpointSlice(slice: KubeObject, old?: KubeObject): FieldCause[] {
  const errs: FieldCause[] = [];
  const addressType = asString(slice.addressType);
  if (!addressType) errs.push(required("addressType"));
  else if (!ADDRESS_TYPES.includes(addressType))
    errs.push(notSupported("addressType", addressType, ADDRESS_TYPES));
  asMaps(slice.endpoints).forEach((e, i) => {
    const addresses = asStrings(e.addresses);
    if (addresses.length === 0) {
      errs.push(required(child(index("endpoints", i), "addresses"), "must contain at least 1 address"));
    }
    // IsValidIPv4Address/IsValidIPv6Address: the addresses end up in iptables rules and DNS answers.
    addresses.forEach((address, j) => {
      const at = index(child(index("endpoints", i), "addresses"), j);
      if (addressType === "IPv4" && !isIPv4(address))
        errs.push(invalid(at, address, "must be a valid IPv4 address"));
      if (addressType === "IPv6" && !isIPv6(address))
        errs.push(invalid(at, address, "must be a valid IPv6 address"));
    });
  });
  if (old && addressType !== asString(old.addressType)) errs.push(immutable("addressType", addressType));
  return errs;
}
