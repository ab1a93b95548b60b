// metav1validation.ValidateConditions (apimachinery pkg/apis/meta/v1/validation/validation.go): a list of
// metav1.Condition (ServiceCIDR, PodDisruptionBudget, ValidatingAdmissionPolicy status) — unique types, each a
// label name, a known status, a set transition time and a CamelCase reason.
import { isQualifiedName, regexError } from "../../../meta/names.ts";
import { asMaps, asString } from "../json-access.ts";
import type { FieldCause } from "../types.ts";
import { child, duplicate, index, invalid, notSupported, required, tooLong } from "./field.ts";

const STATUSES = ["False", "True", "Unknown"]; // sets.NewString(...).List(): sorted
const MAX_REASON_LENGTH = 1024;
const MAX_MESSAGE_LENGTH = 32 * 1024;
const REASON_FMT = "[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?";
const REASON_MSG =
  "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_'";
const REASON = new RegExp(`^${REASON_FMT}$`);

export function validateConditions(conditions: unknown, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const seen = new Set<string>();
  asMaps(conditions).forEach((c, i) => {
    const at = index(path, i);
    const type = asString(c.type);
    if (seen.has(type)) errs.push(duplicate(at, type));
    seen.add(type);
    if (!type) errs.push(required(child(at, "type"), "is required"));
    else for (const msg of isQualifiedName(type)) errs.push(invalid(child(at, "type"), type, msg));
    const status = asString(c.status);
    if (!status) errs.push(required(child(at, "status")));
    else if (!STATUSES.includes(status)) errs.push(notSupported(child(at, "status"), status, STATUSES));
    if (typeof c.observedGeneration === "number" && c.observedGeneration < 0)
      errs.push(
        invalid(
          child(at, "observedGeneration"),
          c.observedGeneration,
          "must be greater than or equal to zero",
        ),
      );
    if (!asString(c.lastTransitionTime)) errs.push(required(child(at, "lastTransitionTime")));
    const reason = asString(c.reason);
    if (!reason) errs.push(required(child(at, "reason")));
    else {
      if (!REASON.test(reason))
        errs.push(
          invalid(
            child(at, "reason"),
            reason,
            regexError(
              REASON_MSG,
              REASON_FMT,
              "my_name",
              "MY_NAME",
              "MyName",
              "ReasonA,ReasonB",
              "ReasonA:ReasonB",
            ),
          ),
        );
      if (Buffer.byteLength(reason) > MAX_REASON_LENGTH)
        errs.push(tooLong(child(at, "reason"), MAX_REASON_LENGTH));
    }
    if (Buffer.byteLength(asString(c.message)) > MAX_MESSAGE_LENGTH)
      errs.push(tooLong(child(at, "message"), MAX_MESSAGE_LENGTH));
  });
  return errs;
}
