import assert from "node:assert/strict";
import { test } from "node:test";
import { parseWithoutManagedFields, stripManagedFields } from "../../../src/client/managed-fields.ts";

const MANAGED = [
  {
    manager: "kubectl",
    operation: "Update",
    fieldsType: "FieldsV1",
    fieldsV1: { "f:metadata": { "f:labels": { ".": {}, 'f:app"x]}': {} } }, 'k:{"uid":"1"}': {} },
  },
];

test("managedFields go wherever they stand in the object; everything else stays", () => {
  const cases = [
    { metadata: { name: "a", managedFields: MANAGED, labels: { app: "web" } } },
    { metadata: { managedFields: MANAGED, name: "b" } },
    { metadata: { name: "c", managedFields: MANAGED } },
    { metadata: { managedFields: MANAGED } },
    { metadata: { name: "d", managedFields: null } },
    { metadata: { name: "e", managedFields: [] } },
  ];
  for (const object of cases) {
    const expected = structuredClone(object) as { metadata: Record<string, unknown> };
    delete expected.metadata.managedFields;
    for (const text of [JSON.stringify(object), JSON.stringify(object, null, 2)])
      assert.deepEqual(parseWithoutManagedFields(text), expected, text);
  }
});

test("a list page: each item loses managedFields, nothing else", () => {
  const items = Array.from({ length: 3 }, (_, i) => ({
    metadata: { name: `p${i}`, managedFields: MANAGED, annotations: { note: '"managedFields": [1]' } },
  }));
  const parsed = parseWithoutManagedFields(JSON.stringify({ kind: "List", items })) as { items: unknown[] };
  assert.deepEqual(
    parsed.items,
    items.map(({ metadata: { managedFields: _, ...rest } }) => ({ metadata: rest })),
  );
});

test("text that only looks like the key is left alone", () => {
  const tricky = {
    metadata: {
      name: "x",
      annotations: { 'a"managedFields': "v", b: '{"managedFields":[1]}' },
      labels: { managedFields: "kept" },
    },
  };
  // Inside strings the quotes are escaped, so no unescaped `"managedFields":` member key appears there.
  const text = JSON.stringify(tricky);
  const parsed = parseWithoutManagedFields(text) as typeof tricky;
  assert.deepEqual(parsed.metadata.annotations, tricky.metadata.annotations);
  assert.equal(stripManagedFields('{"a":"x\\"managedFields\\":1"}'), '{"a":"x\\"managedFields\\":1"}');
});

test("malformed JSON is still a SyntaxError, never a wrong object", () => {
  assert.throws(() => parseWithoutManagedFields('{"metadata":{"managedFields":[{"a":1}'), SyntaxError);
  assert.throws(() => parseWithoutManagedFields('{"metadata":{"managedFields":]}}'), SyntaxError);
});
