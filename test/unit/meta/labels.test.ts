import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  aggregateErrorMessages,
  isEverything,
  labelSelectorFromObject,
  matchesLabels,
  parseLabelSelector,
  SelectorParseError,
  selectorToString,
} from "../../../src/meta/labels.ts";
import { isQualifiedName, isValidLabelValue } from "../../../src/meta/names.ts";

const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function parseError(input: string): string {
  try {
    parseLabelSelector(input);
  } catch (e) {
    assert.ok(e instanceof SelectorParseError, `expected SelectorParseError for ${input}`);
    return e.message;
  }
  assert.fail(`expected ${JSON.stringify(input)} to fail`);
}

describe("parseLabelSelector syntax", () => {
  const roundTrips: [string, string][] = [
    ["a=b", "a=b"],
    ["a==b", "a==b"],
    ["a!=b", "a!=b"],
    ["a", "a"],
    ["!a", "!a"],
    ["a in (x,y)", "a in (x,y)"],
    ["a notin (x)", "a notin (x)"],
    ["x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"],
    ["  b = 2 ,  a\t==\t1 ", "a==1,b=2"],
    ["a=", "a="],
    ["x in (in),y notin (notin)", "x in (in),y notin (notin)"],
    ["k>5,j<10", "j<10,k>5"],
    ["x in (b,a,b)", "x in (a,b)"],
    ["example.com/app=web", "example.com/app=web"],
    ["", ""],
  ];
  for (const [input, expected] of roundTrips) {
    it(`parses ${JSON.stringify(input)} and prints ${JSON.stringify(expected)}`, () => {
      assert.equal(selectorToString(parseLabelSelector(input)), expected);
    });
  }

  it("sorts requirements by key and records operators", () => {
    const sel = parseLabelSelector("z!=1,a in (q,p),!m");
    assert.deepEqual(sel.requirements, [
      { key: "a", operator: "in", values: ["p", "q"] },
      { key: "m", operator: "!", values: [] },
      { key: "z", operator: "!=", values: ["1"] },
    ]);
  });

  it("treats the empty selector as everything", () => {
    assert.ok(isEverything(parseLabelSelector("")));
    assert.ok(matchesLabels(parseLabelSelector(""), undefined));
  });
});

