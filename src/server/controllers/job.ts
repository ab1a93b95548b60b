// The Job controller, ported in spirit from kubernetes pkg/controller/job/job_controller.go (syncJob,
// manageJob, trackJobStatusAndRemoveFinalizers, enactJobFinished, pastBackoffLimitOnFailure, backoff
// records; the policies are in job-policies.ts).
// Pods carry the batch.kubernetes.io/job-tracking finalizer until the Job has counted them: a finished
// Pod's UID goes to status.uncountedTerminatedPods, then its finalizer is removed, then it moves to
// succeeded/failed — so a count is never lost or doubled. As in 1.33 (JobManagedBy/PodReplacementPolicy),
// the interim SuccessCriteriaMet/FailureTarget condition comes first and Complete/Failed only once no
// Pod of the Job is still terminating.
import type { Job, JobCondition } from "kubernetes-types/batch/v1.d.ts";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { KubeObject, StoredObject } from "../../meta/types.ts";
import { deepEqual } from "../registry/json-access.ts";
import {
  conditionTrue,
  isJobFinished,
  JOB_COMPLETION_INDEX,
  JOB_INDEX_FAILURE_COUNT,
  JOB_INDEX_IGNORED_FAILURE_COUNT,
  JOB_TRACKING_FINALIZER,
} from "../registry/kinds/batch/job.ts";
import { rfc3339 } from "../registry/objects.ts";
import type { ResourceDef } from "../registry/types.ts";
import { type Clock, REAL_CLOCK } from "./clock.ts";
import { CONTROLLER_USER, type Controller, type ControllerContext, parsedObject } from "./context.ts";
import { delayingQueue } from "./delaying-queue.ts";
import { eventRecorder } from "./events.ts";
import { formatIndexes, matchPodFailurePolicy, matchSuccessPolicy, parseIndexes } from "./job-policies.ts";
import { controllerOf, controllerRef } from "./owners.ts";
import {
  JOB_MAX_POD_CREATE_DELETE_PER_SYNC,
  SLOW_START_INITIAL_BATCH_SIZE,
  slowStartBatch,
} from "./slow-start.ts";
import { startTtlAfterFinishedController } from "./ttl-after-finished.ts";

const JOBS = "jobs.batch";
/** batchv1.JobControllerName: the only spec.managedBy this controller acts on. */
const JOB_CONTROLLER_NAME = "kubernetes.io/job-controller";
/** DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
const DEFAULT_BACKOFF_MS = 10_000;
const MAX_BACKOFF_MS = 10 * 60_000;

type Stored<T> = T & StoredObject;
type Condition = JobCondition & { type: string; status: string };

export interface BatchControllerOptions {
  /** The clock schedules, deadlines and TTLs follow; tests pass a ManualClock. */
  clock?: Clock;
  /** First delay before a failed Pod is replaced (doubling per failure, at most 10 min); default 10 s. */
  podFailureBackoffMs?: number;
}

const phase = (p: Pod) => p.status?.phase;
const isTerminal = (p: Pod) => phase(p) === "Succeeded" || phase(p) === "Failed";
const hasFinalizer = (p: Pod) => (p.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
const isReady = (p: Pod) =>
  (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
const completionIndex = (p: Pod): number => {
  const v = p.metadata?.annotations?.[JOB_COMPLETION_INDEX];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : -1;
};

const annotationCount = (p: Pod, key: string): number => {
  const v = p.metadata?.annotations?.[key];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : 0;
};

/** pastBackoffLimitOnFailure: with restartPolicy OnFailure, container restarts count as failures. */
function pastBackoffLimitOnFailure(job: Job, active: Pod[]): boolean {
  if (job.spec?.template.spec?.restartPolicy !== "OnFailure") return false;
  let restarts = 0;
  for (const p of active)
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])])
      restarts += s.restartCount ?? 0;
  const limit = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

function newCondition(type: string, reason: string, message: string, now: Date): Condition {
  const t = rfc3339(now);
  return { type, status: "True", lastProbeTime: t, lastTransitionTime: t, reason, message };
}

