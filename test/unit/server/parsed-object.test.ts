import assert from "node:assert/strict";
import { test } from "node:test";
import { parsedObject } from "../../../src/server/controllers/context.ts";

const entry = (name: string) => ({ json: JSON.stringify({ metadata: { name } }) });

test("parsedObject parses an event's entry once for all the triggers reading it", () => {
  const e = entry("a");
  const first = parsedObject(e);
  assert.equal(first.metadata?.name, "a");
  assert.equal(parsedObject(e), first, "the second trigger gets the same parse");
  const prev = entry("a-before");
  parsedObject(prev);
  assert.equal(parsedObject(e), first, "an event's entry and its previous one are both kept");
});

test("parsedObject keeps only recent entries, not every object the store holds", () => {
  const old = entry("old");
  const parsed = parsedObject(old);
  for (let i = 0; i < 16; i++) parsedObject(entry(`later-${i}`));
  const again = parsedObject(old);
  assert.deepEqual(again, parsed);
  assert.notEqual(again, parsed, "an entry 16 events back was parsed anew, so its parse was not held");
});
