// events.k8s.io/v1 Event: the same storage as core/v1 Events (kube-apiserver serves both from one
// registry), converted as pkg/apis/events/v1/conversion.go does (regarding ↔ involvedObject, note ↔ message,
// reportingController ↔ reportingComponent, deprecatedSource/FirstTimestamp/LastTimestamp/Count ↔
// source/firstTimestamp/lastTimestamp/count); validation is pkg/apis/core/validation/events.go for
// requests in events.k8s.io/v1 (legacy rules plus the strict ones); the Table is core's printEvent.
import { isDNS1123Subdomain, isQualifiedName } from "../../../../meta/names.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asString, deepEqual, isMap } from "../../json-access.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { immutable, invalid, required } from "../../validation/field.ts";
import { event as coreEvent } from "../core/event.ts";
import { CRUD } from "../verbs.ts";

/** events/v1 field ↔ core/v1 field; everything else (reason, type, action, eventTime, series, related,
 * reportingInstance) has the same name in both. */
const RENAMED: readonly (readonly [string, string])[] = [
  ["regarding", "involvedObject"],
  ["note", "message"],
  ["reportingController", "reportingComponent"],
  ["deprecatedSource", "source"],
  ["deprecatedFirstTimestamp", "firstTimestamp"],
  ["deprecatedLastTimestamp", "lastTimestamp"],
  ["deprecatedCount", "count"],
];

function rename(
  obj: KubeObject,
  pairs: readonly (readonly [string, string])[],
  apiVersion: string,
): KubeObject {
  const src = obj as Record<string, unknown>;
  const out: Record<string, unknown> = { ...src, apiVersion, kind: "Event" };
  for (const [from, to] of pairs) {
    delete out[from];
    if (src[from] !== undefined) out[to] = src[from];
  }
  return out as KubeObject;
}

export const eventToCore = (obj: KubeObject) => rename(obj, RENAMED, "v1");
export const eventFromCore = (obj: KubeObject) =>
  rename(
    obj,
    RENAMED.map(([a, b]) => [b, a] as const),
    "events.k8s.io/v1",
  );

/** A dotted path's string value ("" when absent), as field selectors read it. */
function fieldValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split(".")) cur = isMap(cur) ? cur[part] : undefined;
  return cur === undefined || cur === null ? "" : String(cur);
}

const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

/** legacyValidateEvent (events.k8s.io/v1 wording: reportingController) + ValidateEventCreate/Update's strict part. */
export function validateEventsV1(event: KubeObject, old?: KubeObject): FieldCause[] {
  const e = event as Record<string, unknown>;
  const errs: FieldCause[] = [];
  const namespace = event.metadata?.namespace ?? "";
  const regarding = asMap(e.regarding);
  const regardingNamespace = asString(regarding.namespace);
  const eventTime = asString(e.eventTime);
  if (!eventTime) {
    if (regardingNamespace ? namespace !== regardingNamespace : namespace !== "" && namespace !== "default")
      errs.push(invalid("involvedObject.namespace", regardingNamespace, "does not match event.namespace"));
  } else {
    if (!regardingNamespace && namespace !== "default" && namespace !== "kube-system")
      errs.push(invalid("involvedObject.namespace", regardingNamespace, "does not match event.namespace"));
    const controller = asString(e.reportingController);
    if (!controller) errs.push(required("reportingController"));
    for (const msg of isQualifiedName(controller)) errs.push(invalid("reportingController", controller, msg));
    const limit = (field: string, value: string, max: number) => {
      if (value.length > max) errs.push(invalid(field, "", `can have at most ${max} characters`));
    };
    const instance = asString(e.reportingInstance);
    if (!instance) errs.push(required("reportingInstance"));
    limit("reportingInstance", instance, REPORTING_INSTANCE_LIMIT);
    const action = asString(e.action);
    if (!action) errs.push(required("action"));
    limit("action", action, ACTION_LIMIT);
    const reason = asString(e.reason);
    if (!reason) errs.push(required("reason"));
    limit("reason", reason, REASON_LIMIT);
    limit("message", asString(e.note), NOTE_LIMIT);
  }
  for (const msg of isDNS1123Subdomain(namespace)) errs.push(invalid("namespace", namespace, msg));
  if (old) return [...errs, ...updateErrors(e, old as Record<string, unknown>)];
  // Strict validation of events.k8s.io/v1 creates.
  const name = event.metadata?.name ?? "";
  for (const msg of isDNS1123Subdomain(name)) errs.push(invalid("metadata.name", name, msg));
  errs.push(...seriesErrors(e));
  if (!eventTime) errs.push(required("eventTime"));
  const type = asString(e.type);
  if (type !== "Normal" && type !== "Warning") errs.push(invalid("type", "", `has invalid value: ${type}`));
  if (asString(e.deprecatedFirstTimestamp))
    errs.push(invalid("deprecatedFirstTimestamp", "", "needs to be unset"));
  if (asString(e.deprecatedLastTimestamp))
    errs.push(invalid("deprecatedLastTimestamp", "", "needs to be unset"));
  if (typeof e.deprecatedCount === "number" && e.deprecatedCount !== 0)
    errs.push(invalid("deprecatedCount", "", "needs to be unset"));
  const source = asMap(e.deprecatedSource);
  if (asString(source.component) || asString(source.host))
    errs.push(invalid("deprecatedSource", "", "needs to be unset"));
  return errs;
}

/** validateV1EventSeries. */
function seriesErrors(e: Record<string, unknown>): FieldCause[] {
  if (!isMap(e.series)) return [];
  const errs: FieldCause[] = [];
  const count = typeof e.series.count === "number" ? e.series.count : 0;
  if (count < 2) errs.push(invalid("series.count", "", "should be at least 2"));
  if (!asString(e.series.lastObservedTime)) errs.push(required("series.lastObservedTime"));
  return errs;
}

/** ValidateEventUpdate (events.k8s.io/v1): a changed series is re-validated; the scalar fields are immutable. */
function updateErrors(e: Record<string, unknown>, old: Record<string, unknown>): FieldCause[] {
  const errs = deepEqual(e.series, old.series) ? [] : seriesErrors(e);
  for (const [field, path] of [
    ["reason", "reason"],
    ["note", "note"],
    ["type", "type"],
    ["action", "action"],
    ["reportingController", "reportingController"],
    ["reportingInstance", "reportingInstance"],
  ] as const)
    if (asString(e[field]) !== asString(old[field])) errs.push(immutable(path, asString(e[field])));
  return errs;
}

export const eventsV1Event: ResourceDef = {
  group: "events.k8s.io",
  version: "v1",
  resource: "events",
  singular: "event",
  kind: "Event",
  listKind: "EventList",
  namespaced: true,
  shortNames: ["ev"],
  verbs: CRUD,
  storage: { def: coreEvent, toStorage: eventToCore, fromStorage: eventFromCore },
  selectableFields: Object.fromEntries(
    [
      "regarding.kind",
      "regarding.namespace",
      "regarding.name",
      "regarding.uid",
      "regarding.apiVersion",
      "regarding.resourceVersion",
      "regarding.fieldPath",
      "reason",
      "reportingController",
      "type",
    ].map((p) => [p, (obj: KubeObject) => fieldValue(obj, p)]),
  ),
  validate: validateEventsV1,
  printer: {
    // The registry is shared, so the Table is core's printEvent over the stored form.
    columns: coreEvent.printer!.columns,
    cells: (obj, now) => coreEvent.printer!.cells(eventToCore(obj), now),
  },
};
