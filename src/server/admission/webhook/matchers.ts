// Which requests a webhook (or policy) sees beyond its rules: namespaceSelector (predicates/namespace/
// matcher.go), objectSelector (predicates/object/matcher.go) and matchConditions (webhook/matchconditions/
// matcher.go), all of k8s.io/apiserver pkg/admission/plugin/webhook.

import {
  isEverything,
  type LabelSelectorExpr,
  labelSelectorFromObject,
  matchesLabels,
} from "../../../meta/labels.ts";
import { Status, type Status as StatusT } from "../../../meta/status.ts";
import type { KubeObject, LabelSelector } from "../../../meta/types.ts";
import { asMaps, asString } from "../../registry/json-access.ts";
import type { Store } from "../../storage/index.ts";
import { type AdmissionVariable, type CompiledExpression, compileExpression } from "../policy/cel.ts";
import { type Attributes, isNamespaces } from "./attributes.ts";

/** A selector as stored (already validated), or the error LabelSelectorAsSelector reports. */
export function parseSelector(sel: unknown): LabelSelectorExpr | { error: string } {
  try {
    return labelSelectorFromObject((sel ?? {}) as LabelSelector);
  } catch (e) {
    return { error: (e as Error).message };
  }
}

export type MatchOutcome = { matches: boolean; error?: StatusT };

/** The labels of the request's namespace (the object's own, for a namespace being created or updated). */
export function namespaceLabels(store: Store, a: Attributes): Record<string, string> | StatusT {
  if (isNamespaces(a.resource) && !a.subresource && (a.operation === "CREATE" || a.operation === "UPDATE"))
    return a.object?.metadata?.labels ?? {};
  const ns = store.get("namespaces", "", a.namespace);
  if (!ns) return Status.notFound("namespaces", "", a.namespace);
  return { ...ns.labels };
}

/** MatchNamespaceSelector: cluster-scoped requests (other than namespaces) always match. */
export function matchNamespaceSelector(
  store: Store,
  selector: LabelSelectorExpr | { error: string },
  a: Attributes,
): MatchOutcome {
  if (!a.namespace && !isNamespaces(a.resource)) return { matches: true };
  if ("error" in selector) return { matches: false, error: Status.internal(selector.error) };
  if (isEverything(selector)) return { matches: true };
  const labels = namespaceLabels(store, a);
  if ("kind" in labels && labels.kind === "Status") return { matches: false, error: labels as StatusT };
  return { matches: matchesLabels(selector, labels as Record<string, string>) };
}

/** MatchObjectSelector: the new or the old object's labels. */
export function matchObjectSelector(
  selector: LabelSelectorExpr | { error: string },
  a: Attributes,
): MatchOutcome {
  if ("error" in selector) return { matches: false, error: Status.internal(selector.error) };
  if (isEverything(selector)) return { matches: true };
  const labelsOf = (o?: KubeObject) => (o ? matchesLabels(selector, o.metadata?.labels ?? {}) : false);
  return { matches: labelsOf(a.object) || labelsOf(a.oldObject) };
}

export interface CompiledCondition {
  name: string;
  compiled?: CompiledExpression;
  compileError?: string;
}

/** Compile matchConditions once per configuration; a stored one that no longer compiles errors at match time. */
export function compileConditions(
  conditions: unknown,
  variables: readonly AdmissionVariable[],
): CompiledCondition[] {
  return asMaps(conditions).map((c) => {
    const name = asString(c.name);
    try {
      return { name, compiled: compileExpression(asString(c.expression), variables) };
    } catch (e) {
      return { name, compileError: (e as Error).message };
    }
  });
}

export type ConditionsResult = { matches: true } | { matches: false; error?: string };

/**
 * matchconditions Matcher.Match: any false → no match; otherwise any error → the failure policy
 * decides (Ignore: no match; Fail: an error).
 */
export function evaluateConditions(
  conditions: readonly CompiledCondition[],
  bindings: Partial<Record<AdmissionVariable, unknown>>,
  failurePolicy: string,
): ConditionsResult {
  const errors: string[] = [];
  for (const c of conditions) {
    if (!c.compiled) {
      errors.push(c.compileError ?? "");
      continue;
    }
    const r = c.compiled.evaluate(bindings);
    if ("error" in r) errors.push(`expression '${c.compiled.expression}' resulted in error: ${r.error}`);
    else if (r.value === false) return { matches: false };
    else if (r.value !== true)
      errors.push(
        `expression '${c.compiled.expression}' resulted in error: cel expression must evaluate to a bool`,
      );
  }
  if (!errors.length) return { matches: true };
  if (failurePolicy === "Ignore") return { matches: false };
  return { matches: false, error: errors.length === 1 ? errors[0] : `[${errors.join(", ")}]` };
}
