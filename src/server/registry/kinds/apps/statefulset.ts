// apps/v1 StatefulSet: REST shape, SetDefaults_StatefulSet (kubernetes pkg/apis/apps/v1/defaults.go),
// ValidateStatefulSetSpec/Update/Status (pkg/apis/apps/validation/validation.go), the strategy's status
// reset (pkg/registry/apps/statefulset/strategy.go) and printStatefulSet (pkg/printers/internalversion/
// printers.go).

import type { PodTemplateSpec } from "kubernetes-types/core/v1.d.ts";
import { labelSelectorFromObject, matchesLabels } from "../../../../meta/labels.ts";
import { isDNS1123Label } from "../../../../meta/names.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asMaps, asNumber, deepEqual, isMap, type Json } from "../../json-access.ts";
import { dropDisabledTemplateFields } from "../../pod-disabled-fields.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
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
  stringMapSyntax,
  validateLabelSelector,
} from "../../validation/apps.ts";
import { child, forbidden, goSyntax, invalid, notSupported, required } from "../../validation/field.ts";
import { validateAnnotations, validateLabels } from "../../validation/meta.ts";
import { defaultPodTemplate } from "../core/pod.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";
import { templateCells, WORKLOAD_WIDE } from "./workload-printer.ts";

const ORDERED_READY = "OrderedReady";
const PARALLEL = "Parallel";
const ROLLING_UPDATE = "RollingUpdate";
const ON_DELETE = "OnDelete";
const RETENTION_POLICIES = ["Retain", "Delete"];

/** SetDefaults_StatefulSet (StatefulSetAutoDeletePVC is on by default since 1.32) and the template's. */
export function defaultStatefulSet(obj: KubeObject): void {
  obj.spec ??= {};
  const spec = obj.spec as Json;
  spec.podManagementPolicy ||= ORDERED_READY;
  spec.updateStrategy = asMap(spec.updateStrategy);
  const strategy = spec.updateStrategy as Json;
  if (!strategy.type) {
    strategy.type = ROLLING_UPDATE;
    strategy.rollingUpdate ??= {};
  }
  if (strategy.type === ROLLING_UPDATE && isMap(strategy.rollingUpdate))
    strategy.rollingUpdate.partition ??= 0;
  spec.persistentVolumeClaimRetentionPolicy = asMap(spec.persistentVolumeClaimRetentionPolicy);
  const retention = spec.persistentVolumeClaimRetentionPolicy as Json;
  retention.whenDeleted ||= "Retain";
  retention.whenScaled ||= "Retain";
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplate(spec.template as PodTemplateSpec | undefined);
  // SetDefaults_PersistentVolumeClaim(Spec) on each claim template, as the generated defaulters run them.
  for (const claim of asMaps(spec.volumeClaimTemplates)) {
    claim.spec = asMap(claim.spec);
    (claim.spec as Json).volumeMode ??= "Filesystem";
    claim.status = { phase: "Pending", ...asMap(claim.status) };
  }
}

/** PrepareForCreate: status starts zero-valued (replicas and availableReplicas always serialize). */
function prepareStatefulSet(obj: KubeObject, old: KubeObject | undefined): void {
  dropDisabledTemplateFields(obj, old, ["spec", "template"]);
  if (!old) obj.status = { replicas: 0, availableReplicas: 0 };
}

