// Jobs and CronJobs with each kubectl 1.27 … 1.33: kubectl writes the manifests itself (create job/cronjob
// --dry-run=client), sends them, and reads them back through the server's Tables (`get jobs`, `get cj -o
// wide`, `get all`), with the columns of upstream's printers. A schedule kubectl cannot check client-side
// is refused by the server with robfig/cron's words.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";
import { createNamespace } from "./support.ts";

const GCLOUD_BIN = "/usr/lib/google-cloud-sdk/bin";
const VERSIONS = [27, 28, 29, 30, 31, 32, 33].filter((minor) =>
  existsSync(`${GCLOUD_BIN}/kubectl.1.${minor}`),
);

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
});
after(() => c.stop());

const cells = (line: string) => line.trim().split(/\s{2,}/);

test("the machine has kubectl 1.27 and 1.33", () => {
  assert.ok(VERSIONS.includes(27) && VERSIONS.includes(33), `found ${VERSIONS.join(", ")}`);
});

describe("every kubectl version", { concurrency: 4 }, () => {
  for (const minor of VERSIONS) {
    describe(`kubectl 1.${minor}`, { concurrency: 1 }, () => {
      const NS = `batch-${minor}`;
      const k = (args: string[], input?: string) =>
        c.kubectl(args, { input, binary: `${GCLOUD_BIN}/kubectl.1.${minor}` });
      const ok = async (args: string[], input?: string) => {
        const r = await k(args, input);
        assert.equal(r.code, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
        return r.stdout;
      };

      before(() => createNamespace(c, NS));

      test("create a Job and a CronJob from kubectl's own manifests", async () => {
        const job = await ok([
          "create",
          "job",
          "once",
          "-n",
          NS,
          "--image=busybox",
          "--dry-run=client",
          "-o",
          "yaml",
        ]);
        assert.equal((await ok(["create", "-f", "-", "-n", NS], job)).trim(), "job.batch/once created");
        const cron = await ok([
          "create",
          "cronjob",
          "nightly",
          "-n",
          NS,
          "--image=busybox",
          "--schedule=0 3 * * *",
          "--dry-run=client",
          "-o",
          "yaml",
        ]);
        assert.equal(
          (await ok(["create", "-f", "-", "-n", NS], cron)).trim(),
          "cronjob.batch/nightly created",
        );
      });

      test("get jobs and get cj -o wide show upstream's columns", async () => {
        const jobs = (await ok(["get", "jobs", "-n", NS])).trim().split("\n");
        assert.deepEqual(cells(jobs[0]), ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]);
        assert.deepEqual(cells(jobs[1]).slice(0, 3), ["once", "Running", "0/1"]);
        const wide = (await ok(["get", "jobs", "-n", NS, "-o", "wide"])).trim().split("\n");
        assert.deepEqual(cells(wide[0]).slice(5), ["CONTAINERS", "IMAGES", "SELECTOR"]);
        assert.match(cells(wide[1])[7], /^batch\.kubernetes\.io\/controller-uid=[0-9a-f-]{36}$/);
        const cj = (await ok(["get", "cj", "-n", NS, "-o", "wide"])).trim().split("\n");
        assert.deepEqual(cells(cj[0]), [
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
        const row = cells(cj[1]);
        assert.deepEqual(
          [...row.slice(0, 6), ...row.slice(7)],
          ["nightly", "0 3 * * *", "<none>", "False", "0", "<none>", "nightly", "busybox", "<none>"],
        );
      });

      test("jobs and cronjobs are in category all; the Job's Pod was created by the controller", async () => {
        const all = await ok(["get", "all", "-n", NS, "-o", "name"]);
        const names = all.trim().split("\n");
        assert.ok(names.includes("job.batch/once"), all);
        assert.ok(names.includes("cronjob.batch/nightly"), all);
        assert.ok(
          names.some((n) => /^pod\/once-[a-z0-9]{5}$/.test(n)),
          all,
        );
      });

      test("a bad schedule is refused with robfig/cron's message", async () => {
        const bad = await ok([
          "create",
          "cronjob",
          "bad",
          "-n",
          NS,
          "--image=busybox",
          "--schedule=* * *",
          "--dry-run=client",
          "-o",
          "json",
        ]);
        const r = await k(["create", "-f", "-", "-n", NS], bad);
        assert.notEqual(r.code, 0);
        assert.match(
          r.stderr,
          /The CronJob "bad" is invalid: spec\.schedule: Invalid value: "\* \* \*": expected exactly 5 fields, found 3: \[\* \* \*\]/,
        );
      });
    });
  }
});
