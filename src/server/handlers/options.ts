// Request options from the query (and DeleteOptions from the body), validated as kube-apiserver does:
// apimachinery pkg/apis/meta/v1/validation/validation.go (ValidateCreateOptions, ValidateUpdateOptions,
// ValidatePatchOptions, ValidateDeleteOptions) and pkg/apis/meta/internalversion/validation
// (ValidateListOptions), as the handlers in apiserver pkg/endpoints/handlers (create.go, update.go,
// patch.go, delete.go, get.go) call them: a failure is 422 Invalid on "<Kind>Options.meta.k8s.io",
// before the body is looked at. Values are parsed as runtime's parameter codec parses them.

import { Status } from "../../meta/status.ts";
import { ApiStatusError, fail } from "../http/errors.ts";
import type { DecodeOptions } from "../registry/decode.ts";
import type { PropagationPolicy } from "../registry/objects.ts";
import type { PatchType } from "../registry/patch.ts";
import type { FieldCause } from "../registry/types.ts";
import {
  forbidden,
  goSyntax,
  invalid,
  notSupported,
  required,
  tooLong,
} from "../registry/validation/field.ts";
import type { Call } from "./call.ts";
import { parseIntError } from "./query-params.ts";

const META_GROUP = "meta.k8s.io";
const DRY_RUN_ALL = "All";
const FIELD_MANAGER_MAX_LENGTH = 128;
/** sets.NewString("", Ignore, Warn, Strict).List(): sorted. */
const FIELD_VALIDATION_VALUES = ["", "Ignore", "Strict", "Warn"];
/** In upstream's order (the NotSupported message lists them so). */
const PROPAGATION_POLICIES: readonly PropagationPolicy[] = ["Foreground", "Background", "Orphan"];

export interface WriteQueryOptions {
  dryRun: boolean;
  /** The fieldManager parameter as sent ("" when absent). */
  fieldManager: string;
}

export interface PatchQueryOptions extends WriteQueryOptions {
  force: boolean;
}

export interface DeleteRequestOptions {
  dryRun: boolean;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: PropagationPolicy;
  /** Deprecated, still honoured: true means Orphan; false turns a deferred delete into 202. */
  orphanDependents?: boolean;
}

/**
 * A bool query parameter as runtime.Convert_Slice_string_To_Pointer_bool reads it: present means true
 * unless it is "0" or "false" (any case); absent is undefined.
 */
export function queryBool(query: URLSearchParams, name: string): boolean | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  return value !== "0" && value.toLowerCase() !== "false";
}

/**
 * An int64 query parameter as strconv.ParseInt reads it; a bad one is the parameter codec's 400
 * (`strconv.ParseInt: parsing "x": invalid syntax`). Absent is undefined.
 */
export function queryInt(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  const error = parseIntError(value);
  if (error) throw fail.badRequest(error);
  return Number(value);
}

function invalidOptions(kind: string, causes: FieldCause[]): ApiStatusError {
  return new ApiStatusError(Status.invalid(kind, META_GROUP, "", causes));
}

/** ValidateDryRun: every value must be "All"; the whole list is the bad value. */
function validateDryRun(values: string[]): FieldCause[] {
  if (values.every((v) => v === DRY_RUN_ALL)) return [];
  return [notSupported("dryRun", goSyntax(JSON.stringify(values)), [DRY_RUN_ALL])];
}

