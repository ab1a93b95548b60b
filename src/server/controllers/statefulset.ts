// The StatefulSet controller (kubernetes pkg/controller/statefulset: stateful_set_control.go
// updateStatefulSet, stateful_set_utils.go): Pods named <set>-<ordinal> with a stable hostname and
// subdomain, created in ordinal order and — under OrderedReady — each only once the previous one is
// Running and Ready; surplus Pods removed highest ordinal first; RollingUpdate replaces Pods from the
// highest ordinal down to the partition, one at a time; OnDelete leaves that to the user. Each template
// is a ControllerRevision; Pods carry controller-revision-hash = the revision's name.
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { labelSelectorFromObject, matchesLabels } from "../../meta/labels.ts";
import type { KubeObject, StoredObject } from "../../meta/types.ts";
import { asMap, asMaps, type Json } from "../registry/json-access.ts";
import { isStorageError } from "../storage/errors.ts";
import { claim } from "./adoption.ts";
import { type Clock, REAL_CLOCK } from "./clock.ts";
import { CONTROLLER_USER, type Controller, type ControllerContext, parsedObject } from "./context.ts";
import { delayingQueue } from "./delaying-queue.ts";
import { eventRecorder } from "./events.ts";
import { type Revision, syncRevision, templateOf, truncateHistory } from "./history.ts";
import { controllerOf, controllerRef } from "./owners.ts";
import { availability, isPodReady, untilAvailable } from "./pod-availability.ts";

const STATEFULSETS = "statefulsets.apps";
export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";
export const REVISION_LABEL = "controller-revision-hash";

type StatefulSet = StoredObject & {
  spec?: {
    replicas?: number;
    selector?: Json;
    serviceName?: string;
    template?: Json;
    podManagementPolicy?: string;
    updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
    ordinals?: { start?: number };
    volumeClaimTemplates?: Json[];
    persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string };
    minReadySeconds?: number;
  };
  status?: Json;
};
type StoredPod = Pod & StoredObject;

const isRunningAndReady = (pod: Pod) => pod.status?.phase === "Running" && isPodReady(pod);
const isTerminating = (pod: StoredPod) => Boolean(pod.metadata.deletionTimestamp);
const isFailed = (pod: Pod) => pod.status?.phase === "Failed" || pod.status?.phase === "Succeeded";
const revisionOf = (pod: Pod) => pod.metadata?.labels?.[REVISION_LABEL] ?? "";

/** getOrdinal: the trailing -N of "<set>-N", or -1. */
function ordinalOf(set: StatefulSet, pod: StoredPod): number {
  const prefix = `${set.metadata.name}-`;
  const name = pod.metadata.name;
  if (!name.startsWith(prefix)) return -1;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : -1;
}

const claimName = (set: StatefulSet, claim: Json, ordinal: number) =>
  `${asMap(claim.metadata).name}-${set.metadata.name}-${ordinal}`;

/** newVersionedStatefulSetPod: the Pod for an ordinal from a template revision. */
function newPod(set: StatefulSet, template: Json, revision: string, ordinal: number): KubeObject {
  const tpl = structuredClone(template);
  const meta = asMap(tpl.metadata);
  const name = `${set.metadata.name}-${ordinal}`;
  const spec = asMap(tpl.spec);
  // updateStorage: each claim template becomes a volume backed by this ordinal's claim.
  const volumes = asMaps(spec.volumes);
  for (const claim of set.spec?.volumeClaimTemplates ?? []) {
    const volumeName = String(asMap(claim.metadata).name ?? "");
    const volume = { name: volumeName, persistentVolumeClaim: { claimName: claimName(set, claim, ordinal) } };
    const at = volumes.findIndex((v) => v.name === volumeName);
    if (at >= 0) volumes[at] = volume;
    else volumes.push(volume);
  }
  if (volumes.length) spec.volumes = volumes;
  spec.hostname = name;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  return {
    metadata: {
      ...meta,
      name,
      labels: {
        ...asMap(meta.labels),
        [POD_NAME_LABEL]: name,
        [POD_INDEX_LABEL]: String(ordinal),
        [REVISION_LABEL]: revision,
      },
      ownerReferences: [controllerRef(set)],
    },
    spec,
  };
}

