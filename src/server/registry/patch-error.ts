// Patch failures with the HTTP code, reason and message kube-apiserver's PATCH handler answers with.
import { failure, type Status, type StatusDetails } from "../../meta/status.ts";

export type PatchErrorCode = 400 | 409 | 413 | 415 | 422 | 500;

export class PatchError extends Error {
  override name = "PatchError";
  readonly code: PatchErrorCode;
  /** metav1.StatusReason; "" is StatusReasonUnknown (plain Go errors surfacing as 500). */
  readonly reason: string;
  /** The underlying failure when upstream's message hides it (422s say only "the server rejected…"). */
  readonly detail?: string;

  /** Status details where upstream sends more than {} (Invalid with causes). */
  readonly details?: StatusDetails;

  constructor(
    code: PatchErrorCode,
    reason: string,
    message: string,
    detail?: string,
    details?: StatusDetails,
  ) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.detail = detail;
    this.details = details;
  }
}

export const patchError = {
  /** errors.NewBadRequest. */
  badRequest: (message: string) => new PatchError(400, "BadRequest", message),
  /** errors.NewGenericServerResponse(422, …): the server message is dropped from the body upstream. */
  invalid: (detail: string) =>
    new PatchError(422, "Invalid", "the server rejected our request due to an error in our request", detail),
  /**
   * errors.NewInvalid(schema.GroupKind{}, "", [field.Invalid("patch", …)]): the patched object does not
   * decode into the kind. Upstream's message quotes the whole patched object; ours states the reason.
   */
  invalidPatch: (detail: string) =>
    new PatchError(422, "Invalid", ` "" is invalid: patch: Invalid value: ${detail}`, undefined, {
      causes: [{ reason: "FieldValueInvalid", message: `Invalid value: ${detail}`, field: "patch" }],
    }),
  /** A plain Go error (not a StatusError): 500 with an empty reason and the error text as message. */
  internal: (message: string) => new PatchError(500, "", message),
  /** errors.NewRequestEntityTooLargeError. */
  tooLarge: (message: string) =>
    new PatchError(413, "RequestEntityTooLarge", `Request entity too large: ${message}`),
  /** negotiation.NewUnsupportedMediaTypeError for PATCH. */
  unsupportedMediaType: (accepted: readonly string[]) =>
    new PatchError(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
    ),
};

/** The metav1.Status body kube-apiserver writes for a PatchError. */
export function patchErrorStatus(e: PatchError): Status {
  const details = e.details ?? (e.code === 422 ? {} : undefined);
  const status = failure(e.code, e.reason, e.message, details);
  if (!e.reason) delete status.reason;
  return status;
}
