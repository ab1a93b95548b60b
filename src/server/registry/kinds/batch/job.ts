// batch/v1 Job: REST shape, defaults (SetDefaults_Job, kubernetes pkg/apis/batch/v1/defaults.go), strategy
// (pkg/registry/batch/job/strategy.go: generated selector and labels), validation (pkg/apis/batch/validation/
// validation.go ValidateJob, ValidateJobSpecUpdate, ValidateJobStatusUpdate with the JobManagedBy options
// 1.33 enables) and Table columns (printJob, pkg/printers/internalversion/printers.go).
import type { Job } from "kubernetes-types/batch/v1.d.ts";
import type { PodTemplateSpec } from "kubernetes-types/core/v1.d.ts";
import { goQuote } from "../../../../meta/go-quote.ts";
import { labelSelectorFromObject, matchesLabels, selectorToString } from "../../../../meta/labels.ts";
import { isDNS1123Label } from "../../../../meta/names.ts";
import type { KubeObject, LabelSelector, Mutable, StoredObject } from "../../../../meta/types.ts";
import { humanDuration } from "../../duration.ts";
import {
  asMap,
  asMaps,
  asNumber,
  asString,
  asStrings,
  deepEqual,
  isMap,
  type Json,
} from "../../json-access.ts";
import { dropDisabledTemplateFields } from "../../pod-disabled-fields.ts";
import { AGE_COLUMN, column, NAME_COLUMN, wide } from "../../printers/columns.ts";
import { age, nameOf, timeOf } from "../../printers/format.ts";
import type { Printer } from "../../tables.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import {
  labelSelectorSyntax,
  nonnegative,
  selectorConvertible,
  stringMapSyntax,
  validateLabelSelector,
  validatePodTemplateSpec,
} from "../../validation/apps.ts";
import {
  type BadValue,
  child,
  duplicate,
  goSyntax,
  immutable,
  invalid,
  key,
  notSupported,
  required,
  tooLong,
} from "../../validation/field.ts";
import { defaultPodTemplate } from "../core/pod.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";

// k8s.io/api batch/v1 types.go constants.
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
export const CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";
export const LEGACY_JOB_NAME_LABEL = "job-name";
export const LEGACY_CONTROLLER_UID_LABEL = "controller-uid";
export const JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
export const JOB_COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";
export const JOB_INDEX_FAILURE_COUNT = "batch.kubernetes.io/job-index-failure-count";
export const JOB_INDEX_IGNORED_FAILURE_COUNT = "batch.kubernetes.io/job-index-ignored-failure-count";

const SPEC = "spec";
const TEMPLATE = "spec.template";
const MAX_PARALLELISM_INDEXED = 100_000;
const MAX_MANAGED_BY = 63;

export const isIndexed = (spec: Json) => asString(spec.completionMode) === "Indexed";

/** Whether a condition of this type is present with status True (IsConditionTrue / hasJobCondition). */
export function conditionTrue(obj: KubeObject, type: string): boolean {
  return asMaps(asMap(obj.status).conditions).some((c) => c.type === type && c.status === "True");
}

export const isJobFinished = (job: KubeObject) =>
  conditionTrue(job, "Complete") || conditionTrue(job, "Failed");

/** SetDefaults_Job (JobPodReplacementPolicy on, as in 1.33) and the template's pod defaults. */
export function defaultJob(obj: KubeObject): void {
  const job = obj as Mutable<Job>;
  job.spec ??= { template: {} };
  const spec = job.spec;
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex != null ? 2147483647 : 6;
  copyTemplateLabels(job);
  spec.completionMode ??= "NonIndexed";
  spec.suspend ??= false;
  for (const rule of spec.podFailurePolicy?.rules ?? [])
    for (const pattern of rule.onPodConditions ?? []) pattern.status ||= "True";
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? "Failed" : "TerminatingOrFailed";
  spec.manualSelector ??= false;
  defaultPodTemplate(spec.template as Mutable<PodTemplateSpec> | undefined);
}

/** SetDefaults_Job's "a Job without labels takes its template's". */
function copyTemplateLabels(job: KubeObject): void {
  const labels = asMap(asMap(asMap(job.spec).template).metadata).labels;
  if (isMap(labels) && Object.keys(job.metadata?.labels ?? {}).length === 0)
    job.metadata = { ...job.metadata, labels: { ...(labels as Record<string, string>) } };
}