describe("parseLabelSelector errors use upstream wording", () => {
  const cases: [string, string][] = [
    ["a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ["app:monolith", `unable to parse requirement: <nil>: Invalid value: "app:monolith": ${NAME_PART}`],
    [
      "a/b/c ?=? def",
      `unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ],
    [
      "app.kubernetes_io/name=x",
      `unable to parse requirement: <nil>: Invalid value: "app.kubernetes_io/name": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ],
    [",a", "found ',', expected: !, identifier, or 'end of string'"],
    ["a,", "found '', expected: identifier after ','"],
    ["a=b=c", "found '=', expected: ',' or 'end of string'"],
    ["x=a b", "found 'b', expected: ',' or 'end of string'"],
    ["!a=b", "found '=', expected: ',' or 'end of string'"],
    ["x in (a", "unable to parse requirement: found '', expected: ',' or ')'"],
    ["x in a", "unable to parse requirement: found 'a' expected: '('"],
    ["x in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ["a=(b)", "unable to parse requirement: found '(', expected: identifier"],
    ["a!b", "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"],
    ["a=b@c", `unable to parse requirement: values[0][a]: Invalid value: "b@c": ${LABEL_VALUE}`],
    [
      "a>x",
      `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
  ];
  for (const [input, message] of cases) {
    it(JSON.stringify(input), () => assert.equal(parseError(input), message));
  }
});

describe("matchesLabels", () => {
  const labels = { app: "web", tier: "frontend", replicas: "10" };
  const cases: [string, boolean][] = [
    ["app=web", true],
    ["app==web,tier=frontend", true],
    ["app=db", false],
    ["app!=db", true],
    ["missing!=x", true],
    ["app in (db,web)", true],
    ["app notin (web)", false],
    ["missing notin (x)", true],
    ["missing in (x)", false],
    ["tier", true],
    ["missing", false],
    ["!missing", true],
    ["!app", false],
    ["replicas>5", true],
    ["replicas<5", false],
    ["app>5", false],
    ["missing=", false],
  ];
  for (const [selector, expected] of cases) {
    it(`${selector} → ${expected}`, () =>
      assert.equal(matchesLabels(parseLabelSelector(selector), labels), expected));
  }

  it("an absent label set is treated as empty", () => {
    assert.equal(matchesLabels(parseLabelSelector("!a"), undefined), true);
    assert.equal(matchesLabels(parseLabelSelector("a"), null), false);
  });
});

describe("labelSelectorFromObject (metav1.LabelSelectorAsSelector)", () => {
  it("a missing selector matches nothing and an empty one everything", () => {
    assert.equal(matchesLabels(labelSelectorFromObject(undefined), {}), false);
    assert.equal(matchesLabels(labelSelectorFromObject({}), { any: "thing" }), true);
    assert.equal(selectorToString(labelSelectorFromObject(undefined)), "");
  });

  it("ANDs matchLabels and matchExpressions", () => {
    const sel = labelSelectorFromObject({
      matchLabels: { b: "2", a: "1" },
      matchExpressions: [
        { key: "c", operator: "In", values: ["z", "y"] },
        { key: "d", operator: "NotIn", values: ["x"] },
        { key: "e", operator: "Exists" },
        { key: "f", operator: "DoesNotExist" },
      ],
    });
    assert.equal(selectorToString(sel), "a=1,b=2,c in (y,z),d notin (x),e,!f");
    assert.equal(matchesLabels(sel, { a: "1", b: "2", c: "y", e: "" }), true);
    assert.equal(matchesLabels(sel, { a: "1", b: "2", c: "y", e: "", f: "" }), false);
    assert.equal(matchesLabels(sel, { a: "1", b: "2", c: "q", e: "" }), false);
  });

  it("rejects unknown operators and invalid requirements with upstream texts", () => {
    assert.throws(
      () => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "Seriously" }] }),
      { name: "SelectorParseError", message: '"Seriously" is not a valid label selector operator' },
    );
    assert.throws(
      () => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "In", values: [] }] }),
      {
        message: "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
      },
    );
    assert.throws(
      () => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }),
      {
        message: `values: Invalid value: ["x"]: values set must be empty for exists and does not exist`,
      },
    );
    assert.throws(() => labelSelectorFromObject({ matchLabels: { "a b": "c" } }), {
      message: `key: Invalid value: "a b": ${NAME_PART}`,
    });
  });

  it("aggregates several errors of one requirement", () => {
    assert.throws(() => labelSelectorFromObject({ matchLabels: { "-k": "-v" } }), {
      message: `[key: Invalid value: "-k": ${NAME_PART}, values[0][-k]: Invalid value: "-v": ${LABEL_VALUE}]`,
    });
  });
});

describe("validateQualifiedName / validateLabelValue", () => {
  it("accepts valid keys and values", () => {
    assert.deepEqual(isQualifiedName("app.kubernetes.io/name"), []);
    assert.deepEqual(isQualifiedName("MyName"), []);
    assert.deepEqual(isValidLabelValue(""), []);
    assert.deepEqual(isValidLabelValue("v1.2_beta-3"), []);
  });

  it("reports each problem like upstream", () => {
    assert.deepEqual(isQualifiedName(""), ["name part must be non-empty", NAME_PART]);
    assert.deepEqual(isQualifiedName("/a"), ["prefix part must be non-empty"]);
    assert.deepEqual(isQualifiedName(`${"a".repeat(64)}`), ["name part must be no more than 63 characters"]);
    assert.deepEqual(isValidLabelValue("a".repeat(64)), ["must be no more than 63 characters"]);
    assert.deepEqual(isValidLabelValue("-a"), [LABEL_VALUE]);
  });
});

describe("aggregateErrorMessages", () => {
  it("formats like utilerrors.NewAggregate", () => {
    assert.equal(aggregateErrorMessages([]), "");
    assert.equal(aggregateErrorMessages(["a"]), "a");
    assert.equal(aggregateErrorMessages(["a", "b", "a"]), "[a, b]");
    assert.equal(aggregateErrorMessages(["a", "a"]), "a");
  });
});
