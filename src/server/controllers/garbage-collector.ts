// Background cascading deletion: when an owner goes, dependents whose owners are all gone follow.
// An owner index (owner uid → dependents) built from storage events keeps this O(dependents).
import { storageKey } from "../registry/types.ts";
import { CONTROLLER_USER, type Controller, type ControllerContext, controller } from "./context.ts";
import { ownerRefsOf } from "./owners.ts";

export function startGarbageCollector(c: ControllerContext): Controller {
  const defs = c.registry.defs.filter((d) => !d.virtual);
  const dependents = new Map<string, Set<string>>(); // owner uid → "resource|namespace|name"
  const ownerUids = new Map<string, string[]>(); // dependent key → owner uids
  const uidsAlive = new Set<string>();

  const index = (resource: string, namespace: string, name: string, json: string, deleted: boolean) => {
    const key = `${resource}|${namespace}|${name}`;
    for (const uid of ownerUids.get(key) ?? []) dependents.get(uid)?.delete(key);
    ownerUids.delete(key);
    if (deleted) return;
    const refs = ownerRefsOf(JSON.parse(json));
    if (refs.length === 0) return;
    ownerUids.set(
      key,
      refs.map((r) => r.uid),
    );
    for (const r of refs) {
      if (!dependents.has(r.uid)) dependents.set(r.uid, new Set());
      dependents.get(r.uid)!.add(key);
    }
  };

  const queued: string[] = [];
  for (const def of defs) {
    const resource = storageKey(def);
    for (const e of c.store.list(resource).items) {
      uidsAlive.add(e.uid);
      index(resource, e.namespace, e.name, e.json, false);
    }
  }
  const triggers = defs.map((def) => ({
    resource: storageKey(def),
    key: (e: { namespace: string; name: string; json: string }) => {
      const resource = storageKey(def);
      const uid = (JSON.parse(e.json) as { metadata?: { uid?: string } }).metadata?.uid ?? "";
      const exists = c.store.get(resource, e.namespace, e.name)?.uid === uid;
      index(resource, e.namespace, e.name, e.json, !exists);
      if (exists) {
        uidsAlive.add(uid);
        return undefined;
      }
      uidsAlive.delete(uid);
      return dependents.has(uid) ? uid : undefined;
    },
  }));

  return controller(
    c,
    "garbagecollector",
    async (ownerUid) => {
      for (const key of [...(dependents.get(ownerUid) ?? [])]) {
        if ((ownerUids.get(key) ?? []).some((uid) => uidsAlive.has(uid))) continue;
        const [resource, namespace, name] = key.split("|");
        const def = defs.find((d) => storageKey(d) === resource)!;
        await c.objects.delete(def, namespace, name, { user: CONTROLLER_USER }).catch(() => undefined);
      }
      dependents.delete(ownerUid);
    },
    triggers,
    () => queued,
  );
}
