// The CronJob controller, ported in spirit from kubernetes pkg/controller/cronjob/cronjob_controllerv2.go
// (syncCronJob, cleanupFinishedJobs, removeOldestJobs) and utils.go (getJobFromTemplate2, getJobName):
// it keeps status.active in step with the Jobs it owns, starts the most recent missed activation (within
// startingDeadlineSeconds) as Job "<cronjob>-<scheduled Unix time in minutes>", honours suspend and
// concurrencyPolicy Allow/Forbid/Replace, records lastScheduleTime/lastSuccessfulTime, deletes finished
// Jobs beyond the history limits, and sleeps until the next activation on its clock.
import type { CronJob, Job } from "kubernetes-types/batch/v1.d.ts";
import type { ObjectReference } from "kubernetes-types/core/v1.d.ts";
import type { KubeObject, StoredObject } from "../../meta/types.ts";
import { deepEqual } from "../registry/json-access.ts";
import { conditionTrue, isJobFinished } from "../registry/kinds/batch/job.ts";
import {
  knownTimeZone,
  mostRecentScheduleTime,
  nextScheduleDelay,
  parseSchedule,
} from "../registry/kinds/batch/schedule.ts";
import { rfc3339 } from "../registry/objects.ts";
import type { ResourceDef } from "../registry/types.ts";
import { REAL_CLOCK } from "./clock.ts";
import { CONTROLLER_USER, type Controller, type ControllerContext, parsedObject } from "./context.ts";
import { delayingQueue } from "./delaying-queue.ts";
import { eventRecorder } from "./events.ts";
import type { BatchControllerOptions } from "./job.ts";
import { controllerOf, controllerRef } from "./owners.ts";

const CRONJOBS = "cronjobs.batch";
const JOBS = "jobs.batch";
export const CRONJOB_SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp";

type Stored<T> = T & StoredObject;

/** getJobName: the scheduled time in minutes makes the name deterministic, so a retry cannot start twice. */
export function jobNameFor(cronJobName: string, scheduled: Date): string {
  return `${cronJobName}-${Math.floor(scheduled.getTime() / 60_000)}`;
}

/** time.Time.In(location).Format(time.RFC3339): "2026-01-01T09:00:00+01:00", or "Z" for UTC. */
export function rfc3339In(t: Date, timeZone: string): string {
  if (timeZone === "" || timeZone === "UTC") return rfc3339(t);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(t)
      .map((p) => [p.type, p.value]),
  );
  const local = Date.UTC(
    +parts.year,
    +parts.month - 1,
    +parts.day,
    +parts.hour,
    +parts.minute,
    +parts.second,
  );
  const offset = Math.round((local - Math.floor(t.getTime() / 1000) * 1000) / 60_000);
  if (offset === 0)
    return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}Z`;
  const abs = Math.abs(offset);
  const sign = offset < 0 ? "-" : "+";
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${sign}${hh}:${mm}`;
}

/** time.RFC1123Z in UTC: "Sat, 01 Mar 2025 10:05:00 +0000". */
export function rfc1123z(t: Date): string {
  const [day, date, month, year, time] = t.toUTCString().split(" ");
  return `${day} ${date} ${month} ${year} ${time} +0000`;
}

/** byJobStartTime: by status.startTime (unset last), then by name. */
function byStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime;
  const sb = b.status?.startTime;
  if (sa && sb && sa !== sb) return Date.parse(sa) - Date.parse(sb);
  if (!!sa !== !!sb) return sa ? -1 : 1;
  return (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? "");
}

