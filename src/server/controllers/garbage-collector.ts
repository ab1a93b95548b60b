// Garbage collection by ownerReferences (pkg/controller/garbagecollector), driven by an owner index
// (owner uid → dependents) built from storage events, so each step is O(dependents):
// - Background: when an owner is gone, dependents whose owners are all gone are deleted.
// - Orphan: an owner with the `orphan` finalizer first has its uid removed from its dependents'
//   ownerReferences, then the finalizer is removed (which completes the owner's deletion).
// - Foreground: an owner with `foregroundDeletion` first has its dependents deleted; the finalizer
//   goes when none is left.
import type { StoredObject } from "../../meta/types.ts";
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from "../registry/objects.ts";
import { type ResourceDef, storageKey } from "../registry/types.ts";
import {
  CONTROLLER_USER,
  type Controller,
  type ControllerContext,
  controller,
  parsedObject,
} from "./context.ts";
import { ownerRefsOf } from "./owners.ts";

const OWNER = "owner:"; // an owner is gone: collect its dependents
const FINALIZE = "finalize:"; // an owner carries orphan/foregroundDeletion: handle it

export function startGarbageCollector(c: ControllerContext): Controller {
  const defs = c.registry.defs.filter((d) => !d.virtual && !d.storage); // one def per stored object
  const defOf = new Map(defs.map((d) => [storageKey(d), d]));
  const dependents = new Map<string, Set<string>>(); // owner uid → "resource|namespace|name"
  const ownerUids = new Map<string, readonly string[]>(); // dependent key → owner uids
  const alive = new Map<string, string>(); // uid → key of the live object

  const index = (key: string, owners: readonly string[]) => {
    for (const uid of ownerUids.get(key) ?? []) dependents.get(uid)?.delete(key);
    ownerUids.delete(key);
    if (owners.length === 0) return;
    ownerUids.set(key, owners);
    for (const uid of owners) {
      if (!dependents.has(uid)) dependents.set(uid, new Set());
      dependents.get(uid)!.add(key);
    }
  };

  const lookup = (key: string): { def: ResourceDef; namespace: string; name: string; obj?: StoredObject } => {
    const [resource, namespace, name] = key.split("|");
    return {
      def: defOf.get(resource)!,
      namespace,
      name,
      obj: c.store.get(resource, namespace, name)?.object(),
    };
  };

  const indexExisting = (def: ResourceDef) => {
    const resource = storageKey(def);
    for (const e of c.store.list(resource).items) {
      const key = `${resource}|${e.namespace}|${e.name}`;
      alive.set(e.uid, key);
      index(key, e.ownerUids); // the store's index: no parse of every object at start-up
    }
  };
  for (const def of defs) indexExisting(def);

  const triggerFor = (def: ResourceDef) => ({
    resource: storageKey(def),
    key: (e: { namespace: string; name: string; json: string }) => {
      const resource = storageKey(def);
      const key = `${resource}|${e.namespace}|${e.name}`;
      const last = parsedObject(e);
      const live = c.store.get(resource, e.namespace, e.name);
      const exists = live?.uid === last.metadata.uid;
      const keys: string[] = [];
      if (exists) {
        alive.set(last.metadata.uid, key);
        index(
          key,
          ownerRefsOf(last).map((r) => r.uid),
        );
        const finalizers = last.metadata.finalizers ?? [];
        if (
          last.metadata.deletionTimestamp &&
          (finalizers.includes(ORPHAN_FINALIZER) || finalizers.includes(FOREGROUND_FINALIZER))
        ) {
          keys.push(FINALIZE + key);
        }
        return keys;
      }
      alive.delete(last.metadata.uid);
      // A dependent going away may be what an owner in foreground deletion waits for.
      for (const uid of ownerUids.get(key) ?? []) {
        const ownerKey = alive.get(uid);
        if (ownerKey) keys.push(FINALIZE + ownerKey);
      }
      index(key, []);
      if (dependents.has(last.metadata.uid)) keys.push(OWNER + last.metadata.uid);
      return keys;
    },
  });
  const triggers = defs.map(triggerFor);

  const removeFinalizer = async (key: string, finalizer: string) => {
    const { def, namespace, name, obj } = lookup(key);
    if (!obj) return;
    await c.objects.guaranteedUpdate(
      def,
      namespace,
      name,
      (latest) => {
        latest.metadata.finalizers = (latest.metadata.finalizers ?? []).filter((f) => f !== finalizer);
        return latest;
      },
      { user: CONTROLLER_USER },
    );
  };

  const finalize = async (ownerKey: string) => {
    const owner = lookup(ownerKey).obj;
    if (!owner?.metadata.deletionTimestamp) return;
    const finalizers = owner.metadata.finalizers ?? [];
    const own = [...(dependents.get(owner.metadata.uid) ?? [])];
    if (finalizers.includes(ORPHAN_FINALIZER)) {
      for (const key of own) {
        const { def, namespace, name, obj } = lookup(key);
        if (!obj) continue;
        const orphan = (latest: StoredObject) => {
          const refs = ownerRefsOf(latest).filter((r) => r.uid !== owner.metadata.uid);
          latest.metadata.ownerReferences = refs.length ? refs : undefined;
          return latest;
        };
        await c.objects
          .guaranteedUpdate(def, namespace, name, orphan, { user: CONTROLLER_USER })
          .catch(() => undefined); // deleted meanwhile
      }
      await removeFinalizer(ownerKey, ORPHAN_FINALIZER);
      return;
    }
    if (finalizers.includes(FOREGROUND_FINALIZER)) {
      const left = own.filter((key) => lookup(key).obj);
      for (const key of left) {
        const { def, namespace, name, obj } = lookup(key);
        if (!obj?.metadata.deletionTimestamp) {
          await c.objects
            .delete(def, namespace, name, { user: CONTROLLER_USER, propagationPolicy: "Foreground" })
            .catch(() => undefined);
        }
      }
      if (own.every((key) => !lookup(key).obj)) await removeFinalizer(ownerKey, FOREGROUND_FINALIZER);
    }
  };

  const collector = controller(
    c,
    "garbagecollector",
    async (key) => {
      if (key.startsWith(FINALIZE)) return finalize(key.slice(FINALIZE.length));
      const ownerUid = key.slice(OWNER.length);
      for (const dependent of [...(dependents.get(ownerUid) ?? [])]) {
        if ((ownerUids.get(dependent) ?? []).some((uid) => alive.has(uid))) continue;
        const { def, namespace, name } = lookup(dependent);
        await c.objects.delete(def, namespace, name, { user: CONTROLLER_USER }).catch(() => undefined);
      }
      dependents.delete(ownerUid);
    },
    triggers,
  );
  // Kinds served later (custom resources) are owners and dependents too.
  c.registry.onChange(({ added }) => {
    for (const def of added) {
      const resource = storageKey(def);
      if (def.virtual || defOf.has(resource)) continue;
      defOf.set(resource, def);
      indexExisting(def);
      const trigger = triggerFor(def);
      c.store.watch(resource, { fromRV: c.store.currentRV() }, (ev) => {
        for (const key of trigger.key(ev.entry)) collector.enqueue(key);
      });
    }
  });
  return collector;
}
