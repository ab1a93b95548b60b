// The rule programmers' run loop: one run at a time, changes coalesced, failures retried and never the end.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SerialSync } from "../../../src/kubelet/network/serial-sync.ts";
import { eventually } from "../../helpers/cluster.ts";

test("a run that throws is reported and retried, and later runs still happen", async () => {
  let runs = 0;
  const failures: string[] = [];
  const loop = new SerialSync(
    async () => {
      runs++;
      if (runs === 1) throw new Error("iptables-restore: line 3 failed");
    },
    (error) => failures.push(error.message),
  );
  await loop.now(); // resolves although the run threw
  assert.deepEqual(failures, ["iptables-restore: line 3 failed"]);
  await eventually(async () => runs === 2, 10_000, "the retry");
  await loop.now();
  assert.equal(runs, 3, "the chain goes on after a failure");
  await loop.stop();
});

test("runs never overlap, changes within the delay coalesce into one run, and none start after stop", async () => {
  let active = 0;
  let overlapped = false;
  let runs = 0;
  const loop = new SerialSync(
    async () => {
      runs++;
      active++;
      overlapped ||= active > 1;
      await new Promise((r) => setTimeout(r, 20));
      active--;
    },
    () => assert.fail("no failure"),
    30,
  );
  await Promise.all([loop.now(), loop.now(), loop.now()]);
  assert.equal(runs, 3);
  assert.equal(overlapped, false);
  for (let i = 0; i < 10; i++) loop.soon();
  await eventually(async () => runs === 4, 10_000, "one run for ten changes");
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(runs, 4);
  loop.soon();
  await loop.stop();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(runs, 4, "a change before stop() starts no run after it");
});
