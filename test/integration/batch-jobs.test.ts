// Jobs on the real server with the local pod runtime: Pods run host commands that succeed or fail, and
// the Job controller counts them (finalizer tracking), retries up to backoffLimit, enforces
// activeDeadlineSeconds, suspends, runs Indexed Jobs, and the TTL controller deletes finished Jobs.
// kubectl drives it as a user would (create, get, wait).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Job } from "kubernetes-types/batch/v1.d.ts";
import type { Event, Pod } from "kubernetes-types/core/v1.d.ts";
import { eventually } from "../helpers/cluster.ts";
import { createNamespace, type RuntimeCluster, startRuntimeCluster } from "./kubelet-harness.ts";

const NS = "batch";
const JOBS = `/apis/batch/v1/namespaces/${NS}/jobs`;

let c: RuntimeCluster;
before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true }, { batch: { podFailureBackoffMs: 100 } });
  await createNamespace(c, NS);
});
after(() => c.stop());

function jobOf(name: string, script: string, spec: Record<string, unknown> = {}) {
  return {
    metadata: { name },
    spec: {
      ...spec,
      template: {
        spec: {
          restartPolicy: "Never",
          terminationGracePeriodSeconds: 1,
          containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script] }],
        },
      },
    },
  };
}

async function create(body: unknown): Promise<Job> {
  const r = await c.admin("POST", JOBS, body);
  assert.equal(r.status, 201, r.text);
  return r.json as Job;
}

const getJob = async (name: string) => (await c.admin("GET", `${JOBS}/${name}`)).json as Job;
const condition = (job: Job, type: string) => job.status?.conditions?.find((x) => x.type === type);

function waitForCondition(name: string, type: string, timeoutMs = 20_000): Promise<Job> {
  return eventually(
    async () => {
      const job = await getJob(name);
      return condition(job, type)?.status === "True" && job;
    },
    timeoutMs,
    `job ${name} ${type}`,
  );
}

async function eventsOf(name: string): Promise<Event[]> {
  const selector = `involvedObject.kind=Job,involvedObject.name=${name}`;
  const r = await c.admin(
    "GET",
    `/api/v1/namespaces/${NS}/events?fieldSelector=${encodeURIComponent(selector)}`,
  );
  return (r.json as { items: Event[] }).items;
}

async function podsOf(name: string): Promise<Pod[]> {
  const r = await c.admin(
    "GET",
    `/api/v1/namespaces/${NS}/pods?labelSelector=batch.kubernetes.io/job-name=${name}`,
  );
  return (r.json as { items: Pod[] }).items;
}

test("a Job whose Pods succeed completes: counts, conditions, times, finalizers released", async () => {
  const created = await create(jobOf("ok", "exit 0", { completions: 2, parallelism: 2 }));
  const uid = created.metadata?.uid ?? "";
  const generated = {
    "batch.kubernetes.io/controller-uid": uid,
    "batch.kubernetes.io/job-name": "ok",
    "controller-uid": uid,
    "job-name": "ok",
  };
  assert.deepEqual(
    created.metadata?.labels,
    generated,
    "the create response already shows them, as upstream's",
  );
  assert.deepEqual(created.spec?.selector, { matchLabels: { "batch.kubernetes.io/controller-uid": uid } });
  const job = await waitForCondition("ok", "Complete");
  assert.equal(job.status?.succeeded, 2);
  assert.equal(job.status?.failed, undefined);
  assert.equal(job.status?.active, undefined);
  assert.deepEqual(job.status?.uncountedTerminatedPods, {});
  assert.equal(job.status?.ready, 0);
  assert.equal(job.status?.terminating, 0);
  assert.deepEqual(
    job.status?.conditions?.map((x) => [x.type, x.status, x.reason, x.message]),
    [
      ["SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods"],
      ["Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods"],
    ],
  );
  assert.ok(job.status?.startTime && job.status.completionTime);
  assert.ok(Date.parse(job.status.completionTime) >= Date.parse(job.status.startTime));
  const pods = await podsOf("ok");
  assert.equal(pods.length, 2);
  for (const p of pods) {
    assert.equal(p.status?.phase, "Succeeded");
    assert.deepEqual(p.metadata?.finalizers ?? [], [], "the job-tracking finalizer is removed once counted");
    const ref = p.metadata?.ownerReferences?.[0];
    assert.equal(ref?.uid, created.metadata?.uid);
    assert.equal(ref?.controller, true);
    assert.equal(p.metadata?.labels?.["controller-uid"], created.metadata?.uid);
    assert.match(p.metadata?.name ?? "", /^ok-[a-z0-9]{5}$/);
  }
  // What `kubectl describe job` lists: the controller's Events.
  const events = await eventsOf("ok");
  assert.deepEqual(
    events.map((e) => [e.type, e.reason, e.message, e.source?.component]).sort(),
    [
      ...pods.map((p) => [
        "Normal",
        "SuccessfulCreate",
        `Created pod: ${p.metadata?.name}`,
        "job-controller",
      ]),
      ["Normal", "Completed", "Job completed", "job-controller"],
    ].sort(),
  );
});

