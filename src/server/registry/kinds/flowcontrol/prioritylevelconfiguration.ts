// flowcontrol.apiserver.k8s.io/v1 PriorityLevelConfiguration: defaults (SetDefaults_* of kubernetes
// pkg/apis/flowcontrol/v1/defaults.go), validation (ValidatePriorityLevelConfiguration, pkg/apis/flowcontrol/
// validation/validation.go, as a v1 request sees it: zero nominalConcurrencyShares allowed) and Table columns
// (printPriorityLevelConfiguration, pkg/printers/internalversion/printers.go). Stored and served only: no
// request is queued or rejected by them.
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, deepEqual, isMap } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { child, forbidden, goSyntax, invalid, notSupported, required } from "../../validation/field.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";
import { MANDATORY_PRIORITY_LEVEL_SPECS } from "./bootstrap.ts";
import { validateConditions } from "./flowschema.ts";

const ENABLEMENTS = ["Exempt", "Limited"];
const LIMIT_RESPONSES = ["Queue", "Reject"];
const MAX_QUEUES = 10_000_000;
const MAX_HASH_BITS = 60; // shufflesharding.MaxHashBits

// flowcontrolv1 SwaggerDoc()s as of Kubernetes 1.33.
const DOCS = {
  type: '`type` indicates whether this priority level is subject to limitation on request execution.  A value of `"Exempt"` means that requests of this priority level are not subject to a limit (and thus are never queued) and do not detract from the capacity made available to other priority levels.  A value of `"Limited"` means that (a) requests of this priority level _are_ subject to limits and (b) some of the server\'s limited capacity is made available exclusively to this priority level. Required.',
  nominalConcurrencyShares:
    '`nominalConcurrencyShares` (NCS) contributes to the computation of the NominalConcurrencyLimit (NominalCL) of this level. This is the number of execution seats available at this priority level. This is used both for requests dispatched from this priority level as well as requests dispatched from other priority levels borrowing seats from this level. The server\'s concurrency limit (ServerCL) is divided among the Limited priority levels in proportion to their NCS values:\n\nNominalCL(i)  = ceil( ServerCL * NCS(i) / sum_ncs ) sum_ncs = sum[priority level k] NCS(k)\n\nBigger numbers mean a larger nominal concurrency limit, at the expense of every other priority level.\n\nIf not specified, this field defaults to a value of 30.\n\nSetting this field to zero supports the construction of a "jail" for this priority level that is used to hold some request(s)',
  queues:
    "`queues` is the number of queues for this priority level. The queues exist independently at each apiserver. The value must be positive.  Setting it to 1 effectively precludes shufflesharding and thus makes the distinguisher method of associated flow schemas irrelevant.  This field has a default value of 64.",
  handSize:
    "`handSize` is a small positive number that configures the shuffle sharding of requests into queues.  When enqueuing a request at this priority level the request's flow identifier (a string pair) is hashed and the hash value is used to shuffle the list of queues and deal a hand of the size specified here.  The request is put into one of the shortest queues in that hand. `handSize` must be no larger than `queues`, and should be significantly smaller (so that a few heavy flows do not saturate most of the queues).  See the user-facing documentation for more extensive guidance on setting this field.  This field has a default value of 8.",
  queueLengthLimit:
    "`queueLengthLimit` is the maximum number of requests allowed to wait in a given queue of this priority level at a time; excess requests are rejected.  This value must be positive.  If not specified, it will be defaulted to 50.",
};

export function defaultPriorityLevel(obj: KubeObject): void {
  const spec = asMap(obj.spec);
  if (isMap(spec.exempt)) {
    spec.exempt.nominalConcurrencyShares ??= 0;
    spec.exempt.lendablePercent ??= 0;
  }
  if (isMap(spec.limited)) {
    const limited = spec.limited;
    limited.nominalConcurrencyShares ??= 30;
    limited.lendablePercent ??= 0;
    const queuing = asMap(limited.limitResponse).queuing;
    if (isMap(queuing)) {
      if (!queuing.handSize) queuing.handSize = 8;
      if (!queuing.queues) queuing.queues = 64;
      if (!queuing.queueLengthLimit) queuing.queueLengthLimit = 50;
    }
  }
}

const int = (v: unknown) => (typeof v === "number" ? v : 0);

export function validatePriorityLevel(obj: KubeObject): FieldCause[] {
  const name = obj.metadata?.name ?? "";
  const spec = asMap(obj.spec);
  const type = typeof spec.type === "string" ? spec.type : "";
  const errs: FieldCause[] = [];
  if ((name === "exempt") !== (type === "Exempt"))
    errs.push(invalid("spec.type", type, "type must be 'Exempt' if and only if name is 'exempt'"));
  if (type === "Exempt") {
    if (isMap(spec.limited)) errs.push(forbidden("spec.limited", "must be nil if the type is not Limited"));
    if (isMap(spec.exempt)) errs.push(...validateShares(spec.exempt, "spec.exempt"));
  } else if (type === "Limited") {
    if (!isMap(spec.limited)) errs.push(required("spec.limited", "must not be empty when type is Limited"));
    else errs.push(...validateLimited(spec.limited, "spec.limited"));
    if (isMap(spec.exempt)) errs.push(forbidden("spec.exempt", "must be nil if the type is Limited"));
  } else errs.push(notSupported("spec.type", type, ENABLEMENTS));
  const mandatory = MANDATORY_PRIORITY_LEVEL_SPECS[name];
  // The exempt level's own `exempt` settings may be tuned; everything else is fixed.
  const comparable = (s: KubeObject): KubeObject => {
    if (name !== "exempt") return s;
    const { exempt: _tunable, ...rest } = s;
    return rest;
  };
  if (mandatory && !deepEqual(comparable(spec), comparable(mandatory)))
    errs.push(
      invalid(
        "spec",
        goSyntax("flowcontrol.PriorityLevelConfigurationSpec{…}"),
        name === "exempt"
          ? "spec of 'exempt' except the 'spec.exempt' field must equal the fixed value"
          : `spec of '${name}' must equal the fixed value`,
      ),
    );
  errs.push(...validateConditions(obj.status));
  return errs;
}

