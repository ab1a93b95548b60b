// A one-node scheduler: binds every Pod that asks for the default scheduler and has no node yet to this
// node through pods/binding, as kube-scheduler would. nodeSelector is honoured; resources are not counted.
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { Logger } from "pino";
import { type Informer, isConflict, isNotFound, type KubeClient } from "../client/index.ts";
import { rfc3339 } from "./clock.ts";
import type { EventRecorder } from "./events.ts";

const SCHEDULER_NAME = "default-scheduler";
const RETRY_MS = 1000;

export interface SchedulerOptions {
  client: KubeClient;
  nodeName: string;
  nodeLabels: Record<string, string>;
  events: EventRecorder;
  log: Logger;
}

export class LocalScheduler {
  readonly #o: SchedulerOptions;
  readonly #informer: Informer<Pod>;
  readonly #inFlight = new Set<string>();
  readonly #unschedulableNoted = new Set<string>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopped = false;

  constructor(options: SchedulerOptions) {
    this.#o = options;
    this.#informer = options.client
      .resource<Pod>("pods")
      .informer({ allNamespaces: true, fieldSelector: "spec.nodeName=", autoStart: false });
    this.#informer.on("add", (pod) => this.#consider(pod));
    this.#informer.on("update", (pod) => this.#consider(pod));
    this.#informer.on("error", (error) =>
      this.#o.log.warn({ err: error.message }, "scheduler watch failed; retrying"),
    );
  }

  start(): Promise<void> {
    this.#informer.start();
    return this.#informer.synced;
  }

  stop(): void {
    this.#stopped = true;
    this.#informer.stop();
    for (const timer of this.#timers) clearTimeout(timer);
  }

  #consider(pod: Pod): void {
    const uid = pod.metadata?.uid ?? "";
    if (this.#stopped || this.#inFlight.has(uid) || !isSchedulable(pod)) return;
    const selector = pod.spec?.nodeSelector ?? {};
    const mismatch = Object.entries(selector).some(([k, v]) => this.#o.nodeLabels[k] !== v);
    if (mismatch) {
      void this.#noteUnschedulable(pod);
      return;
    }
    this.#inFlight.add(uid);
    void this.#bind(pod).finally(() => this.#inFlight.delete(uid));
  }

  async #bind(pod: Pod): Promise<void> {
    const { namespace = "default", name = "", uid } = pod.metadata ?? {};
    try {
      await this.#o.client.requestJson({
        method: "POST",
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/binding`,
        body: {
          apiVersion: "v1",
          kind: "Binding",
          metadata: { name, namespace, uid },
          target: { apiVersion: "v1", kind: "Node", name: this.#o.nodeName },
        },
      });
      this.#o.log.debug({ pod: `${namespace}/${name}` }, "bound the pod");
      this.#o.events.record(
        { apiVersion: "v1", kind: "Pod", namespace, name, uid },
        "Normal",
        "Scheduled",
        `Successfully assigned ${namespace}/${name} to ${this.#o.nodeName}`,
        SCHEDULER_NAME,
      );
    } catch (error) {
      if (isConflict(error) || isNotFound(error)) return; // bound elsewhere meanwhile, or deleted
      this.#o.log.warn(
        { pod: `${namespace}/${name}`, err: (error as Error).message },
        "binding failed; retrying",
      );
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        const current = this.#informer.store.get(namespace, name);
        if (current) this.#consider(current);
      }, RETRY_MS);
      this.#timers.add(timer);
    }
  }

  /** Like kube-scheduler: PodScheduled=False/Unschedulable with the reason, once per Pod. */
  async #noteUnschedulable(pod: Pod): Promise<void> {
    const { namespace = "default", name = "", uid = "" } = pod.metadata ?? {};
    if (this.#unschedulableNoted.has(uid)) return;
    this.#unschedulableNoted.add(uid);
    const message = "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.";
    const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== "PodScheduled");
    conditions.push({
      type: "PodScheduled",
      status: "False",
      reason: "Unschedulable",
      message,
      lastTransitionTime: rfc3339(),
    });
    await this.#o.client
      .requestJson({
        method: "PATCH",
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/status`,
        contentType: "application/merge-patch+json",
        body: { status: { conditions } },
      })
      .catch((error: Error) =>
        this.#o.log.debug({ err: error.message }, "could not mark the pod unschedulable"),
      );
    this.#o.events.record(
      { apiVersion: "v1", kind: "Pod", namespace, name, uid },
      "Warning",
      "FailedScheduling",
      message,
      SCHEDULER_NAME,
    );
  }
}

function isSchedulable(pod: Pod): boolean {
  const spec = pod.spec;
  if (!spec || spec.nodeName || pod.metadata?.deletionTimestamp) return false;
  if ((spec.schedulerName || SCHEDULER_NAME) !== SCHEDULER_NAME) return false;
  if ((spec.schedulingGates ?? []).length > 0) return false;
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed";
}