/** generateSelector: the template gets job-name/controller-uid labels (both spellings) unless set; the
 * selector matches on batch.kubernetes.io/controller-uid. Conflicting user labels fail validation. */
export function generateSelector(job: KubeObject): void {
  const spec = job.spec as Mutable<Job>["spec"];
  if (!spec || spec.manualSelector) return;
  spec.template ??= {};
  spec.template.metadata ??= {};
  spec.template.metadata.labels ??= {};
  const labels = spec.template.metadata.labels;
  const name = job.metadata?.name ?? "";
  const uid = job.metadata?.uid ?? "";
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(k in labels)) labels[k] = name;
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (!(k in labels)) labels[k] = uid;
  spec.selector ??= {};
  spec.selector.matchLabels ??= {};
  const matchLabels = spec.selector.matchLabels;
  if (!(CONTROLLER_UID_LABEL in matchLabels)) matchLabels[CONTROLLER_UID_LABEL] = uid;
}

/** ValidateHasLabel. */
function hasLabel(template: Json, key_: string, expected: string): FieldCause[] {
  const labels = asMap(asMap(template.metadata).labels);
  const path = key(child(TEMPLATE, "metadata.labels"), key_);
  if (!(key_ in labels)) return [required(path, `must be '${expected}'`)];
  if (labels[key_] !== expected)
    return [invalid(path, goSyntax(stringMapSyntax(labels)), `must be '${expected}'`)];
  return [];
}

/** validateGeneratedSelector; `prefixed` = RequirePrefixedLabels (false for old Jobs without them). */
function validateGeneratedSelector(job: KubeObject, prefixed: boolean): FieldCause[] {
  const spec = asMap(job.spec);
  if (spec.manualSelector === true || !isMap(spec.selector)) return [];
  const uid = job.metadata?.uid ?? "";
  const name = job.metadata?.name ?? "";
  const template = asMap(spec.template);
  const errs: FieldCause[] = [];
  if (!uid) errs.push(required("metadata.uid"));
  errs.push(
    ...hasLabel(template, LEGACY_CONTROLLER_UID_LABEL, uid),
    ...hasLabel(template, LEGACY_JOB_NAME_LABEL, name),
  );
  const expected: Record<string, string> = {};
  if (prefixed) {
    errs.push(...hasLabel(template, CONTROLLER_UID_LABEL, uid), ...hasLabel(template, JOB_NAME_LABEL, name));
    expected[CONTROLLER_UID_LABEL] = uid;
    expected[JOB_NAME_LABEL] = name;
  }
  expected[LEGACY_CONTROLLER_UID_LABEL] = uid;
  expected[LEGACY_JOB_NAME_LABEL] = name;
  if (selectorConvertible(spec.selector)) {
    const selector = labelSelectorFromObject(spec.selector as LabelSelector);
    if (!matchesLabels(selector, expected))
      errs.push(
        invalid(
          child(SPEC, "selector"),
          goSyntax(labelSelectorSyntax(spec.selector)),
          "`selector` not auto-generated",
        ),
      );
  }
  return errs;
}

