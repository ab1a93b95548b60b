// JsonCutter: a member cut from JSON as its bytes stream by, the rest parsed; invalid input rejected exactly
// when JSON.parse rejects it.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { JsonCutter, parseWithout } from "../../../src/client/json-cutter.ts";
import { EVENT_MANAGED_FIELDS, LIST_MANAGED_FIELDS } from "../../../src/client/managed-fields.ts";
import { WatchDecodeError, WatchDecoder } from "../../../src/client/watch-decoder.ts";

const MANAGED = [
  {
    manager: "kubectl",
    operation: "Update",
    fieldsType: "FieldsV1",
    fieldsV1: { "f:metadata": { "f:labels": { ".": {}, 'f:app"x]}': {} } }, 'k:{"uid":"1"}': {} },
  },
];

/** Feeds `text` in chunks of the given sizes (cycled) and parses what was kept. */
function cutIn(path: readonly string[], text: string, sizes: number[]): unknown {
  const bytes = Buffer.from(text);
  const cutter = new JsonCutter(path);
  for (let at = 0, n = 0; at < bytes.length; n++) {
    const size = sizes[n % sizes.length];
    cutter.write(bytes.subarray(at, at + size));
    at += size;
  }
  return cutter.parse();
}

const CHUNKINGS = [[1], [2], [3, 7], [64], [1 << 20]];

/** JSON.parse, then the list items' metadata.managedFields deleted: what cutting must give. */
function expectedList(text: string): unknown {
  const value = JSON.parse(text);
  if (value && typeof value === "object" && Array.isArray(value.items)) {
    for (const item of value.items) {
      const metadata = item?.metadata;
      if (metadata && typeof metadata === "object" && !Array.isArray(metadata)) delete metadata.managedFields;
    }
  }
  return value;
}

