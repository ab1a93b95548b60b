// The resource quota controller (kubernetes pkg/controller/resourcequota): status.hard follows spec.hard and
// status.used is recalculated from what the namespace holds whenever a counted object or the quota changes
// (which also corrects usage admission raised for a create that then failed). No periodic resync.

import { quantityOf, resourceOfQuotaName, UsageTracker } from "../admission/resource-usage.ts";
import { asMap } from "../registry/json-access.ts";
import { CONTROLLER_USER, type Controller, type ControllerContext, controller } from "./context.ts";

const QUOTAS = "resourcequotas";
/** Every storage key a quota name can count (the triggers; count/<resource> of other kinds resyncs). */
const COUNTED = [
  "pods",
  "services",
  "configmaps",
  "secrets",
  "persistentvolumeclaims",
  "replicationcontrollers",
  QUOTAS,
];

export function startResourceQuotaController(c: ControllerContext): Controller {
  const def = c.registry.find("", "v1", QUOTAS)!;
  // Registered before the triggers below, so totals are current when a reconcile runs.
  const tracker = new UsageTracker(c.store, COUNTED);
  const quotasIn = (namespace: string) =>
    c.store.list(QUOTAS, { namespace }).items.map((e) => `${e.namespace}/${e.name}`);
  const all = () => c.store.list(QUOTAS).items.map((e) => `${e.namespace}/${e.name}`);
  return controller(
    c,
    "resourcequota",
    async (key) => {
      const [namespace, name] = key.split("/");
      const quota = c.store.get(QUOTAS, namespace, name)?.object();
      if (!quota || quota.metadata.deletionTimestamp) return;
      const hard = asMap(asMap(quota.spec).hard) as Record<string, string>;
      const names = Object.keys(hard).filter((n) => resourceOfQuotaName(n) !== undefined);
      const usage = tracker.usage(namespace, names);
      const used: Record<string, string> = {};
      for (const n of Object.keys(hard)) used[n] = quantityOf(usage, n);
      const status = { hard: { ...hard }, used };
      if (JSON.stringify(quota.status ?? {}) === JSON.stringify(status)) return;
      await c.objects.guaranteedUpdate(def, namespace, name, (latest) => ({ ...latest, status }), {
        user: CONTROLLER_USER,
        subresource: "status",
      });
    },
    COUNTED.map((resource) => ({ resource, key: (e) => quotasIn(e.namespace) })),
    all,
  );
}