/** validateJobSpec: the checks a Job and a CronJob's jobTemplate share, at `path`. */
export function validateJobSpecFields(spec: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  for (const f of [
    "parallelism",
    "completions",
    "activeDeadlineSeconds",
    "backoffLimit",
    "ttlSecondsAfterFinished",
    "backoffLimitPerIndex",
  ])
    if (spec[f] != null) errs.push(...nonnegative(spec[f], child(path, f)));
  if (spec.maxFailedIndexes != null) {
    errs.push(...nonnegative(spec.maxFailedIndexes, child(path, "maxFailedIndexes")));
    if (spec.backoffLimitPerIndex == null)
      errs.push(required(child(path, "backoffLimitPerIndex"), "when maxFailedIndexes is specified"));
  }
  if (spec.managedBy != null) {
    const managedBy = asString(spec.managedBy);
    if (managedBy.length > MAX_MANAGED_BY) errs.push(tooLong(child(path, "managedBy"), MAX_MANAGED_BY));
  }
  const mode = spec.completionMode;
  if (mode != null && mode !== "NonIndexed" && mode !== "Indexed")
    errs.push(notSupported(child(path, "completionMode"), asString(mode), ["NonIndexed", "Indexed"]));
  if (mode === "Indexed") {
    if (spec.completions == null)
      errs.push(required(child(path, "completions"), "when completion mode is Indexed"));
    if (asNumber(spec.parallelism) > MAX_PARALLELISM_INDEXED)
      errs.push(
        invalid(
          child(path, "parallelism"),
          asNumber(spec.parallelism),
          `must be less than or equal to ${MAX_PARALLELISM_INDEXED} when completion mode is Indexed`,
        ),
      );
    if (
      spec.completions != null &&
      spec.maxFailedIndexes != null &&
      asNumber(spec.maxFailedIndexes) > asNumber(spec.completions)
    )
      errs.push(
        invalid(
          child(path, "maxFailedIndexes"),
          asNumber(spec.maxFailedIndexes),
          "must be less than or equal to completions",
        ),
      );
  } else {
    for (const f of ["backoffLimitPerIndex", "maxFailedIndexes"])
      if (spec[f] != null)
        errs.push(invalid(child(path, f), asNumber(spec[f]), "requires indexed completion mode"));
  }
  if (spec.successPolicy != null && mode !== "Indexed")
    errs.push(
      invalid(
        child(path, "successPolicy"),
        goSyntax("batch.SuccessPolicy{…}"),
        "requires indexed completion mode",
      ),
    );
  else if (spec.successPolicy != null)
    errs.push(...validateSuccessPolicy(spec, child(path, "successPolicy")));
  const replacement = spec.podReplacementPolicy;
  if (replacement != null) {
    const supported = spec.podFailurePolicy != null ? ["Failed"] : ["Failed", "TerminatingOrFailed"];
    if (!supported.includes(asString(replacement)))
      errs.push(notSupported(child(path, "podReplacementPolicy"), asString(replacement), supported));
  }
  const templatePath = child(path, "template");
  const template = asMap(spec.template);
  errs.push(...validatePodTemplateSpec(template, templatePath));
  const restartPolicy = asString(asMap(template.spec).restartPolicy);
  const restartPath = child(templatePath, "spec.restartPolicy");
  if (restartPolicy === "Always" || restartPolicy === "")
    errs.push(required(restartPath, 'valid values: "OnFailure", "Never"'));
  else if (restartPolicy !== "OnFailure" && restartPolicy !== "Never")
    errs.push(notSupported(restartPath, restartPolicy, ["OnFailure", "Never"]));
  else if (spec.podFailurePolicy != null && restartPolicy !== "Never")
    errs.push(
      invalid(restartPath, restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'),
    );
  return errs;
}

const MAX_SUCCESS_POLICY_RULES = 20;

/** validateSuccessPolicy and validateSuccessPolicyRule (the counts; an index list that does not parse
 * selects nothing). */
function validateSuccessPolicy(spec: Json, path: string): FieldCause[] {
  const rules = asMaps(asMap(spec.successPolicy).rules);
  const rulesPath = child(path, "rules");
  const errs: FieldCause[] = [];
  if (rules.length === 0)
    errs.push(
      required(rulesPath, "at least one rules must be specified when the successPolicy is specified"),
    );
  if (rules.length > MAX_SUCCESS_POLICY_RULES)
    errs.push({
      field: rulesPath,
      message: `Too many: ${rules.length}: must have at most ${MAX_SUCCESS_POLICY_RULES} items`,
      type: "FieldValueTooMany",
    });
  const completions = asNumber(spec.completions);
  rules.forEach((rule, i) => {
    const rulePath = `${rulesPath}[${i}]`;
    if (rule.succeededCount == null && rule.succeededIndexes == null)
      errs.push(required(rulePath, "at least one of succeededCount or succeededIndexes must be specified"));
    if (rule.succeededCount == null) return;
    const count = asNumber(rule.succeededCount);
    const countPath = child(rulePath, "succeededCount");
    errs.push(...nonnegative(count, countPath));
    if (count > completions)
      errs.push(
        invalid(
          countPath,
          count,
          `must be less than or equal to ${completions} (the number of specified completions)`,
        ),
      );
    if (rule.succeededIndexes != null) {
      const total = indexCount(asString(rule.succeededIndexes));
      if (count > total)
        errs.push(
          invalid(
            countPath,
            count,
            `must be less than or equal to ${total} (the number of indexes in the specified succeededIndexes field)`,
          ),
        );
    }
  });
  return errs;
}

/** How many indexes "0,2-4" names (0 when it does not parse). */
function indexCount(text: string): number {
  let total = 0;
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return 0;
    total += (m[2] === undefined ? Number(m[1]) : Number(m[2])) - Number(m[1]) + 1;
  }
  return total;
}

