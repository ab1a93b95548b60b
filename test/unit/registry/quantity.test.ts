// Quantity canonicalisation against apimachinery's own tables (pkg/api/resource/quantity_test.go).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { canonicalQuantity } from "../../../src/meta/quantity.ts";

// TestQuantityString: [canonical, alternate]; a canonical string is kept as sent, an alternate becomes it.
const STRING_TABLE: [string, string][] = [
  ["1Gi", "1024Mi"],
  ["300Mi", "307200Ki"],
  ["6Ki", ""],
  ["1001Gi", "1025024Mi"],
  ["1Ti", "1024Gi"],
  ["5", "5000m"],
  ["500m", "0.5"],
  ["1G", "1000M"],
  ["1G", "0.001T"],
  ["1m", "1000u"],
  ["80m", ""],
  ["1080m", "1.08"],
  ["1080m", "1080000000n"],
  ["300M", ""],
  ["1T", ""],
  ["1234567M", ""],
  ["1234567m", ""],
  ["3k", ""],
  ["1025", ""],
  ["0", "00"],
  ["1e9", ".001e12"],
  ["1e-3", "0.001e0"],
  ["1e-9", "1000e-12"],
  ["80e-3", ""],
  ["300e6", ""],
  ["1e12", ""],
  ["1e3", ""],
  ["3e3", ""],
  ["1n", ""],
  ["80n", ""],
  ["1080n", ""],
  ["1u", ""],
  ["80u", ""],
  ["1080u", ""],
];

// TestQuantityParseEmit.
const EMIT_TABLE: [string, string][] = [
  ["1Ki", "1Ki"],
  ["1Mi", "1Mi"],
  ["1Gi", "1Gi"],
  ["1024Mi", "1Gi"],
  ["1000M", "1G"],
  [".001Ki", "1024m"],
  [".000001Ki", "1024u"],
  [".000000001Ki", "1024n"],
  [".000000000001Ki", "2n"],
];

describe("TestQuantityString", () => {
  for (const [canonical, alternate] of STRING_TABLE) {
    test(`${canonical} is kept`, () => assert.equal(canonicalQuantity(canonical), canonical));
    if (alternate)
      test(`${alternate} → ${canonical}`, () => assert.equal(canonicalQuantity(alternate), canonical));
  }
});

describe("TestQuantityParseEmit", () => {
  for (const [input, expect] of EMIT_TABLE) {
    test(`${input} → ${expect}`, () => assert.equal(canonicalQuantity(input), expect));
    test(`-${input} → -${expect}`, () => assert.equal(canonicalQuantity(`-${input}`), `-${expect}`));
  }
});

test("1.5Gi is not a whole number of Gi: 1536Mi", () => assert.equal(canonicalQuantity("1.5Gi"), "1536Mi"));
