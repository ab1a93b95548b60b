// Structural-schema behaviour of custom resources. The validation cases are ported from
// k8s.io/apiextensions-apiserver pkg/apiserver/validation/validation_test.go (TestValidateCustomResource),
// the pruning and defaulting cases follow pkg/apiserver/schema/{pruning,defaulting}/algorithm_test.go.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../../src/meta/types.ts";
import { applyDefaults, prune, pruneNulls, type Schema } from "../../../src/server/crd/schema.ts";
import { validateCustomResource } from "../../../src/server/crd/validate.ts";

const errorsOf = (schema: Schema, obj: Record<string, unknown>, old?: Record<string, unknown>) =>
  validateCustomResource(obj as KubeObject, old as never, schema)
    .map((c) => `${c.field}: ${c.message}`)
    .sort();

const object = (properties: Record<string, Schema>, extra: Partial<Schema> = {}): Schema => ({
  type: "object",
  properties,
  ...extra,
});

interface Case {
  name: string;
  schema: Schema;
  valid: Record<string, unknown>[];
  failing: { object: Record<string, unknown>; old?: Record<string, unknown>; errs: string[] }[];
}

const CASES: Case[] = [
  {
    name: "!nullable",
    schema: object({ field: { type: "object", nullable: false } }),
    valid: [{}, { field: {} }],
    failing: [
      {
        object: { field: "foo" },
        errs: ['field: Invalid value: "string": field in body must be of type object: "string"'],
      },
      {
        object: { field: 42 },
        errs: ['field: Invalid value: "integer": field in body must be of type object: "integer"'],
      },
      {
        object: { field: true },
        errs: ['field: Invalid value: "boolean": field in body must be of type object: "boolean"'],
      },
      {
        object: { field: 1.2 },
        errs: ['field: Invalid value: "number": field in body must be of type object: "number"'],
      },
      {
        object: { field: [] },
        errs: ['field: Invalid value: "array": field in body must be of type object: "array"'],
      },
      {
        object: { field: null },
        errs: ['field: Invalid value: "null": field in body must be of type object: "null"'],
      },
    ],
  },
  {
    name: "nullable",
    schema: object({ field: { type: "object", nullable: true } }),
    valid: [{}, { field: {} }, { field: null }],
    failing: [
      {
        object: { field: "foo" },
        errs: ['field: Invalid value: "string": field in body must be of type object: "string"'],
      },
    ],
  },
  {
    name: "x-kubernetes-int-or-string",
    schema: object({ field: { "x-kubernetes-int-or-string": true } }),
    valid: [{}, { field: 42 }, { field: "foo" }],
    failing: [
      {
        object: { field: null },
        errs: ['field: Invalid value: "null": field in body must be of type integer,string: "null"'],
      },
      {
        object: { field: true },
        errs: ['field: Invalid value: "boolean": field in body must be of type integer,string: "boolean"'],
      },
      {
        object: { field: 1.2 },
        errs: ['field: Invalid value: "number": field in body must be of type integer,string: "number"'],
      },
      {
        object: { field: {} },
        errs: ['field: Invalid value: "object": field in body must be of type integer,string: "object"'],
      },
      {
        object: { field: [] },
        errs: ['field: Invalid value: "array": field in body must be of type integer,string: "array"'],
      },
    ],
  },
  {
    name: "nullable, x-kubernetes-int-or-string and user-provided anyOf",
    schema: object({
      field: {
        nullable: true,
        "x-kubernetes-int-or-string": true,
        anyOf: [{ type: "integer" }, { type: "string" }],
      },
    }),
    valid: [{}, { field: null }, { field: 42 }, { field: "foo" }],
    failing: [
      {
        object: { field: true },
        errs: [
          '<nil>: Invalid value: "": "field" must validate at least one schema (anyOf)',
          'field: Invalid value: "boolean": field in body must be of type integer,string: "boolean"',
          'field: Invalid value: "boolean": field in body must be of type integer: "boolean"',
        ],
      },
    ],
  },
  {
    name: "nullable, x-kubernetes-int-or-string and user-provider allOf",
    schema: object({
      field: {
        nullable: true,
        "x-kubernetes-int-or-string": true,
        allOf: [{ anyOf: [{ type: "integer" }, { type: "string" }] }],
      },
    }),
    valid: [{}, { field: null }, { field: 42 }, { field: "foo" }],
    failing: (
      [
        [true, "boolean"],
        [1.2, "number"],
        [{}, "object"],
        [[], "array"],
      ] as const
    ).map(([value, type]) => ({
      object: { field: value },
      errs: [
        '<nil>: Invalid value: "": "field" must validate all the schemas (allOf). None validated',
        '<nil>: Invalid value: "": "field" must validate at least one schema (anyOf)',
        `field: Invalid value: "${type}": field in body must be of type integer,string: "${type}"`,
        `field: Invalid value: "${type}": field in body must be of type integer: "${type}"`,
      ],
    })),
  },
  {
    name: "invalid regex",
    schema: object({ field: { type: "string", pattern: "+" } }),
    valid: [],
    failing: [
      {
        object: { field: "foo" },
        errs: [
          "field: Invalid value: \"foo\": field in body should match '+, but pattern is invalid: error parsing regexp: missing argument to repetition operator: `+`'",
        ],
      },
    ],
  },
  {
    name: "required field",
    schema: object(
      { field: object({ nested: { type: "string" } }, { required: ["nested"] }) },
      { required: ["field"] },
    ),
    valid: [{ field: { nested: "x" } }],
    failing: [
      { object: { test: "a" }, errs: ["field: Required value"] },
      { object: { field: {} }, errs: ["field.nested: Required value"] },
    ],
  },
  {
    name: "enum",
    schema: object({
      field: object(
        { nestedint: { type: "integer", enum: [1, 2] }, nestedstring: { type: "string", enum: ["a", "b"] } },
        { required: ["nestedint", "nestedstring"] },
      ),
    }),
    valid: [{ field: { nestedint: 1, nestedstring: "a" } }],
    failing: [
      {
        object: { field: {} },
        errs: ["field.nestedint: Required value", "field.nestedstring: Required value"],
      },
      {
        object: { field: { nestedint: "x", nestedstring: true } },
        errs: [
          'field.nestedint: Invalid value: "string": field.nestedint in body must be of type integer: "string"',
          'field.nestedint: Unsupported value: "x": supported values: "1", "2"',
          'field.nestedstring: Invalid value: "boolean": field.nestedstring in body must be of type string: "boolean"',
          'field.nestedstring: Unsupported value: true: supported values: "a", "b"',
        ],
      },
    ],
  },
  {
    name: "immutability transition rule",
    schema: object({ field: { type: "string", "x-kubernetes-validations": [{ rule: "self == oldSelf" }] } }),
    valid: [{ field: "x" }],
    failing: [
      {
        object: { field: "y" },
        old: { field: "x" },
        errs: ['field: Invalid value: "string": failed rule: self == oldSelf'],
      },
    ],
  },
  {
    name: "correlatable transition rule",
    schema: object({
      field: {
        type: "array",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["k1", "k2"],
        items: object({
          k1: { type: "string" },
          k2: { type: "string" },
          v1: { type: "number", "x-kubernetes-validations": [{ rule: "self >= oldSelf" }] },
        }),
      },
    }),
    valid: [{ field: [{ k1: "a", k2: "b", v1: 1.2 }] }],
    failing: [
      {
        object: { field: [{ k1: "a", k2: "b", v1: 0.9 }] },
        old: { field: [{ k1: "a", k2: "b", v1: 1.0 }] },
        errs: ['field[0].v1: Invalid value: "number": failed rule: self >= oldSelf'],
      },
    ],
  },
  {
    name: "validation rule under non-correlatable field",
    schema: object({
      field: {
        type: "array",
        items: object({ x: { type: "string", "x-kubernetes-validations": [{ rule: "self == 'x'" }] } }),
      },
    }),
    valid: [{ field: [{ x: "x" }] }],
    failing: [
      {
        object: { field: [{ x: "y" }] },
        errs: ["field[0].x: Invalid value: \"string\": failed rule: self == 'x'"],
      },
    ],
  },
  {
    name: "maxProperties",
    schema: object({ fieldX: { type: "object", maxProperties: 2 } }),
    valid: [{ fieldX: { a: true } }],
    failing: [
      {
        object: { fieldX: { a: true, b: true, c: true } },
        errs: ["fieldX: Too many: 3: must have at most 2 items"],
      },
    ],
  },
  {
    name: "maxItems",
    schema: object({ fieldX: { type: "array", maxItems: 2 } }),
    valid: [{ fieldX: ["a"] }],
    failing: [
      { object: { fieldX: ["a", "b", "c"] }, errs: ["fieldX: Too many: 3: must have at most 2 items"] },
    ],
  },
  {
    name: "maxLength",
    schema: object({ fieldX: { type: "string", maxLength: 2 } }),
    valid: [{ fieldX: "ab" }],
    failing: [{ object: { fieldX: "abc" }, errs: ["fieldX: Too long: may not be more than 2 bytes"] }],
  },
  // Beyond upstream's table: kube-openapi's message formats for the remaining keywords.
  {
    name: "numbers, strings, arrays",
    schema: object({
      n: { type: "integer", minimum: 1, maximum: 10 },
      x: { type: "number", exclusiveMinimum: true, minimum: 0, multipleOf: 0.5 },
      s: { type: "string", minLength: 3, format: "date-time" },
      a: { type: "array", minItems: 2, items: { type: "integer" } },
    }),
    valid: [{ n: 1, x: 1.5, s: "2024-01-02T03:04:05Z", a: [1, 2] }],
    failing: [
      { object: { n: 11 }, errs: ["n: Invalid value: 11: n in body should be less than or equal to 10"] },
      { object: { n: 0 }, errs: ["n: Invalid value: 0: n in body should be greater than or equal to 1"] },
      { object: { x: 0 }, errs: ["x: Invalid value: 0: x in body should be greater than 0"] },
      { object: { x: 0.7 }, errs: ["x: Invalid value: 0.7: x in body should be a multiple of 0.5"] },
      {
        object: { s: "ab" },
        errs: [
          's: Invalid value: "ab": s in body should be at least 3 chars long',
          's: Invalid value: "ab": s in body must be of type date-time: "ab"',
        ],
      },
      { object: { a: [1] }, errs: ["a: Invalid value: 1: a in body should have at least 2 items"] },
      {
        object: { a: [1, "x"] },
        errs: ['a[1]: Invalid value: "string": a[1] in body must be of type integer: "string"'],
      },
    ],
  },
  {
    name: "list types",
    schema: object({
      set: { type: "array", "x-kubernetes-list-type": "set", items: { type: "string" } },
      map: {
        type: "array",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
        items: object({ name: { type: "string" }, port: { type: "integer" } }, { required: ["name"] }),
      },
    }),
    valid: [{ set: ["a", "b"], map: [{ name: "a" }, { name: "b" }] }],
    failing: [
      { object: { set: ["a", "b", "a", "a"] }, errs: ['set[2]: Duplicate value: "a"'] },
      {
        object: {
          map: [
            { name: "a", port: 1 },
            { name: "a", port: 2 },
          ],
        },
        errs: ['map[1]: Duplicate value: map[string]interface {}{"name":"a"}'],
      },
    ],
  },
  {
    name: "CEL message, messageExpression, reason and fieldPath",
    schema: object({
      spec: object(
        { min: { type: "integer" }, max: { type: "integer" } },
        {
          "x-kubernetes-validations": [
            {
              rule: "self.min <= self.max",
              messageExpression: "'min ' + string(self.min) + ' exceeds max'",
              fieldPath: ".min",
            },
            { rule: "self.max < 100", message: "max too big", reason: "FieldValueForbidden" },
          ],
        },
      ),
    }),
    valid: [{ spec: { min: 1, max: 2 } }],
    failing: [
      {
        object: { spec: { min: 3, max: 2 } },
        errs: ['spec.min: Invalid value: "object": min 3 exceeds max'],
      },
      { object: { spec: { min: 1, max: 200 } }, errs: ["spec: Forbidden: max too big"] },
    ],
  },
];

