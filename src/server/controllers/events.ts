// core/v1 Events from in-process controllers, as kube-controller-manager's event recorder writes them
// (client-go tools/record: "<name>.<hex>", source and reportingComponent = the controller, count 1), so
// `kubectl describe` shows what a controller did. Best effort, as upstream: a failure is logged, never
// fails the reconcile. (No correlator: repeats are separate Events.)
import { randomBytes } from "node:crypto";
import type { StoredObject } from "../../meta/types.ts";
import { rfc3339 } from "../registry/objects.ts";
import type { ResourceDef } from "../registry/types.ts";
import type { Clock } from "./clock.ts";
import { CONTROLLER_USER, type ControllerContext } from "./context.ts";

export type Recorder = (
  obj: StoredObject,
  type: "Normal" | "Warning",
  reason: string,
  message: string,
) => Promise<void>;

export function eventRecorder(c: ControllerContext, clock: Clock, component: string): Recorder {
  const eventDef = c.registry.find("", "v1", "events") as ResourceDef;
  return async (obj, type, reason, message) => {
    const now = rfc3339(clock.now());
    const namespace = obj.metadata.namespace || "default";
    const event = {
      metadata: { name: `${obj.metadata.name}.${randomBytes(8).toString("hex")}`, namespace },
      involvedObject: {
        kind: obj.kind,
        namespace: obj.metadata.namespace,
        name: obj.metadata.name,
        uid: obj.metadata.uid,
        apiVersion: obj.apiVersion,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      source: { component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      reportingComponent: component,
      reportingInstance: "",
    };
    await c.objects.create(eventDef, event, namespace, { user: CONTROLLER_USER }).catch((err: Error) => {
      c.log.debug({ component, reason, err: err.message }, "could not record an event");
    });
  };
}
