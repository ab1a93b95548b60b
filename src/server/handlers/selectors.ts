// labelSelector / fieldSelector query parameters → one predicate over stored entries.
import { type FieldSelector, matchesFields, parseFieldSelector, selectorFields } from "../../meta/fields.ts";
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

export function parseSelection(def: ResourceDef, query: URLSearchParams): Selection {
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