/** ValidateJobSpec: the shared fields, then the selector and that it selects the template's labels. */
function validateJobSpec(spec: Json): FieldCause[] {
  const errs = validateJobSpecFields(spec, SPEC);
  const selectorPath = child(SPEC, "selector");
  if (!isMap(spec.selector)) errs.push(required(selectorPath));
  else errs.push(...validateLabelSelector(spec.selector, selectorPath));
  if (isMap(spec.selector) && selectorConvertible(spec.selector)) {
    const labels = asMap(asMap(spec.template).metadata).labels;
    if (
      !matchesLabels(
        labelSelectorFromObject(spec.selector as LabelSelector),
        asMap(labels) as Record<string, string>,
      )
    )
      errs.push(
        invalid(
          child(TEMPLATE, "metadata.labels"),
          goSyntax(stringMapSyntax(labels)),
          "`selector` does not match template `labels`",
        ),
      );
  }
  return errs;
}

// Go types of the spec fields immutability errors print (%#v of a struct spans pages and holds pointers no
// two servers share; we name the type, which is what a reader can use).
const STRUCT_TYPES: Record<string, string> = {
  template: "core.PodTemplateSpec",
  podFailurePolicy: "batch.PodFailurePolicy",
  successPolicy: "batch.SuccessPolicy",
};

/** A spec field's value as field.Error prints it: pointers dereferenced, nil as null. */
function fieldValue(field: string, v: unknown): BadValue {
  if (v == null) return null;
  if (typeof v === "number" || typeof v === "string") return v;
  if (field === "selector" && isMap(v)) return goSyntax(labelSelectorSyntax(v));
  return goSyntax(`${STRUCT_TYPES[field] ?? "struct"}{…}`);
}

/** ValidateJobSpecUpdate (ElasticIndexedJob on): immutable fields; scheduling directives may change only
 * for a suspended Job that never started. */
function validateJobSpecUpdate(spec: Json, old: Json, oldJob: KubeObject): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!deepEqual(spec.completions ?? null, old.completions ?? null)) {
    if (!isIndexed(spec))
      errs.push(immutable(child(SPEC, "completions"), fieldValue("completions", spec.completions)));
    else if (spec.completions != null && spec.completions !== spec.parallelism)
      errs.push(
        invalid(
          child(SPEC, "completions"),
          asNumber(spec.completions),
          "can only be modified in tandem with spec.parallelism",
        ),
      );
  }
  if (!deepEqual(spec.selector ?? null, old.selector ?? null))
    errs.push(immutable(child(SPEC, "selector"), fieldValue("selector", spec.selector)));
  const mutableScheduling = old.suspend === true && !asMap(oldJob.status).startTime;
  if (
    !deepEqual(
      comparableTemplate(spec.template, mutableScheduling),
      comparableTemplate(old.template, mutableScheduling),
    )
  )
    errs.push(immutable(TEMPLATE, fieldValue("template", spec.template)));
  for (const f of [
    "completionMode",
    "podFailurePolicy",
    "backoffLimitPerIndex",
    "managedBy",
    "successPolicy",
  ])
    if (!deepEqual(spec[f] ?? null, old[f] ?? null))
      errs.push(immutable(child(SPEC, f), fieldValue(f, spec[f])));
  return errs;
}

/** The template without what validatePodTemplateUpdate lets a suspended, never-started Job change. */
function comparableTemplate(template: unknown, mutableScheduling: boolean): unknown {
  if (!mutableScheduling) return template ?? null;
  const t = structuredClone(asMap(template));
  const meta = asMap(t.metadata);
  delete meta.labels;
  delete meta.annotations;
  const spec = asMap(t.spec);
  for (const f of ["nodeSelector", "tolerations", "schedulingGates"]) delete spec[f];
  const affinity = asMap(spec.affinity);
  delete affinity.nodeAffinity;
  if (Object.keys(affinity).length === 0) delete spec.affinity;
  return t;
}

/** field.Invalid with field.OmitValueType{}: the value is left out of the message. */
const omitted = (field: string, detail: string): FieldCause => ({
  field,
  message: `Invalid value: ${detail}`,
  type: "FieldValueInvalid",
});

