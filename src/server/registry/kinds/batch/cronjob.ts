// batch/v1 CronJob: REST shape, defaults (SetDefaults_CronJob, kubernetes pkg/apis/batch/v1/defaults.go),
// strategy (pkg/registry/batch/cronjob/strategy.go: status reset, generation), validation
// (pkg/apis/batch/validation/validation.go ValidateCronJobCreate/Update, validateScheduleFormat,
// validateTimeZone, ValidateJobTemplateSpec) and Table columns (printCronJob, pkg/printers/internalversion/
// printers.go).
import type { CronJob } from "kubernetes-types/batch/v1.d.ts";
import type { PodTemplateSpec } from "kubernetes-types/core/v1.d.ts";
import type { KubeObject, Mutable, StoredObject } from "../../../../meta/types.ts";
import { asMap, asMaps, asString, isMap, type Json } from "../../json-access.ts";
import { dropDisabledTemplateFields } from "../../pod-disabled-fields.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf, since } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { labelSelectorSyntax, nonnegative } from "../../validation/apps.ts";
import { child, goSyntax, invalid, notSupported, required } from "../../validation/field.ts";
import { defaultPodTemplate } from "../core/pod.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";
import { containerCells, formatLabelSelector, TEMPLATE_WIDE, validateJobSpecFields } from "./job.ts";
import { knownTimeZone, parseSchedule } from "./schedule.ts";

export const CONCURRENCY_POLICIES = ["Allow", "Forbid", "Replace"] as const;
/** The controller names a Job "<cronjob>-<minutes>" (11 characters more), and Job names are DNS labels. */
const MAX_CRONJOB_NAME = 63 - 11;
const SPEC = "spec";

/** SetDefaults_CronJob, plus SetDefaults_Job's pod-template defaults for the job template's pods. */
export function defaultCronJob(obj: KubeObject): void {
  const cj = obj as Mutable<CronJob>;
  cj.spec ??= { schedule: "", jobTemplate: {} };
  const spec = cj.spec;
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = "Allow";
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  const template = spec.jobTemplate?.spec?.template;
  defaultPodTemplate(template as Mutable<PodTemplateSpec> | undefined);
}

// validTimeZoneCharacters: IANA name components (digits and '+' tolerated for legacy names).
const TZ_COMPONENT = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** validateTimeZone. */
function validateTimeZone(tz: unknown, path: string): FieldCause[] {
  if (tz == null) return [];
  const name = asString(tz);
  if (name === "") return [invalid(path, name, "timeZone must be nil or non-empty string")];
  for (const part of name.split("/"))
    if (part === "." || part === ".." || part.startsWith("-") || !TZ_COMPONENT.test(part))
      return [invalid(path, name, `unknown time zone ${name}`)];
  if (name.toLowerCase() === "local")
    return [
      invalid(
        path,
        name,
        "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
      ),
    ];
  if (!knownTimeZone(name)) return [invalid(path, name, `unknown time zone ${name}`)];
  return [];
}