describe("custom resource validation (ported from upstream's TestValidateCustomResource)", () => {
  for (const c of CASES) {
    it(c.name, () => {
      for (const obj of c.valid) assert.deepEqual(errorsOf(c.schema, obj, obj), [], JSON.stringify(obj));
      for (const f of c.failing)
        assert.deepEqual(errorsOf(c.schema, f.object, f.old), [...f.errs].sort(), JSON.stringify(f.object));
    });
  }
});

describe("pruning", () => {
  it("drops fields the schema does not specify and reports their paths, keeping the root's TypeMeta and metadata", () => {
    const schema = object({
      spec: object({
        keep: { type: "string" },
        list: { type: "array", items: object({ a: { type: "string" } }) },
        free: {
          type: "object",
          "x-kubernetes-preserve-unknown-fields": true,
          properties: { inner: object({ x: { type: "string" } }) },
        },
        labels: { type: "object", additionalProperties: { type: "string" } },
        embedded: {
          type: "object",
          "x-kubernetes-embedded-resource": true,
          properties: { spec: { type: "object" } },
        },
      }),
    });
    const obj = {
      apiVersion: "x/v1",
      kind: "X",
      metadata: { name: "n" },
      top: 1,
      spec: {
        keep: "k",
        drop: 1,
        list: [{ a: "a", b: "b" }],
        free: { anything: { goes: true }, inner: { x: "x", y: "y" } },
        labels: { a: "b" },
        embedded: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: {}, extra: 1 },
      },
    };
    const unknown = prune(obj, schema);
    assert.deepEqual(unknown, [
      "spec.drop",
      "spec.embedded.extra",
      "spec.free.inner.y",
      "spec.list[0].b",
      "top",
    ]);
    assert.deepEqual(obj, {
      apiVersion: "x/v1",
      kind: "X",
      metadata: { name: "n" },
      spec: {
        keep: "k",
        list: [{ a: "a" }],
        free: { anything: { goes: true }, inner: { x: "x" } },
        labels: { a: "b" },
        embedded: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: {} },
      },
    });
  });
});

