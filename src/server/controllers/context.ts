import type { Logger } from "pino";
import type { StoredObject, UserInfo } from "../../meta/types.ts";
import type { ServiceAccountTokenConfig } from "../authn/serviceaccount-tokens.ts";
import type { Pki } from "../pki/index.ts";
import type { ObjectService } from "../registry/objects.ts";
import type { ResourceRegistry } from "../registry/resource-registry.ts";
import type { Store } from "../storage/index.ts";
import { WorkQueue } from "./work-queue.ts";

export interface ControllerContext {
  store: Store;
  objects: ObjectService;
  registry: ResourceRegistry;
  pki: Pki;
  tokens: ServiceAccountTokenConfig;
  log: Logger;
  /** Address clients use to reach the API server (for the `kubernetes` Service endpoints). */
  host: string;
  port: number;
}

/**
 * In-process writers (bootstrap, controllers) act as kube-apiserver's privileged loopback client
 * does: they skip authorization and, being in system:masters, the RBAC escalation check.
 */
export const CONTROLLER_USER: UserInfo = {
  username: "system:apiserver",
  groups: ["system:masters", "system:authenticated"],
};

/**
 * The object of a storage event's entry, parsed once however many triggers read it: every Pod event
 * reaches the ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, ReplicationController and garbage-collector
 * triggers, and parsing an 8 KB Pod seven times was a third of a write's CPU. Shared: read it, never change it.
 * The store delivers an event to all its watchers before the next, so one entry is remembered: a cache of
 * every entry kept each written object's parse alive as long as the entry (12 KB of heap per Pod).
 */
export function parsedObject(entry: { json: string }): StoredObject {
  if (lastParsed?.entry !== entry) lastParsed = { entry, object: JSON.parse(entry.json) as StoredObject };
  return lastParsed.object;
}
let lastParsed: { entry: object; object: StoredObject } | undefined;

export interface Controller {
  name: string;
  /** Resolves when the controller has no queued work. */
  idle(): Promise<void>;
}

/** A controller = a reconcile function + the storage events that enqueue keys for it. */
export function controller(
  c: ControllerContext,
  name: string,
  reconcile: (key: string) => Promise<void>,
  triggers: {
    resource: string;
    key: (e: { namespace: string; name: string; json: string }) => string | string[] | undefined;
  }[],
  initialKeys: () => string[] = () => [],
): Controller & { enqueue(key: string): void } {
  const queue = new WorkQueue(reconcile, (key, err) =>
    c.log.warn({ controller: name, key, err: (err as Error).message }, "reconcile failed"),
  );
  for (const t of triggers) {
    c.store.watch(t.resource, { fromRV: c.store.currentRV() }, (ev) => {
      const keys = t.key(ev.entry);
      for (const key of typeof keys === "string" ? [keys] : (keys ?? [])) queue.add(key);
    });
  }
  for (const k of initialKeys()) queue.add(k);
  return { name, idle: () => queue.idle(), enqueue: (key) => queue.add(key) };
}

export function activeNamespaces(store: Store): string[] {
  return store
    .list("namespaces")
    .items.filter((e) => !e.object().metadata.deletionTimestamp)
    .map((e) => e.name);
}

export function isActiveNamespace(store: Store, namespace: string): boolean {
  const ns = store.get("namespaces", "", namespace);
  return Boolean(ns && !ns.object().metadata.deletionTimestamp);
}
