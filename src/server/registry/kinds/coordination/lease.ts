// coordination.k8s.io/v1 Lease: REST shape, validation (ValidateLeaseSpec, kubernetes
// pkg/apis/coordination/validation/validation.go) and Table columns (printLease, pkg/printers/
// internalversion/printers.go). No defaults (pkg/apis/coordination/v1 has none) and no status.
import { isQualifiedName } from "../../../../meta/names.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asString } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { forbidden, invalid, notSupported } from "../../validation/field.ts";
import { CRUD } from "../verbs.ts";

/** coordination.OldestEmulationVersion: the only Kubernetes-defined strategy name. */
const LEASE_STRATEGIES = ["OldestEmulationVersion"];

// coordinationv1.LeaseSpec{}.SwaggerDoc()["holderIdentity"] as of Kubernetes 1.33.
const HOLDER_DOC =
  "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.";

export function validateLease(lease: KubeObject): FieldCause[] {
  const spec = asMap(lease.spec);
  const errs: FieldCause[] = [];
  const duration = spec.leaseDurationSeconds;
  if (typeof duration === "number" && duration <= 0)
    errs.push(invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"));
  const transitions = spec.leaseTransitions;
  if (typeof transitions === "number" && transitions < 0)
    errs.push(invalid("spec.leaseTransitions", transitions, "must be greater than or equal to 0"));
  const strategy = asString(spec.strategy);
  if (strategy) errs.push(...validateStrategy(strategy, "spec.strategy.strategy"));
  if (asString(spec.preferredHolder) && !strategy)
    errs.push(forbidden("spec.preferredHolder", "may only be specified if `strategy` is defined"));
  return errs;
}

/** ValidateCoordinatedLeaseStrategy (upstream appends .Child("strategy") to spec.strategy's path). */
function validateStrategy(strategy: string, path: string): FieldCause[] {
  if (!strategy.includes("/"))
    return LEASE_STRATEGIES.includes(strategy) ? [] : [notSupported(path, strategy, LEASE_STRATEGIES)];
  return isQualifiedName(strategy).map((msg) => invalid(path, strategy, msg));
}

export const lease: ResourceDef = {
  group: "coordination.k8s.io",
  version: "v1",
  resource: "leases",
  singular: "lease",
  kind: "Lease",
  listKind: "LeaseList",
  namespaced: true,
  verbs: CRUD,
  validate: validateLease,
  printer: {
    columns: [NAME_COLUMN, column("Holder", "string", HOLDER_DOC), AGE_COLUMN],
    cells: (obj, now) => [nameOf(obj), asString(asMap(obj.spec).holderIdentity), age(obj, now)],
  },
};