export function startCronJobController(c: ControllerContext, o: BatchControllerOptions = {}): Controller {
  const clock = o.clock ?? REAL_CLOCK;
  const cronDef = c.registry.find("batch", "v1", "cronjobs") as ResourceDef;
  const jobDef = c.registry.find("batch", "v1", "jobs") as ResourceDef;
  const write = { user: CONTROLLER_USER };
  const recordEvent = eventRecorder(c, clock, "cronjob-controller");

  /** deleteJob: in the background, so its Pods go too. */
  const deleteJob = async (cj: Stored<CronJob>, job: Stored<Job>) => {
    const ok = await c.objects
      .delete(jobDef, job.metadata.namespace ?? "", job.metadata.name, {
        ...write,
        propagationPolicy: "Background",
      })
      .then(
        () => true,
        (e: { status?: { code?: number } }) => {
          if (e.status?.code === 404) return true;
          throw e;
        },
      );
    await recordEvent(cj, "Normal", "SuccessfulDelete", `Deleted job ${job.metadata.name}`);
    return ok;
  };

  async function sync(key: string, requeueAfter: (ms: number) => void): Promise<void> {
    const [namespace, name] = key.split("/");
    const cj = c.store.get(CRONJOBS, namespace, name)?.object() as Stored<CronJob> | undefined;
    if (!cj) return;
    const now = clock.now();
    const jobs = c.store
      .list(JOBS, { namespace })
      .items.map((e) => e.object() as Stored<Job>)
      .filter((j) => controllerOf(j)?.uid === cj.metadata.uid);
    const status: NonNullable<CronJob["status"]> = structuredClone(cj.status ?? {});
    let activeRefs: ObjectReference[] = status.active ?? [];
    const inActive = (uid: string) => activeRefs.some((r) => r.uid === uid);
    const byUid = new Set(jobs.map((j) => j.metadata.uid));

    // Reconcile status.active and lastSuccessfulTime with the Jobs that exist. (An unfinished Job of ours
    // missing from the list is left out of it: upstream only warns, "UnexpectedJob".)
    for (const j of jobs) {
      if (inActive(j.metadata.uid) && isJobFinished(j)) {
        activeRefs = activeRefs.filter((r) => r.uid !== j.metadata.uid);
        const condition = conditionTrue(j, "Complete") ? "Complete" : "Failed";
        await recordEvent(
          cj,
          "Normal",
          "SawCompletedJob",
          `Saw completed job: ${j.metadata.name}, condition: ${condition}`,
        );
      }
      if (conditionTrue(j, "Complete") && j.status?.completionTime) {
        const last = status.lastSuccessfulTime;
        if (!last || Date.parse(j.status.completionTime) > Date.parse(last))
          status.lastSuccessfulTime = j.status.completionTime;
      }
    }
    for (const ref of activeRefs.filter((r) => !byUid.has(r.uid ?? ""))) {
      if (c.store.get(JOBS, namespace, ref.name ?? "")) continue;
      activeRefs = activeRefs.filter((r) => r.uid !== ref.uid);
      await recordEvent(cj, "Normal", "MissingJob", `Active job went missing: ${ref.name}`);
    }

    const finish = async () => {
      await cleanupFinishedJobs(cj, jobs, (uid) => {
        activeRefs = activeRefs.filter((r) => r.uid !== uid);
      });
      if (activeRefs.length) status.active = activeRefs;
      else delete status.active;
      if (!deepEqual(status, cj.status ?? {}))
        await c.objects.guaranteedUpdate(
          cronDef,
          namespace,
          name,
          (cur) => (cur.metadata.uid === cj.metadata.uid ? { ...cur, status } : undefined),
          { ...write, subresource: "status" },
        );
    };

    const spec = cj.spec;
    if (cj.metadata.deletionTimestamp || !spec) return finish();
    const timeZone = spec.timeZone ?? undefined;
    if (timeZone !== undefined && !knownTimeZone(timeZone)) {
      await recordEvent(
        cj,
        "Warning",
        "UnknownTimeZone",
        `invalid timeZone: "${timeZone}": unknown time zone ${timeZone}`,
      );
      return finish();
    }
    if (spec.suspend) return finish();
    const schedule = parseSchedule(spec.schedule, timeZone);
    if (schedule instanceof Error) {
      await recordEvent(
        cj,
        "Warning",
        "UnparseableSchedule",
        `unparseable schedule: "${spec.schedule}" : ${schedule.message}`,
      );
      return finish();
    }
    const earliest = new Date(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? now.toISOString());
    let recent: ReturnType<typeof mostRecentScheduleTime>;
    try {
      recent = mostRecentScheduleTime(earliest, now, schedule, spec.startingDeadlineSeconds ?? undefined);
    } catch (e) {
      recent = e as Error; // a date that never comes ("59 23 31 2 *"): cron-parser gives up
    }
    if (recent instanceof Error) {
      await recordEvent(
        cj,
        "Warning",
        "InvalidSchedule",
        `invalid schedule: ${spec.schedule} : ${recent.message}`,
      );
      return finish();
    }
    const sleep = () => {
      const since = new Date(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? now.toISOString());
      const ms = nextScheduleDelay(since, now, schedule);
      if (ms !== undefined) requeueAfter(ms);
    };
    if (!recent.mostRecent) {
      sleep();
      return finish();
    }
    const scheduled = recent.mostRecent;
    const tooLate =
      spec.startingDeadlineSeconds != null &&
      scheduled.getTime() + spec.startingDeadlineSeconds * 1000 < now.getTime();
    const jobName = jobNameFor(name, scheduled);
    const processed =
      activeRefs.some((r) => r.name === jobName) ||
      (status.lastScheduleTime !== undefined && Date.parse(status.lastScheduleTime) === scheduled.getTime());
    if (tooLate)
      await recordEvent(
        cj,
        "Warning",
        "MissSchedule",
        `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`,
      );
    else if (!processed && spec.concurrencyPolicy === "Forbid" && activeRefs.length > 0)
      await recordEvent(
        cj,
        "Normal",
        "JobAlreadyActive",
        "Not starting job because prior execution is running and concurrency policy is Forbid",
      );
    if (tooLate || processed || (spec.concurrencyPolicy === "Forbid" && activeRefs.length > 0)) {
      sleep();
      return finish();
    }
    if (spec.concurrencyPolicy === "Replace") {
      for (const ref of activeRefs) {
        const j = c.store.get(JOBS, namespace, ref.name ?? "")?.object() as Stored<Job> | undefined;
        if (j && (await deleteJob(cj, j))) activeRefs = activeRefs.filter((r) => r.uid !== ref.uid);
      }
    }

    // getJobFromTemplate2
    const template = structuredClone(spec.jobTemplate);
    const jobObj: KubeObject = {
      metadata: {
        name: jobName,
        labels: { ...template.metadata?.labels },
        annotations: {
          ...template.metadata?.annotations,
          [CRONJOB_SCHEDULED_TIMESTAMP]: rfc3339In(scheduled, timeZone ?? ""),
        },
        ownerReferences: [controllerRef(cj)],
      },
      spec: template.spec,
    };
    let created: Stored<Job> | undefined;
    try {
      const entry = await c.objects.create(jobDef, jobObj, namespace, write);
      created = (
        "object" in entry && typeof entry.object === "function" ? entry.object() : entry
      ) as Stored<Job>;
      await recordEvent(cj, "Normal", "SuccessfulCreate", `Created job ${created.metadata.name}`);
    } catch (e) {
      if ((e as { status?: { code?: number } }).status?.code !== 409) throw e;
      const existing = c.store.get(JOBS, namespace, jobName)?.object() as Stored<Job> | undefined;
      // Someone else's Job of that name, or ours already listed: nothing to record.
      if (!existing || controllerOf(existing)?.uid !== cj.metadata.uid || inActive(existing.metadata.uid))
        return finish();
      created = existing;
    }
    activeRefs = [
      ...activeRefs,
      {
        kind: "Job",
        namespace,
        name: created.metadata.name,
        uid: created.metadata.uid,
        apiVersion: "batch/v1",
        resourceVersion: created.metadata.resourceVersion,
      },
    ];
    status.lastScheduleTime = rfc3339(scheduled);
    sleep();
    return finish();
  }

  /** cleanupFinishedJobs: the oldest finished Jobs beyond successful/failedJobsHistoryLimit go. */
  async function cleanupFinishedJobs(
    cj: Stored<CronJob>,
    jobs: Stored<Job>[],
    removed: (uid: string) => void,
  ) {
    const limits = [
      [cj.spec?.successfulJobsHistoryLimit, jobs.filter((j) => conditionTrue(j, "Complete"))],
      [cj.spec?.failedJobsHistoryLimit, jobs.filter((j) => conditionTrue(j, "Failed"))],
    ] as const;
    for (const [limit, finished] of limits) {
      if (limit == null || finished.length <= limit) continue;
      for (const j of [...finished].sort(byStartTime).slice(0, finished.length - limit))
        if (await deleteJob(cj, j)) removed(j.metadata.uid);
    }
  }

  return delayingQueue(
    c,
    "cronjob",
    clock,
    sync,
    [
      { resource: CRONJOBS, key: (e) => `${e.namespace}/${e.name}` },
      {
        resource: JOBS,
        key: (e) => {
          const ref = controllerOf(parsedObject(e));
          return ref?.kind === "CronJob" ? `${e.namespace}/${ref.name}` : undefined;
        },
      },
    ],
    () => c.store.list(CRONJOBS).items.map((e) => `${e.namespace}/${e.name}`),
  );
}
