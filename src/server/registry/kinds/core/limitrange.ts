// core/v1 LimitRange: REST shape (limits), defaults (SetDefaults_LimitRangeItem, kubernetes
// pkg/apis/core/v1/defaults.go) and validation (ValidateLimitRange, pkg/apis/core/validation/validation.go).
// Quantities in its field errors print as Go's %#v of resource.Quantity, as upstream's do.
// Upstream has no LimitRange printer: the default Table (Name, Created At). The LimitRanger admission
// plugin (admission/limit-ranger.ts) applies and enforces it.

import { canonicalQuantity, quantityGoSyntax, quantityMilli } from "../../../../meta/quantity.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asMaps, asString, isMap, type Json } from "../../json-access.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import {
  child,
  duplicate,
  forbidden,
  goSyntax,
  index,
  invalid,
  key,
  required,
} from "../../validation/field.ts";
import { CRUD } from "../verbs.ts";
import { quantityErrors } from "./persistent-volumes.ts";

export const LIMIT_TYPES = ["Container", "Pod", "PersistentVolumeClaim"] as const;

/** SetDefaults_LimitRangeItem: a Container item's default limit falls back to max, its default request
 * to the default limit, then to min. */
export function defaultLimitRange(obj: KubeObject): void {
  for (const item of asMaps(asMap(obj.spec).limits)) {
    if (item.type !== "Container") continue;
    const defaults = { ...asMap(item.default) };
    const requests = { ...asMap(item.defaultRequest) };
    item.default = defaults;
    item.defaultRequest = requests;
    for (const [k, v] of Object.entries(asMap(item.max))) if (!(k in defaults)) defaults[k] = v;
    for (const [k, v] of Object.entries(defaults)) if (!(k in requests)) requests[k] = v;
    for (const [k, v] of Object.entries(asMap(item.min))) if (!(k in requests)) requests[k] = v;
  }
}

const text = (v: unknown) => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");
const milli = (v: unknown) => quantityMilli(text(v));
const show = (v: unknown) => canonicalQuantity(text(v));

export function validateLimitRange(obj: KubeObject): FieldCause[] {
  const errs: FieldCause[] = [];
  const seen = new Set<string>();
  const limitsPath = "spec.limits";
  asMaps(asMap(obj.spec).limits).forEach((item, i) => {
    const at = index(limitsPath, i);
    const type = asString(item.type);
    if (!type) errs.push(required(child(at, "type")));
    if (seen.has(type)) errs.push(duplicate(child(at, "type"), type));
    seen.add(type);
    const maps: Record<string, Json> = {};
    for (const field of ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"]) {
      maps[field] = asMap(item[field]);
      for (const [k, v] of Object.entries(maps[field]))
        errs.push(...quantityErrors(v, key(child(at, field), k)));
    }
    if (type === "Pod") {
      for (const field of ["default", "defaultRequest"])
        if (Object.keys(maps[field]).length > 0)
          errs.push(forbidden(child(at, field), "may not be specified when `type` is 'Pod'"));
    }
    if (type === "PersistentVolumeClaim" && !("storage" in maps.min) && !("storage" in maps.max))
      errs.push(
        required(
          child(at, "limits"),
          "either minimum or maximum storage value is required, but neither was provided",
        ),
      );
    const keys = new Set([
      ...Object.keys(maps.max),
      ...Object.keys(maps.min),
      ...Object.keys(maps.default),
      ...Object.keys(maps.defaultRequest),
      ...Object.keys(maps.maxLimitRequestRatio),
    ]);
    for (const k of [...keys].sort()) {
      const { min, max, defaultRequest: req, maxLimitRequestRatio: ratio } = maps;
      const def = maps.default;
      const has = (m: Json) => k in m;
      const bad = (field: string, value: unknown, detail: string) =>
        errs.push(invalid(key(child(at, field), k), goSyntax(quantityGoSyntax(text(value))), detail));
      if (has(min) && has(max) && milli(min[k]) > milli(max[k]))
        bad("min", min[k], `min value ${show(min[k])} is greater than max value ${show(max[k])}`);
      if (has(req) && has(min) && milli(min[k]) > milli(req[k]))
        bad(
          "defaultRequest",
          req[k],
          `min value ${show(min[k])} is greater than default request value ${show(req[k])}`,
        );
      if (has(req) && has(max) && milli(req[k]) > milli(max[k]))
        bad(
          "defaultRequest",
          req[k],
          `default request value ${show(req[k])} is greater than max value ${show(max[k])}`,
        );
      if (has(req) && has(def) && milli(req[k]) > milli(def[k]))
        bad(
          "defaultRequest",
          req[k],
          `default request value ${show(req[k])} is greater than default limit value ${show(def[k])}`,
        );
      if (has(def) && has(min) && milli(min[k]) > milli(def[k]))
        bad("default", min[k], `min value ${show(min[k])} is greater than default value ${show(def[k])}`);
      if (has(def) && has(max) && milli(def[k]) > milli(max[k]))
        bad("default", max[k], `default value ${show(def[k])} is greater than max value ${show(max[k])}`);
      if (has(ratio) && milli(ratio[k]) < 1000n)
        bad("maxLimitRequestRatio", ratio[k], `ratio ${show(ratio[k])} is less than 1`);
      if (has(ratio) && has(min) && has(max) && milli(min[k]) > 0n) {
        const limit = Number(milli(max[k])) / Number(milli(min[k]));
        if (Number(milli(ratio[k])) / 1000 > limit)
          bad(
            "maxLimitRequestRatio",
            ratio[k],
            `ratio ${show(ratio[k])} is greater than max/min = ${limit.toFixed(6)}`,
          );
      }
    }
  });
  return errs;
}

export const limitRange: ResourceDef = {
  group: "",
  version: "v1",
  resource: "limitranges",
  singular: "limitrange",
  kind: "LimitRange",
  listKind: "LimitRangeList",
  namespaced: true,
  shortNames: ["limits"],
  verbs: CRUD,
  defaults: defaultLimitRange,
  validate: validateLimitRange,
};

/** The spec.limits items of one type (admission reads them). */
export function limitItems(obj: KubeObject, type: (typeof LIMIT_TYPES)[number]): Json[] {
  return asMaps(asMap(obj.spec).limits).filter((item) => isMap(item) && item.type === type);
}