/** The options getStatusValidationOptions (pkg/registry/batch/job/strategy.go) sets under JobManagedBy
 * (beta, on in 1.33): most checks run only when the fields they read changed, so a status update unrelated
 * to an already-broken field still goes through. */
function statusOptions(job: KubeObject, old: KubeObject) {
  const s = asMap(job.status);
  const o = asMap(old.status);
  const spec = asMap(job.spec);
  const changed = (f: string) => !deepEqual(s[f] ?? null, o[f] ?? null);
  const finishedChanged = isFinished(job) !== isFinished(old);
  const completeChanged = conditionTrue(job, "Complete") !== conditionTrue(old, "Complete");
  const failedChanged = conditionTrue(job, "Failed") !== conditionTrue(old, "Failed");
  const failureTargetChanged = conditionTrue(job, "FailureTarget") !== conditionTrue(old, "FailureTarget");
  const completedIndexes = asString(s.completedIndexes) !== asString(o.completedIndexes);
  const failedIndexes = changed("failedIndexes");
  return {
    rejectDecreasingSucceeded: !isIndexed(spec) || spec.completions !== spec.parallelism,
    rejectInvalidCompletedIndexes: completedIndexes,
    rejectInvalidFailedIndexes: failedIndexes,
    rejectFailedIndexesOverlappingCompleted: failedIndexes || completedIndexes,
    rejectFinishedWithActive: finishedChanged || asNumber(s.active) !== asNumber(o.active),
    rejectFinishedWithoutStartTime: finishedChanged || changed("startTime"),
    rejectFinishedWithUncounted: finishedChanged || changed("uncountedTerminatedPods"),
    rejectStartTimeUpdate: changed("startTime"),
    rejectCompletionBeforeStart: changed("startTime") || changed("completionTime"),
    rejectCompletionTimeWithoutComplete: completeChanged || changed("completionTime"),
    rejectCompleteWithFailed: completeChanged || failedChanged,
    rejectCompleteWithFailureTarget: completeChanged || failureTargetChanged,
  };
}

const isFinished = (job: KubeObject) => conditionTrue(job, "Complete") || conditionTrue(job, "Failed");

/** parseIndexInterval: "3" or "3-5", each below completions, increasing. */
function parseIndexInterval(text: string, completions: number): [number, number] | string {
  const limits = text.split("-");
  if (limits.length > 2)
    return `the fragment ${goQuote(text)} violates the requirement that an index interval can have at most two parts separated by '-'`;
  const parsed: number[] = [];
  for (const limit of limits) {
    if (!/^[+]?\d+$/.test(limit)) return `cannot convert string to integer for index: ${goQuote(limit)}`;
    const n = Number(limit);
    if (n >= completions) return `too large index: ${goQuote(limit)}`;
    parsed.push(n);
  }
  const [x, y = x] = parsed;
  if (limits.length > 1 && x >= y) return `non-increasing order, previous: ${x}, current: ${y}`;
  return [x, y];
}

/** validateIndexesFormat: the error text, or undefined when "1,3-5" is well formed. */
function indexesFormatError(text: string, completions: number): string | undefined {
  if (!text) return undefined;
  let last: number | undefined;
  for (const interval of text.split(",")) {
    const r = parseIndexInterval(interval, completions);
    if (typeof r === "string") return r;
    if (last !== undefined && last >= r[0])
      return `non-increasing order, previous: ${last}, current: ${r[0]}`;
    last = r[1];
  }
  return undefined;
}

/** validateFailedIndexesNotOverlapCompleted (intervals that do not parse are skipped). */
function indexesOverlap(completed: string, failed: string, completions: number): string | undefined {
  if (!completed || !failed) return undefined;
  const c = completed.split(",");
  const f = failed.split(",");
  let ci = 0;
  let fi = 0;
  let cr = parseIndexInterval(c[0], completions);
  let fr = parseIndexInterval(f[0], completions);
  while (ci < c.length && fi < f.length) {
    if (typeof cr === "string") {
      if (++ci < c.length) cr = parseIndexInterval(c[ci], completions);
    } else if (typeof fr === "string") {
      if (++fi < f.length) fr = parseIndexInterval(f[fi], completions);
    } else {
      if (cr[0] <= fr[1] && fr[0] <= cr[1])
        return `failedIndexes and completedIndexes overlap at index: ${Math.max(cr[0], fr[0])}`;
      if (cr[0] <= fr[0]) {
        if (++ci < c.length) cr = parseIndexInterval(c[ci], completions);
      } else if (++fi < f.length) fr = parseIndexInterval(f[fi], completions);
    }
  }
  return undefined;
}

