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
    // Many long (but still shared: ≤ 128 characters) copies, so that the saving (~8 MB) dwarfs the heap
    // noise of a busy machine (~1 MB seen in CI).
    const owner = "a-replicaset-name-that-many-pods-share-7d9f8c6b5".repeat(2).padEnd(120, "x");
    const make = () =>
      Array.from({ length: 60_000 }, (_, i) => ({ metadata: { name: `p${i}`, owner: copyOf(owner) } }));
    const heldBytes = (share: boolean) => {
      gc();
      const before = process.memoryUsage().heapUsed;
      const items = make();
      if (share) shareRepeatedStrings(items);
      gc();
      const held = process.memoryUsage().heapUsed - before;
      assert.equal(items[59_999].metadata.owner, owner);
      return held;
    };
    const copies = heldBytes(false);
    const shared = heldBytes(true);
    // 60,000 copies of a 120-character string are ~8.2 MB.
    assert.ok(copies - shared > 5_000_000, `copies ${copies} B, shared ${shared} B`);
  });
});