export function validateStatefulSet(obj: KubeObject, old?: KubeObject): FieldCause[] {
  const spec = asMap(obj.spec);
  const errs = validateSpec(spec);
  if (old) {
    // ValidateStatefulSetUpdate: only these spec fields may change.
    const mutable = [
      "replicas",
      "template",
      "updateStrategy",
      "minReadySeconds",
      "ordinals",
      "persistentVolumeClaimRetentionPolicy",
    ];
    const oldSpec = asMap(old.spec);
    const rest = (s: Json) => Object.fromEntries(Object.entries(s).filter(([k]) => !mutable.includes(k)));
    if (!deepEqual(rest(spec), rest(oldSpec)))
      errs.push(
        forbidden(
          "spec",
          "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ),
      );
  }
  errs.push(...validateStatus(asMap(obj.status), asMap(old?.status)));
  return errs;
}

/** ValidateStatefulSetSpec. */
function validateSpec(spec: Json): FieldCause[] {
  const errs: FieldCause[] = [];
  const policy = spec.podManagementPolicy;
  if (!policy) errs.push(required("spec.podManagementPolicy"));
  else if (policy !== ORDERED_READY && policy !== PARALLEL)
    errs.push(
      invalid("spec.podManagementPolicy", String(policy), `must be '${ORDERED_READY}' or '${PARALLEL}'`),
    );
  const strategy = asMap(spec.updateStrategy);
  const rolling = strategy.rollingUpdate;
  if (!strategy.type) errs.push(required("spec.updateStrategy"));
  else if (strategy.type === ON_DELETE) {
    if (rolling != null)
      errs.push(
        invalid(
          "spec.updateStrategy.rollingUpdate",
          goSyntax(rollingUpdateSyntax(asMap(rolling))),
          `only allowed for updateStrategy '${ROLLING_UPDATE}'`,
        ),
      );
  } else if (strategy.type === ROLLING_UPDATE) {
    if (isMap(rolling)) errs.push(...validateRollingUpdate(rolling, "spec.updateStrategy.rollingUpdate"));
  } else
    errs.push(
      invalid(
        "spec.updateStrategy",
        goSyntax(
          `apps.StatefulSetUpdateStrategy{Type:"${String(strategy.type)}", RollingUpdate:${isMap(rolling) ? "(*apps.RollingUpdateStatefulSetStrategy)(0xc000000000)" : "(*apps.RollingUpdateStatefulSetStrategy)(nil)"}}`,
        ),
        `must be '${ROLLING_UPDATE}' or '${ON_DELETE}'`,
      ),
    );
  const retention = spec.persistentVolumeClaimRetentionPolicy;
  if (isMap(retention))
    for (const key of ["whenDeleted", "whenScaled"]) {
      const value = String(retention[key] ?? "");
      if (!RETENTION_POLICIES.includes(value))
        errs.push(
          notSupported(`spec.persistentVolumeClaimRetentionPolicy.${key}`, value, RETENTION_POLICIES),
        );
    }
  errs.push(...nonnegative(spec.replicas, "spec.replicas"));
  errs.push(...nonnegative(spec.minReadySeconds, "spec.minReadySeconds"));
  if (isMap(spec.ordinals)) errs.push(...nonnegative(spec.ordinals.start, "spec.ordinals.start"));
  // The controller sets each Pod's spec.subdomain from it, which must be a DNS label.
  const serviceName = typeof spec.serviceName === "string" ? spec.serviceName : "";
  if (serviceName)
    for (const msg of isDNS1123Label(serviceName)) errs.push(invalid("spec.serviceName", serviceName, msg));

  const selector = spec.selector;
  if (!isMap(selector)) errs.push(required("spec.selector"));
  else {
    errs.push(...validateLabelSelector(selector, "spec.selector"));
    if (Object.keys(asMap(selector.matchLabels)).length + asMaps(selector.matchExpressions).length === 0)
      errs.push(
        invalid(
          "spec.selector",
          goSyntax(labelSelectorSyntax(selector)),
          "empty selector is invalid for statefulset",
        ),
      );
  }
  const template = asMap(spec.template);
  const templateMeta = asMap(template.metadata);
  if (isMap(selector) && !selectorConvertible(selector))
    errs.push(invalid("spec.selector", goSyntax(labelSelectorSyntax(selector)), ""));
  else {
    // ValidatePodTemplateSpecForStatefulSet: selector match, labels and annotations (not the pod spec).
    const sel = labelSelectorFromObject(isMap(selector) ? selector : undefined);
    const empty = !sel.nothing && sel.requirements.length === 0;
    if (!empty && !matchesLabels(sel, asMap(templateMeta.labels) as Record<string, string>))
      errs.push(
        invalid(
          "spec.template.metadata.labels",
          goSyntax(stringMapSyntax(templateMeta.labels)),
          "`selector` does not match template `labels`",
        ),
      );
    errs.push(...validateLabels(templateMeta.labels, "spec.template.labels"));
    errs.push(...validateAnnotations(templateMeta.annotations, "spec.template.annotations"));
  }
  const podSpec = asMap(template.spec);
  const restartPolicy = String(podSpec.restartPolicy ?? "");
  if (restartPolicy !== "Always")
    errs.push(notSupported("spec.template.spec.restartPolicy", restartPolicy, ["Always"]));
  if (podSpec.activeDeadlineSeconds != null)
    errs.push(
      forbidden(
        "spec.template.spec.activeDeadlineSeconds",
        "activeDeadlineSeconds in StatefulSet is not Supported",
      ),
    );
  return errs;
}

/** validateRollingUpdateStatefulSet. */
function validateRollingUpdate(rolling: Json, path: string): FieldCause[] {
  const errs = nonnegative(rolling.partition, child(path, "partition"));
  const max = rolling.maxUnavailable;
  if (max != null) {
    const maxPath = child(path, "maxUnavailable");
    errs.push(...positiveIntOrPercent(max, maxPath));
    if (intOrPercentValue(max) === 0)
      errs.push(invalid(maxPath, goSyntax(intOrStringSyntax(max)), "cannot be 0"));
    errs.push(...notMoreThan100Percent(max, maxPath));
  }
  return errs;
}

/** %#v of the RollingUpdate pointer's target (field.Error prints what a pointer points to). */
function rollingUpdateSyntax(rolling: Json): string {
  const max =
    rolling.maxUnavailable == null ? "(*intstr.IntOrString)(nil)" : "(*intstr.IntOrString)(0xc000000000)";
  return `apps.RollingUpdateStatefulSetStrategy{Partition:${asNumber(rolling.partition)}, MaxUnavailable:${max}}`;
}

const STATUS_COUNTS = [
  "replicas",
  "readyReplicas",
  "currentReplicas",
  "updatedReplicas",
  "availableReplicas",
];

/** ValidateStatefulSetStatus and the collisionCount rule of ValidateStatefulSetStatusUpdate. */
function validateStatus(status: Json, old: Json): FieldCause[] {
  const errs = STATUS_COUNTS.flatMap((k) => nonnegative(status[k], `status.${k}`));
  if (status.observedGeneration != null)
    errs.push(...nonnegative(status.observedGeneration, "status.observedGeneration"));
  if (status.collisionCount != null)
    errs.push(...nonnegative(status.collisionCount, "status.collisionCount"));
  const replicas = asNumber(status.replicas);
  for (const k of ["readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"])
    if (asNumber(status[k]) > replicas)
      errs.push(invalid(`status.${k}`, asNumber(status[k]), "cannot be greater than status.replicas"));
  if (asNumber(status.availableReplicas) > asNumber(status.readyReplicas))
    errs.push(
      invalid(
        "status.availableReplicas",
        asNumber(status.availableReplicas),
        "cannot be greater than status.readyReplicas",
      ),
    );
  errs.push(...collisionCountDecremented(status, old));
  return errs;
}

export const statefulSet: ResourceDef = {
  group: "apps",
  version: "v1",
  resource: "statefulsets",
  singular: "statefulset",
  kind: "StatefulSet",
  listKind: "StatefulSetList",
  namespaced: true,
  shortNames: ["sts"],
  categories: ["all"],
  verbs: CRUD,
  subresources: [
    { name: "status", kind: "StatefulSet", verbs: GET_PATCH_UPDATE },
    { name: "scale", kind: "Scale", group: "autoscaling", version: "v1", verbs: GET_PATCH_UPDATE },
  ],
  defaults: defaultStatefulSet,
  statusKeepsMetadata: [], // statefulSetStatusStrategy keeps spec only
  prepare: prepareStatefulSet,
  // The status strategy's ValidateUpdate runs only the status rules.
  validate: (o, old, subresource) =>
    subresource === "status"
      ? validateStatus(asMap(o.status), asMap(old?.status))
      : validateStatefulSet(o, old),
  printer: {
    columns: [
      NAME_COLUMN,
      column("Ready", "string", "Number of the pod with ready state"),
      AGE_COLUMN,
      ...WORKLOAD_WIDE.slice(0, 2), // Containers, Images
    ],
    cells(obj, now) {
      const ready = asNumber(asMap(obj.status).readyReplicas);
      return [
        nameOf(obj),
        `${ready}/${asNumber(asMap(obj.spec).replicas)}`,
        age(obj, now),
        ...templateCells(obj).slice(0, 2),
      ];
    },
  },
};