/** validateJobStatus with the options above (pkg/apis/batch/validation/validation.go). */
function validateJobStatus(job: KubeObject, opts: ReturnType<typeof statusOptions>): FieldCause[] {
  const status = asMap(job.status);
  const spec = asMap(job.spec);
  const errs: FieldCause[] = [];
  for (const f of ["active", "succeeded", "failed"])
    errs.push(...nonnegative(asNumber(status[f]), child("status", f)));
  for (const f of ["ready", "terminating"])
    if (status[f] != null) errs.push(...nonnegative(asNumber(status[f]), child("status", f)));
  const uncounted = status.uncountedTerminatedPods;
  const uncountedPath = "status.uncountedTerminatedPods";
  if (isMap(uncounted)) {
    const seen = new Set<string>();
    for (const list of ["succeeded", "failed"])
      (Array.isArray(uncounted[list]) ? (uncounted[list] as unknown[]) : []).forEach((uid, i) => {
        const p = `${child(uncountedPath, list)}[${i}]`;
        const k = asString(uid);
        if (k === "") errs.push(invalid(p, k, "must not be empty"));
        else if (seen.has(k)) errs.push(duplicate(p, k));
        else seen.add(k);
      });
  }
  const complete = conditionTrue(job, "Complete");
  const failed = conditionTrue(job, "Failed");
  const finished = complete || failed;
  const conditions = "status.conditions";
  if (opts.rejectCompleteWithFailed && complete && failed)
    errs.push(omitted(conditions, "cannot set Complete=True and Failed=true conditions"));
  if (opts.rejectCompleteWithFailureTarget && complete && conditionTrue(job, "FailureTarget"))
    errs.push(omitted(conditions, "cannot set Complete=True and FailureTarget=true conditions"));
  const completionTime = asString(status.completionTime);
  const startTime = asString(status.startTime);
  if (opts.rejectCompletionTimeWithoutComplete) {
    if (completionTime && !complete)
      errs.push(
        invalid(
          "status.completionTime",
          completionTime,
          "cannot set completionTime when there is no Complete=True condition",
        ),
      );
    if (!completionTime && complete)
      errs.push(required("status.completionTime", "completionTime is required for Complete jobs"));
  }
  if (
    opts.rejectCompletionBeforeStart &&
    startTime &&
    completionTime &&
    Date.parse(completionTime) < Date.parse(startTime)
  )
    errs.push(
      invalid("status.completionTime", completionTime, "completionTime cannot be set before startTime"),
    );
  if (opts.rejectFinishedWithActive && asNumber(status.active) > 0 && finished)
    errs.push(invalid("status.active", asNumber(status.active), "active>0 is invalid for finished job"));
  if (opts.rejectFinishedWithoutStartTime && !startTime && finished)
    errs.push(required("status.startTime", "startTime is required for finished job"));
  if (
    opts.rejectFinishedWithUncounted &&
    finished &&
    isMap(uncounted) &&
    asStrings(uncounted.failed).length + asStrings(uncounted.succeeded).length > 0
  )
    errs.push(
      invalid(
        uncountedPath,
        goSyntax(JSON.stringify(uncounted)),
        "uncountedTerminatedPods needs to be empty for finished job",
      ),
    );
  const completions = spec.completions == null ? undefined : asNumber(spec.completions);
  const completedIndexes = asString(status.completedIndexes);
  const failedIndexes = status.failedIndexes == null ? undefined : asString(status.failedIndexes);
  if (opts.rejectInvalidCompletedIndexes && completions !== undefined) {
    const e = indexesFormatError(completedIndexes, completions);
    if (e)
      errs.push(invalid("status.completedIndexes", completedIndexes, `error parsing completedIndexes: ${e}`));
  }
  if (
    opts.rejectInvalidFailedIndexes &&
    completions !== undefined &&
    spec.backoffLimitPerIndex != null &&
    failedIndexes !== undefined
  ) {
    const e = indexesFormatError(failedIndexes, completions);
    if (e) errs.push(invalid("status.failedIndexes", failedIndexes, `error parsing failedIndexes: ${e}`));
  }
  if (opts.rejectInvalidCompletedIndexes && completedIndexes && !isIndexed(spec))
    errs.push(
      invalid(
        "status.completedIndexes",
        completedIndexes,
        "cannot set non-empty completedIndexes when non-indexed completion mode",
      ),
    );
  if (opts.rejectInvalidFailedIndexes && spec.backoffLimitPerIndex == null && failedIndexes !== undefined)
    errs.push(
      invalid(
        "status.failedIndexes",
        failedIndexes,
        "cannot set non-null failedIndexes when backoffLimitPerIndex is null",
      ),
    );
  if (
    opts.rejectFailedIndexesOverlappingCompleted &&
    completions !== undefined &&
    failedIndexes !== undefined
  ) {
    const e = indexesOverlap(completedIndexes, failedIndexes, completions);
    if (e) errs.push(invalid("status.failedIndexes", failedIndexes, e));
  }
  const successCriteriaMet = conditionTrue(job, "SuccessCriteriaMet");
  if (successCriteriaMet && failed)
    errs.push(omitted(conditions, "cannot set SuccessCriteriaMet=True and Failed=true conditions"));
  if (successCriteriaMet && conditionTrue(job, "FailureTarget"))
    errs.push(omitted(conditions, "cannot set SuccessCriteriaMet=True and FailureTarget=true conditions"));
  if (spec.successPolicy != null && !successCriteriaMet && complete)
    errs.push(
      omitted(
        conditions,
        "cannot set Complete=True for Job with SuccessPolicy unless SuccessCriteriaMet=True",
      ),
    );
  return errs;
}