/** nominalConcurrencyShares and lendablePercent (validateExemptPriorityLevelConfiguration). */
function validateShares(config: Record<string, unknown>, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const shares = config.nominalConcurrencyShares;
  if (typeof shares === "number" && shares < 0)
    errs.push(invalid(child(path, "nominalConcurrencyShares"), shares, "must be a non-negative integer"));
  const lendable = config.lendablePercent;
  if (typeof lendable === "number" && (lendable < 0 || lendable > 100))
    errs.push(invalid(child(path, "lendablePercent"), lendable, "must be between 0 and 100, inclusive"));
  return errs;
}

function validateLimited(limited: Record<string, unknown>, path: string): FieldCause[] {
  const errs = validateShares({ nominalConcurrencyShares: limited.nominalConcurrencyShares }, path);
  errs.push(...validateLimitResponse(asMap(limited.limitResponse), child(path, "limitResponse")));
  const lendable = limited.lendablePercent;
  if (typeof lendable === "number" && (lendable < 0 || lendable > 100))
    errs.push(invalid(child(path, "lendablePercent"), lendable, "must be between 0 and 100, inclusive"));
  const borrowing = limited.borrowingLimitPercent;
  if (typeof borrowing === "number" && borrowing < 0)
    errs.push(
      invalid(
        child(path, "borrowingLimitPercent"),
        borrowing,
        "if specified, must be a non-negative integer",
      ),
    );
  return errs;
}

function validateLimitResponse(response: Record<string, unknown>, path: string): FieldCause[] {
  const type = typeof response.type === "string" ? response.type : "";
  const queuingPath = child(path, "queuing");
  if (type === "Reject")
    return isMap(response.queuing)
      ? [forbidden(queuingPath, "must be nil if limited.limitResponse.type is not Limited")]
      : [];
  if (type !== "Queue") return [notSupported(child(path, "type"), type, LIMIT_RESPONSES)];
  if (!isMap(response.queuing))
    return [required(queuingPath, "must not be empty if limited.limitResponse.type is Limited")];
  const q = response.queuing;
  const errs: FieldCause[] = [];
  const queueLengthLimit = int(q.queueLengthLimit);
  const queues = int(q.queues);
  const handSize = int(q.handSize);
  if (queueLengthLimit <= 0)
    errs.push(invalid(child(queuingPath, "queueLengthLimit"), queueLengthLimit, "must be positive"));
  if (queues <= 0) errs.push(invalid(child(queuingPath, "queues"), queues, "must be positive"));
  else if (queues > MAX_QUEUES)
    errs.push(invalid(child(queuingPath, "queues"), queues, `must not be greater than ${MAX_QUEUES}`));
  const handPath = child(queuingPath, "handSize");
  if (handSize <= 0) errs.push(invalid(handPath, handSize, "must be positive"));
  else if (handSize > queues)
    errs.push(invalid(handPath, handSize, `should not be greater than queues (${queues})`));
  else if (requiredEntropyBits(queues, handSize) > MAX_HASH_BITS)
    errs.push(
      invalid(
        handPath,
        handSize,
        `required entropy bits of deckSize ${queues} and handSize ${handSize} should not be greater than ${MAX_HASH_BITS}`,
      ),
    );
  return errs;
}

/** shufflesharding.RequiredEntropyBits: ceil(log2(deckSize) * handSize). */
function requiredEntropyBits(deckSize: number, handSize: number): number {
  return Math.ceil(Math.log2(deckSize) * handSize);
}

export const priorityLevelConfiguration: ResourceDef = {
  group: "flowcontrol.apiserver.k8s.io",
  version: "v1",
  resource: "prioritylevelconfigurations",
  singular: "prioritylevelconfiguration",
  kind: "PriorityLevelConfiguration",
  listKind: "PriorityLevelConfigurationList",
  namespaced: false,
  verbs: CRUD,
  subresources: [{ name: "status", kind: "PriorityLevelConfiguration", verbs: GET_PATCH_UPDATE }],
  defaults: defaultPriorityLevel,
  // priorityLevelConfigurationStatusStrategy: the conditions only.
  validate: (o, _old, subresource) =>
    subresource === "status" ? validateConditions(o.status) : validatePriorityLevel(o),
  printer: {
    columns: [
      NAME_COLUMN,
      column("Type", "string", DOCS.type),
      column("NominalConcurrencyShares", "string", DOCS.nominalConcurrencyShares),
      column("Queues", "string", DOCS.queues),
      column("HandSize", "string", DOCS.handSize),
      column("QueueLengthLimit", "string", DOCS.queueLengthLimit),
      AGE_COLUMN,
    ],
    cells: (obj, now) => {
      const spec = asMap(obj.spec);
      let cells: unknown[] = ["<none>", "<none>", "<none>", "<none>"];
      if (isMap(spec.limited)) {
        const q = asMap(spec.limited.limitResponse).queuing;
        cells = [int(spec.limited.nominalConcurrencyShares), "<none>", "<none>", "<none>"];
        if (isMap(q)) cells = [cells[0], int(q.queues), int(q.handSize), int(q.queueLengthLimit)];
      }
      return [nameOf(obj), typeof spec.type === "string" ? spec.type : "", ...cells, age(obj, now)];
    },
  },
};
