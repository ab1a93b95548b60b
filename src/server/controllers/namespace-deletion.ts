// Namespace deletion (namespace_controller.go): once a namespace is Terminating, delete everything
// in it, then the namespace itself.
import { storageKey } from "../registry/types.ts";
import { CONTROLLER_USER, type Controller, type ControllerContext, controller } from "./context.ts";

export function startNamespaceDeletionController(c: ControllerContext): Controller {
  const namespaced = c.registry.defs.filter((d) => d.namespaced && !d.virtual);
  return controller(
    c,
    "namespace",
    async (namespace) => {
      const ns = c.store.get("namespaces", "", namespace);
      if (!ns?.object().metadata.deletionTimestamp) return;
      for (const def of namespaced) {
        for (const e of c.store.list(storageKey(def), { namespace }).items) {
          await c.objects
            .delete(def, namespace, e.name, { user: CONTROLLER_USER, gracePeriodSeconds: 0 })
            .catch(() => undefined); // already gone
        }
      }
      const latest = c.store.get("namespaces", "", namespace);
      if (latest) await c.store.delete("namespaces", "", namespace, { expectedRV: latest.rv });
    },
    [{ resource: "namespaces", key: (e) => e.name }],
    () => c.store.list("namespaces").items.map((e) => e.name),
  );
}