describe("JsonCutter", () => {
  test("a list page: each item loses metadata.managedFields wherever it stands, nothing else changes", () => {
    const items = [
      { metadata: { name: "a", managedFields: MANAGED, labels: { app: "web" } } },
      { metadata: { managedFields: MANAGED, name: "b" } },
      { metadata: { name: "c", managedFields: MANAGED } },
      { metadata: { managedFields: MANAGED } },
      { metadata: { name: "d", managedFields: null } },
      { metadata: { name: "e", managedFields: [] } },
      { metadata: { name: "f", managedFields: "x", uid: "1" } },
      { metadata: { name: "g", managedFields: -1.5e3 } },
      { metadata: { name: "no managedFields" } },
      { kind: "no metadata" },
      { metadata: "not an object" },
      "a string item",
      [[1, [2, [3]]], {}],
    ];
    const list = { kind: "List", metadata: { continue: "c" }, items };
    const expected = expectedList(JSON.stringify(list));
    for (const text of [JSON.stringify(list), JSON.stringify(list, null, 2)]) {
      for (const sizes of CHUNKINGS) {
        assert.deepEqual(cutIn(LIST_MANAGED_FIELDS, text, sizes), expected, `chunks ${sizes}`);
      }
    }
  });

  test("only the member at the path goes: the same key elsewhere (labels, spec, the envelope) stays", () => {
    const list = {
      metadata: { managedFields: "the list's own" },
      managedFields: "top",
      items: [
        {
          metadata: {
            name: "x",
            labels: { managedFields: "kept" },
            annotations: { 'a"managedFields': "v", b: '{"managedFields":[1]}', managedFields: "kept too" },
            managedFields: MANAGED,
          },
          spec: { managedFields: [1], metadata: { managedFields: [2] } },
        },
      ],
      other: { items: [{ metadata: { managedFields: [3] } }] },
    };
    const parsed = cutIn(LIST_MANAGED_FIELDS, JSON.stringify(list), [5]) as typeof list;
    assert.deepEqual(parsed, expectedList(JSON.stringify(list)));
    assert.equal(parsed.items[0].metadata.labels.managedFields, "kept");
    assert.deepEqual(parsed.items[0].spec, list.items[0].spec);
    assert.deepEqual(parsed.other, list.other);
  });

  test("strings with escapes, brackets, quotes and unicode, cut or kept, survive any chunking", () => {
    const tricky = 'brackets ] } [ { , : and "quotes" \\ backslash \\" \n\t\u0001 ünïcödé ☃ 𝄞 \ud800';
    const list = {
      items: [
        {
          metadata: {
            name: tricky,
            managedFields: [{ [tricky]: tricky, fieldsV1: { [`k:{"name":"${tricky}"}`]: {} } }],
          },
        },
        { metadata: { "managedFields\\": 1, managedFieldsX: 2, managedField: 3, [tricky]: [tricky] } },
      ],
    };
    const text = JSON.stringify(list);
    for (const sizes of CHUNKINGS) {
      assert.deepEqual(cutIn(LIST_MANAGED_FIELDS, text, sizes), expectedList(text), `chunks ${sizes}`);
    }
  });

  test("a key spelt with escapes is not recognised: it stays (the informer's transform drops it)", () => {
    const text = '{"items":[{"metadata":{"name":"a","managed\\u0046ields":[1]}}]}';
    assert.deepEqual(parseWithout(LIST_MANAGED_FIELDS, text), JSON.parse(text));
  });

  test("a watch event's object loses managedFields", () => {
    const event = {
      type: "MODIFIED",
      object: { kind: "Pod", metadata: { name: "p", managedFields: MANAGED } },
    };
    assert.deepEqual(parseWithout(EVENT_MANAGED_FIELDS, JSON.stringify(event)), {
      type: "MODIFIED",
      object: { kind: "Pod", metadata: { name: "p" } },
    });
  });

  test("malformed input is a SyntaxError naming the byte, in the kept part or in the cut part", () => {
    const cases: [string, RegExp][] = [
      ['{"items":[{"metadata":{"managedFields":[{"a":1}', /ends early/],
      ['{"items":[{"metadata":{"managedFields":]}}]}', /unexpected '\]' at byte 39/],
      ['{"items":[{"metadata":{"managedFields":[tru]}}]}', /unexpected '\]'/],
      ['{"items":[{"metadata":{"managedFields":["a\\x"]}}]}', /unexpected 'x'/],
      ['{"items":[{"metadata":{"managedFields":[01]}}]}', /unexpected '1'/],
      ['{"items":[{"metadata":{"managedFields":[1,]}}]}', /unexpected '\]'/],
      ['{"items":[{"metadata":{"managedFields":{"a" 1}}}]}', /unexpected '1'/],
      ['{"items":[{"metadata":{"managedFields":[]}}]]', /unexpected '\]'/],
      ['{"items":[]} x', /unexpected 'x' at byte 13/],
      ['{"items":["a\u0001"]}', /byte 0x1/],
      ["", /ends early/],
      ["   ", /ends early/],
      ['{"a":-}', /unexpected '}'/],
      ['{"a":1.}', /unexpected '}'/],
      ['{"a":1e}', /unexpected '}'/],
      ['{"a":"\\u12g4"}', /unexpected 'g'/],
      ["\ufeff{}", /byte 0xef at byte 0/],
    ];
    for (const [text, message] of cases) {
      assert.throws(() => JSON.parse(text), SyntaxError, `JSON.parse accepts ${text}`);
      for (const sizes of [[1], [1 << 20]])
        assert.throws(() => cutIn(LIST_MANAGED_FIELDS, text, sizes), message, text);
    }
  });

  test("fuzz: random documents and mutations of them are cut exactly as JSON.parse + delete, or rejected as JSON.parse rejects them", () => {
    let seed = 20261205;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pick = <T>(values: T[]): T => values[random(values.length)];
    const pieces = [
      "a",
      '"',
      "\\",
      "/",
      "\n",
      "\u0001",
      "ü",
      "☃",
      "𝄞",
      "managedFields",
      "{",
      "}",
      "]",
      ",",
      ":",
      "\ud800",
    ];
    const string = () => Array.from({ length: random(6) }, () => pick(pieces)).join("");
    const value = (depth: number): unknown => {
      switch (random(depth > 3 ? 5 : 8)) {
        case 0:
          return null;
        case 1:
          return random(2) === 0;
        case 2:
          return pick([0, -1, 1.5, -0.25e-7, 1e21, 123456789]);
        case 3:
        case 4:
          return string();
        case 5:
          return Array.from({ length: random(4) }, () => value(depth + 1));
        default:
          return Object.fromEntries(
            Array.from({ length: random(4) }, () => [
              pick(["metadata", "managedFields", "items", string()]),
              value(depth + 1),
            ]),
          );
      }
    };
    const document = () => ({
      kind: "List",
      items: Array.from({ length: random(4) }, () => {
        if (random(5) === 0) return value(1);
        const metadata: Record<string, unknown> = {};
        for (const key of ["name", "managedFields", "labels", "managedFields"])
          if (random(2)) metadata[key] = value(2);
        return { metadata, ...(random(3) === 0 ? { spec: value(1) } : {}) };
      }),
    });
    let valid = 0;
    let invalid = 0;
    for (let n = 0; n < 3000; n++) {
      let text = JSON.stringify(document(), null, random(3) === 0 ? 2 : undefined);
      if (random(2) === 0) {
        const at = random(text.length + 1);
        const insert = pick([
          '"',
          "\\",
          ",",
          "}",
          "]",
          "{",
          "[",
          ":",
          "x",
          "1",
          "-",
          ".",
          "e",
          " ",
          "\u0001",
          "tru",
        ]);
        const edit = random(3);
        text =
          edit === 0
            ? text.slice(0, at) + text.slice(at + 1)
            : edit === 1
              ? text.slice(0, at) + insert + text.slice(at)
              : text.slice(0, at);
      }
      let expected: unknown;
      try {
        expected = expectedList(text);
      } catch {
        assert.throws(() => cutIn(LIST_MANAGED_FIELDS, text, [pick([1, 3, 64, 1 << 20])]), SyntaxError, text);
        invalid++;
        continue;
      }
      assert.deepEqual(cutIn(LIST_MANAGED_FIELDS, text, [pick([1, 3, 64, 1 << 20])]), expected, text);
      valid++;
    }
    assert.ok(valid > 500 && invalid > 500, `${valid} valid, ${invalid} invalid`);
  });
});