test("failing Pods are retried up to backoffLimit, then the Job fails with BackoffLimitExceeded", async () => {
  await create(jobOf("fails", "exit 3", { backoffLimit: 2 }));
  const job = await waitForCondition("fails", "Failed", 30_000);
  assert.equal(job.status?.failed, 3, "backoffLimit 2 means three Pods fail");
  assert.equal(job.status?.succeeded, undefined);
  assert.deepEqual(
    job.status?.conditions?.map((x) => [x.type, x.reason, x.message]),
    [
      ["FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"],
      ["Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"],
    ],
  );
  assert.equal(job.status?.completionTime, undefined);
  const failure = (await eventsOf("fails")).filter((e) => e.type === "Warning");
  assert.deepEqual(
    failure.map((e) => [e.reason, e.message]),
    [["BackoffLimitExceeded", "Job has reached the specified backoff limit"]],
  );
  const pods = await podsOf("fails");
  assert.equal(pods.length, 3);
  assert.ok(pods.every((p) => p.status?.phase === "Failed"));
});

test("activeDeadlineSeconds fails a running Job with DeadlineExceeded and stops its Pods", async () => {
  await create(jobOf("slow", "sleep 60", { activeDeadlineSeconds: 1 }));
  const job = await waitForCondition("slow", "Failed", 30_000);
  assert.equal(condition(job, "Failed")?.reason, "DeadlineExceeded");
  assert.equal(condition(job, "Failed")?.message, "Job was active longer than specified deadline");
  assert.equal(job.status?.active, undefined);
  await eventually(
    async () =>
      (await podsOf("slow")).every((p) => p.metadata?.deletionTimestamp || p.status?.phase === "Failed"),
    10_000,
    "the deadline's Pods stopped",
  );
});

test("a suspended Job creates no Pods until resumed", async () => {
  await create(jobOf("later", "exit 0", { suspend: true }));
  const suspended = await waitForCondition("later", "Suspended");
  assert.equal(condition(suspended, "Suspended")?.reason, "JobSuspended");
  assert.equal(suspended.status?.startTime, undefined);
  assert.equal((await podsOf("later")).length, 0);
  const r = await c.admin(
    "PATCH",
    `${JOBS}/later`,
    { spec: { suspend: false } },
    "application/merge-patch+json",
  );
  assert.equal(r.status, 200, r.text);
  const done = await waitForCondition("later", "Complete");
  assert.equal(condition(done, "Suspended")?.status, "False");
  assert.equal(condition(done, "Suspended")?.reason, "JobResumed");
});