/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** ValidateFieldManager: at most 128 bytes, printable characters only (positions are byte offsets). */
function validateFieldManager(manager: string): FieldCause[] {
  const causes: FieldCause[] = [];
  if (Buffer.byteLength(manager) > FIELD_MANAGER_MAX_LENGTH)
    causes.push(tooLong("fieldManager", FIELD_MANAGER_MAX_LENGTH));
  let at = 0;
  for (const ch of manager) {
    if (!PRINTABLE.test(ch)) {
      const code = (ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
      causes.push(invalid("fieldManager", manager, `invalid character U+${code} (at position ${at})`));
    }
    at += Buffer.byteLength(ch);
  }
  return causes;
}

function validateFieldValidation(value: string): FieldCause[] {
  if (FIELD_VALIDATION_VALUES.includes(value)) return [];
  return [notSupported("fieldValidation", value, FIELD_VALIDATION_VALUES)];
}

function writeOptions(kind: string, query: URLSearchParams, extra: FieldCause[] = []): WriteQueryOptions {
  const dryRun = query.getAll("dryRun");
  const fieldManager = query.get("fieldManager") ?? "";
  const causes = [
    ...extra,
    ...validateFieldManager(fieldManager),
    ...validateDryRun(dryRun),
    ...validateFieldValidation(query.get("fieldValidation") ?? ""),
  ];
  if (causes.length) throw invalidOptions(kind, causes);
  return { dryRun: dryRun.length > 0, fieldManager };
}

export const createOptions = (query: URLSearchParams) => writeOptions("CreateOptions", query);
export const updateOptions = (query: URLSearchParams) => writeOptions("UpdateOptions", query);

/** ValidatePatchOptions: apply needs a fieldManager; force belongs to apply only. */
export function patchOptions(query: URLSearchParams, type: PatchType): PatchQueryOptions {
  const apply = type === "application/apply-patch+yaml";
  const force = query.get("force");
  const causes: FieldCause[] = [];
  if (apply && !query.get("fieldManager"))
    causes.push(required("fieldManager", "is required for apply patch"));
  if (!apply && force !== null) causes.push(forbidden("force", "may not be specified for non-apply patch"));
  return { ...writeOptions("PatchOptions", query, causes), force: queryBool(query, "force") ?? false };
}

interface DeleteBody {
  gracePeriodSeconds?: unknown;
  preconditions?: { uid?: string; resourceVersion?: string } | null;
  dryRun?: unknown;
  orphanDependents?: unknown;
  propagationPolicy?: unknown;
}

/**
 * DeleteOptions come from the body when there is one, else from the query (delete.go decodes one or
 * the other, never both), then ValidateDeleteOptions.
 */
export function deleteOptions(body: DeleteBody | undefined, query: URLSearchParams): DeleteRequestOptions {
  const source: DeleteBody = body ?? fromQuery(query);
  const dryRun = Array.isArray(source.dryRun) ? source.dryRun.map(String) : [];
  const policy = source.propagationPolicy;
  const orphan = source.orphanDependents;
  const causes: FieldCause[] = [];
  if (orphan != null && policy != null) {
    causes.push(
      invalid(
        "propagationPolicy",
        String(policy),
        "orphanDependents and deletionPropagation cannot be both set",
      ),
    );
  }
  if (policy != null && !PROPAGATION_POLICIES.includes(policy as PropagationPolicy)) {
    causes.push(notSupported("propagationPolicy", String(policy), [...PROPAGATION_POLICIES, "nil"]));
  }
  causes.push(...validateDryRun(dryRun));
  if (causes.length) throw invalidOptions("DeleteOptions", causes);

  const grace = typeof source.gracePeriodSeconds === "number" ? source.gracePeriodSeconds : undefined;
  return {
    dryRun: dryRun.length > 0,
    // rest.BeforeDelete: a negative grace period means one second.
    gracePeriodSeconds: grace !== undefined && grace < 0 ? 1 : grace,
    preconditions: source.preconditions ?? undefined,
    propagationPolicy: (policy as PropagationPolicy | undefined) ?? (orphan === true ? "Orphan" : undefined),
    orphanDependents: typeof orphan === "boolean" ? orphan : undefined,
  };
}

function fromQuery(query: URLSearchParams): DeleteBody {
  const opts: DeleteBody = {};
  const grace = queryInt(query, "gracePeriodSeconds");
  if (grace !== undefined) opts.gracePeriodSeconds = grace;
  const orphan = queryBool(query, "orphanDependents");
  if (orphan !== undefined) opts.orphanDependents = orphan;
  const policy = query.get("propagationPolicy");
  if (policy !== null) opts.propagationPolicy = policy;
  if (query.has("dryRun")) opts.dryRun = query.getAll("dryRun");
  const uid = query.get("preconditions.uid") ?? undefined;
  const resourceVersion = query.get("preconditions.resourceVersion") ?? undefined;
  if (uid !== undefined || resourceVersion !== undefined) opts.preconditions = { uid, resourceVersion };
  return opts;
}

/**
 * ValidateListOptions (apimachinery pkg/apis/meta/internalversion/validation): resourceVersionMatch
 * needs a resourceVersion and no continue; a watch takes it only with sendInitialEvents.
 */
export function validateListOptions(query: URLSearchParams, watch: boolean): void {
  const match = query.get("resourceVersionMatch") ?? "";
  const rv = query.get("resourceVersion") ?? "";
  const continued = Boolean(query.get("continue"));
  const sendInitialEvents = query.get("sendInitialEvents") !== null;
  const causes: FieldCause[] = [];
  const path = "resourceVersionMatch";
  if (watch) {
    if (sendInitialEvents && match !== "NotOlderThan")
      causes.push(forbidden(path, "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
    if (match) {
      if (!sendInitialEvents)
        causes.push(
          forbidden(path, "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"),
        );
      if (match !== "NotOlderThan") causes.push(notSupported(path, match, ["NotOlderThan"]));
      if (continued)
        causes.push(forbidden(path, "resourceVersionMatch is forbidden when continue is provided"));
    }
  } else {
    if (match) {
      if (!rv)
        causes.push(forbidden(path, "resourceVersionMatch is forbidden unless resourceVersion is provided"));
      if (continued)
        causes.push(forbidden(path, "resourceVersionMatch is forbidden when continue is provided"));
      if (match !== "Exact" && match !== "NotOlderThan")
        causes.push(notSupported(path, match, ["Exact", "NotOlderThan", ""]));
      if (match === "Exact" && rv === "0")
        causes.push(forbidden(path, 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
    }
    if (sendInitialEvents)
      causes.push(forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"));
  }
  if (causes.length) throw invalidOptions("ListOptions", causes);
}

/** The fieldValidation parameter of a write, with Warn's warnings sent as Warning headers. */
export function decodeOptions(call: Call): DecodeOptions {
  const directive = call.query.get("fieldValidation");
  return {
    fieldValidation: directive === "Ignore" || directive === "Strict" ? directive : "Warn",
    warn: (message) => call.res.appendHeader("Warning", `299 - ${JSON.stringify(message)}`),
  };
}
