import assert from "node:assert/strict";
import { test } from "node:test";
import { goDuration } from "../../../src/server/registry/go-duration.ts";

test("Go's Duration.String (src/time/time_test.go durationTests)", () => {
  const us = 1000n;
  const ms = 1000n * us;
  const s = 1000n * ms;
  const min = 60n * s;
  const h = 60n * min;
  const cases: [bigint, string][] = [
    [0n, "0s"],
    [1n, "1ns"],
    [1100n, "1.1µs"],
    [2200n * us, "2.2ms"],
    [3300n * ms, "3.3s"],
    [4n * min + 5n * s, "4m5s"],
    [4n * min + 5001n * ms, "4m5.001s"],
    [5n * h + 6n * min + 7001n * ms, "5h6m7.001s"],
    [8n * min + 1n, "8m0.000000001s"],
    [(1n << 63n) - 1n, "2562047h47m16.854775807s"],
    [-(1n << 63n), "-2562047h47m16.854775808s"],
  ];
  for (const [d, want] of cases) assert.equal(goDuration(d), want, String(d));
});
