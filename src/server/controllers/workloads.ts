// apps/v1 workload controllers, simplified: a Deployment owns one ReplicaSet per pod-template hash
// (older ones are scaled to zero — a Recreate-style rollout), and a ReplicaSet keeps its count of Pods.
import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1.d.ts";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { labelSelectorFromObject, matchesLabels } from "../../meta/labels.ts";
import type { KubeObject, StoredObject } from "../../meta/types.ts";
import { CONTROLLER_USER, type Controller, type ControllerContext, controller } from "./context.ts";
import { controllerOf, controllerRef, templateHash } from "./owners.ts";

const DEPLOYMENTS = "deployments.apps";
const REPLICASETS = "replicasets.apps";
const REVISION = "deployment.kubernetes.io/revision";

type Stored<T> = T & StoredObject;

function podReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

function ownedBy(owner: StoredObject) {
  return (obj: KubeObject) => controllerOf(obj)?.uid === owner.metadata.uid;
}

function ownerKey(kind: string) {
  return (e: { namespace: string; json: string }) => {
    const ref = controllerOf(JSON.parse(e.json) as KubeObject);
    return ref?.kind === kind ? `${e.namespace}/${ref.name}` : undefined;
  };
}

export function startReplicaSetController(c: ControllerContext): Controller {
  const rsDef = c.registry.find("apps", "v1", "replicasets")!;
  const podDef = c.registry.find("", "v1", "pods")!;
  return controller(
    c,
    "replicaset",
    async (key) => {
      const [namespace, name] = key.split("/");
      const rs = c.store.get(REPLICASETS, namespace, name)?.object() as Stored<ReplicaSet> | undefined;
      if (!rs || rs.metadata.deletionTimestamp) return;
      const selector = labelSelectorFromObject(rs.spec?.selector);
      const pods = c.store
        .list("pods", { namespace, filter: (e) => matchesLabels(selector, e.labels) })
        .items.map((e) => e.object() as Stored<Pod>)
        .filter((p) => ownedBy(rs)(p) && !p.metadata.deletionTimestamp);
      const want = rs.spec?.replicas ?? 1;
      for (let i = pods.length; i < want; i++) {
        const template = structuredClone(rs.spec?.template ?? {});
        const pod: KubeObject = {
          metadata: { ...template.metadata, generateName: `${name}-`, ownerReferences: [controllerRef(rs)] },
          spec: template.spec,
        };
        await c.objects.create(podDef, pod, namespace, { user: CONTROLLER_USER });
      }
      // Scale down the least useful pods first: not ready, then the newest.
      const surplus = [...pods]
        .sort(
          (a, b) =>
            Number(podReady(a)) - Number(podReady(b)) ||
            (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? ""),
        )
        .slice(0, Math.max(0, pods.length - want));
      for (const p of surplus)
        await c.objects
          .delete(podDef, namespace, p.metadata.name, { user: CONTROLLER_USER })
          .catch(() => undefined);

      const kept = pods.filter((p) => !surplus.includes(p));
      const ready = kept.filter(podReady).length;
      const status = {
        replicas: kept.length,
        fullyLabeledReplicas: kept.length,
        readyReplicas: ready,
        availableReplicas: ready,
        observedGeneration: rs.metadata.generation,
      };
      if (JSON.stringify(rs.status ?? {}) !== JSON.stringify(status)) {
        await c.objects.guaranteedUpdate(rsDef, namespace, name, (latest) => ({ ...latest, status }), {
          user: CONTROLLER_USER,
          subresource: "status",
        });
      }
    },
    [
      { resource: REPLICASETS, key: (e) => `${e.namespace}/${e.name}` },
      { resource: "pods", key: ownerKey("ReplicaSet") },
    ],
    () => c.store.list(REPLICASETS).items.map((e) => `${e.namespace}/${e.name}`),
  );
}

