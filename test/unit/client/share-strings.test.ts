import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { shareRepeatedStrings } from "../../../src/client/share-strings.ts";

/** A fresh heap copy of `text` (JSON.parse gives each value its own, as these are built). */
const copyOf = (text: string) => JSON.parse(JSON.stringify(text)) as string;

describe("shareRepeatedStrings", () => {
  test("leaves every value as it was, in objects, arrays and nested arrays", () => {
    const long = "x".repeat(300);
    const items = [
      { metadata: { name: "a", namespace: "team-1", labels: { app: "web" } }, list: ["p", ["q", 1, null]] },
      { metadata: { name: "b", namespace: copyOf("team-1"), labels: { app: copyOf("web") } }, long },
      "a bare string",
      7,
      null,
    ];
    const before = structuredClone(items);
    shareRepeatedStrings(items);
    assert.deepEqual(items, before);
  });

  test("objects held after sharing cost less heap than with a copy of each repeated string", () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const owner = "a-replicaset-name-that-many-pods-share-7d9f8c6b5";
    const make = () =>
      Array.from({ length: 20_000 }, (_, i) => ({ metadata: { name: `p${i}`, owner: copyOf(owner) } }));
    const heldBytes = (share: boolean) => {
      gc();
      const before = process.memoryUsage().heapUsed;
      const items = make();
      if (share) shareRepeatedStrings(items);
      gc();
      const held = process.memoryUsage().heapUsed - before;
      assert.equal(items[19_999].metadata.owner, owner);
      return held;
    };
    const copies = heldBytes(false);
    const shared = heldBytes(true);
    // 20,000 copies of a 48-character string are ~1.3 MB.
    assert.ok(copies - shared > 1_000_000, `copies ${copies} B, shared ${shared} B`);
  });
});
