// The sidecar termination order (the kubelet's terminationOrdering): sidecars wait for every regular
// container and for the sidecars declared after them; nothing waits without a grace period.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { hasSidecars, TerminationOrdering } from "../../../src/kubelet/termination-order.ts";

const pod: Pod = {
  spec: {
    initContainers: [
      { name: "first", restartPolicy: "Always" },
      { name: "setup" },
      { name: "second", restartPolicy: "Always" },
    ],
    containers: [{ name: "app" }, { name: "done" }],
  },
};

test("sidecars stop after the regular containers, later sidecars first", async () => {
  assert.equal(hasSidecars(pod), true);
  assert.equal(hasSidecars({ spec: { containers: [{ name: "app" }] } }), false);
  const order = new TerminationOrdering(pod, ["first", "second", "app"]); // "done" is not running
  const turns: string[] = [];
  const first = order.waitForTurn("first", 10_000).then(() => turns.push("first"));
  const second = order.waitForTurn("second", 10_000).then(() => turns.push("second"));
  assert.equal(await order.waitForTurn("app", 10_000), 0, "regular containers do not wait");
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(turns, []);
  order.containerTerminated("app");
  await second;
  assert.deepEqual(turns, ["second"]);
  order.containerTerminated("second");
  await first;
  assert.deepEqual(turns, ["second", "first"]);
});

test("the wait ends with the grace period, and there is none without one", async () => {
  const order = new TerminationOrdering(pod, ["first", "app"]);
  assert.equal(await order.waitForTurn("first", 0), 0);
  const waited = await order.waitForTurn("first", 100);
  assert.ok(waited >= 95 && waited < 1000, `waited ${waited} ms`);
});
