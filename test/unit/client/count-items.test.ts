import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ListItemCounter } from "../../../src/client/count-items.ts";

/** Feeds `text` in chunks of the given sizes (cycled) and returns the count and the parsed envelope. */
function countIn(text: string, sizes: number[]): { count: number; envelope: unknown } {
  const bytes = Buffer.from(text);
  const counter = new ListItemCounter();
  for (let at = 0, n = 0; at < bytes.length; n++) {
    const size = sizes[n % sizes.length];
    counter.write(bytes.subarray(at, at + size));
    at += size;
  }
  return { count: counter.count, envelope: JSON.parse(counter.end()) };
}

const tricky = [
  { metadata: { name: "a", annotations: { note: 'brackets ] } [ { , and "quotes" \\ backslash \\"' } } },
  { metadata: { name: "b", labels: { items: "items" } }, spec: { items: [[1, [2]], {}, []] } },
  { metadata: { name: "ünïcödé ☃ 𝄞", uid: "x" } },
  "a string item with , and ]",
  42,
  null,
  [],
  {},
];

describe("ListItemCounter", () => {
  test("counts the items of a list whatever the chunking, and keeps the rest of the answer", () => {
    const list = {
      kind: "PartialObjectMetadataList",
      apiVersion: "meta.k8s.io/v1",
      metadata: { resourceVersion: "12", continue: "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ", remainingItemCount: 3 },
      items: tricky,
      after: { items: [1, 2] },
    };
    for (const text of [JSON.stringify(list), JSON.stringify(list, null, 2)]) {
      for (const sizes of [[1], [2], [3, 7], [64], [1 << 20]]) {
        const { count, envelope } = countIn(text, sizes);
        assert.equal(count, tricky.length, `chunks ${sizes}`);
        assert.deepEqual(envelope, { ...list, items: [] }, `chunks ${sizes}`);
      }
    }
  });

  test("an empty list, items: null, and items before metadata", () => {
    assert.equal(countIn('{"metadata":{},"items":[]}', [1]).count, 0);
    assert.deepEqual(countIn('{"metadata":{},"items":null}', [1]), {
      count: 0,
      envelope: { metadata: {}, items: null },
    });
    const first = countIn('{"items" : [ {"a":1} , {"b":[2]} ],"metadata":{"continue":"c"}}', [5]);
    assert.deepEqual(first, { count: 2, envelope: { items: [], metadata: { continue: "c" } } });
  });

  test("a key that only starts like items, or items as a value, is not the item array", () => {
    const text = '{"itemsX":[1,2],"kind":"items","nested":{"items":[1]},"items":[3]}';
    const { count, envelope } = countIn(text, [4]);
    assert.equal(count, 1);
    assert.deepEqual(envelope, { itemsX: [1, 2], kind: "items", nested: { items: [1] }, items: [] });
  });

  test("a body that is not a list comes back whole, for the caller's error", () => {
    const html = "<html><body>Sign in [here]</body></html>";
    const counter = new ListItemCounter();
    counter.write(Buffer.from(html));
    assert.equal(counter.end(), html);
    assert.equal(counter.count, 0);
  });
});
