// kube-apiserver's autoregister controller (pkg/controlplane/controller/crdregistration and
// cmd/kube-apiserver/app/aggregator.go makeAPIService): one Local APIService per served group version,
// labelled automanaged "onstart", with the Available condition the aggregator's availability controller
// reports for local services.
import type { KubeObject } from "../../meta/types.ts";
import { priorityOf } from "../registry/kinds/apiregistration/priorities.ts";
import type { ObjectService } from "../registry/objects.ts";
import type { ResourceRegistry } from "../registry/resource-registry.ts";
import { storageKey } from "../registry/types.ts";
import type { Store } from "../storage/index.ts";
import { CONTROLLER_USER } from "./context.ts";

export const AUTOMANAGED_LABEL = "kube-aggregator.kubernetes.io/automanaged";

export function localAPIService(group: string, version: string): KubeObject {
  const priority = priorityOf(group, version);
  return {
    metadata: { name: `${version}.${group}`, labels: { [AUTOMANAGED_LABEL]: "onstart" } },
    spec: { group, version, groupPriorityMinimum: priority.group, versionPriority: priority.version },
  };
}

/** Ensures the Local APIServices exist and are Available; leaves existing ones (and their edits) alone. */
export async function registerLocalAPIServices(
  store: Store,
  objects: ObjectService,
  registry: ResourceRegistry,
  now: () => Date = () => new Date(),
): Promise<void> {
  const def = registry.find("apiregistration.k8s.io", "v1", "apiservices");
  if (!def) return;
  for (const { group, versions } of registry.groups()) {
    for (const version of versions) {
      if (!registry.inGroupVersion(group, version).length) continue;
      const svc = localAPIService(group, version);
      const name = svc.metadata!.name!;
      if (store.get(storageKey(def), "", name)) continue;
      await objects.create(def, svc, "", { user: CONTROLLER_USER });
      const at = `${now().toISOString().slice(0, 19)}Z`;
      await objects.guaranteedUpdate(
        def,
        "",
        name,
        (current) => ({
          ...current,
          status: {
            conditions: [
              {
                type: "Available",
                status: "True",
                lastTransitionTime: at,
                reason: "Local",
                message: "Local APIServices are always available",
              },
            ],
          },
        }),
        { user: CONTROLLER_USER, subresource: "status" },
      );
    }
  }
}