describe("WatchDecoder with a cut", () => {
  test("events lose the member; lines split anywhere, blank lines skipped", () => {
    const events = [
      {
        type: "ADDED",
        object: { metadata: { name: "é", managedFields: MANAGED, labels: { managedFields: "x" } } },
      },
      { type: "BOOKMARK", object: { metadata: { resourceVersion: "7" } } },
    ];
    const body = Buffer.from(`${events.map((e) => JSON.stringify(e)).join("\n")}\n\n  \r\n`);
    for (const size of [1, 5, 1 << 20]) {
      const decoder = new WatchDecoder(undefined, EVENT_MANAGED_FIELDS);
      const got = [];
      for (let at = 0; at < body.length; at += size) got.push(...decoder.push(body.subarray(at, at + size)));
      got.push(...decoder.end());
      assert.deepEqual(got, [
        { type: "ADDED", object: { metadata: { name: "é", labels: { managedFields: "x" } } } },
        events[1],
      ]);
    }
  });

  test("a malformed event is a WatchDecodeError that says why", () => {
    const decoder = new WatchDecoder(undefined, EVENT_MANAGED_FIELDS);
    assert.throws(
      () => decoder.push('{"type":"ADDED","object":{"metadata":{"managedFields":[}}}\n'),
      (error: Error) => error instanceof WatchDecodeError && /unexpected '\}' at byte 55/.test(error.message),
    );
    assert.throws(
      () => new WatchDecoder(undefined, EVENT_MANAGED_FIELDS).push('{"object":{}}\n'),
      WatchDecodeError,
    );
  });
});
