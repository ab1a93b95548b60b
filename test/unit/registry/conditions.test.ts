// validation/conditions.ts against apimachinery pkg/apis/meta/v1/validation/validation_test.go
// TestValidateConditions (its cases and needles, `field: message` as field.Error.Error() prints them).
import assert from "node:assert/strict";
import { test } from "node:test";
import { validateConditions } from "../../../src/server/registry/validation/conditions.ts";

const REASON_RULE =
  "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?')";

const errorsOf = (conditions: unknown[]) =>
  validateConditions(conditions, "status.conditions").map((c) => `${c.field}: ${c.message}`);

const cases: { name: string; conditions: unknown[]; has?: string[]; lacksPrefix?: string }[] = [
  {
    name: "bunch-of-invalid-fields",
    conditions: [
      { type: ":invalid", status: "unknown", observedGeneration: -1, reason: "invalid;val", message: "" },
    ],
    has: [
      `status.conditions[0].type: Invalid value: ":invalid": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      `status.conditions[0].status: Unsupported value: "unknown": supported values: "False", "True", "Unknown"`,
      "status.conditions[0].observedGeneration: Invalid value: -1: must be greater than or equal to zero",
      "status.conditions[0].lastTransitionTime: Required value",
      `status.conditions[0].reason: Invalid value: "invalid;val": ${REASON_RULE}`,
    ],
  },
  {
    name: "duplicates",
    conditions: [{ type: "First" }, { type: "Second" }, { type: "First" }],
    has: ['status.conditions[2]: Duplicate value: "First"'],
  },
  {
    name: "colon-allowed-in-reason",
    conditions: [{ type: "First", reason: "valid:val" }],
    lacksPrefix: "status.conditions[0].reason",
  },
  {
    name: "comma-allowed-in-reason",
    conditions: [{ type: "First", reason: "valid,val" }],
    lacksPrefix: "status.conditions[0].reason",
  },
  {
    name: "reason-does-not-end-in-delimiter",
    conditions: [{ type: "First", reason: "valid,val:" }],
    has: [`status.conditions[0].reason: Invalid value: "valid,val:": ${REASON_RULE}`],
  },
];

for (const c of cases) {
  test(`ValidateConditions: ${c.name}`, () => {
    const errs = errorsOf(c.conditions);
    for (const needle of c.has ?? [])
      assert.ok(errs.includes(needle), `missing ${needle} in\n${errs.join("\n")}`);
    if (c.lacksPrefix) assert.ok(!errs.some((e) => e.startsWith(c.lacksPrefix!)), errs.join("\n"));
  });
}

test("ValidateConditions: a complete condition is valid", () => {
  assert.deepEqual(
    errorsOf([
      {
        type: "Ready",
        status: "True",
        lastTransitionTime: "2026-01-01T00:00:00Z",
        reason: "AllGood",
        message: "",
      },
    ]),
    [],
  );
});
