// Compute resources, ported from kubernetes v1.33 pkg/apis/core/validation/validation.go:
// ValidateContainerResourceRequirements (validateResourceRequirements with validateContainerResourceName,
// ValidateResourceQuantityValue, requests ≤ limits, hugepages), validateResourceClaimNames, validateOverhead,
// validatePodResourceClaims and validateResizePolicy, with the pkg/apis/core/helper resource-name predicates.
// PodLevelResources is alpha (off) in v1.33, so spec.resources is not validated.

import { goQuote } from "../../../meta/go-quote.ts";
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from "../../../meta/names.ts";
import { canonicalQuantity, quantityError, quantityGoSyntax, quantityMilli } from "../../../meta/quantity.ts";
import { asMap, asMaps, asString, isMap, type Json } from "../json-access.ts";
import type { FieldCause } from "../types.ts";
import {
  child,
  duplicate,
  forbidden,
  goSyntax,
  index,
  invalid,
  key,
  notFound,
  notSupported,
  required,
} from "./field.ts";

const HUGEPAGES_PREFIX = "hugepages-";
const STANDARD_RESOURCES = new Set([
  "cpu",
  "memory",
  "ephemeral-storage",
  "requests.cpu",
  "requests.memory",
  "requests.ephemeral-storage",
  "limits.cpu",
  "limits.memory",
  "limits.ephemeral-storage",
  "pods",
  "resourcequotas",
  "services",
  "replicationcontrollers",
  "secrets",
  "configmaps",
  "persistentvolumeclaims",
  "storage",
  "requests.storage",
  "services.nodeports",
  "services.loadbalancers",
]);
const INTEGER_RESOURCES = new Set([
  "pods",
  "resourcequotas",
  "services",
  "replicationcontrollers",
  "secrets",
  "configmaps",
  "persistentvolumeclaims",
  "services.nodeports",
  "services.loadbalancers",
]);

const isHugePage = (name: string) => name.startsWith(HUGEPAGES_PREFIX);
/** helper.IsNativeResource: unprefixed or in the kubernetes.io domain. */
export const isNativeResource = (name: string) => !name.includes("/") || name.includes("kubernetes.io/");
const isNative = isNativeResource;
/** helper.IsExtendedResourceName. */
const isExtended = (name: string) =>
  !isNative(name) && !name.startsWith("requests.") && isQualifiedName(`requests.${name}`).length === 0;
const isOvercommitAllowed = (name: string) => isNative(name) && !isHugePage(name);
const isIntegerResource = (name: string) => INTEGER_RESOURCES.has(name) || isExtended(name);

/** A quantity as it appears in JSON (a string, or a bare number). */
const quantityText = (v: unknown) => (typeof v === "number" ? String(v) : asString(v));

// Parsing quantities is the costly part of resource checks, and Pods repeat the same few values.
const parsed = new Map<string, { error: string | undefined; milli: bigint }>();
function parseQuantity(text: string): { error: string | undefined; milli: bigint } {
  let q = parsed.get(text);
  if (!q) {
    const error = quantityError(text);
    q = { error, milli: error ? 0n : quantityMilli(text) };
    if (parsed.size > 4096) parsed.clear();
    parsed.set(text, q);
  }
  return q;
}

/** validateContainerResourceName (validateResourceName first). */
function containerResourceNameErrors(name: string, path: string): FieldCause[] {
  const errs = isQualifiedName(name).map((msg) => invalid(path, name, msg));
  if (errs.length > 0) return errs;
  if (!name.includes("/")) {
    const standard =
      STANDARD_RESOURCES.has(name) || isHugePage(name) || name.startsWith("requests.hugepages-");
    if (!standard) errs.push(invalid(path, name, "must be a standard resource type or fully qualified"));
    if (!["cpu", "memory", "ephemeral-storage"].includes(name) && !isHugePage(name))
      errs.push(invalid(path, name, "must be a standard resource for containers"));
    return errs;
  } else if (!isNative(name) && !isExtended(name))
    return [invalid(path, name, "doesn't follow extended resource name standard")];
  return [];
}

