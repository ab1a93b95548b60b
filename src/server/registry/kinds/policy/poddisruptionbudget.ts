// policy/v1 PodDisruptionBudget: REST shape (pdb; status subresource), validation
// (ValidatePodDisruptionBudgetSpec, kubernetes pkg/apis/policy/validation/validation.go) and Table columns
// (printPodDisruptionBudget, pkg/printers/internalversion/printers.go). The disruption controller
// (controllers/disruption.ts) computes status; pods/eviction (handlers/eviction.ts) honours it.
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, isMap, type Json } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { notMoreThan100Percent, positiveIntOrPercent, validateLabelSelector } from "../../validation/apps.ts";
import { validateConditions } from "../../validation/conditions.ts";
import { child, goSyntax, invalid, notSupported } from "../../validation/field.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";

export const UNHEALTHY_POD_EVICTION_POLICIES = ["AlwaysAllow", "IfHealthyBudget"];

/** A fresh PDB's status: its int32 fields are not omitempty, so they read back as zeros. */
export function defaultPodDisruptionBudget(obj: KubeObject): void {
  obj.status ??= {};
  const status = obj.status as Json;
  for (const f of ["disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"]) status[f] ??= 0;
}

/** %#v of the spec as field.Invalid prints it (a set pointer prints an address no two servers share). */
function specSyntax(spec: Json): string {
  const ptr = (type: string, v: unknown) => `(*${type})(${v == null ? "nil" : "0xc000000000"})`;
  return `policy.PodDisruptionBudgetSpec{MinAvailable:${ptr("intstr.IntOrString", spec.minAvailable)}, Selector:${ptr("v1.LabelSelector", spec.selector)}, MaxUnavailable:${ptr("intstr.IntOrString", spec.maxUnavailable)}, UnhealthyPodEvictionPolicy:${ptr("policy.UnhealthyPodEvictionPolicyType", spec.unhealthyPodEvictionPolicy)}}`;
}

export function validatePodDisruptionBudget(obj: KubeObject): FieldCause[] {
  const spec = asMap(obj.spec);
  const path = "spec";
  const errs: FieldCause[] = [];
  if (spec.minAvailable != null && spec.maxUnavailable != null)
    errs.push(
      invalid(path, goSyntax(specSyntax(spec)), "minAvailable and maxUnavailable cannot be both set"),
    );
  for (const field of ["minAvailable", "maxUnavailable"]) {
    if (spec[field] == null) continue;
    errs.push(...positiveIntOrPercent(spec[field], child(path, field)));
    errs.push(...notMoreThan100Percent(spec[field], child(path, field)));
  }
  if (isMap(spec.selector)) errs.push(...validateLabelSelector(spec.selector, child(path, "selector")));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy != null && !UNHEALTHY_POD_EVICTION_POLICIES.includes(String(policy)))
    errs.push(
      notSupported(
        child(path, "unhealthyPodEvictionPolicy"),
        String(policy),
        UNHEALTHY_POD_EVICTION_POLICIES,
      ),
    );
  return errs;
}

/** ValidatePodDisruptionBudgetStatusUpdate (policy/v1): conditions, then non-negative counts. */
function validatePodDisruptionBudgetStatus(obj: KubeObject): FieldCause[] {
  const status = asMap(obj.status);
  const errs = validateConditions(status.conditions, "status.conditions");
  for (const f of ["disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"])
    if (typeof status[f] === "number" && (status[f] as number) < 0)
      errs.push(invalid(child("status", f), status[f] as number, "must be greater than or equal to 0"));
  return errs;
}

/** intstr.IntOrString.String(). */
const intOrString = (v: unknown) => (typeof v === "number" ? String(v) : String(v ?? ""));

export const podDisruptionBudget: ResourceDef = {
  group: "policy",
  version: "v1",
  resource: "poddisruptionbudgets",
  singular: "poddisruptionbudget",
  kind: "PodDisruptionBudget",
  listKind: "PodDisruptionBudgetList",
  namespaced: true,
  shortNames: ["pdb"],
  verbs: CRUD,
  subresources: [{ name: "status", kind: "PodDisruptionBudget", verbs: GET_PATCH_UPDATE }],
  defaults: defaultPodDisruptionBudget,
  statusKeepsMetadata: [], // podDisruptionBudgetStatusStrategy keeps spec only
  validate: (o, _old, subresource) =>
    subresource === "status" ? validatePodDisruptionBudgetStatus(o) : validatePodDisruptionBudget(o),
  printer: {
    columns: [
      NAME_COLUMN,
      column("Min Available", "string", "The minimum number of pods that must be available."),
      column("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
      column(
        "Allowed Disruptions",
        "integer",
        "Calculated number of pods that may be disrupted at this time.",
      ),
      AGE_COLUMN,
    ],
    cells(obj, now) {
      const spec = asMap(obj.spec);
      return [
        nameOf(obj),
        spec.minAvailable != null ? intOrString(spec.minAvailable) : "N/A",
        spec.maxUnavailable != null ? intOrString(spec.maxUnavailable) : "N/A",
        Number(asMap(obj.status).disruptionsAllowed ?? 0),
        age(obj, now),
      ];
    },
  },
};
