// apps/v1 Deployment: SetDefaults_Deployment (pkg/apis/apps/v1/defaults.go), ValidateDeployment
// (validation/apps.ts), printDeployment. The controller is controllers/workloads.ts.

import type { DeploymentSpec } from "kubernetes-types/apps/v1.d.ts";
import type { Mutable } from "../../../../meta/types.ts";
import { asMap, asNumber, deepEqual } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { ResourceDef } from "../../types.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";

type Workload = { spec?: Partial<Mutable<DeploymentSpec>> };

import { dropDisabledTemplateFields } from "../../pod-disabled-fields.ts";
import { validateDeployment } from "../../validation/apps.ts";
import { defaultPodTemplate } from "../core/pod.ts";
import { templateCells, WORKLOAD_WIDE } from "./workload-printer.ts";

export const deployment: ResourceDef = {
  group: "apps",
  version: "v1",
  resource: "deployments",
  singular: "deployment",
  kind: "Deployment",
  listKind: "DeploymentList",
  namespaced: true,
  shortNames: ["deploy"],
  categories: ["all"],
  verbs: CRUD,
  subresources: [
    { name: "status", kind: "Deployment", verbs: GET_PATCH_UPDATE },
    { name: "scale", kind: "Scale", group: "autoscaling", version: "v1", verbs: GET_PATCH_UPDATE },
  ],
  defaults(o) {
    const obj = o as Workload;
    obj.spec ??= {};
    const spec = obj.spec;
    spec.replicas ??= 1;
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    spec.strategy ??= {};
    const strategy = spec.strategy;
    if (!strategy.type) strategy.type = "RollingUpdate";
    if (strategy.type === "RollingUpdate") {
      strategy.rollingUpdate ??= {};
      strategy.rollingUpdate.maxUnavailable ??= "25%";
      strategy.rollingUpdate.maxSurge ??= "25%";
    }
    defaultPodTemplate(spec.template);
  },
  // deploymentStatusStrategy.PrepareForUpdate keeps spec and labels.
  statusKeepsMetadata: ["labels"],
  // deploymentStrategy.PrepareForUpdate: an annotation change bumps generation as a spec change does
  // (annotations are copied to the ReplicaSets).
  prepare(o, old) {
    dropDisabledTemplateFields(o, old, ["spec", "template"]);
    const meta = o.metadata;
    if (!old || !meta || meta.generation !== old.metadata.generation) return;
    if (!deepEqual(meta.annotations ?? {}, old.metadata.annotations ?? {}))
      meta.generation = (old.metadata.generation ?? 0) + 1;
  },
  validate: validateDeployment,
  printer: {
    columns: [
      NAME_COLUMN,
      column("Ready", "string", "Number of the pod with ready state"),
      column(
        "Up-to-date",
        "integer",
        "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
      ),
      column(
        "Available",
        "integer",
        "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
      ),
      AGE_COLUMN,
      ...WORKLOAD_WIDE,
    ],
    cells(d, now) {
      const spec = asMap(d.spec);
      const status = asMap(d.status);
      const desired = spec.replicas === undefined ? 1 : asNumber(spec.replicas);
      return [
        nameOf(d),
        `${asNumber(status.readyReplicas)}/${desired}`,
        asNumber(status.updatedReplicas),
        asNumber(status.availableReplicas),
        age(d, now),
        ...templateCells(d),
      ];
    },
  },
};
