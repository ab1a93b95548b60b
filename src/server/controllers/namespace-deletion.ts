// Namespace deletion (namespace_controller.go): once a namespace is Terminating, delete everything in
// it; the namespace itself goes only when nothing is left — content held by finalizers keeps it
// Terminating (with upstream's conditions saying why) until those finalizers are removed.
import type { KubeObject } from "../../meta/types.ts";
import { rfc3339 } from "../registry/objects.ts";
import { storageKey } from "../registry/types.ts";
import { isStorageError } from "../storage/index.ts";
import { CONTROLLER_USER, type Controller, type ControllerContext, controller } from "./context.ts";

export function startNamespaceDeletionController(c: ControllerContext): Controller {
  // Read on each pass: custom resources come and go with their CRDs.
  const namespaced = () => {
    // One def per stored object: a kind served in several versions is stored once.
    const seen = new Set<string>();
    return c.registry.defs.filter((d) => {
      if (!d.namespaced || d.virtual || d.storage || seen.has(storageKey(d))) return false;
      seen.add(storageKey(d));
      return true;
    });
  };
  const namespacesDef = c.registry.find("", "v1", "namespaces")!;
  const terminating = new Set<string>();

  const remaining = (namespace: string) =>
    namespaced().flatMap((def) =>
      c.store.list(storageKey(def), { namespace }).items.map((e) => ({ def, entry: e })),
    );

  /** Records why the namespace is still here, as kube-controller-manager's conditions do. */
  const reportFinalizers = async (namespace: string, held: KubeObject[]) => {
    const finalizers = [...new Set(held.flatMap((o) => o.metadata?.finalizers ?? []))].sort();
    const message = `Some content in the namespace has finalizers remaining: ${finalizers.join(", ")} in ${held.length} resource instances`;
    if (!c.store.get("namespaces", "", namespace)) return;
    await c.objects.guaranteedUpdate(
      namespacesDef,
      "",
      namespace,
      (ns) => {
        const status = (ns.status ?? {}) as {
          phase?: string;
          conditions?: { type: string; message?: string }[];
        };
        const others = (status.conditions ?? []).filter((x) => x.type !== "NamespaceFinalizersRemaining");
        const current = (status.conditions ?? []).find((x) => x.type === "NamespaceFinalizersRemaining");
        if (current?.message === message) return undefined;
        const condition = {
          type: "NamespaceFinalizersRemaining",
          status: "True",
          lastTransitionTime: rfc3339(new Date()),
          reason: "SomeFinalizersRemain",
          message,
        };
        return { ...ns, status: { ...status, conditions: [...others, condition] } };
      },
      { user: CONTROLLER_USER, subresource: "status" },
    );
  };

  /** The last step: remove the emptied namespace, starting over if it changed since it was read. */
  const deleteEmptied = async (namespace: string) => {
    for (;;) {
      const latest = c.store.getLatest("namespaces", "", namespace);
      if (!latest) return;
      try {
        await c.store.delete("namespaces", "", namespace, { expectedRV: latest.rv });
        return;
      } catch (e) {
        if (!isStorageError(e, "Conflict")) throw e;
      }
    }
  };

  const watched = new Set(namespaced().map(storageKey));
  const ctl = controller(
    c,
    "namespace",
    async (namespace) => {
      const ns = c.store.get("namespaces", "", namespace);
      if (!ns?.object().metadata.deletionTimestamp) {
        terminating.delete(namespace);
        return;
      }
      terminating.add(namespace);
      for (const { def, entry } of remaining(namespace)) {
        if (entry.object().metadata.deletionTimestamp) continue; // already going; finalizers decide when
        await c.objects
          .delete(def, namespace, entry.name, { user: CONTROLLER_USER, gracePeriodSeconds: 0 })
          .catch(() => undefined); // already gone
      }
      const left = remaining(namespace).map((r) => r.entry.object());
      if (left.length > 0) {
        await reportFinalizers(namespace, left);
        return; // content events re-queue this namespace
      }
      await deleteEmptied(namespace);
      terminating.delete(namespace);
    },
    [
      { resource: "namespaces", key: (e) => e.name },
      ...namespaced().map((def) => ({
        resource: storageKey(def),
        key: (e: { namespace: string }) => (terminating.has(e.namespace) ? e.namespace : undefined),
      })),
    ],
    () => c.store.list("namespaces").items.map((e) => e.name),
  );
  // Content of kinds served later (custom resources) re-queues a terminating namespace too.
  c.registry.onChange(({ added }) => {
    for (const def of added) {
      const resource = storageKey(def);
      if (!def.namespaced || def.virtual || watched.has(resource)) continue;
      watched.add(resource);
      c.store.watch(resource, { fromRV: c.store.currentRV() }, (ev) => {
        if (terminating.has(ev.entry.namespace)) ctl.enqueue(ev.entry.namespace);
      });
    }
  });
  return ctl;
}
