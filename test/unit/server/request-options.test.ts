// handlers/options.ts against apimachinery's ValidateCreateOptions / ValidatePatchOptions /
// ValidateDeleteOptions / ValidateListOptions texts and the parameter codec's parsing.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  createOptions,
  deleteOptions,
  patchOptions,
  queryBool,
  queryInt,
  validateListOptions,
} from "../../../src/server/handlers/options.ts";
import { ApiStatusError } from "../../../src/server/http/errors.ts";

const q = (s: string) => new URLSearchParams(s);

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiStatusError);
    return e.status.message ?? "";
  }
  assert.fail("expected a failure");
}

describe("request options", () => {
  it("dryRun: only All, the whole list is the bad value", () => {
    assert.equal(createOptions(q("dryRun=All")).dryRun, true);
    assert.equal(createOptions(q("")).dryRun, false);
    assert.equal(
      message(() => createOptions(q("dryRun=All&dryRun=x"))),
      'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["All","x"]: supported values: "All"',
    );
  });

  it("fieldManager: non-printable characters at their byte offset", () => {
    assert.equal(
      message(() => createOptions(q(`fieldManager=${encodeURIComponent("é\n")}`))),
      'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "é\\n": invalid character U+000A (at position 2)',
    );
    assert.equal(
      createOptions(q("fieldManager=kubectl-client-side-apply")).fieldManager,
      "kubectl-client-side-apply",
    );
  });

  it("force: forbidden for non-apply, any value but 0/false is true", () => {
    assert.equal(patchOptions(q("fieldManager=m&force=yes"), "application/apply-patch+yaml").force, true);
    assert.equal(patchOptions(q("fieldManager=m&force=FALSE"), "application/apply-patch+yaml").force, false);
    assert.match(
      message(() => patchOptions(q("force=false"), "application/merge-patch+json")),
      /force: Forbidden: may not be specified for non-apply patch$/,
    );
  });

  it("delete options: body wins over the query; negative grace is one second", () => {
    const fromBody = deleteOptions({ gracePeriodSeconds: -5 }, q("gracePeriodSeconds=30&dryRun=x"));
    assert.equal(fromBody.gracePeriodSeconds, 1);
    assert.equal(fromBody.dryRun, false);
    const fromQuery = deleteOptions(undefined, q("gracePeriodSeconds=30&orphanDependents=1"));
    assert.equal(fromQuery.gracePeriodSeconds, 30);
    assert.equal(fromQuery.propagationPolicy, "Orphan");
    assert.equal(fromQuery.orphanDependents, true);
  });

  it("list options for list and watch", () => {
    assert.doesNotThrow(() => validateListOptions(q("resourceVersion=5&resourceVersionMatch=Exact"), false));
    assert.equal(
      message(() => validateListOptions(q("resourceVersion=5&resourceVersionMatch=Newest"), false)),
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""',
    );
    assert.equal(
      message(() => validateListOptions(q("resourceVersionMatch=NotOlderThan"), true)),
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
    );
    assert.equal(
      message(() => validateListOptions(q("sendInitialEvents=true"), false)),
      'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list',
    );
  });

  it("query ints and bools as the parameter codec reads them", () => {
    assert.equal(queryInt(q("limit=%2B7"), "limit"), 7);
    assert.equal(queryInt(q(""), "limit"), undefined);
    assert.equal(
      message(() => queryInt(q("limit="), "limit")),
      'strconv.ParseInt: parsing "": invalid syntax',
    );
    assert.equal(queryBool(q("x="), "x"), true);
    assert.equal(queryBool(q("x=0"), "x"), false);
  });
});
