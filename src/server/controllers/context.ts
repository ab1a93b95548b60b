import type { Logger } from "pino";
import type { UserInfo } from "../../meta/types.ts";
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

export interface Controller {
  name: string;
  /** Resolves when the controller has no queued work. */
  idle(): Promise<void>;
}

/** A queue-backed controller, which can also wake itself for time-based state (minReadySeconds,
 * progress deadlines): `after` reconciles `key` again in `ms`. */
export interface QueueController extends Controller {
  after(key: string, ms: number): void;
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
): QueueController {
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
  const timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  const after = (key: string, ms: number) => {
    const at = Date.now() + ms;
    const pending = timers.get(key);
    if (pending && pending.at <= at) return; // an earlier wake-up covers this one
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      timers.delete(key);
      queue.add(key);
    }, ms);
    timer.unref(); // never keeps the process alive
    timers.set(key, { at, timer });
  };
  return { name, idle: () => queue.idle(), after };
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
