import assert from "node:assert/strict";
import { test } from "node:test";
import { limitsFromFlags } from "../../../src/cli/cluster.ts";

test("cluster up limit flags: kube-apiserver's names and defaults; Go durations for --request-timeout", () => {
  assert.deepEqual(limitsFromFlags({}), {
    maxRequestsInflight: 400,
    maxMutatingRequestsInflight: 200,
    requestTimeoutMs: 60_000,
    minRequestTimeoutSeconds: 1800,
    maxConnections: undefined,
  });
  const o = limitsFromFlags({ requestTimeout: "1m30s", maxConnections: "100", maxRequestsInflight: "0" });
  assert.equal(o.requestTimeoutMs, 90_000);
  assert.equal(o.maxConnections, 100);
  assert.equal(o.maxRequestsInflight, 0);
  assert.equal(limitsFromFlags({ requestTimeout: "500ms" }).requestTimeoutMs, 500);
});

test("a bad limit flag names the flag and the expected form", () => {
  assert.throws(
    () => limitsFromFlags({ requestTimeout: "60" }),
    /--request-timeout must be a duration such as 60s/,
  );
  assert.throws(() => limitsFromFlags({ maxConnections: "-1" }), /--max-connections must be a whole number/);
  assert.throws(() => limitsFromFlags({ maxRequestsInflight: "lots" }), /--max-requests-inflight/);
});
