// Pod validation entry points, ported from kubernetes v1.33 pkg/apis/core/validation/validation.go:
// ValidatePodCreate here, the PodSpec in pod-spec.ts, and by subresource the update rules of pod-update.ts
// (ValidatePodUpdate, ValidatePodStatusUpdate, ValidatePodEphemeralContainersUpdate).

import type { KubeObject } from "../../../meta/types.ts";
import { asMap, asMaps, asString } from "../json-access.ts";
import type { FieldCause } from "../types.ts";
import { child, forbidden } from "./field.ts";
import { annotationFieldMatchErrors } from "./pod-security-context.ts";
import { validatePodMetadataAndSpec } from "./pod-spec.ts";
import {
  validatePodEphemeralContainersUpdate,
  validatePodStatusUpdate,
  validatePodUpdate,
} from "./pod-update.ts";

export { validatePodSpec, validatePodTemplateSpec } from "./pod-spec.ts";
export { validatePodBinding } from "./pod-update.ts";

const SPEC = "spec";

/** ValidatePodCreate. */
export function validatePodCreate(pod: KubeObject): FieldCause[] {
  const spec = asMap(pod.spec);
  const errs = validatePodMetadataAndSpec(pod);
  // Ephemeral containers are added through pods/ephemeralcontainers only.
  if (asMaps(spec.ephemeralContainers).length > 0)
    errs.push(forbidden(child(SPEC, "ephemeralContainers"), "cannot be set on create"));
  if (asString(spec.nodeName) && asMaps(spec.schedulingGates).length > 0)
    errs.push(
      forbidden(child(SPEC, "nodeName"), "cannot be set until all schedulingGates have been cleared"),
    );
  errs.push(...annotationFieldMatchErrors(asMap(pod.metadata?.annotations), spec, SPEC));
  return errs;
}

/** The Pod strategy's Validate / ValidateUpdate for the resource or one of its subresources. */
export function validatePod(pod: KubeObject, old?: KubeObject, subresource = ""): FieldCause[] {
  if (!old) return validatePodCreate(pod);
  if (subresource === "status") return validatePodStatusUpdate(pod, old);
  if (subresource === "ephemeralcontainers") return validatePodEphemeralContainersUpdate(pod, old);
  return validatePodUpdate(pod, old);
}
