// Per-pass creation caps and slow-start batches of the workload controllers (kubernetes
// pkg/controller/replicaset/replica_set.go BurstReplicas and slowStartBatch, pkg/controller/daemon/
// daemon_controller.go BurstReplicas, pkg/controller/job/job_controller.go MaxPodCreateDeletePerSync,
// pkg/controller/controller_utils.go SlowStartInitialBatchSize): one sync creates at most a burst of
// Pods, so a replicas: 100000 object cannot monopolize a pass (a scale-down is seen at the next sync),
// and creations start with one and double while they succeed, so a failing template (quota, admission,
// validation) costs a handful of rejected calls rather than thousands.

/** ReplicaSet/ReplicationController BurstReplicas: Pods created (or deleted) per sync. */
export const REPLICASET_BURST_REPLICAS = 500;
/** DaemonSet BurstReplicas ("values that are too high can cause registry DoS issues"). */
export const DAEMONSET_BURST_REPLICAS = 250;
/** Job MaxPodCreateDeletePerSync. */
export const JOB_MAX_POD_CREATE_DELETE_PER_SYNC = 500;
/** controller.SlowStartInitialBatchSize. */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

/**
 * Calls `fn(i)` for i in 0..count-1 in batches of 1, 2, 4, … (each batch concurrently), stopping after
 * the first batch with a failure. Returns the number of successful calls; rethrows the batch's first
 * error with `successes` attached, as upstream returns (successes, err).
 */
export async function slowStartBatch(
  count: number,
  initialBatchSize: number,
  fn: (i: number) => Promise<void>,
): Promise<number> {
  let remaining = count;
  let successes = 0;
  let next = 0;
  for (let size = Math.min(remaining, initialBatchSize); size > 0; size = Math.min(2 * size, remaining)) {
    const batch = Array.from({ length: size }, () => fn(next++));
    const results = await Promise.allSettled(batch);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    successes += size - failed.length;
    if (failed.length) throw Object.assign(failed[0].reason as Error, { successes });
    remaining -= size;
    // Upstream's batches are network round trips; here they are microtasks: let requests in between.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return successes;
}