describe("defaulting", () => {
  it("fills absent fields, nested and in list items, and non-nullable nulls with a default", () => {
    const schema = object({
      spec: object({
        a: { type: "string", default: "A" },
        b: { type: "integer", default: 1 },
        c: { type: "string", nullable: true, default: "C" },
        d: { type: "string" },
        items: { type: "array", items: object({ x: { type: "string", default: "X" } }) },
        obj: object({ inner: { type: "boolean", default: true } }, { default: {} }),
      }),
    });
    const obj: Record<string, unknown> = { spec: { b: null, c: null, d: null, items: [{}, { x: "y" }] } };
    pruneNulls(obj, schema);
    applyDefaults(obj, schema);
    assert.deepEqual(obj, {
      spec: { a: "A", b: 1, c: null, items: [{ x: "X" }, { x: "y" }], obj: { inner: true } },
    });
  });
});

describe("custom resource generation (customresource strategy)", () => {
  it("starts at 1 and grows with any change outside metadata and a status subresource", async () => {
    const { prepareCustomResource } = await import("../../../src/server/crd/validate.ts");
    const created: any = { apiVersion: "x/v1", kind: "X", metadata: { name: "a" }, data: { a: 1 } };
    prepareCustomResource(created, undefined, true);
    assert.equal(created.metadata.generation, 1);
    const old: any = { ...created, metadata: { ...created.metadata, resourceVersion: "5" } };
    const sameData: any = { ...old, metadata: { ...old.metadata, labels: { a: "b" } }, status: { x: 1 } };
    prepareCustomResource(sameData, old, true);
    assert.equal(sameData.metadata.generation, 1, "metadata and status (a subresource) do not count");
    const statusInMain: any = { ...old, metadata: { ...old.metadata }, status: { x: 1 } };
    prepareCustomResource(statusInMain, old, false);
    assert.equal(statusInMain.metadata.generation, 2, "without the subresource, status is content");
    const topLevel: any = { ...old, metadata: { ...old.metadata }, data: { a: 2 } };
    prepareCustomResource(topLevel, old, true);
    assert.equal(topLevel.metadata.generation, 2, "a top-level field other than spec counts");
  });
});

