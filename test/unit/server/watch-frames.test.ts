// The flush interval rule of src/server/handlers/watch-frames.ts: 25 ms under a steady stream, stretched to twice
// a slow flush so that flushing takes at most half of a saturated thread, never beyond 100 ms.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  flushIntervalAfter,
  WATCH_FLUSH_INTERVAL_MS,
  WATCH_FLUSH_MAX_INTERVAL_MS,
} from "../../../src/server/handlers/watch-frames.ts";

test("a quick flush keeps the base interval; a slow one stretches it to twice its time, at most 100 ms", () => {
  assert.equal(WATCH_FLUSH_INTERVAL_MS, 25);
  assert.equal(WATCH_FLUSH_MAX_INTERVAL_MS, 100);
  assert.equal(flushIntervalAfter(0), 25);
  assert.equal(flushIntervalAfter(12), 25);
  assert.equal(flushIntervalAfter(20), 40);
  assert.equal(flushIntervalAfter(49), 98);
  assert.equal(flushIntervalAfter(80), 100);
  assert.equal(flushIntervalAfter(5000), 100);
});