test("an Indexed Job runs each completion index once and records completedIndexes", async () => {
  await create(
    jobOf("indexed", 'test "$JOB_COMPLETION_INDEX" -ge 0', {
      completions: 3,
      parallelism: 3,
      completionMode: "Indexed",
    }),
  );
  const job = await waitForCondition("indexed", "Complete");
  assert.equal(job.status?.completedIndexes, "0-2");
  assert.equal(job.status?.succeeded, 3);
  const pods = await podsOf("indexed");
  const indexes = pods
    .map((p) => p.metadata?.annotations?.["batch.kubernetes.io/job-completion-index"])
    .sort();
  assert.deepEqual(indexes, ["0", "1", "2"]);
  for (const p of pods) {
    const ix = p.metadata?.labels?.["batch.kubernetes.io/job-completion-index"];
    assert.equal(p.spec?.hostname, `indexed-${ix}`);
    assert.match(p.metadata?.name ?? "", new RegExp(`^indexed-${ix}-[a-z0-9]{5}$`));
  }
});

test("an Indexed Job with the largest completions validation allows starts its first index (no 0..completions array)", async () => {
  // completions is an int32 with no other bound for Indexed Jobs; the controller must not materialize
  // every index (upstream walks the completed intervals) nor trust a huge completedIndexes range.
  await create(
    jobOf("huge", "exit 0", {
      completions: 2147483647,
      parallelism: 1,
      completionMode: "Indexed",
      suspend: false,
    }),
  );
  const pods = await eventually(async () => {
    const got = await podsOf("huge");
    return got.length > 0 && got;
  }, 20_000);
  assert.equal(pods[0].metadata?.annotations?.["batch.kubernetes.io/job-completion-index"], "0");
  const r = await c.admin("DELETE", `${JOBS}/huge?propagationPolicy=Background`);
  assert.equal(r.status, 200, r.text);
});

test("backoffLimitPerIndex: an index that keeps failing is marked failed, the others complete", async () => {
  await create(
    jobOf("per-index", 'test "$JOB_COMPLETION_INDEX" != 1', {
      completions: 3,
      parallelism: 3,
      completionMode: "Indexed",
      backoffLimitPerIndex: 1,
    }),
  );
  const job = await waitForCondition("per-index", "Failed");
  assert.equal(job.spec?.backoffLimit, 2147483647, "defaulted with backoffLimitPerIndex");
  assert.equal(job.status?.completedIndexes, "0,2");
  assert.equal(job.status?.failedIndexes, "1");
  assert.equal(job.status?.failed, 2, "index 1 ran twice: once, and once more for backoffLimitPerIndex 1");
  assert.deepEqual(
    job.status?.conditions?.map((x) => [x.type, x.reason, x.message]),
    [
      ["FailureTarget", "FailedIndexes", "Job has failed indexes"],
      ["Failed", "FailedIndexes", "Job has failed indexes"],
    ],
  );
  const index1 = (await podsOf("per-index")).filter(
    (p) => p.metadata?.annotations?.["batch.kubernetes.io/job-completion-index"] === "1",
  );
  assert.deepEqual(
    index1.map((p) => p.metadata?.annotations?.["batch.kubernetes.io/job-index-failure-count"]).sort(),
    ["0", "1"],
  );
});

test("maxFailedIndexes: more failed indexes than allowed fail the Job", async () => {
  await create(
    jobOf("max-failed", 'test "$JOB_COMPLETION_INDEX" != 0', {
      completions: 2,
      parallelism: 1,
      completionMode: "Indexed",
      backoffLimitPerIndex: 0,
      maxFailedIndexes: 0,
    }),
  );
  const job = await waitForCondition("max-failed", "Failed");
  assert.equal(condition(job, "Failed")?.reason, "MaxFailedIndexesExceeded");
  assert.equal(
    condition(job, "Failed")?.message,
    "Job has exceeded the specified maximal number of failed indexes",
  );
  assert.equal(job.status?.failedIndexes, "0");
});

