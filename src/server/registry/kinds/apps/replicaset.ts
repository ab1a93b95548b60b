// apps/v1 ReplicaSet: SetDefaults_ReplicaSet (pkg/apis/apps/v1/defaults.go), ValidateReplicaSet
// (validation/apps.ts), printReplicaSet. The controller is controllers/workloads.ts.

import type { ReplicaSetSpec } from "kubernetes-types/apps/v1.d.ts";
import type { Mutable } from "../../../../meta/types.ts";
import { asMap, asNumber } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { ResourceDef } from "../../types.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";

type Workload = { spec?: Partial<Mutable<ReplicaSetSpec>> };

import { dropDisabledTemplateFields } from "../../pod-disabled-fields.ts";
import { validateReplicaSet } from "../../validation/apps.ts";
import { defaultPodTemplate } from "../core/pod.ts";
import { templateCells, WORKLOAD_WIDE } from "./workload-printer.ts";

export const replicaSet: ResourceDef = {
  group: "apps",
  version: "v1",
  resource: "replicasets",
  singular: "replicaset",
  kind: "ReplicaSet",
  listKind: "ReplicaSetList",
  namespaced: true,
  shortNames: ["rs"],
  categories: ["all"],
  verbs: CRUD,
  subresources: [
    { name: "status", kind: "ReplicaSet", verbs: GET_PATCH_UPDATE },
    { name: "scale", kind: "Scale", group: "autoscaling", version: "v1", verbs: GET_PATCH_UPDATE },
  ],
  defaults(o) {
    const obj = o as Workload;
    obj.spec ??= {};
    const spec = obj.spec;
    spec.replicas ??= 1;
    defaultPodTemplate(spec.template);
  },
  statusKeepsMetadata: [], // rsStatusStrategy keeps spec only
  prepare: (o, old) => dropDisabledTemplateFields(o, old, ["spec", "template"]),
  validate: validateReplicaSet,
  printer: {
    columns: [
      NAME_COLUMN,
      column("Desired", "integer", "Replicas is the number of desired replicas."),
      column("Current", "integer", "Replicas is the most recently observed number of replicas."),
      column("Ready", "integer", "The number of ready replicas for this replica set."),
      AGE_COLUMN,
      ...WORKLOAD_WIDE,
    ],
    cells(rs, now) {
      const spec = asMap(rs.spec);
      const status = asMap(rs.status);
      return [
        nameOf(rs),
        spec.replicas === undefined ? 1 : asNumber(spec.replicas),
        asNumber(status.replicas),
        asNumber(status.readyReplicas),
        age(rs, now),
        ...templateCells(rs),
      ];
    },
  },
};
