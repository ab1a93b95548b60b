// core/v1 Events about Pods and the Node, as `kubectl describe` shows them. Repeats of the same event are
// folded into one object with a growing count (client-go's event correlator, simplified).
import { randomBytes } from "node:crypto";
import type { Event, ObjectReference } from "kubernetes-types/core/v1.d.ts";
import type { Logger } from "pino";
import type { KubeClient } from "../client/index.ts";
import { rfc3339 } from "./clock.ts";

export type EventType = "Normal" | "Warning";

export interface EventSource {
  component: string;
  host: string;
}

export class EventRecorder {
  readonly #client: KubeClient;
  readonly #source: EventSource;
  readonly #log: Logger;
  readonly #seen = new Map<string, { name: string; namespace: string; count: number }>();
  #chain: Promise<unknown> = Promise.resolve();

  constructor(client: KubeClient, source: EventSource, log: Logger) {
    this.#client = client;
    this.#source = source;
    this.#log = log;
  }

  /** Fire and forget: events are best effort, as in the kubelet. */
  record(
    object: ObjectReference,
    type: EventType,
    reason: string,
    message: string,
    component?: string,
  ): void {
    this.#chain = this.#chain.then(() =>
      this.#send(object, type, reason, message, component).catch((error: Error) =>
        this.#log.debug({ err: error.message, reason }, "could not record an event"),
      ),
    );
  }

  /** Forgets the folding state of a deleted object. */
  forget(uid: string): void {
    for (const key of this.#seen.keys()) if (key.startsWith(`${uid}/`)) this.#seen.delete(key);
  }

  /** Resolves when every event recorded so far has been sent (tests, shutdown). */
  flush(): Promise<unknown> {
    return this.#chain;
  }

  async #send(
    object: ObjectReference,
    type: EventType,
    reason: string,
    message: string,
    component = this.#source.component,
  ): Promise<void> {
    const namespace = object.namespace || "default";
    const key = `${object.uid}/${object.fieldPath ?? ""}/${type}/${reason}/${message}`;
    const now = rfc3339();
    const events = this.#client.resource<Event>("events");
    const seen = this.#seen.get(key);
    if (seen) {
      seen.count++;
      await events.patch(seen.name, { count: seen.count, lastTimestamp: now }, "merge", { namespace });
      return;
    }
    const name = `${object.name}.${randomBytes(8).toString("hex")}`;
    await events.create(
      {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name, namespace },
        involvedObject: object,
        type,
        reason,
        message,
        source: { component, host: this.#source.host },
        reportingComponent: component,
        reportingInstance: this.#source.host,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
      { namespace },
    );
    this.#seen.set(key, { name, namespace, count: 1 });
  }
}
