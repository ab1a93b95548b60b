// core/v1 ReplicationController: REST shape (rc; status and scale subresources), defaults
// (SetDefaults_ReplicationController, kubernetes pkg/apis/core/v1/defaults.go), validation
// (ValidateReplicationControllerSpec and ValidatePodTemplateSpecForRC, pkg/apis/core/validation/validation.go)
// and Table columns (printReplicationController, pkg/printers/internalversion/printers.go).
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asNumber, isMap, type Json } from "../../json-access.ts";
import { dropDisabledTemplateFields } from "../../pod-disabled-fields.ts";
import { AGE_COLUMN, column, NAME_COLUMN, wide } from "../../printers/columns.ts";
import { age, formatLabels, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { stringMapSyntax, validatePodTemplateSpec } from "../../validation/apps.ts";
import { child, forbidden, goSyntax, invalid, notSupported, required } from "../../validation/field.ts";
import { validateLabels } from "../../validation/meta.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";
import { containerCells, defaultTemplate } from "./podtemplate.ts";

const SPEC = "spec";

// corev1.ReplicationController{Spec,Status}{}.SwaggerDoc() as of Kubernetes 1.33.
const DOCS = {
  replicas:
    "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller",
  statusReplicas:
    "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller",
  readyReplicas: "The number of ready replicas for this replication controller.",
  selector:
    "Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
};

/** SetDefaults_ReplicationController: selector and labels from the template's labels; one replica. */
export function defaultReplicationController(obj: KubeObject): void {
  obj.spec ??= {};
  const spec = obj.spec as Json;
  const template = isMap(spec.template) ? spec.template : undefined;
  const labels = template ? asMap(template.metadata).labels : undefined;
  if (isMap(labels)) {
    if (Object.keys(asMap(spec.selector)).length === 0) spec.selector = { ...labels };
    obj.metadata ??= {};
    const meta = obj.metadata;
    if (Object.keys(meta.labels ?? {}).length === 0) meta.labels = { ...(labels as Record<string, string>) };
  }
  spec.replicas ??= 1;
  if (template) defaultTemplate(template);
  // status.replicas is not omitempty: a new controller reads back {"replicas":0}.
  obj.status ??= { replicas: 0 };
}

const nonnegative = (value: unknown, path: string): FieldCause[] =>
  asNumber(value) < 0 ? [invalid(path, asNumber(value), "must be greater than or equal to 0")] : [];

export function validateReplicationController(obj: KubeObject): FieldCause[] {
  const spec = asMap(obj.spec);
  const selectorPath = child(SPEC, "selector");
  const selector = asMap(spec.selector) as Record<string, string>;
  const errs = [
    ...nonnegative(spec.replicas, child(SPEC, "replicas")),
    ...nonnegative(spec.minReadySeconds, child(SPEC, "minReadySeconds")),
  ];
  if (Object.keys(selector).length === 0) errs.push(required(selectorPath));
  errs.push(...validateLabels(selector, selectorPath));
  errs.push(...validateTemplateForRC(spec.template, selector, child(SPEC, "template")));
  errs.push(...validateStatus(asMap(obj.status)));
  return errs;
}

/** ValidateReplicationControllerStatus: counts are non-negative and none exceeds what contains it. */
function validateStatus(status: Record<string, unknown>): FieldCause[] {
  const errs: FieldCause[] = [];
  for (const f of [
    "replicas",
    "fullyLabeledReplicas",
    "readyReplicas",
    "availableReplicas",
    "observedGeneration",
  ])
    errs.push(...nonnegative(status[f], child("status", f)));
  const n = (f: string) => asNumber(status[f]);
  for (const f of ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"])
    if (n(f) > n("replicas"))
      errs.push(invalid(child("status", f), n(f), "cannot be greater than status.replicas"));
  if (n("availableReplicas") > n("readyReplicas"))
    errs.push(
      invalid("status.availableReplicas", n("availableReplicas"), "cannot be greater than readyReplicas"),
    );
  return errs;
}

/** ValidatePodTemplateSpecForRC. */
function validateTemplateForRC(value: unknown, selector: Record<string, string>, path: string): FieldCause[] {
  if (!isMap(value)) return [required(path)];
  const labels = asMap(asMap(value.metadata).labels);
  const errs: FieldCause[] = [];
  if (Object.keys(selector).length > 0 && !Object.entries(selector).every(([k, v]) => labels[k] === v)) {
    errs.push(
      invalid(
        child(path, "metadata.labels"),
        goSyntax(stringMapSyntax(asMap(value.metadata).labels)),
        "selector does not match template labels",
      ),
    );
  }
  errs.push(...validatePodTemplateSpec(value, path));
  const podSpec = asMap(value.spec);
  const restartPolicy = typeof podSpec.restartPolicy === "string" ? podSpec.restartPolicy : "";
  if (restartPolicy !== "Always")
    errs.push(notSupported(child(path, "spec.restartPolicy"), restartPolicy, ["Always"]));
  if (podSpec.activeDeadlineSeconds != null)
    errs.push(
      forbidden(
        child(path, "spec.activeDeadlineSeconds"),
        "activeDeadlineSeconds in ReplicationController is not Supported",
      ),
    );
  return errs;
}

export const replicationController: ResourceDef = {
  group: "",
  version: "v1",
  resource: "replicationcontrollers",
  singular: "replicationcontroller",
  kind: "ReplicationController",
  listKind: "ReplicationControllerList",
  namespaced: true,
  shortNames: ["rc"],
  categories: ["all"],
  verbs: CRUD,
  subresources: [
    { name: "scale", kind: "Scale", group: "autoscaling", version: "v1", verbs: GET_PATCH_UPDATE },
    { name: "status", kind: "ReplicationController", verbs: GET_PATCH_UPDATE },
  ],
  // ControllerToSelectableFields (pkg/registry/core/replicationcontroller/strategy.go).
  selectableFields: { "status.replicas": (obj) => String(asNumber(asMap(obj.status).replicas)) },
  defaults: defaultReplicationController,
  statusKeepsMetadata: [], // rcStatusStrategy keeps spec only
  // rcStatusStrategy's ValidateUpdate runs only the status rules.
  prepare: (o, old) => dropDisabledTemplateFields(o, old, ["spec", "template"]),
  validate: (o, _old, subresource) =>
    subresource === "status" ? validateStatus(asMap(o.status)) : validateReplicationController(o),
  printer: {
    columns: [
      NAME_COLUMN,
      column("Desired", "integer", DOCS.replicas),
      column("Current", "integer", DOCS.statusReplicas),
      column("Ready", "integer", DOCS.readyReplicas),
      AGE_COLUMN,
      wide("Containers", "string", "Names of each container in the template."),
      wide("Images", "string", "Images referenced by each container in the template."),
      wide("Selector", "string", DOCS.selector),
    ],
    cells(obj, now) {
      const spec = asMap(obj.spec);
      const status = asMap(obj.status);
      const [names, images] = containerCells(asMap(asMap(spec.template).spec).containers);
      return [
        nameOf(obj),
        asNumber(spec.replicas),
        asNumber(status.replicas),
        asNumber(status.readyReplicas),
        age(obj, now),
        names,
        images,
        formatLabels(spec.selector),
      ];
    },
  },
};