/** ValidateJobStatusUpdate (JobManagedBy options): what the Job controller, or the controller a Job's
 * spec.managedBy names, may write to /status. */
export function validateJobStatusUpdate(job: KubeObject, old: KubeObject): FieldCause[] {
  const opts = statusOptions(job, old);
  const status = asMap(job.status);
  const oldStatus = asMap(old.status);
  const errs = validateJobStatus(job, opts);
  const conditions = "status.conditions";
  for (const type of ["Failed", "Complete", "FailureTarget"])
    if (conditionTrue(old, type) && !conditionTrue(job, type))
      errs.push(omitted(conditions, `cannot disable the terminal ${type}=True condition`));
  if (asNumber(status.failed) < asNumber(oldStatus.failed))
    errs.push(invalid("status.failed", asNumber(status.failed), "cannot decrease the failed counter"));
  if (opts.rejectDecreasingSucceeded && asNumber(status.succeeded) < asNumber(oldStatus.succeeded))
    errs.push(
      invalid("status.succeeded", asNumber(status.succeeded), "cannot decrease the succeeded counter"),
    );
  const completionTime = asString(status.completionTime);
  if (completionTime && oldStatus.completionTime && completionTime !== asString(oldStatus.completionTime))
    errs.push(invalid("status.completionTime", completionTime, "completionTime cannot be mutated"));
  if (
    opts.rejectStartTimeUpdate &&
    oldStatus.startTime != null &&
    asString(oldStatus.startTime) !== asString(status.startTime) &&
    asMap(job.spec).suspend !== true
  )
    errs.push(required("status.startTime", "startTime cannot be removed for unsuspended job"));
  if (conditionTrue(old, "SuccessCriteriaMet") && !conditionTrue(job, "SuccessCriteriaMet"))
    errs.push(omitted(conditions, "cannot disable the SuccessCriteriaMet=True condition"));
  if (
    conditionTrue(old, "Complete") &&
    !conditionTrue(old, "SuccessCriteriaMet") &&
    conditionTrue(job, "SuccessCriteriaMet")
  )
    errs.push(
      omitted(conditions, "cannot set SuccessCriteriaMet=True for Job already has Complete=true conditions"),
    );
  return errs;
}

export function validateJob(job: KubeObject, old?: StoredObject): FieldCause[] {
  const spec = asMap(job.spec);
  const oldLabels = asMap(asMap(asMap(asMap(old?.spec).template).metadata).labels);
  const prefixed = !old || (JOB_NAME_LABEL in oldLabels && CONTROLLER_UID_LABEL in oldLabels);
  const errs = [...validateGeneratedSelector(job, prefixed), ...validateJobSpec(spec)];
  if (isIndexed(spec) && asNumber(spec.completions) > 0) {
    const hostname = `${job.metadata?.name ?? ""}-${asNumber(spec.completions) - 1}`;
    if (isDNS1123Label(hostname).length)
      errs.push(
        invalid(
          "metadata.name",
          job.metadata?.name ?? "",
          `will not able to create pod with invalid DNS label: ${hostname}`,
        ),
      );
  }
  if (!old) return errs;
  errs.push(...validateJobSpecUpdate(spec, asMap(old.spec), old));
  if (!deepEqual(job.status ?? null, old.status ?? null)) errs.push(...validateJobStatusUpdate(job, old));
  return errs;
}

