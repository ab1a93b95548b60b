// What a fresh cluster has before anyone talks to it: system namespaces, the bootstrap RBAC policy,
// the system PriorityClasses, one Local APIService per served group version and the `kubernetes` Service and the default StorageClass. Existing objects are left alone (a restarted data dir keeps edits),
// except bootstrap roles marked autoupdate, which gain missing rules like kube-apiserver's reconcile.
import type { KubeObject } from "../meta/types.ts";
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from "../rbac/index.ts";
import { registerLocalAPIServices } from "./controllers/apiservices.ts";
import { CONTROLLER_USER } from "./controllers/context.ts";
import { DEFAULT_STORAGE_CLASS, IS_DEFAULT_CLASS_ANNOTATION } from "./controllers/persistent-volumes.ts";
import { objectOf } from "./handlers/encode.ts";
import { mandatoryFlowSchemas, mandatoryPriorityLevels } from "./registry/kinds/flowcontrol/bootstrap.ts";
import { AGGREGATED_METRICS_READER } from "./registry/kinds/metrics/reader-role.ts";
import { DEFAULT_SERVICE_CIDR, defaultServiceCIDRStatus } from "./registry/kinds/networking/servicecidr.ts";
import { SYSTEM_PRIORITY_CLASSES } from "./registry/kinds/scheduling/priorityclass.ts";
import type { ObjectService } from "./registry/objects.ts";
import { rfc3339 } from "./registry/objects.ts";
import type { ResourceRegistry } from "./registry/resource-registry.ts";
import { storageKey } from "./registry/types.ts";
import type { Store } from "./storage/index.ts";

export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

export async function bootstrap(
  store: Store,
  objects: ObjectService,
  registry: ResourceRegistry,
  port: number,
): Promise<void> {
  const ensure = async (group: string, resource: string, obj: KubeObject, namespace = "") => {
    const def = registry.find(group, "v1", resource)!;
    if (store.get(storageKey(def), namespace, obj.metadata?.name ?? "")) return;
    await objects.create(def, structuredClone(obj), namespace, { user: CONTROLLER_USER });
  };
  for (const name of SYSTEM_NAMESPACES) await ensure("", "namespaces", { metadata: { name } });
  for (const pc of SYSTEM_PRIORITY_CLASSES) await ensure("scheduling.k8s.io", "priorityclasses", pc);
  await registerLocalAPIServices(store, objects, registry);
  for (const role of bootstrapClusterRoles()) await ensure("rbac.authorization.k8s.io", "clusterroles", role);
  await ensure("rbac.authorization.k8s.io", "clusterroles", AGGREGATED_METRICS_READER);
  for (const binding of bootstrapClusterRoleBindings())
    await ensure("rbac.authorization.k8s.io", "clusterrolebindings", binding);
  await ensureDefaultServiceCIDR(store, objects, registry);
  await ensureDefaultStorageClass(store, objects, registry);
  // API Priority and Fairness' mandatory configuration (stored and served; nothing enforces it).
  for (const pl of mandatoryPriorityLevels())
    await ensure("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations", pl);
  for (const fs of mandatoryFlowSchemas()) await ensure("flowcontrol.apiserver.k8s.io", "flowschemas", fs);
  await ensure(
    "",
    "services",
    {
      metadata: { name: "kubernetes", labels: { component: "apiserver", provider: "kubernetes" } },
      spec: { ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: port }] },
    },
    "default",
  );
}

/** The `kubernetes` ServiceCIDR for the service range, Ready as the default-servicecidr controller leaves it. */
async function ensureDefaultServiceCIDR(store: Store, objects: ObjectService, registry: ResourceRegistry) {
  const def = registry.find("networking.k8s.io", "v1", "servicecidrs")!;
  const name = DEFAULT_SERVICE_CIDR.metadata!.name!;
  if (store.get(storageKey(def), "", name)) return;
  const created = await objects.create(def, structuredClone(DEFAULT_SERVICE_CIDR), "", {
    user: CONTROLLER_USER,
  });
  const withStatus = { ...objectOf(created), status: defaultServiceCIDRStatus(rfc3339(new Date())) };
  await objects.update(def, withStatus, "", name, { user: CONTROLLER_USER, subresource: "status" });
}

/** kind's `standard` StorageClass (the local-path provisioner), unless some class is already the default. */
async function ensureDefaultStorageClass(store: Store, objects: ObjectService, registry: ResourceRegistry) {
  const def = registry.find("storage.k8s.io", "v1", "storageclasses");
  if (!def) return;
  const classes = store.list(storageKey(def)).items.map((e) => e.object());
  if (classes.some((c) => c.metadata.annotations?.[IS_DEFAULT_CLASS_ANNOTATION] === "true")) return;
  if (classes.some((c) => c.metadata.name === DEFAULT_STORAGE_CLASS.metadata?.name)) return;
  await objects.create(def, structuredClone(DEFAULT_STORAGE_CLASS), "", { user: CONTROLLER_USER });
}
