// The TTL-after-finished controller (kubernetes pkg/controller/ttlafterfinished): a finished Job with
// spec.ttlSecondsAfterFinished is deleted (in the foreground, so its Pods first) that long after it finished.
import type { Job } from "kubernetes-types/batch/v1.d.ts";
import type { StoredObject } from "../../meta/types.ts";
import { isJobFinished } from "../registry/kinds/batch/job.ts";
import type { ResourceDef } from "../registry/types.ts";
import { REAL_CLOCK } from "./clock.ts";
import { CONTROLLER_USER, type Controller, type ControllerContext } from "./context.ts";
import { delayingQueue } from "./delaying-queue.ts";
import type { BatchControllerOptions } from "./job.ts";

const JOBS = "jobs.batch";
type Stored<T> = T & StoredObject;

/** When a finished Job finished: completionTime, else the Complete/Failed condition's transition. */
function finishTime(job: Job): number | undefined {
  if (job.status?.completionTime) return Date.parse(job.status.completionTime);
  const c = (job.status?.conditions ?? []).find(
    (x) => (x.type === "Complete" || x.type === "Failed") && x.status === "True",
  );
  return c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : undefined;
}

/** ttlafterfinished: deletes a finished Job (and, in the foreground, its Pods) ttlSecondsAfterFinished later. */
export function startTtlAfterFinishedController(
  c: ControllerContext,
  o: BatchControllerOptions = {},
): Controller {
  const clock = o.clock ?? REAL_CLOCK;
  const jobDef = c.registry.find("batch", "v1", "jobs") as ResourceDef;
  return delayingQueue(
    c,
    "ttl-after-finished",
    clock,
    async (key, requeueAfter) => {
      const [namespace, name] = key.split("/");
      const job = c.store.get(JOBS, namespace, name)?.object() as Stored<Job> | undefined;
      const ttl = job?.spec?.ttlSecondsAfterFinished;
      if (!job || ttl == null || job.metadata.deletionTimestamp || !isJobFinished(job)) return;
      const finished = finishTime(job);
      if (finished === undefined) return;
      const left = finished + ttl * 1000 - clock.now().getTime();
      if (left > 0) return requeueAfter(left);
      await c.objects
        .delete(jobDef, namespace, name, {
          user: CONTROLLER_USER,
          propagationPolicy: "Foreground",
          preconditions: { uid: job.metadata.uid, resourceVersion: job.metadata.resourceVersion },
        })
        .catch((e: { status?: { code?: number } }) => {
          if (e.status?.code !== 404 && e.status?.code !== 409) throw e;
        });
    },
    [{ resource: JOBS, key: (e) => `${e.namespace}/${e.name}` }],
    () => c.store.list(JOBS).items.map((e) => `${e.namespace}/${e.name}`),
  );
}
