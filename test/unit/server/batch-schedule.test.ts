// CronJob schedule arithmetic (pkg/controller/cronjob/utils.go mostRecentScheduleTime,
// nextScheduleTimeDuration, getJobName), the scheduled-timestamp annotation's RFC 3339 form in a zone,
// Indexed Jobs' completedIndexes, and the ManualClock the controllers run on in tests.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ManualClock, REAL_CLOCK } from "../../../src/server/controllers/clock.ts";
import { jobNameFor, rfc3339In } from "../../../src/server/controllers/cronjob.ts";
import { formatIndexes, parseIndexes } from "../../../src/server/controllers/job-policies.ts";
import {
  mostRecentScheduleTime,
  nextScheduleDelay,
  parseSchedule,
  type Schedule,
} from "../../../src/server/registry/kinds/batch/schedule.ts";

const at = (s: string) => new Date(s);
function schedule(spec: string, tz = "UTC"): Schedule {
  const s = parseSchedule(spec, tz);
  if (s instanceof Error) throw s;
  return s;
}

describe("parseSchedule", () => {
  test("next activations, descriptors, names, @every and zones", () => {
    assert.deepEqual(schedule("*/15 * * * *").next(at("2025-03-01T10:07:00Z")), at("2025-03-01T10:15:00Z"));
    assert.deepEqual(schedule("@hourly").next(at("2025-03-01T10:07:00Z")), at("2025-03-01T11:00:00Z"));
    assert.deepEqual(schedule("0 0 * * SUN").next(at("2025-03-01T10:00:00Z")), at("2025-03-02T00:00:00Z"));
    assert.deepEqual(schedule("@every 90s").next(at("2025-03-01T10:00:00.500Z")), at("2025-03-01T10:01:30Z"));
    // 09:00 in New York is 14:00 UTC in winter.
    assert.deepEqual(
      schedule("0 9 * * *", "America/New_York").next(at("2025-01-15T12:00:00Z")),
      at("2025-01-15T14:00:00Z"),
    );
    const tzPrefixed = parseSchedule("CRON_TZ=Asia/Tokyo 0 9 * * *");
    assert.ok(!(tzPrefixed instanceof Error));
    assert.deepEqual(tzPrefixed.next(at("2025-01-15T12:00:00Z")), at("2025-01-16T00:00:00Z"));
  });

  test("robfig's errors", () => {
    const err = (spec: string) => (parseSchedule(spec) as Error).message;
    assert.equal(err(""), "empty spec string");
    assert.equal(err("* * * * * *"), "expected exactly 5 fields, found 6: [* * * * * *]");
    assert.equal(
      err("TZ=Nowhere/Land * * * * *"),
      "provided bad location Nowhere/Land: unknown time zone Nowhere/Land",
    );
    assert.equal(err("@every soon"), 'failed to parse duration @every soon: time: invalid duration "soon"');
    assert.equal(err("1/2/3 * * * *"), "too many slashes: 1/2/3");
    assert.equal(err("-1 * * * *"), 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax');
  });
});

describe("mostRecentScheduleTime", () => {
  const every5 = schedule("*/5 * * * *");
  test("no activation yet, exactly one, several missed, too many", () => {
    assert.deepEqual(mostRecentScheduleTime(at("2025-03-01T10:00:00Z"), at("2025-03-01T10:03:00Z"), every5), {
      earliest: at("2025-03-01T10:00:00Z"),
      missed: "none",
    });
    assert.deepEqual(mostRecentScheduleTime(at("2025-03-01T10:00:00Z"), at("2025-03-01T10:07:00Z"), every5), {
      earliest: at("2025-03-01T10:00:00Z"),
      mostRecent: at("2025-03-01T10:05:00Z"),
      missed: "none",
    });
    assert.deepEqual(mostRecentScheduleTime(at("2025-03-01T10:00:00Z"), at("2025-03-01T10:27:00Z"), every5), {
      earliest: at("2025-03-01T10:00:00Z"),
      mostRecent: at("2025-03-01T10:25:00Z"),
      missed: "few",
    });
    const many = mostRecentScheduleTime(at("2025-03-01T00:00:00Z"), at("2025-03-02T00:01:00Z"), every5);
    assert.ok(!(many instanceof Error));
    assert.equal(many.missed, "many");
    assert.deepEqual(many.mostRecent, at("2025-03-02T00:00:00Z"));
  });

  test("startingDeadlineSeconds moves the earliest time up", () => {
    const r = mostRecentScheduleTime(at("2025-03-01T10:00:00Z"), at("2025-03-01T10:27:00Z"), every5, 60);
    assert.ok(!(r instanceof Error));
    assert.deepEqual(r.earliest, at("2025-03-01T10:26:00Z"));
    assert.equal(r.mostRecent, undefined, "10:25 is before the deadline window");
  });

  test("an impossible date is an error, not a hang", () => {
    // Upstream's "59 23 31 2 *" case: cron-parser refuses to find a 31 February.
    const feb31 = parseSchedule("59 23 31 2 *", "UTC");
    assert.ok(!(feb31 instanceof Error), "robfig accepts the syntax");
    assert.throws(() =>
      mostRecentScheduleTime(at("2025-03-01T10:00:00Z"), at("2025-03-01T10:27:00Z"), feb31),
    );
  });

  test("nextScheduleDelay: until the next activation plus 100 ms", () => {
    assert.equal(
      nextScheduleDelay(at("2025-03-01T10:00:00Z"), at("2025-03-01T10:07:00Z"), every5),
      3 * 60_000 + 100,
    );
    assert.equal(
      nextScheduleDelay(at("2025-03-01T10:00:00Z"), at("2025-03-01T10:03:00Z"), every5),
      2 * 60_000 + 100,
    );
  });
});

test("Job names and the scheduled-timestamp annotation", () => {
  assert.equal(
    jobNameFor("hello", at("2025-03-01T10:05:00Z")),
    `hello-${Date.parse("2025-03-01T10:05:00Z") / 60_000}`,
  );
  assert.equal(rfc3339In(at("2025-03-01T10:05:00Z"), ""), "2025-03-01T10:05:00Z");
  assert.equal(rfc3339In(at("2025-03-01T10:05:00Z"), "Europe/Paris"), "2025-03-01T11:05:00+01:00");
  assert.equal(rfc3339In(at("2025-07-01T10:05:00Z"), "America/New_York"), "2025-07-01T06:05:00-04:00");
  assert.equal(rfc3339In(at("2025-03-01T10:05:00Z"), "Asia/Kolkata"), "2025-03-01T15:35:00+05:30");
});

test("completedIndexes", () => {
  assert.equal(formatIndexes([5, 0, 1, 2, 7, 8]), "0-2,5,7-8");
  assert.equal(formatIndexes([]), "");
  assert.deepEqual([...parseIndexes("0-2,5,7-8", 10)], [0, 1, 2, 5, 7, 8]);
  // As parseIndexesFromString: bounded by completions, corrupted intervals ignored.
  assert.deepEqual([...parseIndexes("0-2147483646", 3)], [0, 1, 2]);
  assert.deepEqual([...parseIndexes("x,1,4-9,2", 3)], [1]);
  assert.deepEqual([...parseIndexes("1-a,2", 3)], [2]);
});

test("ManualClock runs timers when stepped past them, in order, and honours cancel", () => {
  const clock = new ManualClock("2025-01-01T00:00:00Z");
  const fired: string[] = [];
  clock.after(2000, () => fired.push("b"));
  clock.after(1000, () => fired.push("a"));
  const cancel = clock.after(1500, () => fired.push("cancelled"));
  cancel();
  clock.step(999);
  assert.deepEqual(fired, []);
  clock.step(1001);
  assert.deepEqual(fired, ["a", "b"]);
  assert.deepEqual(clock.now(), at("2025-01-01T00:00:02Z"));
});

test("the real clock waits out delays longer than setTimeout's 24.8 days (a monthly schedule)", async () => {
  let fired = 0;
  const cancel = REAL_CLOCK.after(31 * 24 * 3600 * 1000, () => fired++);
  await new Promise((r) => setTimeout(r, 50));
  cancel();
  assert.equal(fired, 0, "a 31-day timer fired at once");
  let soon = 0;
  REAL_CLOCK.after(1, () => soon++);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(soon, 1);
});
