// CronJobs on the real server with the local pod runtime and a ManualClock: stepping the clock past an
// activation starts the Job "<cronjob>-<minutes>", whose Pods run host commands; history limits,
// concurrencyPolicy Forbid/Replace, suspend and startingDeadlineSeconds behave as upstream's controller.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { CronJob, Job } from "kubernetes-types/batch/v1.d.ts";
import { ManualClock } from "../../src/server/controllers/clock.ts";
import { eventually } from "../helpers/cluster.ts";
import { createNamespace, type RuntimeCluster, startRuntimeCluster } from "./kubelet-harness.ts";

const NS = "cron";
const CRONJOBS = `/apis/batch/v1/namespaces/${NS}/cronjobs`;
const JOBS = `/apis/batch/v1/namespaces/${NS}/jobs`;
const MINUTE = 60_000;

// Half a minute past a whole minute: each step of one minute crosses exactly one "* * * * *" activation.
const clock = new ManualClock(new Date(Math.floor(Date.now() / MINUTE) * MINUTE + 30_000));
let c: RuntimeCluster;
before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true }, { clock, batch: { podFailureBackoffMs: 100 } });
  await createNamespace(c, NS);
});
after(() => c.stop());

function cronJobOf(name: string, script: string, spec: Record<string, unknown> = {}) {
  return {
    metadata: { name },
    spec: {
      schedule: "* * * * *",
      ...spec,
      jobTemplate: {
        metadata: { labels: { app: name } },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: "Never",
              terminationGracePeriodSeconds: 1,
              containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script] }],
            },
          },
        },
      },
    },
  };
}

async function createCronJob(body: unknown): Promise<CronJob> {
  const r = await c.admin("POST", CRONJOBS, body);
  assert.equal(r.status, 201, r.text);
  return r.json as CronJob;
}

const getCronJob = async (name: string) => (await c.admin("GET", `${CRONJOBS}/${name}`)).json as CronJob;
async function jobsOf(name: string): Promise<Job[]> {
  const r = await c.admin("GET", `${JOBS}?labelSelector=app=${name}`);
  return (r.json as { items: Job[] }).items.filter((j) => !j.metadata?.deletionTimestamp);
}
const finished = (j: Job) =>
  (j.status?.conditions ?? []).some(
    (x) => (x.type === "Complete" || x.type === "Failed") && x.status === "True",
  );

/** Steps the clock one minute and waits for the controllers to act on it. */
async function tick(): Promise<void> {
  clock.step(MINUTE);
  await c.server.settle();
}

test("a CronJob starts a Job per activation, records status and keeps successfulJobsHistoryLimit", async () => {
  const cj = await createCronJob(cronJobOf("every-minute", "exit 0", { successfulJobsHistoryLimit: 2 }));
  assert.equal(cj.spec?.concurrencyPolicy, "Allow");
  assert.equal(cj.spec?.failedJobsHistoryLimit, 1);
  await c.server.settle();
  assert.equal((await jobsOf("every-minute")).length, 0, "nothing before the first activation");

  const names: string[] = [];
  for (let i = 0; i < 3; i++) {
    await tick();
    const scheduled = new Date(Math.floor(clock.now().getTime() / MINUTE) * MINUTE);
    const expected = `every-minute-${scheduled.getTime() / MINUTE}`;
    names.push(expected);
    const job = await eventually(
      async () => (await jobsOf("every-minute")).find((j) => j.metadata?.name === expected),
      5000,
      expected,
    );
    assert.equal(
      job.metadata?.annotations?.["batch.kubernetes.io/cronjob-scheduled-timestamp"],
      scheduled.toISOString().replace(".000Z", "Z"),
    );
    assert.equal(job.metadata?.ownerReferences?.[0]?.kind, "CronJob");
    assert.equal(job.metadata?.ownerReferences?.[0]?.uid, cj.metadata?.uid);
    const status = (await getCronJob("every-minute")).status;
    assert.equal(status?.lastScheduleTime, scheduled.toISOString().replace(".000Z", "Z"));
    await eventually(
      async () => (await jobsOf("every-minute")).find((j) => j.metadata?.name === expected && finished(j)),
      20_000,
      `${expected} complete`,
    );
  }
  await c.server.settle();
  const kept = await eventually(
    async () => {
      const jobs = await jobsOf("every-minute");
      return jobs.length === 2 && jobs;
    },
    10_000,
    "history limited to 2 successful Jobs",
  );
  assert.deepEqual(kept.map((j) => j.metadata?.name).sort(), names.slice(1).sort(), "the oldest Job went");
  const status = await eventually(
    async () => {
      const s = (await getCronJob("every-minute")).status;
      return s?.lastSuccessfulTime && !s.active ? s : undefined;
    },
    5000,
    "lastSuccessfulTime and no active Jobs",
  );
  assert.ok(status.lastSuccessfulTime);
  const selector = encodeURIComponent("involvedObject.kind=CronJob,involvedObject.name=every-minute");
  const events = (
    (await c.admin("GET", `/api/v1/namespaces/${NS}/events?fieldSelector=${selector}`)).json as {
      items: { reason: string; message: string }[];
    }
  ).items.map((e) => `${e.reason}: ${e.message}`);
  for (const name of names) {
    assert.ok(events.includes(`SuccessfulCreate: Created job ${name}`), events.join("\n"));
    assert.ok(
      events.includes(`SawCompletedJob: Saw completed job: ${name}, condition: Complete`),
      events.join("\n"),
    );
  }
  assert.ok(events.includes(`SuccessfulDelete: Deleted job ${names[0]}`), events.join("\n"));
});