export function startDeploymentController(c: ControllerContext): Controller {
  const rsDef = c.registry.find("apps", "v1", "replicasets")!;
  const deployDef = c.registry.find("apps", "v1", "deployments")!;
  return controller(
    c,
    "deployment",
    async (key) => {
      const [namespace, name] = key.split("/");
      const scaleReplicaSet = (rsName: string, replicas: number) =>
        c.objects.guaranteedUpdate(
          rsDef,
          namespace,
          rsName,
          (rs) => ({ ...rs, spec: { ...(rs.spec as object), replicas } }),
          { user: CONTROLLER_USER },
        );
      const d = c.store.get(DEPLOYMENTS, namespace, name)?.object() as Stored<Deployment> | undefined;
      if (!d || d.metadata.deletionTimestamp) return;
      const hash = templateHash(d.spec?.template);
      const owned = c.store
        .list(REPLICASETS, { namespace })
        .items.map((e) => e.object() as Stored<ReplicaSet>)
        .filter(ownedBy(d));
      const replicas = d.spec?.replicas ?? 1;
      const revisions = owned.map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0));
      let current = owned.find((rs) => rs.metadata.labels?.["pod-template-hash"] === hash);

      if (!current) {
        const template = structuredClone(d.spec?.template ?? {});
        const labels = { ...template.metadata?.labels, "pod-template-hash": hash };
        const rs: KubeObject = {
          metadata: {
            name: `${name}-${hash}`,
            labels,
            annotations: { [REVISION]: String(Math.max(0, ...revisions) + 1) },
            ownerReferences: [controllerRef(d)],
          },
          spec: {
            replicas,
            selector: {
              ...d.spec?.selector,
              matchLabels: { ...d.spec?.selector?.matchLabels, "pod-template-hash": hash },
            },
            template: { ...template, metadata: { ...template.metadata, labels } },
          },
        };
        current = (await c.objects
          .create(rsDef, rs, namespace, { user: CONTROLLER_USER })
          .then((e) =>
            "object" in e && typeof e.object === "function" ? e.object() : e,
          )) as Stored<ReplicaSet>;
      } else if (current.spec?.replicas !== replicas) {
        current = { ...current, spec: { ...current.spec!, replicas } };
        await scaleReplicaSet(current.metadata.name, replicas);
      }
      for (const old of owned) {
        if (old.metadata.uid === current.metadata.uid || (old.spec?.replicas ?? 0) === 0) continue;
        await scaleReplicaSet(old.metadata.name, 0);
      }
      const history = d.spec?.revisionHistoryLimit ?? 10;
      const idle = owned.filter(
        (rs) => rs.metadata.uid !== current!.metadata.uid && (rs.status?.replicas ?? 0) === 0,
      );
      for (const rs of idle.slice(0, Math.max(0, idle.length - history))) {
        await c.objects
          .delete(rsDef, namespace, rs.metadata.name, { user: CONTROLLER_USER })
          .catch(() => undefined);
      }

      const all = owned.map((rs) => (rs.metadata.uid === current!.metadata.uid ? current! : rs));
      const sum = (f: (rs: ReplicaSet) => number | undefined) => all.reduce((n, rs) => n + (f(rs) ?? 0), 0);
      const available = sum((rs) => rs.status?.availableReplicas);
      const updated = current.status?.replicas ?? 0;
      const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      const condition = (type: string, ok: boolean, reason: string, message: string) => ({
        type,
        status: ok ? "True" : "False",
        lastUpdateTime: now,
        lastTransitionTime: now,
        reason,
        message,
      });
      const status = {
        observedGeneration: d.metadata.generation,
        replicas: sum((rs) => rs.status?.replicas),
        updatedReplicas: updated,
        readyReplicas: sum((rs) => rs.status?.readyReplicas),
        availableReplicas: available,
        unavailableReplicas: Math.max(0, replicas - available) || undefined,
        conditions: [
          available >= replicas
            ? condition("Available", true, "MinimumReplicasAvailable", "Deployment has minimum availability.")
            : condition(
                "Available",
                false,
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
              ),
          updated >= replicas && available >= replicas
            ? condition(
                "Progressing",
                true,
                "NewReplicaSetAvailable",
                `ReplicaSet "${current.metadata.name}" has successfully progressed.`,
              )
            : condition(
                "Progressing",
                true,
                "ReplicaSetUpdated",
                `ReplicaSet "${current.metadata.name}" is progressing.`,
              ),
        ],
      };
      const comparable = (s: unknown) =>
        JSON.stringify(s, (k, v) => (k === "lastUpdateTime" || k === "lastTransitionTime" ? undefined : v));
      if (comparable(d.status ?? {}) !== comparable(status)) {
        await c.objects.guaranteedUpdate(deployDef, namespace, name, (latest) => ({ ...latest, status }), {
          user: CONTROLLER_USER,
          subresource: "status",
        });
      }
    },
    [
      { resource: DEPLOYMENTS, key: (e) => `${e.namespace}/${e.name}` },
      { resource: REPLICASETS, key: ownerKey("Deployment") },
    ],
    () => c.store.list(DEPLOYMENTS).items.map((e) => `${e.namespace}/${e.name}`),
  );
}
