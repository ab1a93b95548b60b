// The watch cache's rule for watchers that do not keep up (src/server/handlers/watch-unresponsive.ts): the
// channel size, the dispatch time budget and the shared blocking window.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseFieldSelector } from "../../../src/meta/fields.ts";
import {
  type BlockableWatcher,
  chanSizeFor,
  TimeBudget,
  UnresponsiveWatchers,
  watchChanSize,
} from "../../../src/server/handlers/watch-unresponsive.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("chanSize is about one second of history (capacity / 75 s), at least 10, capped by index and trigger", () => {
  assert.equal(watchChanSize(10_000, false, false), 100); // 134, capped: no index
  assert.equal(watchChanSize(10_000, true, false), 134); // Pods watched without spec.nodeName
  assert.equal(watchChanSize(10_000, true, true), 10); // a kubelet's spec.nodeName watch
  assert.equal(watchChanSize(150_000, true, false), 1000);
  assert.equal(watchChanSize(100, false, false), 10);
  assert.equal(watchChanSize(0, true, false), 10);
});

test("Pods are the resource with an indexed trigger (spec.nodeName); only an exact match on it is triggered", () => {
  assert.equal(chanSizeFor("pods", 10_000, undefined), 134);
  assert.equal(chanSizeFor("pods", 10_000, parseFieldSelector("spec.nodeName=node-1")), 10);
  assert.equal(chanSizeFor("pods", 10_000, parseFieldSelector("spec.nodeName!=node-1")), 134);
  assert.equal(chanSizeFor("pods", 10_000, parseFieldSelector("status.phase=Running")), 134);
  assert.equal(chanSizeFor("configmaps", 10_000, undefined), 100);
  assert.equal(chanSizeFor("deployments.apps", 100_000, undefined), 100);
});

test("the time budget refills at 50 ms per second up to 100 ms, is taken whole, and takes back what was unused", () => {
  let now = 0;
  const budget = new TimeBudget(() => now);
  assert.equal(budget.takeAvailable(), 0);
  now = 1000;
  assert.equal(budget.takeAvailable(), 50);
  assert.equal(budget.takeAvailable(), 0);
  now = 10_000;
  assert.equal(budget.takeAvailable(), 100);
  budget.returnUnused(30);
  assert.equal(budget.takeAvailable(), 30);
  budget.returnUnused(-5); // used more than allowed: nothing comes back
  assert.equal(budget.takeAvailable(), 0);
  budget.returnUnused(500);
  assert.equal(budget.takeAvailable(), 100);
});

function watcher(blocked: boolean) {
  const w = {
    isBlocked: blocked,
    closed: false,
    blocked: () => w.isBlocked,
    forceClose: () => {
      w.closed = true;
    },
  };
  return w satisfies BlockableWatcher;
}

test("with no budget left, a blocked watcher is closed at once; one that is not blocked is left alone", () => {
  const u = new UnresponsiveWatchers(new TimeBudget(() => 0));
  const fine = watcher(false);
  const stuck = watcher(true);
  u.check(fine);
  u.check(stuck);
  assert.equal(fine.closed, false);
  assert.equal(stuck.closed, true);
});

test("blocked watchers share one window; those still blocked when it ends are closed, those that caught up are not", async () => {
  let now = 0;
  const budget = new TimeBudget(() => now);
  now = 600; // 30 ms of budget
  const u = new UnresponsiveWatchers(budget);
  const recovers = watcher(true);
  const stays = watcher(true);
  u.check(recovers);
  u.check(stays); // joins the open window rather than taking the (now empty) budget
  assert.equal(stays.closed, false);
  recovers.isBlocked = false;
  u.unblocked(recovers);
  await sleep(80);
  assert.equal(recovers.closed, false);
  assert.equal(stays.closed, true);
});

test("when every blocked watcher catches up, the window ends early and its unused time returns to the budget", async () => {
  let now = 0;
  const budget = new TimeBudget(() => now);
  now = 2000; // 100 ms
  const u = new UnresponsiveWatchers(budget);
  const w = watcher(true);
  u.check(w);
  w.isBlocked = false;
  u.unblocked(w);
  const back = budget.takeAvailable();
  assert.ok(back > 90 && back <= 100, `returned ${back} ms`);
  await sleep(120);
  assert.equal(w.closed, false);
});
