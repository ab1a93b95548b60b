import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Entry, StoreEvent } from "../../../src/server/storage/entry.ts";
import { History } from "../../../src/server/storage/history.ts";
import {
  insertSorted,
  lowerBound,
  namespaceBounds,
  removeSorted,
  upperBound,
} from "../../../src/server/storage/keys.ts";

const ev = (rv: number): StoreEvent => ({ type: "ADDED", rv, entry: { rv } as Entry });

describe("History", () => {
  it("keeps the newest events and raises the floor to the last evicted rv", () => {
    const h = new History(3, 10);
    assert.equal(h.floorRV, 10);
    for (let rv = 11; rv <= 15; rv++) h.push(ev(rv));
    assert.equal(h.floorRV, 12);
    assert.deepEqual(
      h.since(12).map((e) => e.rv),
      [13, 14, 15],
    );
    assert.deepEqual(
      h.since(14).map((e) => e.rv),
      [15],
    );
    assert.deepEqual(h.since(15), []);
  });

  it("with capacity 0 keeps nothing and follows the newest rv", () => {
    const h = new History(0, 0);
    h.push(ev(1));
    assert.equal(h.floorRV, 1);
    assert.deepEqual(h.since(0), []);
  });
});

describe("sorted keys", () => {
  it("insert, remove and bound lookups keep string order", () => {
    const keys: string[] = [];
    for (const k of ["b/x", "a/y", "a-b/z", "a/a", "c/q"]) insertSorted(keys, k);
    assert.deepEqual(keys, ["a-b/z", "a/a", "a/y", "b/x", "c/q"]);
    removeSorted(keys, "a/y");
    removeSorted(keys, "missing");
    assert.deepEqual(keys, ["a-b/z", "a/a", "b/x", "c/q"]);
    const { from, to } = namespaceBounds("a");
    assert.deepEqual(keys.slice(lowerBound(keys, from), lowerBound(keys, to)), ["a/a"]);
    assert.equal(upperBound(keys, "a/a"), 2);
    assert.equal(lowerBound(keys, "a/a"), 1);
  });
});
