// slowStartBatch (pkg/controller/replicaset/replica_set.go): batches of 1, 2, 4, … run concurrently, and
// the first batch with a failure is the last.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch } from "../../../src/server/controllers/slow-start.ts";

describe("slowStartBatch", () => {
  test("doubles the batch while calls succeed, running each batch concurrently", async () => {
    const batches: number[] = [];
    let inFlight = 0;
    let batch = 0;
    const n = await slowStartBatch(20, SLOW_START_INITIAL_BATCH_SIZE, async () => {
      if (inFlight++ === 0) batches.push(0);
      batch = batches.length - 1;
      batches[batch]++;
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
    });
    assert.equal(n, 20);
    assert.deepEqual(batches, [1, 2, 4, 8, 5]);
  });

  test("stops after the first batch with a failure, reporting the successes", async () => {
    let calls = 0;
    await assert.rejects(
      slowStartBatch(100, 1, async (i) => {
        calls++;
        if (i === 4) throw new Error("exceeded quota: pods");
      }),
      (e: Error & { successes?: number }) => e.message === "exceeded quota: pods" && e.successes === 6,
    );
    // Batches 1 + 2 + 4: the third (indexes 3–6) fails, and nothing after it is attempted.
    assert.equal(calls, 7);
  });

  test("does nothing for a count of zero", async () => {
    assert.equal(await slowStartBatch(0, 1, async () => assert.fail("called")), 0);
  });
});
