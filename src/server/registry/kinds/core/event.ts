// core/v1 Event: legacyValidateEvent (validation/core.ts), printEvent.

import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asNumber, asString } from "../../json-access.ts";
import { column, NAME_COLUMN, wide } from "../../printers/columns.ts";
import { nameOf, since } from "../../printers/format.ts";
import type { ResourceDef } from "../../types.ts";
import { validateEvent } from "../../validation/core.ts";
import { fields } from "../fields.ts";
import { CRUD } from "../verbs.ts";

const DOCS = {
  lastTimestamp: "The time at which the most recent occurrence of this event was recorded.",
  eventType: "Type of this event (Normal, Warning), new types could be added in the future",
  reason:
    "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
  involvedObject: "The object that this event is about.",
  fieldPath:
    'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
  source: "The component reporting this event. Should be a short machine understandable string.",
  message: "A human-readable description of the status of this operation.",
  firstTimestamp: "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
  count: "The number of times this event has occurred.",
};

/** formatEventSource: component (or reportingController), then ", host" (or reportingInstance) when set. */
function eventSource(event: KubeObject): string {
  const source = asMap(event.source);
  const component = asString(source.component) || asString(event.reportingComponent);
  const instance = asString(source.host) || asString(event.reportingInstance);
  return instance ? `${component}, ${instance}` : component;
}

function eventCells(event: KubeObject, now: number): unknown[] {
  const first = event.firstTimestamp ? since(event.firstTimestamp, now) : since(event.eventTime, now);
  let last = event.lastTimestamp ? since(event.lastTimestamp, now) : first;
  let times = asNumber(event.count);
  const series = event.series == null ? undefined : asMap(event.series);
  if (series) {
    last = since(series.lastObservedTime, now);
    times = asNumber(series.count);
  } else if (times === 0) {
    times = 1; // singleton events have no count in the new API
  }
  const involved = asMap(event.involvedObject);
  const kind = asString(involved.kind).toLowerCase();
  const target = asString(involved.name) ? `${kind}/${asString(involved.name)}` : kind;
  return [
    last,
    asString(event.type),
    asString(event.reason),
    target,
    asString(involved.fieldPath),
    eventSource(event),
    asString(event.message).trim(),
    first,
    times,
    nameOf(event),
  ];
}

export const event: ResourceDef = {
  group: "",
  version: "v1",
  resource: "events",
  singular: "event",
  kind: "Event",
  listKind: "EventList",
  namespaced: true,
  shortNames: ["ev"],
  verbs: CRUD,
  selectableFields: fields(
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
  ),
  validate: validateEvent,
  printer: {
    columns: [
      column("Last Seen", "string", DOCS.lastTimestamp),
      column("Type", "string", DOCS.eventType),
      column("Reason", "string", DOCS.reason),
      column("Object", "string", DOCS.involvedObject),
      wide("Subobject", "string", DOCS.fieldPath),
      wide("Source", "string", DOCS.source),
      column("Message", "string", DOCS.message),
      wide("First Seen", "string", DOCS.firstTimestamp),
      wide("Count", "string", DOCS.count),
      wide("Name", "string", NAME_COLUMN.description, "name"),
    ],
    cells: eventCells,
  },
};