// ---- printJob ----

/** layoutContainerCells: names and images of the template's containers, comma-joined. */
export function containerCells(podSpec: unknown): [string, string] {
  const containers = asMaps(asMap(podSpec).containers);
  return [
    containers.map((c) => asString(c.name)).join(","),
    containers.map((c) => asString(c.image)).join(","),
  ];
}

/** metav1.FormatLabelSelector: "<none>" for a nil or empty selector. */
export function formatLabelSelector(selector: unknown): string {
  if (!isMap(selector)) return "<none>";
  try {
    return selectorToString(labelSelectorFromObject(selector as LabelSelector)) || "<none>";
  } catch {
    return "<error>";
  }
}

function jobStatusCell(job: KubeObject): string {
  if (conditionTrue(job, "Complete")) return "Complete";
  if (conditionTrue(job, "Failed")) return "Failed";
  if (job.metadata?.deletionTimestamp) return "Terminating";
  if (conditionTrue(job, "Suspended")) return "Suspended";
  if (conditionTrue(job, "FailureTarget")) return "FailureTarget";
  return "Running";
}

function completionsCell(spec: Json, succeeded: number): string {
  if (spec.completions != null) return `${succeeded}/${asNumber(spec.completions)}`;
  const parallelism = asNumber(spec.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function durationCell(status: Json, now: number): string {
  const start = timeOf(status.startTime);
  if (start === undefined) return "";
  const end = timeOf(status.completionTime);
  return humanDuration((end ?? now) - start);
}

// batchv1.JobStatus{}.SwaggerDoc()["succeeded"] and JobSpec's ["selector"], k8s.io/api v0.33.0.
const SUCCEEDED_DOC =
  "The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.";
export const JOB_SELECTOR_DOC =
  "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";
export const TEMPLATE_WIDE = [
  wide("Containers", "string", "Names of each container in the template."),
  wide("Images", "string", "Images referenced by each container in the template."),
  wide("Selector", "string", JOB_SELECTOR_DOC),
];

export const JOB_PRINTER: Printer = {
  columns: [
    NAME_COLUMN,
    column("Status", "string", "Status of the job."),
    column("Completions", "string", SUCCEEDED_DOC),
    column("Duration", "string", "Time required to complete the job."),
    AGE_COLUMN,
    ...TEMPLATE_WIDE,
  ],
  cells(job, now) {
    const spec = asMap(job.spec);
    const status = asMap(job.status);
    return [
      nameOf(job),
      jobStatusCell(job),
      completionsCell(spec, asNumber(status.succeeded)),
      durationCell(status, now),
      age(job, now),
      ...containerCells(asMap(spec.template).spec),
      formatLabelSelector(spec.selector),
    ];
  },
};

export const job: ResourceDef = {
  group: "batch",
  version: "v1",
  resource: "jobs",
  singular: "job",
  kind: "Job",
  listKind: "JobList",
  namespaced: true,
  categories: ["all"],
  verbs: CRUD,
  subresources: [{ name: "status", kind: "Job", verbs: GET_PATCH_UPDATE }],
  selectableFields: { "status.successful": (obj) => String(asNumber(asMap(obj.status).succeeded)) },
  defaults: defaultJob,
  statusKeepsMetadata: [], // jobStatusStrategy keeps spec only
  prepare: (obj, old) => {
    dropDisabledTemplateFields(obj, old, ["spec", "template"]);
    if (old) return;
    generateSelector(obj);
    // kube-apiserver defaults again whenever it decodes the object from etcd, so every read of a new Job
    // (the create response included) shows the generated labels on the Job too.
    copyTemplateLabels(obj);
  },
  // jobStatusStrategy's ValidateUpdate runs only ValidateJobUpdateStatus.
  validate: (o, old, subresource) =>
    subresource === "status" && old ? validateJobStatusUpdate(o, old) : validateJob(o, old),
  printer: JOB_PRINTER,
};