/** ensureJobConditionStatus: adds or updates a condition; the transition time moves only on a change. */
function ensureCondition(
  conditions: Condition[],
  type: string,
  status: string,
  reason: string,
  message: string,
  now: Date,
): Condition[] {
  const existing = conditions.find((c) => c.type === type);
  if (!existing)
    return status === "True"
      ? [...conditions, { ...newCondition(type, reason, message, now), status }]
      : conditions;
  if (existing.status === status && existing.reason === reason && existing.message === message)
    return conditions;
  const t = rfc3339(now);
  return conditions.map((c) =>
    c.type === type
      ? {
          ...c,
          status,
          reason,
          message,
          lastProbeTime: t,
          lastTransitionTime: c.status === status ? c.lastTransitionTime : t,
        }
      : c,
  );
}

interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailure: number;
}

export function startJobController(c: ControllerContext, o: BatchControllerOptions = {}): Controller {
  const clock = o.clock ?? REAL_CLOCK;
  const baseBackoff = o.podFailureBackoffMs ?? DEFAULT_BACKOFF_MS;
  const jobDef = c.registry.find("batch", "v1", "jobs") as ResourceDef;
  const podDef = c.registry.find("", "v1", "pods") as ResourceDef;
  const backoffs = new Map<string, BackoffRecord>(); // by Job UID, in memory as upstream's backoffRecordStore
  const indexFailures = new Map<string, number>(); // "<Job UID>/<index>" → when its last failure was seen
  const write = { user: CONTROLLER_USER };
  const recordEvent = eventRecorder(c, clock, "job-controller");

  const podsOf = (namespace: string, name: string, uid?: string) =>
    c.store
      .list("pods", { namespace })
      .items.map((e) => e.object() as Stored<Pod>)
      .filter((p) => {
        const ref = controllerOf(p);
        return ref?.kind === "Job" && ref.name === name && (!uid || ref.uid === uid);
      });

  const releasePods = async (pods: Stored<Pod>[]) => {
    for (const p of pods) {
      await c.objects
        .guaranteedUpdate(
          podDef,
          p.metadata.namespace ?? "",
          p.metadata.name,
          (cur) => {
            const finalizers = cur.metadata.finalizers ?? [];
            if (!finalizers.includes(JOB_TRACKING_FINALIZER)) return undefined;
            if (cur.metadata.uid !== p.metadata.uid) return undefined;
            return {
              ...cur,
              metadata: {
                ...cur.metadata,
                finalizers: finalizers.filter((f) => f !== JOB_TRACKING_FINALIZER),
              },
            };
          },
          write,
        )
        .catch((e: { status?: { code?: number } }) => {
          if (e.status?.code !== 404) throw e;
        });
    }
  };

  const deletePod = async (job: Stored<Job>, p: Stored<Pod>) => {
    const deleted = await c.objects
      .delete(podDef, p.metadata.namespace ?? "", p.metadata.name, {
        ...write,
        preconditions: { uid: p.metadata.uid },
      })
      .then(
        () => true,
        (e: { status?: { code?: number } }) => {
          if (e.status?.code !== 404 && e.status?.code !== 409) throw e;
          return false;
        },
      );
    if (deleted) await recordEvent(job, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`);
  };

  const writeStatus = (job: Stored<Job>, status: Job["status"]) =>
    c.objects.guaranteedUpdate(
      jobDef,
      job.metadata.namespace ?? "",
      job.metadata.name,
      (cur) => (cur.metadata.uid === job.metadata.uid ? { ...cur, status } : undefined),
      { ...write, subresource: "status" },
    );

  const createPod = async (
    job: Stored<Job>,
    index: number | undefined,
    failures?: { failed: number; ignored: number },
  ) => {
    const template = structuredClone(job.spec?.template ?? {});
    const name = job.metadata.name;
    const meta = template.metadata ?? {};
    const pod: KubeObject = {
      metadata: {
        labels: { ...meta.labels },
        annotations: { ...meta.annotations },
        generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
        ownerReferences: [controllerRef(job)],
        finalizers: [JOB_TRACKING_FINALIZER],
      },
      spec: template.spec,
    };
    if (index !== undefined) {
      // addCompletionIndexAnnotation, the PodIndexLabel, the hostname and JOB_COMPLETION_INDEX.
      pod.metadata!.annotations![JOB_COMPLETION_INDEX] = String(index);
      pod.metadata!.labels![JOB_COMPLETION_INDEX] = String(index);
      if (failures) {
        // addIndexFailureCountAnnotation: how often this index failed before (backoffLimitPerIndex).
        pod.metadata!.annotations![JOB_INDEX_FAILURE_COUNT] = String(failures.failed);
        if (failures.ignored > 0)
          pod.metadata!.annotations![JOB_INDEX_IGNORED_FAILURE_COUNT] = String(failures.ignored);
      }
      const spec = pod.spec as NonNullable<Pod["spec"]>;
      spec.hostname ??= `${name}-${index}`;
      for (const ctr of [...(spec.initContainers ?? []), ...spec.containers]) {
        if ((ctr.env ?? []).some((e) => e.name === "JOB_COMPLETION_INDEX")) continue;
        ctr.env = [
          ...(ctr.env ?? []),
          {
            name: "JOB_COMPLETION_INDEX",
            valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } },
          },
        ];
      }
    }
    if (!Object.keys(pod.metadata!.annotations!).length) delete pod.metadata!.annotations;
    try {
      const created = await c.objects.create(podDef, pod, job.metadata.namespace ?? "", write);
      const podName = "metadata" in created ? created.metadata.name : created.name;
      await recordEvent(job, "Normal", "SuccessfulCreate", `Created pod: ${podName}`);
    } catch (e) {
      await recordEvent(job, "Warning", "FailedCreate", `Error creating: ${(e as Error).message}`);
      throw e;
    }
  };

  async function sync(key: string, requeueAfter: (ms: number) => void): Promise<void> {
    const [namespace, name] = key.split("/");
    const job = c.store.get(JOBS, namespace, name)?.object() as Stored<Job> | undefined;
    if (!job) {
      // The Job is gone: its Pods must not stay blocked by our finalizer.
      await releasePods(podsOf(namespace, name).filter(hasFinalizer));
      return;
    }
    const uid = job.metadata.uid;
    const spec = job.spec ?? ({} as NonNullable<Job["spec"]>);
    if (spec.managedBy && spec.managedBy !== JOB_CONTROLLER_NAME) return;
    // Pods of an earlier Job of the same name are orphans now: release them too.
    await releasePods(podsOf(namespace, name).filter((p) => controllerOf(p)?.uid !== uid && hasFinalizer(p)));
    const pods = podsOf(namespace, name, uid);
    if (isJobFinished(job)) {
      backoffs.delete(uid);
      await releasePods(pods.filter(hasFinalizer));
      return;
    }
    const now = clock.now();
    const indexed = spec.completionMode === "Indexed";
    const completions = spec.completions ?? undefined;
    const status: NonNullable<Job["status"]> = structuredClone(job.status ?? {});
    let conditions = (status.conditions ?? []) as Condition[];

    // 1. Newly finished Pods go to uncountedTerminatedPods before their finalizers are removed.
    const uncounted = {
      succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])],
      failed: [...(status.uncountedTerminatedPods?.failed ?? [])],
    };
    const seen = new Set([...uncounted.succeeded, ...uncounted.failed]);
    const completed = parseIndexes(status.completedIndexes, spec.completions ?? 0);
    const perIndex = indexed && spec.backoffLimitPerIndex != null;
    const failedIndexes = parseIndexes(status.failedIndexes ?? undefined, spec.completions ?? 0);
    /** isIndexFailed: a FailIndex rule, or a counted failure beyond backoffLimitPerIndex. */
    const noteIndexFailure = (p: Pod) => {
      const ix = completionIndex(p);
      if (!perIndex || ix < 0 || ix >= (completions ?? 0) || completed.has(ix)) return;
      const match = matchPodFailurePolicy(spec.podFailurePolicy, p);
      if (
        match.failIndex ||
        (match.count && annotationCount(p, JOB_INDEX_FAILURE_COUNT) >= (spec.backoffLimitPerIndex ?? 0))
      )
        failedIndexes.add(ix);
    };
    const onlyFailed = spec.podReplacementPolicy === "Failed";
    const release: Stored<Pod>[] = [];
    let newFailed = 0;
    let newSucceeded = 0;
    for (const p of pods.filter(hasFinalizer)) {
      if (seen.has(p.metadata.uid)) {
        release.push(p); // counted in a sync whose finalizer removal did not finish
        if (indexed && phase(p) === "Succeeded" && completionIndex(p) >= 0) completed.add(completionIndex(p));
        else if (phase(p) !== "Succeeded") noteIndexFailure(p);
        continue;
      }
      const failed =
        phase(p) === "Failed" || (!onlyFailed && !!p.metadata.deletionTimestamp && phase(p) !== "Succeeded");
      if (phase(p) === "Succeeded") {
        release.push(p);
        const ix = completionIndex(p);
        if (indexed && (ix < 0 || ix >= (completions ?? 0) || completed.has(ix))) continue;
        if (indexed) completed.add(ix);
        uncounted.succeeded.push(p.metadata.uid);
        newSucceeded++;
      } else if (failed) {
        release.push(p);
        noteIndexFailure(p);
        if (!matchPodFailurePolicy(spec.podFailurePolicy, p).count) continue; // an Ignore rule
        uncounted.failed.push(p.metadata.uid);
        newFailed++;
      }
    }
    if (newFailed + newSucceeded > 0)
      await writeStatus(job, { ...job.status, uncountedTerminatedPods: { ...uncounted } });
    // 2. Then the finalizers go; 3. then the UIDs become counts.
    await releasePods(release);
    status.succeeded = (status.succeeded ?? 0) + uncounted.succeeded.length;
    if (indexed) status.completedIndexes = formatIndexes(completed);
    if (perIndex) status.failedIndexes = formatIndexes(failedIndexes);
    status.failed = (status.failed ?? 0) + uncounted.failed.length;
    status.uncountedTerminatedPods = {};
    if (!status.succeeded) delete status.succeeded;
    if (!status.failed) delete status.failed;

    const record = backoffs.get(uid) ?? { failuresAfterLastSuccess: 0, lastFailure: 0 };
    if (newSucceeded > 0) record.failuresAfterLastSuccess = 0;
    if (newFailed > 0) {
      record.failuresAfterLastSuccess += newFailed;
      record.lastFailure = now.getTime();
    }
    backoffs.set(uid, record);

    // The verdict: an interim condition already recorded, or one reached now.
    let active = pods.filter((p) => !isTerminal(p) && !p.metadata.deletionTimestamp);
    let finished: Condition | undefined = conditions.find(
      (x) => (x.type === "FailureTarget" || x.type === "SuccessCriteriaMet") && x.status === "True",
    );
    if (!finished && spec.podFailurePolicy) {
      // getFailJobMessage: the first failed Pod a FailJob rule matches fails the Job.
      for (const p of pods.filter((p) => phase(p) === "Failed")) {
        const message = matchPodFailurePolicy(spec.podFailurePolicy, p).failJob;
        if (message) {
          finished = newCondition("FailureTarget", "PodFailurePolicy", message, now);
          break;
        }
      }
    }
    const suspended = spec.suspend === true;
    const deadline =
      spec.activeDeadlineSeconds != null && status.startTime && !suspended
        ? Date.parse(status.startTime) + spec.activeDeadlineSeconds * 1000
        : undefined;
    if (!finished) {
      if ((status.failed ?? 0) > (spec.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, active))
        finished = newCondition(
          "FailureTarget",
          "BackoffLimitExceeded",
          "Job has reached the specified backoff limit",
          now,
        );
      else if (deadline !== undefined && deadline <= now.getTime())
        finished = newCondition(
          "FailureTarget",
          "DeadlineExceeded",
          "Job was active longer than specified deadline",
          now,
        );
      else if (perIndex && spec.maxFailedIndexes != null && failedIndexes.size > spec.maxFailedIndexes)
        finished = newCondition(
          "FailureTarget",
          "MaxFailedIndexesExceeded",
          "Job has exceeded the specified maximal number of failed indexes",
          now,
        );
    }

    if (!finished && indexed) {
      const message = matchSuccessPolicy(spec.successPolicy, completions ?? 0, completed);
      if (message) finished = newCondition("SuccessCriteriaMet", "SuccessPolicy", message, now);
    }

    if (finished) {
      // The verdict is in: what still runs goes (failure, or a success policy met before every index ran).
      for (const p of active) await deletePod(job, p);
      active = [];
    } else if (!finished) {
      // manageJob
      if (suspended) {
        for (const p of active) await deletePod(job, p);
        active = [];
        if (!conditionTrue(job, "Suspended")) {
          conditions = ensureCondition(conditions, "Suspended", "True", "JobSuspended", "Job suspended", now);
          await recordEvent(job, "Normal", "Suspended", "Job suspended");
          delete status.startTime; // suspending resets the activeDeadlineSeconds timer
        }
      } else {
        if (conditions.some((x) => x.type === "Suspended" && x.status === "True")) {
          conditions = ensureCondition(conditions, "Suspended", "False", "JobResumed", "Job resumed", now);
          await recordEvent(job, "Normal", "Resumed", "Job resumed");
        }
        status.startTime ??= rfc3339(now);
        const succeeded = status.succeeded ?? 0;
        const parallelism = spec.parallelism ?? 1;
        let want: number;
        if (completions == null) want = succeeded > 0 ? active.length : parallelism;
        else
          want = Math.max(
            0,
            Math.min(parallelism, completions - (indexed ? completed.size + failedIndexes.size : succeeded)),
          );
        const replacing = pods.filter((p) => p.metadata.deletionTimestamp && !isTerminal(p)).length;
        // Surplus active Pods go first: the newest, then the not-ready ones.
        if (active.length > want) {
          const surplus = [...active]
            .sort(
              (a, b) =>
                Number(isReady(a)) - Number(isReady(b)) ||
                (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? ""),
            )
            .slice(0, active.length - want);
          for (const p of surplus) await deletePod(job, p);
          active = active.filter((p) => !surplus.includes(p));
        }
        const missing = Math.min(
          JOB_MAX_POD_CREATE_DELETE_PER_SYNC,
          want - active.length - (onlyFailed ? replacing : 0),
        );
        if (missing > 0) {
          const wait =
            !perIndex && record.failuresAfterLastSuccess > 0
              ? record.lastFailure +
                Math.min(MAX_BACKOFF_MS, baseBackoff * 2 ** (record.failuresAfterLastSuccess - 1)) -
                now.getTime()
              : 0;
          if (wait > 0) requeueAfter(wait);
          else if (indexed) {
            const taken = new Set([...completed, ...failedIndexes, ...active.map(completionIndex)]);
            // The first free indexes, without materializing 0..completions (up to 2^31-1).
            const free: number[] = [];
            for (let i = 0; i < (completions ?? 0) && free.length < missing; i++)
              if (!taken.has(i)) free.push(i);
            // The indexes to create now (and their failure counts); created in slow-start batches.
            const creations: { ix: number; failures?: { failed: number; ignored: number } }[] = [];
            for (const ix of free) {
              if (!perIndex) {
                creations.push({ ix });
                continue;
              }
              // getNewIndexFailureCounts from the index's last failed Pod; its back-off is the index's own.
              const last = pods
                .filter(
                  (p) => completionIndex(p) === ix && (phase(p) === "Failed" || p.metadata.deletionTimestamp),
                )
                .sort((a, b) =>
                  (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""),
                )
                .at(-1);
              const failures = { failed: 0, ignored: 0 };
              if (last) {
                const counted = matchPodFailurePolicy(spec.podFailurePolicy, last).count;
                failures.failed = annotationCount(last, JOB_INDEX_FAILURE_COUNT) + (counted ? 1 : 0);
                failures.ignored = annotationCount(last, JOB_INDEX_IGNORED_FAILURE_COUNT) + (counted ? 0 : 1);
                const failedAt = indexFailures.get(`${uid}/${ix}`) ?? now.getTime();
                indexFailures.set(`${uid}/${ix}`, failedAt);
                const delay =
                  failedAt +
                  Math.min(MAX_BACKOFF_MS, baseBackoff * 2 ** Math.max(0, failures.failed - 1)) -
                  now.getTime();
                if (failures.failed > 0 && delay > 0) {
                  requeueAfter(delay);
                  continue;
                }
                indexFailures.delete(`${uid}/${ix}`);
              }
              creations.push({ ix, failures });
            }
            await slowStartBatch(creations.length, SLOW_START_INITIAL_BATCH_SIZE, (i) =>
              createPod(job, creations[i].ix, creations[i].failures),
            );
          } else
            await slowStartBatch(missing, SLOW_START_INITIAL_BATCH_SIZE, () => createPod(job, undefined));
        }
        const done = indexed
          ? completed.size >= (completions ?? 0)
          : completions == null
            ? succeeded > 0 && active.length === 0
            : succeeded >= completions && active.length === 0;
        if (
          !done &&
          perIndex &&
          failedIndexes.size > 0 &&
          completed.size + failedIndexes.size >= (completions ?? 0)
        )
          finished = newCondition("FailureTarget", "FailedIndexes", "Job has failed indexes", now);
        else if (done)
          finished = newCondition(
            "SuccessCriteriaMet",
            "CompletionsReached",
            "Reached expected number of succeeded pods",
            now,
          );
      }
    }

    if (!finished && !suspended && spec.activeDeadlineSeconds != null && status.startTime)
      requeueAfter(Date.parse(status.startTime) + spec.activeDeadlineSeconds * 1000 - now.getTime());

    // The interim condition, then (no Pod still terminating) the terminal one: enactJobFinished.
    const terminating = c.store
      .list("pods", { namespace })
      .items.map((e) => e.object() as Stored<Pod>)
      .filter((p) => controllerOf(p)?.uid === uid && p.metadata.deletionTimestamp && !isTerminal(p)).length;
    if (finished) {
      conditions = ensureCondition(
        conditions,
        finished.type,
        "True",
        finished.reason ?? "",
        finished.message ?? "",
        now,
      );
      if (terminating === 0) {
        const terminal = finished.type === "FailureTarget" ? "Failed" : "Complete";
        conditions = ensureCondition(
          conditions,
          terminal,
          "True",
          finished.reason ?? "",
          finished.message ?? "",
          now,
        );
        if (terminal === "Complete") status.completionTime = rfc3339(now);
        if (!conditionTrue(job, terminal)) {
          if (terminal === "Complete") await recordEvent(job, "Normal", "Completed", "Job completed");
          else await recordEvent(job, "Warning", finished.reason ?? "", finished.message ?? "");
        }
        status.startTime ??= rfc3339(now);
      }
    }
    if (conditions.length) status.conditions = conditions;
    const running = finished ? [] : active;
    if (running.length) status.active = running.length;
    else delete status.active;
    status.ready = running.filter(isReady).length;
    status.terminating = terminating;
    if (!deepEqual(status, job.status ?? {})) await writeStatus(job, status);
  }

  return delayingQueue(
    c,
    "job",
    clock,
    sync,
    [
      { resource: JOBS, key: (e) => `${e.namespace}/${e.name}` },
      {
        resource: "pods",
        key: (e) => {
          const ref = controllerOf(parsedObject(e));
          return ref?.kind === "Job" && ref.apiVersion === "batch/v1"
            ? `${e.namespace}/${ref.name}`
            : undefined;
        },
      },
    ],
    () => c.store.list(JOBS).items.map((e) => `${e.namespace}/${e.name}`),
  );
}

/** Both batch Job controllers, as index.ts starts them. */
export function startJobControllers(c: ControllerContext, o: BatchControllerOptions = {}): Controller[] {
  return [startJobController(c, o), startTtlAfterFinishedController(c, o)];
}