/** ValidateResourceQuantityValue (a malformed quantity, which upstream's decoder refuses, is named too). */
function quantityValueErrors(name: string, text: string, path: string): FieldCause[] {
  const { error: bad, milli } = parseQuantity(text);
  if (bad) return [invalid(path, text, bad)];
  const errs: FieldCause[] = [];
  if (milli < 0n) errs.push(invalid(path, canonicalQuantity(text), "must be greater than or equal to 0"));
  if (isIntegerResource(name) && milli % 1000n !== 0n)
    errs.push(invalid(path, goSyntax(quantityGoSyntax(text)), "must be an integer"));
  return errs;
}

/** validateResourceQuantityHugePageValue: a whole number of pages. */
function hugePageValueErrors(name: string, text: string, path: string): FieldCause[] {
  const pageMilli = parseQuantity(name.slice(HUGEPAGES_PREFIX.length)).milli;
  const value = parseQuantity(text);
  const divisible =
    pageMilli > 0n && pageMilli % 1000n === 0n && (value.milli / 1000n) % (pageMilli / 1000n) === 0n;
  if (divisible || value.error) return [];
  return [
    invalid(
      path,
      canonicalQuantity(text),
      `${canonicalQuantity(text)} is not positive integer multiple of ${name}`,
    ),
  ];
}

/** validateResourceRequirements for a container (or a Pod's overhead, which has limits only). */
export function resourceRequirementsErrors(
  requirements: Json,
  claimNames: Set<string>,
  path: string,
): FieldCause[] {
  const errs: FieldCause[] = [];
  const limPath = child(path, "limits");
  const reqPath = child(path, "requests");
  const limits = asMap(requirements.limits);
  let cpuOrMemory = false;
  let hugePages = false;
  for (const [name, v] of Object.entries(limits)) {
    const at = key(limPath, name);
    const text = quantityText(v);
    errs.push(...containerResourceNameErrors(name, at));
    errs.push(...quantityValueErrors(name, text, at));
    if (isHugePage(name)) {
      hugePages = true;
      errs.push(...hugePageValueErrors(name, text, at));
    }
    if (name === "cpu" || name === "memory") cpuOrMemory = true;
  }
  for (const [name, v] of Object.entries(asMap(requirements.requests))) {
    const at = key(reqPath, name);
    const text = quantityText(v);
    errs.push(...containerResourceNameErrors(name, at));
    errs.push(...quantityValueErrors(name, text, at));
    const limit = limits[name];
    const request = parseQuantity(text);
    const max = limit == null ? undefined : parseQuantity(quantityText(limit));
    if (max && !request.error && !max.error) {
      const shown = () => canonicalQuantity(text);
      const limitShown = () => canonicalQuantity(quantityText(limit));
      if (request.milli !== max.milli && !isOvercommitAllowed(name))
        errs.push(invalid(reqPath, shown(), `must be equal to ${name} limit of ${limitShown()}`));
      else if (request.milli > max.milli)
        errs.push(
          invalid(reqPath, shown(), `must be less than or equal to ${name} limit of ${limitShown()}`),
        );
    } else if (limit == null && !isOvercommitAllowed(name))
      errs.push(required(limPath, "Limit must be set for non overcommitable resources"));
    if (isHugePage(name)) {
      hugePages = true;
      errs.push(...hugePageValueErrors(name, text, at));
    }
    if (name === "cpu" || name === "memory") cpuOrMemory = true;
  }
  if (hugePages && !cpuOrMemory) errs.push(forbidden(path, "HugePages require cpu or memory"));
  errs.push(...claimNamesErrors(asMaps(requirements.claims), claimNames, child(path, "claims")));
  return errs;
}

