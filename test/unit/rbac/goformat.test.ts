import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { goQuote, goQuoteList, goUnescape } from "../../../src/rbac/index.ts";

describe("goQuote (strconv.Quote)", () => {
  const cases: [string, string][] = [
    ["plain", '"plain"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ["tab\tnl\ncr\rbell\x07", '"tab\\tnl\\ncr\\rbell\\a"'],
    ["\x01\x7f", '"\\x01\\x7f"'],
    ["\u00a0\u2028é日本", '"\\u00a0\\u2028é日本"'],
    ["\u{1F600}", '"\u{1F600}"'],
    ["\u{E0001}", '"\\U000e0001"'],
    ["<&>", '"<&>"'],
  ];
  for (const [input, expected] of cases) {
    it(JSON.stringify(input), () => assert.equal(goQuote(input), expected));
  }

  it("quotes string slices like %q", () => assert.equal(goQuoteList(["g1", "g 2"]), '["g1" "g 2"]'));
});

describe("goUnescape", () => {
  it("inverts goQuote", () => {
    for (const s of ['a"b\\c', "tab\tnl\n\x01\x7f", "\u00a0é\u{E0001}"])
      assert.equal(goUnescape(goQuote(s).slice(1, -1)), s);
  });

  it("accepts JSON and octal escapes", () => {
    assert.equal(goUnescape("\\u003c\\/\\101"), "</A");
  });
});