export function startStatefulSetController(c: ControllerContext, clock: Clock = REAL_CLOCK): Controller {
  const setDef = c.registry.find("apps", "v1", "statefulsets")!;
  const podDef = c.registry.find("", "v1", "pods")!;
  const write = { user: CONTROLLER_USER };

  const record = eventRecorder(c, clock, "statefulset-controller");
  const createPod = (set: StatefulSet, pod: KubeObject) =>
    c.objects.create(podDef, pod, set.metadata.namespace ?? "", write).then(
      () =>
        record(
          set,
          "Normal",
          "SuccessfulCreate",
          `create Pod ${pod.metadata?.name} in StatefulSet ${set.metadata.name} successful`,
        ),
      (err: unknown) => {
        if (!isStorageError(err, "AlreadyExists")) throw err; // the previous Pod of that name is still going away
      },
    );
  const deletePod = (set: StatefulSet, pod: StoredPod) =>
    c.objects.delete(podDef, set.metadata.namespace ?? "", pod.metadata.name, write).then(
      () =>
        record(
          set,
          "Normal",
          "SuccessfulDelete",
          `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`,
        ),
      () => undefined,
    );

  /** createPersistentVolumeClaims, when this server serves the claim kind at all. */
  async function ensureClaims(set: StatefulSet, ordinal: number): Promise<void> {
    const claimDef = c.registry.find("", "v1", "persistentvolumeclaims");
    if (!claimDef) return;
    const namespace = set.metadata.namespace ?? "";
    for (const claim of set.spec?.volumeClaimTemplates ?? []) {
      const name = claimName(set, claim, ordinal);
      if (c.store.get("persistentvolumeclaims", namespace, name)) continue;
      const deleteWithSet = set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === "Delete";
      const pvc: KubeObject = {
        metadata: {
          ...asMap(claim.metadata),
          name,
          labels: {
            ...(asMap(asMap(claim.metadata).labels) as Record<string, string>),
            ...(asMap(set.spec?.selector?.matchLabels) as Record<string, string>),
          },
          ...(deleteWithSet ? { ownerReferences: [controllerRef(set)] } : {}),
        },
        spec: structuredClone(asMap(claim.spec)),
      };
      await c.objects.create(claimDef, pvc, namespace, write).then(
        () =>
          record(
            set,
            "Normal",
            "SuccessfulCreate",
            `create Claim ${name} Pod ${set.metadata.name}-${ordinal} in StatefulSet ${set.metadata.name} success`,
          ),
        (err: unknown) => {
          if (!isStorageError(err, "AlreadyExists")) throw err;
        },
      );
    }
  }

  async function reconcile(key: string, requeueAfter: (ms: number) => void): Promise<void> {
    const [namespace, name] = key.split("/");
    const set = c.store.get(STATEFULSETS, namespace, name)?.object() as StatefulSet | undefined;
    if (!set || set.metadata.deletionTimestamp) return;
    const spec = set.spec ?? {};
    const selector = labelSelectorFromObject(spec.selector);
    const members = c.store
      .list("pods", { namespace, filter: (e) => matchesLabels(selector, e.labels) })
      .items.map((e) => e.object() as StoredPod)
      .filter((p) => ordinalOf(set, p) >= 0); // isMemberOf: only <set>-N Pods are adopted
    const pods = await claim(c, set, podDef, members, selector);

    const templateLabels = asMap(asMap(asMap(spec.template).metadata).labels) as Record<string, string>;
    const { update, history, collisionCount } = await syncRevision(c, set, templateLabels);
    const statusCurrent = String(set.status?.currentRevision ?? "");
    const current: Revision = history.find((r) => r.metadata.name === statusCurrent) ?? update;
    const replicaCount = spec.replicas ?? 1;
    const start = spec.ordinals?.start ?? 0;
    const monotonic = spec.podManagementPolicy !== "Parallel";
    const minReady = spec.minReadySeconds ?? 0;
    const rolling = (spec.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate";
    const partition = rolling ? (spec.updateStrategy?.rollingUpdate?.partition ?? 0) : 0;

    // By ordinal - start; a Map, not an array of replicaCount slots (replicas may be 2^31-1).
    const replicas = new Map<number, StoredPod>();
    const condemned: StoredPod[] = [];
    for (const pod of pods) {
      const ordinal = ordinalOf(set, pod);
      if (ordinal >= start && ordinal < start + replicaCount) replicas.set(ordinal - start, pod);
      else if (ordinal >= 0) condemned.push(pod);
    }
    condemned.sort((a, b) => ordinalOf(set, b) - ordinalOf(set, a));

    const act = async (): Promise<void> => {
      // Create missing Pods and replace failed ones, lowest ordinal first.
      for (let i = 0; i < replicaCount; i++) {
        const pod = replicas.get(i);
        const ordinal = start + i;
        if (pod && isFailed(pod) && !isTerminating(pod)) {
          await deletePod(set, pod);
          replicas.delete(i);
          if (monotonic) return;
          continue;
        }
        if (!pod) {
          // Ordinals below the partition stay at the current revision (newVersionedStatefulSetPod).
          const useCurrent = rolling && ordinal < start + partition;
          const revision = useCurrent ? current : update;
          await ensureClaims(set, ordinal);
          await createPod(set, newPod(set, templateOf(revision), revision.metadata.name, ordinal));
          if (monotonic) return;
          continue;
        }
        // isRunningAndAvailable: under OrderedReady the next ordinal waits minReadySeconds too.
        if (
          monotonic &&
          (isTerminating(pod) ||
            !isRunningAndReady(pod) ||
            untilAvailable(pod, minReady, clock.now().getTime()) !== 0)
        )
          return;
      }
      // Scale down, highest ordinal first; under OrderedReady one at a time, only when all are healthy.
      for (const pod of condemned) {
        if (isTerminating(pod)) {
          if (monotonic) return;
          continue;
        }
        if (
          monotonic &&
          !isRunningAndReady(pod) &&
          (replicas.size < replicaCount || [...replicas.values()].some((p) => !isRunningAndReady(p)))
        )
          return;
        await deletePod(set, pod);
        if (monotonic) return;
      }
      if (!rolling) return; // OnDelete: the user deletes Pods to update them
      // Rolling update: replace the highest ordinal not at the update revision, down to the partition.
      for (let i = replicaCount - 1; i >= partition; i--) {
        const pod = replicas.get(i);
        if (!pod) return;
        if (revisionOf(pod) !== update.metadata.name && !isTerminating(pod)) {
          await deletePod(set, pod);
          return;
        }
        if (!isRunningAndReady(pod) || isTerminating(pod)) return;
      }
    };
    await act();

    // Status from what the Pods are now.
    const live = c.store
      .list("pods", { namespace, filter: (e) => matchesLabels(selector, e.labels) })
      .items.map((e) => e.object() as StoredPod)
      .filter((p) => controllerOf(p)?.uid === set.metadata.uid && ordinalOf(set, p) >= 0);
    const count = (f: (p: StoredPod) => boolean) => live.filter(f).length;
    const { available, wakeInMs } = availability(
      live.filter(isRunningAndReady),
      minReady,
      clock.now().getTime(),
    );
    if (wakeInMs !== undefined) requeueAfter(wakeInMs);
    const status: Json = {
      observedGeneration: set.metadata.generation,
      replicas: live.length,
      readyReplicas: count(isRunningAndReady),
      // Terminating Pods count as replicas but at no revision.
      currentReplicas: count((p) => !isTerminating(p) && revisionOf(p) === current.metadata.name),
      updatedReplicas: count((p) => !isTerminating(p) && revisionOf(p) === update.metadata.name),
      currentRevision: current.metadata.name,
      updateRevision: update.metadata.name,
      collisionCount,
      availableReplicas: available,
    };
    // completeRollingUpdate: once every Pod is updated and ready, the update revision becomes current.
    if (rolling && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
      status.currentReplicas = status.updatedReplicas;
      status.currentRevision = update.metadata.name;
    }
    for (const k of ["readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"])
      if (status[k] === 0) delete status[k];
    status.availableReplicas ??= 0;
    if (JSON.stringify(set.status ?? {}) !== JSON.stringify(status)) {
      await c.objects.guaranteedUpdate(setDef, namespace, name, (latest) => ({ ...latest, status }), {
        ...write,
        subresource: "status",
      });
    }
    const used = new Set([current.metadata.name, update.metadata.name, ...live.map(revisionOf)]);
    await truncateHistory(c, set, history, used);
  }

  return delayingQueue(
    c,
    "statefulset",
    clock,
    reconcile,
    [
      { resource: STATEFULSETS, key: (e) => `${e.namespace}/${e.name}` },
      {
        resource: "pods",
        key: (e) => {
          const ref = controllerOf(parsedObject(e));
          return ref?.kind === "StatefulSet" ? `${e.namespace}/${ref.name}` : undefined;
        },
      },
    ],
    () => c.store.list(STATEFULSETS).items.map((e) => `${e.namespace}/${e.name}`),
  );
}