/** validateResourceClaimNames: every claim a container uses is one of the Pod's resourceClaims. */
function claimNamesErrors(claims: Json[], podClaims: Set<string>, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const names = new Set<string>();
  claims.forEach((claim, i) => {
    const at = index(path, i);
    const name = asString(claim.name);
    const request = asString(claim.request);
    if (!name) {
      errs.push(required(at));
      return;
    }
    if (names.has(name)) errs.push(duplicate(at, name));
    else {
      let id = name;
      if (request) {
        errs.push(...isDNS1123Label(request).map((msg) => invalid(child(at, "request"), request, msg)));
        id += `/${request}`;
      }
      if (names.has(id)) errs.push(duplicate(at, id));
      else if (!request)
        for (const seen of names)
          if (seen.includes("/") && seen.slice(0, seen.indexOf("/")) === name) errs.push(duplicate(at, name));
      names.add(id);
    }
    if (!podClaims.has(name)) {
      const known = [...podClaims].sort();
      const detail = `must be one of the names in pod.spec.resourceClaims${known.length === 0 ? " which is empty" : `: ${known.join(", ")}`}`;
      const cause = notFound(at, name);
      errs.push({ ...cause, message: `${cause.message}: ${detail}` });
    }
  });
  return errs;
}

/** validateOverhead: a ResourceList checked as container limits. */
export const overheadErrors = (overhead: unknown, path: string): FieldCause[] =>
  isMap(overhead) ? resourceRequirementsErrors({ limits: overhead }, new Set(), path) : [];

const podClaimSyntax = (claim: Json) => {
  const ptr = (v: unknown) => (v == null ? "(*string)(nil)" : "(*string)(0xc000000000)");
  return `core.PodResourceClaim{Name:${goQuote(asString(claim.name))}, ResourceClaimName:${ptr(claim.resourceClaimName)}, ResourceClaimTemplateName:${ptr(claim.resourceClaimTemplateName)}}`;
};

/** validatePodResourceClaims: unique DNS-label names, each naming exactly one claim or template. */
export function podResourceClaimsErrors(claims: Json[], path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const names = new Set<string>();
  claims.forEach((claim, i) => {
    const at = index(path, i);
    const name = asString(claim.name);
    if (!name) errs.push(required(child(at, "name")));
    else if (names.has(name)) errs.push(duplicate(child(at, "name"), name));
    else {
      errs.push(...isDNS1123Label(name).map((msg) => invalid(child(at, "name"), name, msg)));
      names.add(name);
    }
    const hasClaim = claim.resourceClaimName != null;
    const hasTemplate = claim.resourceClaimTemplateName != null;
    if (hasClaim && hasTemplate)
      errs.push(
        invalid(
          at,
          goSyntax(podClaimSyntax(claim)),
          "at most one of `resourceClaimName` or `resourceClaimTemplateName` may be specified",
        ),
      );
    if (!hasClaim && !hasTemplate)
      errs.push(
        invalid(
          at,
          goSyntax(podClaimSyntax(claim)),
          "must specify one of: `resourceClaimName`, `resourceClaimTemplateName`",
        ),
      );
    for (const field of ["resourceClaimName", "resourceClaimTemplateName"])
      if (claim[field] != null) {
        const value = asString(claim[field]);
        errs.push(...isDNS1123Subdomain(value).map((msg) => invalid(child(at, field), value, msg)));
      }
  });
  return errs;
}

/** gatherPodResourceClaimNames. */
export const podClaimNames = (claims: Json[]) => new Set(claims.map((c) => asString(c.name)).filter(Boolean));

const RESIZE_RESOURCES = ["cpu", "memory"];
const RESIZE_POLICIES = ["NotRequired", "RestartContainer"];

/** validateResizePolicy. */
export function resizePolicyErrors(policies: Json[], path: string, podRestartPolicy: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const seen = new Set<string>();
  policies.forEach((p, i) => {
    const name = asString(p.resourceName);
    const policy = asString(p.restartPolicy);
    if (seen.has(name)) errs.push(duplicate(index(path, i), name));
    seen.add(name);
    if (!name) errs.push(required(path));
    else if (!RESIZE_RESOURCES.includes(name)) errs.push(notSupported(path, name, RESIZE_RESOURCES));
    if (!policy) errs.push(required(path));
    else if (!RESIZE_POLICIES.includes(policy)) errs.push(notSupported(path, policy, RESIZE_POLICIES));
    if (podRestartPolicy === "Never" && policy !== "NotRequired")
      errs.push(invalid(path, policy, "must be 'NotRequired' when `restartPolicy` is 'Never'"));
  });
  return errs;
}
