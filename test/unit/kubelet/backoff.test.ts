import assert from "node:assert/strict";
import { test } from "node:test";
import { CrashLoopBackOff, goDuration } from "../../../src/kubelet/backoff.ts";

/** Simulates a container that exits `runMs` after each start; returns the waits before each restart. */
function schedule(
  backoff: CrashLoopBackOff,
  clock: { t: number },
  restarts: number,
  runMs: number,
): number[] {
  const waits: number[] = [];
  for (let i = 0; i < restarts; i++) {
    clock.t += runMs;
    const finishedAt = clock.t;
    const wait = backoff.remainingMs("pod/c", finishedAt);
    waits.push(wait);
    clock.t += wait;
    backoff.next("pod/c", finishedAt);
  }
  return waits;
}

test("the kubelet's schedule: restart at once, then 10 s doubling to the 5 min cap", () => {
  const clock = { t: 0 };
  const backoff = new CrashLoopBackOff({}, { now: () => clock.t });
  assert.deepEqual(
    schedule(backoff, clock, 9, 1000),
    [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000],
  );
  assert.equal(backoff.delayMs("pod/c"), 300_000);
});

test("running longer than twice the cap (10 min) starts the schedule over", () => {
  const clock = { t: 0 };
  const backoff = new CrashLoopBackOff({}, { now: () => clock.t });
  schedule(backoff, clock, 4, 0);
  assert.equal(backoff.delayMs("pod/c"), 80_000);
  assert.deepEqual(schedule(backoff, clock, 1, 10 * 60_000 + 1), [0]);
  assert.equal(backoff.delayMs("pod/c"), 10_000);
});

test("the base is configurable and the cap keeps the kubelet's 30x ratio; forget() drops a pod's keys", () => {
  const clock = { t: 0 };
  const backoff = new CrashLoopBackOff({ baseMs: 100 }, { now: () => clock.t });
  assert.equal(backoff.maxMs, 3000);
  assert.deepEqual(schedule(backoff, clock, 7, 0), [0, 100, 200, 400, 800, 1600, 3000]);
  backoff.forget("pod/");
  assert.equal(backoff.delayMs("pod/c"), 0);
});

test("durations print like Go's time.Duration", () => {
  assert.equal(goDuration(10_000), "10s");
  assert.equal(goDuration(80_000), "1m20s");
  assert.equal(goDuration(300_000), "5m0s");
  assert.equal(goDuration(400), "400ms");
  assert.equal(goDuration(1600), "1.6s");
  assert.equal(goDuration(3_600_000), "1h0m0s");
});