/** validateScheduleFormat. */
function validateSchedule(schedule: string, allowTZ: boolean, timeZone: unknown, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const parsed = parseSchedule(schedule);
  if (parsed instanceof Error) errs.push(invalid(path, schedule, parsed.message));
  if (allowTZ && schedule.includes("TZ") && timeZone != null)
    errs.push(invalid(path, schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"));
  else if (!allowTZ && schedule.includes("TZ"))
    errs.push(invalid(path, schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
  return errs;
}

/** ValidateJobTemplateSpec: a job template's spec, whose selector is always generated. */
function validateJobTemplate(template: Json, path: string): FieldCause[] {
  const spec = asMap(template.spec);
  const specPath = child(path, "spec");
  const errs = validateJobSpecFields(spec, specPath);
  if (isMap(spec.selector))
    errs.push(
      invalid(
        child(specPath, "selector"),
        goSyntax(labelSelectorSyntax(spec.selector)),
        "`selector` will be auto-generated",
      ),
    );
  if (spec.manualSelector === true)
    errs.push(notSupported(child(specPath, "manualSelector"), true, ["nil", "false"]));
  return errs;
}

/** validateCronJobSpec (old: the stored spec on update). */
function validateCronJobSpec(spec: Json, old: Json | undefined): FieldCause[] {
  const errs: FieldCause[] = [];
  const schedule = asString(spec.schedule);
  if (schedule === "") errs.push(required(child(SPEC, "schedule")));
  else {
    const allowTZ = old !== undefined && asString(old.schedule).includes("TZ");
    errs.push(...validateSchedule(schedule, allowTZ, spec.timeZone, child(SPEC, "schedule")));
  }
  if (spec.startingDeadlineSeconds != null)
    errs.push(...nonnegative(spec.startingDeadlineSeconds, child(SPEC, "startingDeadlineSeconds")));
  if (old === undefined || old.timeZone !== spec.timeZone)
    errs.push(...validateTimeZone(spec.timeZone, child(SPEC, "timeZone")));
  const policy = asString(spec.concurrencyPolicy);
  const policyPath = child(SPEC, "concurrencyPolicy");
  if (policy === "") errs.push(required(policyPath));
  else if (!(CONCURRENCY_POLICIES as readonly string[]).includes(policy))
    errs.push(notSupported(policyPath, policy, CONCURRENCY_POLICIES));
  errs.push(...validateJobTemplate(asMap(spec.jobTemplate), child(SPEC, "jobTemplate")));
  for (const f of ["successfulJobsHistoryLimit", "failedJobsHistoryLimit"])
    if (spec[f] != null) errs.push(...nonnegative(spec[f], child(SPEC, f)));
  return errs;
}

export function validateCronJob(cj: KubeObject, old?: StoredObject): FieldCause[] {
  const errs = validateCronJobSpec(asMap(cj.spec), old ? asMap(old.spec) : undefined);
  // Only on create: older CronJobs with longer names can still be updated and deleted.
  const name = cj.metadata?.name ?? "";
  if (!old && name.length > MAX_CRONJOB_NAME)
    errs.push(invalid("metadata.name", name, `must be no more than ${MAX_CRONJOB_NAME} characters`));
  return errs;
}

// CronJobSpec/CronJobStatus SwaggerDoc() as of k8s.io/api v0.33.0 (printers.go reads batch/v1beta1's,
// which are the same words).
const SCHEDULE_DOC = "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.";
const TIMEZONE_DOC =
  "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones";
const SUSPEND_DOC =
  "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.";
const ACTIVE_DOC = "A list of pointers to currently running jobs.";
const LAST_SCHEDULE_DOC = "Information when was the last time the job was successfully scheduled.";

/** printBoolPtr. */
const boolPtr = (v: unknown) => (typeof v === "boolean" ? (v ? "True" : "False") : "<unset>");

export const cronJob: ResourceDef = {
  group: "batch",
  version: "v1",
  resource: "cronjobs",
  singular: "cronjob",
  kind: "CronJob",
  listKind: "CronJobList",
  namespaced: true,
  shortNames: ["cj"],
  categories: ["all"],
  verbs: CRUD,
  subresources: [{ name: "status", kind: "CronJob", verbs: GET_PATCH_UPDATE }],
  defaults: defaultCronJob,
  statusKeepsMetadata: [], // cronJobStatusStrategy keeps spec only
  // cronJobStatusStrategy's ValidateUpdate returns no errors.
  prepare: (o, old) => dropDisabledTemplateFields(o, old, ["spec", "jobTemplate", "spec", "template"]),
  validate: (o, old, subresource) => (subresource === "status" ? [] : validateCronJob(o, old)),
  printer: {
    columns: [
      NAME_COLUMN,
      column("Schedule", "string", SCHEDULE_DOC),
      column("Timezone", "string", TIMEZONE_DOC),
      column("Suspend", "boolean", SUSPEND_DOC),
      column("Active", "integer", ACTIVE_DOC),
      column("Last Schedule", "string", LAST_SCHEDULE_DOC),
      AGE_COLUMN,
      ...TEMPLATE_WIDE,
    ],
    cells(cj, now) {
      const spec = asMap(cj.spec);
      const status = asMap(cj.status);
      const jobSpec = asMap(asMap(spec.jobTemplate).spec);
      return [
        nameOf(cj),
        asString(spec.schedule),
        spec.timeZone == null ? "<none>" : asString(spec.timeZone),
        boolPtr(spec.suspend),
        asMaps(status.active).length,
        status.lastScheduleTime ? since(status.lastScheduleTime, now) : "<none>",
        age(cj, now),
        ...containerCells(asMap(jobSpec.template).spec),
        formatLabelSelector(jobSpec.selector),
      ];
    },
  },
};