describe("root metadata constraints", () => {
  it("validates metadata.name against the schema's metadata.name", () => {
    const schema = object({ metadata: object({ name: { type: "string", maxLength: 5, pattern: "^a" } }) });
    assert.deepEqual(errorsOf(schema, { metadata: { name: "abc" } }), []);
    assert.deepEqual(errorsOf(schema, { metadata: { name: "bcdefgh" } }), [
      "metadata.name: Too long: may not be more than 5 bytes",
    ]);
    assert.deepEqual(errorsOf(schema, { metadata: { name: "bcd" } }), [
      "metadata.name: Invalid value: \"bcd\": metadata.name in body should match '^a'",
    ]);
  });
});

describe("embedded resources", () => {
  it("require apiVersion and kind (objectmeta/validation.go validateEmbeddedResource)", () => {
    const schema = object({
      template: {
        type: "object",
        "x-kubernetes-embedded-resource": true,
        "x-kubernetes-preserve-unknown-fields": true,
      },
    });
    assert.deepEqual(errorsOf(schema, { template: { apiVersion: "v1", kind: "Pod" } }), []);
    assert.deepEqual(errorsOf(schema, { template: {} }), [
      "template.apiVersion: Required value: must not be empty",
      "template.kind: Required value: must not be empty",
    ]);
    assert.deepEqual(errorsOf(schema, { template: { apiVersion: "v1", kind: "Pod_x" } }), [
      "template.kind: Invalid value: \"Pod_x\": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ]);
  });
});

describe("validation ratcheting (CRDValidationRatcheting, GA in 1.33)", () => {
  const schema = object({
    spec: object(
      {
        name: { type: "string", maxLength: 3 },
        other: { type: "string" },
        list: { type: "array", items: { type: "string", enum: ["a"] } },
        nested: object({ x: { type: "string" } }, { required: ["x"] }),
      },
      { "x-kubernetes-validations": [{ rule: "self.other != 'bad'", message: "bad other" }] },
    ),
  });
  const old = { spec: { name: "toolong", other: "ok", list: ["b"], nested: {} } };

  it("drops errors about values that did not change on update", () => {
    assert.deepEqual(errorsOf(schema, { spec: { ...old.spec, other: "changed" } }, old), []);
  });

  it("keeps errors about changed values, and all errors on create", () => {
    assert.deepEqual(errorsOf(schema, { spec: { ...old.spec, name: "stilltoolong" } }, old), [
      "spec.name: Too long: may not be more than 3 bytes",
    ]);
    assert.deepEqual(errorsOf(schema, { spec: { ...old.spec, list: ["b", "a"] } }, old), [
      'spec.list[0]: Unsupported value: "b": supported values: "a"',
    ]);
    assert.deepEqual(errorsOf(schema, { spec: { ...old.spec, other: "bad" } }, old), [
      'spec: Invalid value: "object": bad other',
    ]);
    assert.equal(errorsOf(schema, old).length, 3);
  });
});
