// admission.k8s.io AdmissionReview as kube-apiserver sends it and checks the answer:
// k8s.io/apiserver pkg/admission/plugin/webhook/request/admissionreview.go (CreateV1AdmissionReview,
// VerifyAdmissionResponse). Also the `request` variable of admission CEL (plugin/cel CreateAdmissionRequest).
import { randomUUID } from "node:crypto";
import type { KubeObject } from "../../../meta/types.ts";
import { asString, isMap, type Json } from "../../registry/json-access.ts";
import type { Attributes } from "./attributes.ts";

/** userInfo as authenticationv1.UserInfo marshals it (extra always present upstream, as a map). */
function userInfoOf(a: Attributes): Json {
  const u: Json = { username: a.user.username };
  if (a.user.uid) u.uid = a.user.uid;
  if (a.user.groups?.length) u.groups = a.user.groups;
  if (a.user.extra && Object.keys(a.user.extra).length) u.extra = a.user.extra;
  return u;
}

/** The AdmissionRequest fields (v1 JSON order) for the attributes, without uid/object/oldObject. */
export function requestFields(a: Attributes): Json {
  const r: Json = {
    kind: { ...a.kind },
    resource: { ...a.resource },
  };
  if (a.subresource) r.subResource = a.subresource;
  r.requestKind = { ...a.kind };
  r.requestResource = { ...a.resource };
  if (a.subresource) r.requestSubResource = a.subresource;
  if (a.name) r.name = a.name;
  if (a.namespace) r.namespace = a.namespace;
  r.operation = a.operation;
  r.userInfo = userInfoOf(a);
  return r;
}

export interface BuiltReview {
  uid: string;
  apiVersion: string;
  body: Json;
}

/**
 * CreateAdmissionObjects: the first of the webhook's admissionReviewVersions this server speaks
 * (v1 or v1beta1; both carry the same request fields). `object` is what the webhook should see.
 */
export function buildReview(a: Attributes, versions: string[], object: KubeObject | undefined): BuiltReview {
  const version = versions.find((v) => v === "v1" || v === "v1beta1");
  if (!version) throw new Error(`webhook does not accept known AdmissionReview versions`);
  const uid = randomUUID();
  // Go marshals AdmissionRequest in field order: uid first, then requestFields' order.
  const request: Json = { uid, ...requestFields(a) };
  // RawExtension marshals an absent object as null.
  request.object = object ?? null;
  request.oldObject = a.oldObject ?? null;
  request.dryRun = a.dryRun;
  request.options = a.options ?? null;
  return {
    uid,
    apiVersion: `admission.k8s.io/${version}`,
    body: { kind: "AdmissionReview", apiVersion: `admission.k8s.io/${version}`, request },
  };
}

export interface AdmissionResponse {
  allowed: boolean;
  patch?: string; // base64 JSON patch
  patchType?: string;
  result?: Json;
  warnings: string[];
  auditAnnotations: Record<string, string>;
}

/** VerifyAdmissionResponse; throws Error with upstream's text (the dispatcher adds its prefix). */
export function verifyResponse(review: unknown, sent: BuiltReview, mutating: boolean): AdmissionResponse {
  const r = isMap(review) ? review : {};
  const response = r.response;
  if (!isMap(response)) throw new Error("webhook response was absent");
  const v1 = sent.apiVersion === "admission.k8s.io/v1";
  if (v1) {
    if (asString(response.uid) !== sent.uid)
      throw new Error(
        `expected response.uid=${JSON.stringify(sent.uid)}, got ${JSON.stringify(asString(response.uid))}`,
      );
    if (r.apiVersion !== "admission.k8s.io/v1" || r.kind !== "AdmissionReview") {
      const gv = asString(r.apiVersion);
      const [g, ver] = gv.includes("/") ? gv.split("/") : ["", gv];
      throw new Error(
        `expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${g}/${ver}, Kind=${asString(r.kind)}`,
      );
    }
  }
  const patch = typeof response.patch === "string" && response.patch !== "" ? response.patch : undefined;
  const hasPatchType = response.patchType !== undefined && response.patchType !== null;
  let patchType: string | undefined;
  if (mutating) {
    if (v1) {
      if (patch && !hasPatchType)
        throw new Error("webhook returned response.patch but not response.patchType");
      if (!patch && hasPatchType)
        throw new Error("webhook returned response.patchType but not response.patch");
      if (hasPatchType) {
        patchType = asString(response.patchType);
        if (!patchType) throw new Error(`webhook returned invalid response.patchType of ""`);
      }
    } else if (patch) patchType = "JSONPatch";
  } else if (v1) {
    if (patch) throw new Error("validating webhook may not return response.patch");
    if (hasPatchType) throw new Error("validating webhook may not return response.patchType");
  }
  return {
    allowed: response.allowed === true,
    patch: mutating ? patch : undefined,
    patchType,
    // AdmissionResponse.Result is `json:"status"` (k8s.io/api admission/v1 types.go).
    result: isMap(response.status) ? response.status : undefined,
    warnings: Array.isArray(response.warnings) ? response.warnings.map(asString) : [],
    auditAnnotations: isMap(response.auditAnnotations)
      ? Object.fromEntries(Object.entries(response.auditAnnotations).map(([k, v]) => [k, asString(v)]))
      : {},
  };
}