test("concurrencyPolicy Forbid skips an activation while a Job runs; Replace replaces it", async () => {
  await createCronJob(cronJobOf("forbid", "sleep 60", { concurrencyPolicy: "Forbid" }));
  await createCronJob(cronJobOf("replace", "sleep 60", { concurrencyPolicy: "Replace" }));
  await tick();
  const [first] = await eventually(async () => {
    const jobs = await jobsOf("forbid");
    return jobs.length === 1 && jobs;
  });
  // Its Pod running (ready) first: Replace then stops a Job that is really running.
  const [replaced] = await eventually(
    async () => {
      const jobs = await jobsOf("replace");
      return jobs.length === 1 && jobs[0].status?.ready === 1 && jobs;
    },
    10_000,
    "the first Replace Job running",
  );
  await tick();
  await c.server.settle();
  const forbid = await jobsOf("forbid");
  assert.deepEqual(
    forbid.map((j) => j.metadata?.name),
    [first.metadata?.name],
  );
  assert.equal((await getCronJob("forbid")).status?.active?.length, 1);
  const replace = await eventually(async () => {
    const jobs = await jobsOf("replace");
    return jobs.length === 1 && jobs[0].metadata?.name !== replaced.metadata?.name && jobs;
  });
  const active = (await getCronJob("replace")).status?.active ?? [];
  assert.deepEqual(
    active.map((r) => r.name),
    [replace[0].metadata?.name],
  );
  for (const name of ["forbid", "replace"]) {
    const r = await c.admin("DELETE", `${CRONJOBS}/${name}`, { propagationPolicy: "Foreground" });
    assert.equal(r.status, 200, r.text);
  }
  // Deleting a CronJob in the foreground deletes its Jobs, and theirs Pods.
  await eventually(
    async () => {
      const pods = (await c.admin("GET", `/api/v1/namespaces/${NS}/pods`)).json as { items: unknown[] };
      const jobs = [...(await jobsOf("forbid")), ...(await jobsOf("replace"))];
      return (
        jobs.length === 0 &&
        pods.items.every((p) => (p as { status?: { phase?: string } }).status?.phase !== "Running")
      );
    },
    15_000,
    "the CronJobs' Jobs and running Pods gone",
  );
});

test("a suspended CronJob starts nothing; a missed start beyond startingDeadlineSeconds is skipped", async () => {
  await createCronJob(cronJobOf("paused", "exit 0", { suspend: true }));
  await tick();
  assert.equal((await jobsOf("paused")).length, 0);

  await createCronJob(cronJobOf("late", "exit 0", { startingDeadlineSeconds: 10 }));
  // Thirty seconds after the activation, with a 10 s starting deadline: too late to start it.
  clock.step(MINUTE);
  await c.server.settle();
  assert.equal((await jobsOf("late")).length, 0);
  assert.equal((await getCronJob("late")).status?.lastScheduleTime, undefined);
  // Five seconds after the next one: in time.
  clock.step(35_000);
  await c.server.settle();
  await eventually(async () => (await jobsOf("late")).length === 1, 5000, "the next activation starts");
});

test("kubectl get cj -o wide prints upstream's columns", async () => {
  const r = await c.kubectl(["get", "cj", "-o", "wide", "-n", NS, "paused"]);
  assert.equal(r.code, 0, r.stderr);
  const [header, row] = r.stdout.trim().split("\n");
  assert.deepEqual(header.split(/\s{2,}/), [
    "NAME",
    "SCHEDULE",
    "TIMEZONE",
    "SUSPEND",
    "ACTIVE",
    "LAST SCHEDULE",
    "AGE",
    "CONTAINERS",
    "IMAGES",
    "SELECTOR",
  ]);
  assert.match(row, /^paused\s+\* \* \* \* \*\s+<none>\s+True\s+0\s+<none>\s+\S+\s+main\s+busybox\s+<none>$/);
});
