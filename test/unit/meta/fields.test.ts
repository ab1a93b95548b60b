import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  escapeFieldValue,
  formatFieldSelector,
  isEmptySelector,
  matchesFields,
  parseFieldSelector,
  requiredValue,
  selectorFields,
} from "../../../src/meta/fields.ts";

describe("parseFieldSelector", () => {
  it("parses =, == and != terms, sorted like upstream", () => {
    const sel = parseFieldSelector("status.phase!=Failed,metadata.name==web,spec.nodeName=n1");
    assert.deepEqual(sel.requirements, [
      { field: "metadata.name", operator: "=", value: "web" },
      { field: "spec.nodeName", operator: "=", value: "n1" },
      { field: "status.phase", operator: "!=", value: "Failed" },
    ]);
    assert.equal(formatFieldSelector(sel), "metadata.name=web,spec.nodeName=n1,status.phase!=Failed");
  });

  it("treats empty input and empty terms as everything", () => {
    assert.ok(isEmptySelector(parseFieldSelector("")));
    assert.ok(isEmptySelector(parseFieldSelector(",,")));
    assert.ok(matchesFields(parseFieldSelector(""), {}));
  });

  it("unescapes \\, \\= and \\\\ in values, and splits only on unescaped commas", () => {
    const sel = parseFieldSelector("a=x\\,y\\=z\\\\,b=2");
    assert.deepEqual(sel.requirements, [
      { field: "a", operator: "=", value: "x,y=z\\" },
      { field: "b", operator: "=", value: "2" },
    ]);
    assert.equal(formatFieldSelector(sel), "a=x\\,y\\=z\\\\,b=2");
    assert.equal(escapeFieldValue("a,b=c\\"), "a\\,b\\=c\\\\");
  });

  it("keeps whitespace and allows an empty value", () => {
    assert.deepEqual(parseFieldSelector("a = b").requirements, [{ field: "a ", operator: "=", value: " b" }]);
    assert.deepEqual(parseFieldSelector("a=").requirements, [{ field: "a", operator: "=", value: "" }]);
  });

  const errors: [string, string][] = [
    ["metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
    ["a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"],
    ["a=b=c", "invalid field selector: unescaped character in value: 61"],
    ["a==b,c", "invalid selector: 'a==b,c'; can't understand 'c'"],
    ["a=x\\y", "invalid field selector: invalid escape sequence: \\y"],
    ["a=x\\", "invalid field selector: invalid escape sequence: \\"],
  ];
  for (const [input, message] of errors) {
    it(`rejects ${JSON.stringify(input)} with upstream's text`, () => {
      assert.throws(() => parseFieldSelector(input), { name: "FieldSelectorError", message });
    });
  }
});

describe("field selector queries", () => {
  const fields = { "metadata.name": "web", "status.phase": "Running" };

  it("matches AND of terms, reading missing fields as empty", () => {
    assert.ok(matchesFields(parseFieldSelector("metadata.name=web,status.phase!=Failed"), fields));
    assert.ok(!matchesFields(parseFieldSelector("metadata.name=web,status.phase=Failed"), fields));
    assert.ok(matchesFields(parseFieldSelector("spec.nodeName="), fields));
    assert.ok(matchesFields(parseFieldSelector("spec.nodeName!=n1"), fields));
    assert.ok(!matchesFields(parseFieldSelector("spec.nodeName=n1"), fields));
  });

  it("lists distinct field labels for the caller's support check", () => {
    assert.deepEqual(selectorFields(parseFieldSelector("a=1,a!=2,b=3")), ["a", "b"]);
  });

  it("finds the value an = term requires (single-object watches)", () => {
    const sel = parseFieldSelector("metadata.name=web,metadata.namespace!=x");
    assert.equal(requiredValue(sel, "metadata.name"), "web");
    assert.equal(requiredValue(sel, "metadata.namespace"), undefined);
  });
});
