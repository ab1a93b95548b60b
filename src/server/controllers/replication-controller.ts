// The replication manager (kubernetes pkg/controller/replication, which upstream runs as the ReplicaSet
// controller over ReplicationControllers): keeps spec.replicas Pods matching spec.selector (a label map)
// owned by each ReplicationController, and reports status. Like controllers/workloads.ts's ReplicaSet
// controller: creates from the template with generateName "<rc>-", scales down unready then newest first.
import type { KubeObject, StoredObject } from "../../meta/types.ts";
import { asMap, asNumber, isMap } from "../registry/json-access.ts";
import {
  CONTROLLER_USER,
  type Controller,
  type ControllerContext,
  controller,
  parsedObject,
} from "./context.ts";
import { controllerOf, controllerRef } from "./owners.ts";
import { isPodReady } from "./pod-status.ts";
import { REPLICASET_BURST_REPLICAS, SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch } from "./slow-start.ts";

const RCS = "replicationcontrollers";

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

export function startReplicationManager(c: ControllerContext): Controller {
  const rcDef = c.registry.find("", "v1", "replicationcontrollers")!;
  const podDef = c.registry.find("", "v1", "pods")!;
  return controller(
    c,
    "replicationmanager",
    async (key) => {
      const [namespace, name] = key.split("/");
      const rc = c.store.get(RCS, namespace, name)?.object();
      if (!rc || rc.metadata.deletionTimestamp) return;
      const spec = asMap(rc.spec);
      const selector = asMap(spec.selector) as Record<string, string>;
      const pods = c.store
        .list("pods", { namespace, filter: (e) => matches(selector, e.labels) })
        .items.map((e) => e.object())
        .filter((p) => controllerOf(p)?.uid === rc.metadata.uid && !p.metadata.deletionTimestamp);
      const want = asNumber(spec.replicas);
      // As the ReplicaSet controller: BurstReplicas per sync, in slow-start batches.
      const missing = Math.min(REPLICASET_BURST_REPLICAS, want - pods.length);
      await slowStartBatch(Math.max(0, missing), SLOW_START_INITIAL_BATCH_SIZE, async () => {
        const template = structuredClone(asMap(spec.template));
        const pod: KubeObject = {
          metadata: {
            ...asMap(template.metadata),
            generateName: `${name}-`,
            ownerReferences: [controllerRef(rc)],
          },
          spec: template.spec,
        };
        await c.objects.create(podDef, pod, namespace, { user: CONTROLLER_USER });
      });
      const surplus = [...pods]
        .sort(
          (a, b) =>
            Number(isPodReady(a)) - Number(isPodReady(b)) ||
            (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? ""),
        )
        .slice(0, Math.min(REPLICASET_BURST_REPLICAS, Math.max(0, pods.length - want)));
      for (const p of surplus)
        await c.objects
          .delete(podDef, namespace, p.metadata.name, { user: CONTROLLER_USER })
          .catch(() => undefined);
      const kept = pods.filter((p) => !surplus.includes(p));
      const ready = kept.filter(isPodReady).length;
      const status: Record<string, unknown> = { replicas: kept.length };
      // The int32 fields other than replicas are omitempty in core/v1.
      if (kept.length) status.fullyLabeledReplicas = kept.length;
      if (ready) status.readyReplicas = ready;
      if (ready) status.availableReplicas = ready;
      status.observedGeneration = rc.metadata.generation;
      if (JSON.stringify(rc.status ?? {}) !== JSON.stringify(status)) {
        await c.objects.guaranteedUpdate(
          rcDef,
          namespace,
          name,
          (latest: StoredObject) => ({ ...latest, status }),
          {
            user: CONTROLLER_USER,
            subresource: "status",
          },
        );
      }
    },
    [
      { resource: RCS, key: (e) => `${e.namespace}/${e.name}` },
      {
        resource: "pods",
        key: (e) => {
          const ref = controllerOf(parsedObject(e));
          return ref?.kind === "ReplicationController" && isMap(ref)
            ? `${e.namespace}/${ref.name}`
            : undefined;
        },
      },
    ],
    () => c.store.list(RCS).items.map((e) => `${e.namespace}/${e.name}`),
  );
}
