// apps/v1 DaemonSet: REST shape, SetDefaults_DaemonSet (kubernetes pkg/apis/apps/v1/defaults.go),
// ValidateDaemonSetSpec/Update/Status (pkg/apis/apps/validation/validation.go), the strategy's status
// reset and template generation (pkg/registry/apps/daemonset/strategy.go) and printDaemonSet
// (pkg/printers/internalversion/printers.go).

import type { PodTemplateSpec } from "kubernetes-types/core/v1.d.ts";
import { labelSelectorFromObject, matchesLabels } from "../../../../meta/labels.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asMaps, asNumber, deepEqual, isMap, type Json } from "../../json-access.ts";
import { dropDisabledTemplateFields } from "../../pod-disabled-fields.ts";
import { AGE_COLUMN, column, NAME_COLUMN, wide } from "../../printers/columns.ts";
import { age, formatLabels, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import {
  collisionCountDecremented,
  intOrPercentValue,
  intOrStringSyntax,
  labelSelectorSyntax,
  nonnegative,
  notMoreThan100Percent,
  positiveIntOrPercent,
  selectorConvertible,
  selectorImmutable,
  stringMapSyntax,
  validateLabelSelector,
  validatePodTemplateSpec,
} from "../../validation/apps.ts";
import { forbidden, goSyntax, invalid, notSupported, required } from "../../validation/field.ts";
import { defaultPodTemplate } from "../core/pod.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";
import { templateCells, WORKLOAD_WIDE } from "./workload-printer.ts";

/** The v1 home of the internal spec.templateGeneration (the conversion keeps it in this annotation). */
export const TEMPLATE_GENERATION = "deprecated.daemonset.template.generation";

/** SetDefaults_DaemonSet and the template's defaults. */
export function defaultDaemonSet(obj: KubeObject): void {
  obj.spec ??= {};
  const spec = obj.spec as Json;
  spec.updateStrategy = asMap(spec.updateStrategy);
  const strategy = spec.updateStrategy as Json;
  strategy.type ||= "RollingUpdate";
  if (strategy.type === "RollingUpdate") {
    strategy.rollingUpdate = asMap(strategy.rollingUpdate);
    const rolling = strategy.rollingUpdate as Json;
    rolling.maxUnavailable ??= 1;
    rolling.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplate(spec.template as PodTemplateSpec | undefined);
}

/** PrepareForCreate/Update: a zero-valued status on create; templateGeneration starts at 1 and counts
 * template changes. */
function prepareDaemonSet(obj: KubeObject, old: KubeObject | undefined): void {
  dropDisabledTemplateFields(obj, old, ["spec", "template"]);
  obj.metadata ??= {};
  const annotations = { ...obj.metadata.annotations };
  if (!old) {
    obj.status = {
      currentNumberScheduled: 0,
      numberMisscheduled: 0,
      desiredNumberScheduled: 0,
      numberReady: 0,
    };
    const generation = Number(annotations[TEMPLATE_GENERATION] ?? 0);
    annotations[TEMPLATE_GENERATION] = String(Math.max(generation, 1));
  } else {
    const previous = Number(old.metadata?.annotations?.[TEMPLATE_GENERATION] ?? 0);
    const changed = !deepEqual(asMap(obj.spec).template, asMap(old.spec).template);
    annotations[TEMPLATE_GENERATION] = String(changed ? previous + 1 : previous);
  }
  obj.metadata.annotations = annotations;
}

export function validateDaemonSet(obj: KubeObject, old?: KubeObject): FieldCause[] {
  const spec = asMap(obj.spec);
  const errs = validateSpec(spec);
  if (old) errs.push(...selectorImmutable(spec, asMap(old.spec)));
  errs.push(...validateStatus(asMap(obj.status), asMap(old?.status)));
  return errs;
}

/** ValidateDaemonSetSpec. */
function validateSpec(spec: Json): FieldCause[] {
  const selector = isMap(spec.selector) ? spec.selector : undefined;
  const errs = selector ? validateLabelSelector(selector, "spec.selector") : [];
  const template = asMap(spec.template);
  const labels = asMap(template.metadata).labels;
  if (!selector || selectorConvertible(selector)) {
    if (!matchesLabels(labelSelectorFromObject(selector), asMap(labels) as Record<string, string>))
      errs.push(
        invalid(
          "spec.template.metadata.labels",
          goSyntax(stringMapSyntax(labels)),
          "`selector` does not match template `labels`",
        ),
      );
  }
  if (
    selector &&
    Object.keys(asMap(selector.matchLabels)).length + asMaps(selector.matchExpressions).length === 0
  )
    errs.push(
      invalid(
        "spec.selector",
        goSyntax(labelSelectorSyntax(selector)),
        "empty selector is invalid for daemonset",
      ),
    );
  errs.push(...validatePodTemplateSpec(template, "spec.template"));
  const podSpec = asMap(template.spec);
  const restartPolicy = String(podSpec.restartPolicy ?? "");
  if (restartPolicy !== "Always")
    errs.push(notSupported("spec.template.spec.restartPolicy", restartPolicy, ["Always"]));
  if (podSpec.activeDeadlineSeconds != null)
    errs.push(
      forbidden(
        "spec.template.spec.activeDeadlineSeconds",
        "activeDeadlineSeconds in DaemonSet is not Supported",
      ),
    );
  errs.push(...nonnegative(spec.minReadySeconds, "spec.minReadySeconds"));
  errs.push(...validateUpdateStrategy(asMap(spec.updateStrategy)));
  if (spec.revisionHistoryLimit != null)
    errs.push(...nonnegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"));
  return errs;
}

/** ValidateDaemonSetUpdateStrategy and ValidateRollingUpdateDaemonSet. */
function validateUpdateStrategy(strategy: Json): FieldCause[] {
  const path = "spec.updateStrategy";
  if (strategy.type === "OnDelete") return [];
  if (strategy.type !== "RollingUpdate") {
    const rolling = isMap(strategy.rollingUpdate)
      ? "(*apps.RollingUpdateDaemonSet)(0xc000000000)"
      : "(*apps.RollingUpdateDaemonSet)(nil)";
    return [
      notSupported(
        path,
        goSyntax(
          `apps.DaemonSetUpdateStrategy{Type:"${String(strategy.type ?? "")}", RollingUpdate:${rolling}}`,
        ),
        ["RollingUpdate", "OnDelete"],
      ),
    ];
  }
  if (!isMap(strategy.rollingUpdate)) return [required(`${path}.rollingUpdate`)];
  const rolling = strategy.rollingUpdate;
  const unavailablePath = `${path}.rollingUpdate.maxUnavailable`;
  const surgePath = `${path}.rollingUpdate.maxSurge`;
  const errs = [
    ...positiveIntOrPercent(rolling.maxUnavailable, unavailablePath),
    ...positiveIntOrPercent(rolling.maxSurge, surgePath),
    ...notMoreThan100Percent(rolling.maxUnavailable, unavailablePath),
    ...notMoreThan100Percent(rolling.maxSurge, surgePath),
  ];
  const hasUnavailable = intOrPercentValue(rolling.maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(rolling.maxSurge) !== 0;
  if (hasUnavailable && hasSurge)
    errs.push(
      invalid(
        surgePath,
        goSyntax(intOrStringSyntax(rolling.maxSurge)),
        "may not be set when maxUnavailable is non-zero",
      ),
    );
  else if (!hasUnavailable && !hasSurge)
    errs.push(required(unavailablePath, "cannot be 0 when maxSurge is 0"));
  return errs;
}

const STATUS_COUNTS = [
  "currentNumberScheduled",
  "numberMisscheduled",
  "desiredNumberScheduled",
  "numberReady",
  "observedGeneration",
  "updatedNumberScheduled",
  "numberAvailable",
  "numberUnavailable",
];

/** validateDaemonSetStatus and the collisionCount rule of ValidateDaemonSetStatusUpdate. */
function validateStatus(status: Json, old: Json): FieldCause[] {
  const errs = STATUS_COUNTS.flatMap((k) => nonnegative(status[k], `status.${k}`));
  if (status.collisionCount != null)
    errs.push(...nonnegative(status.collisionCount, "status.collisionCount"));
  errs.push(...collisionCountDecremented(status, old));
  return errs;
}

const STATUS_DOCS = {
  desired:
    "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
  current:
    "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
  ready:
    "Total number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition by passing the readinessProbe.",
  updated: "The total number of nodes that are running updated daemon pod",
  available:
    "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)",
  nodeSelector:
    "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
  selector:
    "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
};

export const daemonSet: ResourceDef = {
  group: "apps",
  version: "v1",
  resource: "daemonsets",
  singular: "daemonset",
  kind: "DaemonSet",
  listKind: "DaemonSetList",
  namespaced: true,
  shortNames: ["ds"],
  categories: ["all"],
  verbs: CRUD,
  subresources: [{ name: "status", kind: "DaemonSet", verbs: GET_PATCH_UPDATE }],
  defaults: defaultDaemonSet,
  statusKeepsMetadata: [], // daemonSetStatusStrategy keeps spec only
  prepare: prepareDaemonSet,
  // The status strategy's ValidateUpdate runs only the status rules.
  validate: (o, old, subresource) =>
    subresource === "status"
      ? validateStatus(asMap(o.status), asMap(old?.status))
      : validateDaemonSet(o, old),
  printer: {
    columns: [
      NAME_COLUMN,
      column("Desired", "integer", STATUS_DOCS.desired),
      column("Current", "integer", STATUS_DOCS.current),
      column("Ready", "integer", STATUS_DOCS.ready),
      column("Up-to-date", "integer", STATUS_DOCS.updated),
      column("Available", "integer", STATUS_DOCS.available),
      column("Node Selector", "string", STATUS_DOCS.nodeSelector),
      AGE_COLUMN,
      ...WORKLOAD_WIDE.slice(0, 2), // Containers, Images
      wide("Selector", "string", STATUS_DOCS.selector),
    ],
    cells(obj, now) {
      const status = asMap(obj.status);
      const spec = asMap(obj.spec);
      return [
        nameOf(obj),
        asNumber(status.desiredNumberScheduled),
        asNumber(status.currentNumberScheduled),
        asNumber(status.numberReady),
        asNumber(status.updatedNumberScheduled),
        asNumber(status.numberAvailable),
        formatLabels(asMap(asMap(spec.template).spec).nodeSelector),
        age(obj, now),
        ...templateCells(obj),
      ];
    },
  },
};
