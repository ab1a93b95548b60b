// The LimitRanger admission plugin (kubernetes plugin/pkg/admission/limitranger/admission.go): on Pod
// create, a namespace's LimitRange defaults each container's requests and limits (recording what it set in
// the kubernetes.io/limit-ranger annotation) and then refuses values outside its min/max/ratio with 403 and
// upstream's text. PersistentVolumeClaim storage min/max are enforced too. Pod updates are not checked,
// as upstream (containers' resources are immutable there).

import { canonicalQuantity, quantityMilli } from "../../meta/quantity.ts";
import { goQuote, Status } from "../../meta/status.ts";
import type { KubeObject } from "../../meta/types.ts";
import { ApiStatusError } from "../http/errors.ts";
import { asMap, asMaps, type Json } from "../registry/json-access.ts";
import { limitItems } from "../registry/kinds/core/limitrange.ts";
import type { AdmissionPlugin, AdmissionRequest } from "./types.ts";

const ANNOTATION = "kubernetes.io/limit-ranger";
const LIMIT_RANGES = "limitranges";

const show = (v: unknown) => canonicalQuantity(String(v));
const milli = (v: unknown) => quantityMilli(String(v));

function forbidden(req: AdmissionRequest, errors: string[]): ApiStatusError {
  const message = errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`;
  const what = req.def.resource;
  return new ApiStatusError(
    Status.forbidden(
      `${req.name ? `${what} ${goQuote(req.name)}` : what} is forbidden: ${message}`,
      req.def.resource,
      req.def.group,
      req.name,
    ),
  );
}

function rangesOf(req: AdmissionRequest): KubeObject[] {
  return req.store.list(LIMIT_RANGES, { namespace: req.namespace }).items.map((e) => e.object());
}

/** mergeContainerResources: fill what the container lacks from the defaults; describe what was set. */
function mergeContainer(container: Json, defaults: { requests: Json; limits: Json }, type: string): string[] {
  const resources = { ...asMap(container.resources) };
  const limits = { ...asMap(resources.limits) };
  const requests = { ...asMap(resources.requests) };
  const setLimits = Object.keys(defaults.limits).filter((k) => !(k in limits));
  const setRequests = Object.keys(defaults.requests).filter((k) => !(k in requests));
  for (const k of setLimits) limits[k] = defaults.limits[k];
  for (const k of setRequests) requests[k] = defaults.requests[k];
  if (Object.keys(limits).length) resources.limits = limits;
  if (Object.keys(requests).length) resources.requests = requests;
  container.resources = resources;
  const notes: string[] = [];
  const name = String(container.name ?? "");
  if (setRequests.length) notes.push(`${setRequests.sort().join(", ")} request for ${type} ${name}`);
  if (setLimits.length) notes.push(`${setLimits.sort().join(", ")} limit for ${type} ${name}`);
  return notes;
}

/** defaultContainerResourceRequirements of the first Container item that has defaults. */
function containerDefaults(range: KubeObject): { requests: Json; limits: Json } {
  const requests: Json = {};
  const limits: Json = {};
  for (const item of limitItems(range, "Container")) {
    Object.assign(requests, asMap(item.defaultRequest));
    Object.assign(limits, asMap(item.default));
  }
  return { requests, limits };
}

function defaultPod(pod: KubeObject, range: KubeObject): void {
  const defaults = containerDefaults(range);
  if (!Object.keys(defaults.requests).length && !Object.keys(defaults.limits).length) return;
  const spec = asMap(pod.spec);
  const notes = [
    ...asMaps(spec.containers).flatMap((c) => mergeContainer(c, defaults, "container")),
    ...asMaps(spec.initContainers).flatMap((c) => mergeContainer(c, defaults, "init container")),
  ];
  if (notes.length) {
    pod.metadata ??= {};
    pod.metadata.annotations = {
      ...pod.metadata.annotations,
      [ANNOTATION]: `LimitRanger plugin set: ${notes.join("; ")}`,
    };
  }
}

/** minConstraint / maxConstraint / limitRequestRatioConstraint for one resource. */
function constraintErrors(item: Json, type: string, requests: Json, limits: Json): string[] {
  const errs: string[] = [];
  for (const [name, min] of Object.entries(asMap(item.min))) {
    const req = requests[name];
    const lim = limits[name];
    if (req == null) errs.push(`minimum ${name} usage per ${type} is ${show(min)}.  No request is specified`);
    else if (milli(req) < milli(min))
      errs.push(`minimum ${name} usage per ${type} is ${show(min)}, but request is ${show(req)}`);
    else if (lim != null && milli(lim) < milli(min))
      errs.push(`minimum ${name} usage per ${type} is ${show(min)}, but limit is ${show(lim)}`);
  }
  for (const [name, max] of Object.entries(asMap(item.max))) {
    const req = requests[name];
    const lim = limits[name];
    if (lim == null) errs.push(`maximum ${name} usage per ${type} is ${show(max)}.  No limit is specified`);
    else if (milli(lim) > milli(max))
      errs.push(`maximum ${name} usage per ${type} is ${show(max)}, but limit is ${show(lim)}`);
    else if (req != null && milli(req) > milli(max))
      errs.push(`maximum ${name} usage per ${type} is ${show(max)}, but request is ${show(req)}`);
  }
  for (const [name, ratio] of Object.entries(asMap(item.maxLimitRequestRatio))) {
    const req = requests[name];
    const lim = limits[name];
    if (req == null || milli(req) === 0n || lim == null) {
      if (lim != null || req != null)
        errs.push(
          `${name} max limit to request ratio per ${type} is ${show(ratio)}, but no request is specified or request is 0`,
        );
      continue;
    }
    const actual = Number(milli(lim)) / Number(milli(req));
    if (actual > Number(milli(ratio)) / 1000)
      errs.push(
        `${name} max limit to request ratio per ${type} is ${show(ratio)}, but provided ratio is ${actual.toFixed(6)}`,
      );
  }
  return errs;
}

/** The pod-level sums a Pod item constrains (containers summed; an init container counts if larger). */
function podTotals(pod: KubeObject, field: "requests" | "limits"): Json {
  const spec = asMap(pod.spec);
  const sums = new Map<string, bigint>();
  for (const c of asMaps(spec.containers))
    for (const [k, v] of Object.entries(asMap(asMap(c.resources)[field])))
      sums.set(k, (sums.get(k) ?? 0n) + milli(v));
  for (const c of asMaps(spec.initContainers))
    for (const [k, v] of Object.entries(asMap(asMap(c.resources)[field])))
      if (milli(v) > (sums.get(k) ?? 0n)) sums.set(k, milli(v));
  return Object.fromEntries([...sums].map(([k, v]) => [k, `${v}m`]));
}

function validatePod(pod: KubeObject, range: KubeObject): string[] {
  const errs: string[] = [];
  const spec = asMap(pod.spec);
  for (const item of limitItems(range, "Container"))
    for (const c of [...asMaps(spec.containers), ...asMaps(spec.initContainers)]) {
      const r = asMap(c.resources);
      errs.push(...constraintErrors(item, "Container", asMap(r.requests), asMap(r.limits)));
    }
  for (const item of limitItems(range, "Pod"))
    errs.push(...constraintErrors(item, "Pod", podTotals(pod, "requests"), podTotals(pod, "limits")));
  return errs;
}

function validateClaim(pvc: KubeObject, range: KubeObject): string[] {
  const requests = asMap(asMap(asMap(pvc.spec).resources).requests);
  const errs: string[] = [];
  for (const item of limitItems(range, "PersistentVolumeClaim")) {
    const storage = requests.storage;
    const min = asMap(item.min).storage;
    const max = asMap(item.max).storage;
    if (min != null && (storage == null || milli(storage) < milli(min)))
      errs.push(
        `minimum storage usage per PersistentVolumeClaim is ${show(min)}, but request is ${show(storage ?? "0")}`,
      );
    if (max != null && storage != null && milli(storage) > milli(max))
      errs.push(
        `maximum storage usage per PersistentVolumeClaim is ${show(max)}, but request is ${show(storage)}`,
      );
  }
  return errs;
}

const applies = (req: AdmissionRequest, resource: string) =>
  req.operation === "CREATE" &&
  !req.subresource &&
  req.def.group === "" &&
  req.def.resource === resource &&
  req.object;

/**
 * SetDefaults_Pod's "requests default to limits" (pkg/apis/core/v1/defaults.go). Upstream defaults a Pod
 * while decoding it, before any admission; here defaults run after mutating admission, so this part runs
 * first in LimitRanger, whose defaults (and the quota's "must specify") depend on it.
 */
export function defaultRequestsToLimits(pod: KubeObject): void {
  const spec = asMap(pod.spec);
  for (const c of [...asMaps(spec.containers), ...asMaps(spec.initContainers)]) {
    const resources = asMap(c.resources);
    const limits = resources.limits;
    if (limits == null || typeof limits !== "object") continue;
    const requests = { ...asMap(resources.requests) };
    for (const [k, v] of Object.entries(limits)) if (!(k in requests)) requests[k] = v;
    c.resources = { ...resources, requests };
  }
}

export const limitRanger: AdmissionPlugin = {
  name: "LimitRanger",
  mutate(req) {
    if (!applies(req, "pods")) return;
    defaultRequestsToLimits(req.object!);
    for (const range of rangesOf(req)) defaultPod(req.object!, range);
  },
  validate(req) {
    const errs: string[] = [];
    if (applies(req, "pods"))
      for (const range of rangesOf(req)) errs.push(...validatePod(req.object!, range));
    else if (applies(req, "persistentvolumeclaims"))
      for (const range of rangesOf(req)) errs.push(...validateClaim(req.object!, range));
    if (errs.length) throw forbidden(req, errs);
  },
};
