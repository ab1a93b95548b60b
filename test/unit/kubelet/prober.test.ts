// The probe workers' timing against Pod specs with very large numbers: periodSeconds and initialDelaySeconds
// are int32 seconds in the API (up to about 68 years), far beyond Node's longest timer (about 24.8 days).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ContainerProber } from "../../../src/kubelet/prober.ts";
import type { ProbeTarget } from "../../../src/kubelet/probes.ts";
import { eventually } from "../../helpers/cluster.ts";

/** A target whose exec probes fail at once (no process), counting the attempts. */
function countingTarget(): ProbeTarget & { attempts: number } {
  const target = {
    podIP: "127.0.0.1",
    ports: [],
    attempts: 0,
    exec() {
      target.attempts++;
      return new Error("no process");
    },
  };
  return target;
}

const hooks = { changed() {}, unhealthy() {}, restart() {} };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("a period beyond Node's timer range waits (the longest a timer can), it does not probe in a tight loop", async () => {
  // Before: setTimeout(tick, 3e9) fired after 1 ms, so the probe ran about a thousand times a second (an exec
  // probe is a process each time) for as long as the container ran.
  const target = countingTarget();
  const prober = new ContainerProber(
    {
      name: "app",
      livenessProbe: { exec: { command: ["true"] }, periodSeconds: 3_000_000, failureThreshold: 1e9 },
    },
    target,
    hooks,
  );
  try {
    await eventually(async () => target.attempts >= 1, 30_000, "the first attempt");
    await pause(1000);
    assert.equal(target.attempts, 1);
  } finally {
    prober.stop();
  }
});

test("an initial delay beyond Node's timer range waits too, it does not probe at once", async () => {
  const target = countingTarget();
  const prober = new ContainerProber(
    { name: "app", livenessProbe: { exec: { command: ["true"] }, initialDelaySeconds: 2_147_483_647 } },
    target,
    hooks,
  );
  try {
    await pause(1000);
    assert.equal(target.attempts, 0);
  } finally {
    prober.stop();
  }
});
