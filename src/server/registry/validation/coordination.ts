// ValidateLeaseSpec from kubernetes pkg/apis/coordination/validation/validation.go (metadata is checked by
// the generic validateObjectMeta pass; Lease names are DNS subdomains).

import { validateQualifiedName } from "../../../meta/labels.ts";
import type { KubeObject } from "../../../meta/types.ts";
import { asMap, asString } from "../json-access.ts";
import type { FieldCause } from "../types.ts";
import { forbidden, invalid, notSupported } from "./field.ts";

/** coordination.OldestEmulationVersion: the only Kubernetes-defined strategy name. */
const LEASE_STRATEGIES = ["OldestEmulationVersion"];

export function validateLease(lease: KubeObject, _old?: KubeObject): FieldCause[] {
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
  return validateQualifiedName(strategy).map((msg) => invalid(path, strategy, msg));
}
