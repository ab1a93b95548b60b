// The Kubernetes CEL environment (src/server/cel) and the JSONPath subset of printer columns.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compile, isCompileError, toCel } from "../../../src/server/cel/index.ts";
import { findResults } from "../../../src/server/crd/jsonpath.ts";

function evaluate(expr: string, self: unknown): unknown {
  const p = compile(expr);
  if (isCompileError(p)) throw new Error(p.compileError);
  const r = p({ self: toCel(self) });
  if ("error" in r) throw new Error(r.error);
  return r.value;
}

describe("Kubernetes CEL environment", () => {
  const cases: [string, unknown, unknown][] = [
    ["self.replicas <= 5 && has(self.name) && !has(self.missing)", { replicas: 3, name: "a" }, true],
    ["self.items.isSorted()", { items: [1, 2, 2, 5] }, true],
    ["self.items.isSorted()", { items: ["b", "a"] }, false],
    ["self.items.sum()", { items: [1, 2, 3] }, 6n],
    ["self.items.min() == 1 && self.items.max() == 3", { items: [3, 1, 2] }, true],
    ["self.items.indexOf('b')", { items: ["a", "b", "b"] }, 1n],
    ["self.items.lastIndexOf('b')", { items: ["a", "b", "b"] }, 2n],
    ["self.name.find('[0-9]+')", { name: "abc123def45" }, "123"],
    ["self.name.findAll('[0-9]+')", { name: "abc123def45" }, ["123", "45"]],
    ["self.name.matches('^[a-z]+$')", { name: "abc" }, true],
    ["self.name.lowerAscii() == 'abc' && self.name.indexOf('B') == 1", { name: "ABC" }, true],
    [
      "isURL(self.u) && url(self.u).getHost() == 'example.com:8080' && url(self.u).getScheme() == 'https'",
      { u: "https://example.com:8080/p?q=1" },
      true,
    ],
    [
      "url(self.u).getHostname() == 'example.com' && url(self.u).getPort() == '8080' && url(self.u).getEscapedPath() == '/p'",
      { u: "https://example.com:8080/p" },
      true,
    ],
    ["isURL(self.u)", { u: "not a url" }, false],
    ["isQuantity(self.q) && quantity(self.q).isGreaterThan(quantity('1Gi'))", { q: "2Gi" }, true],
    ["quantity(self.q).compareTo(quantity('1000m'))", { q: "1" }, 0n],
    ["quantity(self.q).asInteger()", { q: "2k" }, 2000n],
    ["isQuantity(self.q)", { q: "12 apples" }, false],
    ["self.all(k, k.startsWith('a'))", { ab: 1, ac: 2 }, true],
    ["self.l.exists_one(x, x > 2)", { l: [1, 2, 3] }, true],
  ];
  for (const [expr, self, want] of cases) {
    it(expr, () => {
      const got = evaluate(expr, self);
      // CEL lists come back as CelList (iterable); compare their elements.
      assert.deepEqual(Array.isArray(want) ? [...(got as Iterable<unknown>)] : got, want);
    });
  }

  it("reports compile errors and runtime errors as text", () => {
    const bad = compile("self.x ==");
    assert.ok(isCompileError(bad));
    assert.match(bad.compileError, /found = but expecting end of input|Syntax error|syntax error/i);
    const p = compile("self.missing > 1");
    assert.ok(!isCompileError(p));
    const r = p({ self: toCel({}) });
    assert.ok("error" in r);
    assert.match(r.error, /no such key|not found/);
  });
});

describe("CEL regex functions run in linear time, as Go's RE2 does", () => {
  // A backtracking engine takes ~2^n steps for these; one request must not stall the server.
  const long = `${"a".repeat(100_000)}X`;
  it("find with a nested quantifier returns promptly", () => {
    const started = Date.now();
    assert.equal(evaluate("self.s.find('(a+)+$')", { s: long }), "");
    assert.equal(evaluate("self.s.find('(a+)+X')", { s: "aaX" }), "aaX");
    assert.ok(Date.now() - started < 5000);
  });
  it("findAll with a nested quantifier returns promptly", () => {
    const started = Date.now();
    const all = (expr: string, s: string) => [...(evaluate(expr, { s }) as Iterable<unknown>)];
    assert.deepEqual(all("self.s.findAll('(a|aa)+b')", `${long} aab ab`), ["aab", "ab"]);
    assert.deepEqual(all("self.s.findAll('a', 2)", "aaa"), ["a", "a"]);
    assert.ok(Date.now() - started < 5000);
  });
  it("a pattern RE2 rejects (a backreference) is an evaluation error, not a backtracking match", () => {
    assert.throws(() => evaluate("self.s.find('(a)\\\\1')", { s: "aa" }), /error parsing regexp/);
    // Without a Unicode mode, \p{L} would silently mean "p{L}": refused rather than answered wrongly.
    assert.throws(() => evaluate("self.s.find('\\\\p{L}+')", { s: "ab" }), /Unicode classes/);
    assert.equal(evaluate("self.s.find('\\\\\\\\p')", { s: "a\\p" }), "\\p");
  });
});

describe("printer column JSONPath", () => {
  const obj = {
    metadata: { name: "n", labels: { "app.kubernetes.io/name": "x" } },
    spec: {
      replicas: 3,
      ports: [
        { name: "a", port: 80 },
        { name: "b", port: 443 },
      ],
    },
    status: {
      conditions: [
        { type: "Ready", status: "True" },
        { type: "Issuing", status: "False" },
      ],
    },
  };
  const cases: [string, unknown[]][] = [
    [".spec.replicas", [3]],
    [".spec.missing", []],
    [".spec.ports[1].port", [443]],
    [".spec.ports[-1].name", ["b"]],
    [".spec.ports[*].port", [80, 443]],
    ['.status.conditions[?(@.type == "Ready")].status', ["True"]],
    [".status.conditions[?(@.type=='Issuing')].status", ["False"]],
    [".spec.ports[?(@.port > 100)].name", ["b"]],
    [".metadata.labels['app.kubernetes.io/name']", ["x"]],
  ];
  for (const [path, want] of cases) it(path, () => assert.deepEqual(findResults(obj, path), want));
});
