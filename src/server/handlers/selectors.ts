// labelSelector / fieldSelector query parameters → one predicate over stored entries.
import {
  escapeFieldValue,
  type FieldSelector,
  matchesFields,
  parseFieldSelector,
  requiredValue,
  selectorFields,
} from "../../meta/fields.ts";
import { type LabelSelectorExpr, matchesLabels, parseLabelSelector } from "../../meta/labels.ts";
import { fail } from "../http/errors.ts";
import type { ResourceDef } from "../registry/types.ts";
import type { Entry } from "../storage/index.ts";

export interface Selection {
  label?: LabelSelectorExpr;
  field?: FieldSelector;
  /** True when any selector narrows the list (upstream then omits remainingItemCount). */
  narrowing: boolean;
  matches(entry: Entry): boolean;
}

const ALWAYS_SELECTABLE = ["metadata.name", "metadata.namespace"];

export function supportedFields(def: ResourceDef): string[] {
  return [...ALWAYS_SELECTABLE, ...Object.keys(def.selectableFields ?? {})];
}

/**
 * The request's selectors. `name` is the object a list or watch is about (a legacy
 * /watch/…/NAME path, or a fieldSelector on metadata.name): as get.go ListResource does, it acts as
 * the field selector metadata.name=NAME, and a field selector naming another object is a 400.
 */
export function parseSelection(def: ResourceDef, query: URLSearchParams, name = ""): Selection {
  const labelText = query.get("labelSelector") ?? "";
  const fieldText = query.get("fieldSelector") ?? "";
  let label: LabelSelectorExpr | undefined;
  let field: FieldSelector | undefined;
  try {
    if (labelText.trim()) label = parseLabelSelector(labelText);
  } catch (e) {
    throw fail.badRequest((e as Error).message);
  }
  try {
    if (fieldText.trim()) field = parseFieldSelector(fieldText);
  } catch (e) {
    throw fail.badRequest((e as Error).message);
  }
  if (name) {
    if (!field) field = parseFieldSelector(`metadata.name=${escapeFieldValue(name)}`);
    else if (requiredValue(field, "metadata.name") !== name)
      throw fail.badRequest("fieldSelector metadata.name doesn't match requested name");
  }
  if (field) {
    const allowed = supportedFields(def);
    for (const f of selectorFields(field)) {
      if (!allowed.includes(f)) throw fail.badRequest(`field label not supported: ${f}`);
    }
  }
  return {
    label,
    field,
    narrowing: Boolean(label || field),
    matches: (e) => (!label || matchesLabels(label, e.labels)) && (!field || matchesFields(field, e.fields)),
  };
}