test("successPolicy: the leader index succeeding completes the Job and stops the others", async () => {
  await create(
    jobOf("leader", 'if [ "$JOB_COMPLETION_INDEX" = 0 ]; then exit 0; fi; sleep 60', {
      completions: 3,
      parallelism: 3,
      completionMode: "Indexed",
      successPolicy: { rules: [{ succeededIndexes: "0", succeededCount: 1 }] },
    }),
  );
  const job = await waitForCondition("leader", "Complete", 30_000);
  assert.deepEqual(
    job.status?.conditions?.map((x) => [x.type, x.reason, x.message]),
    [
      ["SuccessCriteriaMet", "SuccessPolicy", "Matched rules at index 0"],
      ["Complete", "SuccessPolicy", "Matched rules at index 0"],
    ],
  );
  assert.equal(job.status?.completedIndexes, "0");
  assert.equal(job.status?.active, undefined);
  assert.equal(job.status?.terminating, 0);
});

test("ttlSecondsAfterFinished deletes the finished Job and its Pods", async () => {
  await create(jobOf("short-lived", "exit 0", { ttlSecondsAfterFinished: 0 }));
  await eventually(
    async () => (await c.admin("GET", `${JOBS}/short-lived`)).status === 404,
    20_000,
    "TTL deletion",
  );
  await eventually(async () => (await podsOf("short-lived")).length === 0, 10_000, "the Job's Pods deleted");
});

test("podFailurePolicy: a FailJob rule fails the Job at once with upstream's message", async () => {
  await create(
    jobOf("policy-fail", "exit 42", {
      backoffLimit: 5,
      podFailurePolicy: { rules: [{ action: "FailJob", onExitCodes: { operator: "In", values: [42] } }] },
    }),
  );
  const job = await waitForCondition("policy-fail", "Failed");
  assert.equal(job.spec?.podReplacementPolicy, "Failed", "defaulted with a podFailurePolicy");
  const [pod] = await podsOf("policy-fail");
  assert.equal(condition(job, "Failed")?.reason, "PodFailurePolicy");
  assert.equal(
    condition(job, "Failed")?.message,
    `Container main for pod ${NS}/${pod.metadata?.name} failed with exit code 42 matching FailJob rule at index 0`,
  );
  assert.equal(job.status?.failed, 1, "no retries despite backoffLimit 5");
});

test("podFailurePolicy: an Ignore rule does not count the failure against backoffLimit", async () => {
  const mark = `${c.scratch}/ignored-once`;
  await create(
    jobOf("policy-ignore", `if [ -e ${mark} ]; then exit 0; fi; touch ${mark}; exit 7`, {
      backoffLimit: 0,
      podFailurePolicy: { rules: [{ action: "Ignore", onExitCodes: { operator: "In", values: [7] } }] },
    }),
  );
  const job = await waitForCondition("policy-ignore", "Complete");
  assert.equal(job.status?.failed, undefined);
  assert.equal(job.status?.succeeded, 1);
  assert.equal((await podsOf("policy-ignore")).length, 2, "the ignored Pod was replaced");
});

test("kubectl: create a Job from its own manifest, get it, wait for it to complete", async () => {
  const manifest = await c.kubectl([
    "create",
    "job",
    "hello",
    "-n",
    NS,
    "--image=busybox",
    "--dry-run=client",
    "-o",
    "json",
    "--",
    "sh",
    "-c",
    "echo hello",
  ]);
  assert.equal(manifest.code, 0, manifest.stderr);
  const created = await c.kubectl(["create", "-f", "-", "-n", NS], { input: manifest.stdout });
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout.trim(), "job.batch/hello created");
  const waited = await c.kubectl([
    "wait",
    "--for=condition=complete",
    "job/hello",
    "-n",
    NS,
    "--timeout=30s",
  ]);
  assert.equal(waited.code, 0, waited.stderr);
  assert.equal(waited.stdout.trim(), "job.batch/hello condition met");
  const got = await c.kubectl(["get", "jobs", "hello", "-n", NS]);
  assert.equal(got.code, 0, got.stderr);
  const [header, row] = got.stdout.trim().split("\n");
  assert.deepEqual(header.split(/\s{2,}/), ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]);
  assert.match(row, /^hello\s+Complete\s+1\/1\s+\d+s\s+\d+s$/);
  const logs = await c.kubectl(["logs", "job/hello", "-n", NS]);
  assert.equal(logs.stdout, "hello\n", logs.stderr);
});
