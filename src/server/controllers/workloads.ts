// apps/v1 workload controllers: a ReplicaSet keeps its count of Pods; a Deployment rolls its Pod template
// out through ReplicaSets (RollingUpdate or Recreate, as upstream's deployment controller).
import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1.d.ts";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { labelSelectorFromObject, matchesLabels } from "../../meta/labels.ts";
import type { KubeObject, StoredObject } from "../../meta/types.ts";
import { deepEqual } from "../registry/json-access.ts";
import { rfc3339 } from "../registry/objects.ts";
import { claim } from "./adoption.ts";
import { type Clock, REAL_CLOCK } from "./clock.ts";
import { CONTROLLER_USER, type Controller, type ControllerContext, parsedObject } from "./context.ts";
import { delayingQueue } from "./delaying-queue.ts";
import {
  type DeploymentCondition,
  deploymentComplete,
  deploymentProgressing,
  maxSurge,
  maxUnavailable,
  newReplicaSetReplicas,
  type RolloutSpec,
  type RolloutStatus,
  setCondition,
} from "./deployment-util.ts";
import { eventRecorder } from "./events.ts";
import { controllerOf, controllerRef, templateHash } from "./owners.ts";
import { availability, isPodReady } from "./pod-availability.ts";
import { REPLICASET_BURST_REPLICAS, SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch } from "./slow-start.ts";

const DEPLOYMENTS = "deployments.apps";
const REPLICASETS = "replicasets.apps";
const REVISION = "deployment.kubernetes.io/revision";

type Stored<T> = T & StoredObject;

function ownerKey(kind: string) {
  return (e: { namespace: string; json: string }) => {
    const ref = controllerOf(parsedObject(e));
    return ref?.kind === kind ? `${e.namespace}/${ref.name}` : undefined;
  };
}

export function startReplicaSetController(c: ControllerContext, clock: Clock = REAL_CLOCK): Controller {
  const rsDef = c.registry.find("apps", "v1", "replicasets")!;
  const podDef = c.registry.find("", "v1", "pods")!;
  const record = eventRecorder(c, clock, "replicaset-controller");
  return delayingQueue(
    c,
    "replicaset",
    clock,
    async (key, requeueAfter) => {
      const [namespace, name] = key.split("/");
      const rs = c.store.get(REPLICASETS, namespace, name)?.object() as Stored<ReplicaSet> | undefined;
      if (!rs || rs.metadata.deletionTimestamp) return;
      const selector = labelSelectorFromObject(rs.spec?.selector);
      const matching = c.store
        .list("pods", { namespace, filter: (e) => matchesLabels(selector, e.labels) })
        .items.map((e) => e.object() as Stored<Pod>)
        .filter((p) => !p.metadata.deletionTimestamp);
      const pods = await claim(c, rs, podDef, matching, selector);
      const want = rs.spec?.replicas ?? 1;
      // manageReplicas: at most BurstReplicas per sync, in slow-start batches; the Pods' events bring
      // the ReplicaSet back for the rest.
      const missing = Math.min(REPLICASET_BURST_REPLICAS, want - pods.length);
      await slowStartBatch(Math.max(0, missing), SLOW_START_INITIAL_BATCH_SIZE, async () => {
        const template = structuredClone(rs.spec?.template ?? {});
        const pod: KubeObject = {
          metadata: { ...template.metadata, generateName: `${name}-`, ownerReferences: [controllerRef(rs)] },
          spec: template.spec,
        };
        const created = objectOf(await c.objects.create(podDef, pod, namespace, { user: CONTROLLER_USER }));
        await record(
          rs,
          "Normal",
          "SuccessfulCreate",
          `Created pod: ${(created as StoredObject).metadata.name}`,
        );
      });
      // Scale down the least useful pods first: not ready, then the newest.
      const surplus = [...pods]
        .sort(
          (a, b) =>
            Number(isPodReady(a)) - Number(isPodReady(b)) ||
            (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? ""),
        )
        .slice(0, Math.min(REPLICASET_BURST_REPLICAS, Math.max(0, pods.length - want)));
      for (const p of surplus) {
        const deleted = await c.objects
          .delete(podDef, namespace, p.metadata.name, { user: CONTROLLER_USER })
          .then(() => true)
          .catch(() => false);
        if (deleted) await record(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`);
      }

      const kept = pods.filter((p) => !surplus.includes(p));
      // Available = Ready for minReadySeconds; wake up when the next Ready Pod gets there.
      const { available, wakeInMs } = availability(
        kept,
        rs.spec?.minReadySeconds ?? 0,
        clock.now().getTime(),
      );
      if (wakeInMs !== undefined) requeueAfter(wakeInMs);
      const status = omitZero(
        {
          replicas: kept.length,
          fullyLabeledReplicas: kept.length,
          readyReplicas: kept.filter(isPodReady).length,
          availableReplicas: available,
          observedGeneration: rs.metadata.generation,
        },
        ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"],
      );
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

/** Drops the keys whose zero value Go's omitempty leaves out of the JSON. */
function omitZero<T extends Record<string, unknown>>(status: T, keys: string[]): T {
  for (const k of keys) if (status[k] === 0) delete status[k];
  return status;
}

/**
 * The Deployment controller (kubernetes pkg/controller/deployment: sync.go, rolling.go, recreate.go,
 * progress.go). One ReplicaSet per Pod template (found by template equality ignoring pod-template-hash);
 * RollingUpdate grows the new ReplicaSet within desired+maxSurge and shrinks old ones while at least
 * desired−maxUnavailable Pods stay available; Recreate scales old ones to zero first. Revisions are the
 * ReplicaSets' `deployment.kubernetes.io/revision` annotations (a template seen before gets the next
 * number, as `kubectl rollout undo` expects); old ReplicaSets beyond revisionHistoryLimit are deleted
 * once a rollout completes; a paused Deployment only scales.
 */
export function startDeploymentController(c: ControllerContext, clock: Clock = REAL_CLOCK): Controller {
  const rsDef = c.registry.find("apps", "v1", "replicasets")!;
  const deployDef = c.registry.find("apps", "v1", "deployments")!;
  const record = eventRecorder(c, clock, "deployment-controller");
  const write = { user: CONTROLLER_USER };

  async function reconcile(key: string, requeueAfter: (ms: number) => void): Promise<void> {
    const [namespace, name] = key.split("/");
    const d = c.store.get(DEPLOYMENTS, namespace, name)?.object() as Stored<Deployment> | undefined;
    if (!d || d.metadata.deletionTimestamp) return;
    const spec = d.spec ?? ({} as NonNullable<Deployment["spec"]>);
    const rollout = spec as RolloutSpec;
    const desired = spec.replicas ?? 1;
    const surge = maxSurge(rollout);
    const candidates = c.store
      .list(REPLICASETS, { namespace })
      .items.map((e) => e.object() as Stored<ReplicaSet>);
    let all = (await claim(c, d, rsDef, candidates, labelSelectorFromObject(spec.selector))).sort(byCreation);
    let newRS = all.find((rs) => sameTemplate(rs, spec.template));
    const old = () => all.filter((rs) => rs !== newRS);
    const maxOldRevision = Math.max(0, ...old().map(revisionOf));

    const scale = async (rs: Stored<ReplicaSet>, replicas: number): Promise<boolean> => {
      const annotations = replicasAnnotations(desired, surge);
      const same = Object.entries(annotations).every(([k, v]) => rs.metadata.annotations?.[k] === v);
      if (rs.spec?.replicas === replicas && same) return false;
      const written = await c.objects.guaranteedUpdate(
        rsDef,
        namespace,
        rs.metadata.name,
        (cur) => ({
          ...cur,
          metadata: { ...cur.metadata, annotations: { ...cur.metadata.annotations, ...annotations } },
          spec: { ...(cur.spec as object), replicas },
        }),
        write,
      );
      const updated = objectOf(written) as Stored<ReplicaSet>;
      all = all.map((x) => (x.metadata.uid === rs.metadata.uid ? updated : x));
      if (newRS?.metadata.uid === rs.metadata.uid) newRS = updated;
      const from = rs.spec?.replicas ?? 0;
      if (from === replicas) return false;
      const operation = from < replicas ? "up" : "down";
      await record(
        d,
        "Normal",
        "ScalingReplicaSet",
        `Scaled ${operation} replica set ${rs.metadata.name} from ${from} to ${replicas}`,
      );
      return true;
    };

    /** getNewReplicaSet: keep the new ReplicaSet's annotations and revision current, or create it. */
    const syncNewReplicaSet = async (create: boolean, replicas: () => number): Promise<void> => {
      const revision = String(
        newRS && revisionOf(newRS) > maxOldRevision ? revisionOf(newRS) : maxOldRevision + 1,
      );
      if (newRS) {
        const annotations = newReplicaSetAnnotations(d, revision);
        const minReadySeconds = spec.minReadySeconds ?? 0;
        if (
          Object.entries(annotations).some(([k, v]) => newRS?.metadata.annotations?.[k] !== v) ||
          (newRS.spec?.minReadySeconds ?? 0) !== minReadySeconds
        ) {
          const written = await c.objects.guaranteedUpdate(
            rsDef,
            namespace,
            newRS.metadata.name,
            (cur) => ({
              ...cur,
              metadata: { ...cur.metadata, annotations: { ...cur.metadata.annotations, ...annotations } },
              spec: { ...(cur.spec as object), minReadySeconds },
            }),
            write,
          );
          const updated = objectOf(written) as Stored<ReplicaSet>;
          all = all.map((x) => (x.metadata.uid === updated.metadata.uid ? updated : x));
          newRS = updated;
        }
      } else if (create) {
        const template = structuredClone(spec.template ?? {});
        const hash = templateHash(spec.template);
        const labels = { ...template.metadata?.labels, [HASH_LABEL]: hash };
        const rs: KubeObject = {
          metadata: {
            name: `${name}-${hash}`,
            labels,
            annotations: { ...newReplicaSetAnnotations(d, revision), ...replicasAnnotations(desired, surge) },
            ownerReferences: [controllerRef(d)],
          },
          spec: {
            replicas: replicas(),
            minReadySeconds: spec.minReadySeconds ?? 0,
            selector: {
              ...spec.selector,
              matchLabels: { ...spec.selector?.matchLabels, [HASH_LABEL]: hash },
            },
            template: { ...template, metadata: { ...template.metadata, labels } },
          },
        };
        newRS = objectOf(await c.objects.create(rsDef, rs, namespace, write)) as Stored<ReplicaSet>;
        all = [...all, newRS];
        const size = newRS.spec?.replicas ?? 0;
        if (size > 0)
          await record(
            d,
            "Normal",
            "ScalingReplicaSet",
            `Scaled up replica set ${newRS.metadata.name} from 0 to ${size}`,
          );
      }
      if (newRS && d.metadata.annotations?.[REVISION] !== revision) {
        // SetDeploymentRevision: the Deployment carries its newest revision too (kubectl's rollback patch
        // replaces metadata.annotations, which must exist). Written through /status as upstream's
        // getNewReplicaSet does (UpdateStatus): the status strategy takes annotations without a generation bump.
        await c.objects.guaranteedUpdate(
          deployDef,
          namespace,
          name,
          (cur) => ({
            ...cur,
            metadata: { ...cur.metadata, annotations: { ...cur.metadata.annotations, [REVISION]: revision } },
          }),
          { ...write, subresource: "status" },
        );
      }
    };

    const cleanup = async () => {
      const limit = spec.revisionHistoryLimit ?? 10;
      const idle = old()
        .filter(
          (rs) =>
            (rs.spec?.replicas ?? 0) === 0 &&
            (rs.status?.replicas ?? 0) === 0 &&
            !rs.metadata.deletionTimestamp,
        )
        .sort((a, b) => revisionOf(a) - revisionOf(b));
      for (const rs of idle.slice(0, Math.max(0, idle.length - limit)))
        await c.objects.delete(rsDef, namespace, rs.metadata.name, write).catch(() => undefined);
    };

    // isScalingEvent: an active ReplicaSet was sized for another replica count.
    const scalingEvent = all.some(
      (rs) =>
        replicasOf(rs) > 0 &&
        rs.metadata.annotations?.[DESIRED_REPLICAS] !== undefined &&
        rs.metadata.annotations[DESIRED_REPLICAS] !== String(desired),
    );
    const rolledOut = !spec.paused && !scalingEvent;
    if (!rolledOut) {
      // sync(): scale only (proportionally mid-rollout); no new ReplicaSet.
      await syncNewReplicaSet(false, () => desired);
      await proportionalScale();
      if (spec.paused) await cleanup();
    } else if (spec.strategy?.type === "Recreate") {
      // rolloutRecreate: old ReplicaSets to zero, wait for their Pods to go, then the new one at full size.
      let scaledDown = false;
      for (const rs of old())
        if ((rs.spec?.replicas ?? 0) > 0) scaledDown = (await scale(rs, 0)) || scaledDown;
      const oldPodsRunning = old().some((rs) => (rs.status?.replicas ?? 0) > 0);
      if (!scaledDown && !oldPodsRunning) {
        await syncNewReplicaSet(true, () => desired);
        if (newRS) await scale(newRS, desired);
        if (deploymentComplete(rollout, d.metadata.generation ?? 0, d.status ?? {})) await cleanup();
      }
    } else {
      await syncNewReplicaSet(true, () => newReplicaSetReplicas(rollout, old().map(replicasOf), 0));
      const current = newRS as Stored<ReplicaSet>;
      // reconcileNewReplicaSet
      let scaled = false;
      if (replicasOf(current) > desired) scaled = await scale(current, desired);
      else if (replicasOf(current) < desired)
        scaled = await scale(
          current,
          newReplicaSetReplicas(rollout, all.map(replicasOf), replicasOf(current)),
        );
      if (!scaled) scaled = await reconcileOldReplicaSets(current);
      if (!scaled && deploymentComplete(rollout, d.metadata.generation ?? 0, d.status ?? {})) await cleanup();
    }

    /** scale(): the only active (or newest) ReplicaSet takes the new size; otherwise a rolling Deployment
     * shares the difference to replicas+maxSurge among active ReplicaSets by their size. */
    async function proportionalScale(): Promise<void> {
      const olds = old().sort((a, b) => byCreation(b, a));
      const active = [...olds, ...(newRS ? [newRS] : [])].filter((rs) => replicasOf(rs) > 0);
      if (active.length <= 1) {
        const target = active[0] ?? newRS ?? olds[0];
        if (target && replicasOf(target) !== desired) await scale(target, desired);
        return;
      }
      const saturated =
        newRS &&
        replicasOf(newRS) === desired &&
        newRS.metadata.annotations?.[DESIRED_REPLICAS] === String(desired) &&
        (newRS.status?.availableReplicas ?? 0) === desired;
      if (saturated) {
        for (const rs of olds) if (replicasOf(rs) > 0) await scale(rs, 0);
        return;
      }
      if (spec.strategy?.type !== "RollingUpdate") return;
      const total = active.reduce((n, rs) => n + replicasOf(rs), 0);
      const allowed = desired > 0 ? desired + surge : 0;
      const toAdd = allowed - total;
      // Larger ReplicaSets first; ties: newer first when growing, older first when shrinking.
      const sorted = [...active].sort(
        (a, b) => replicasOf(b) - replicasOf(a) || (toAdd > 0 ? byCreation(b, a) : byCreation(a, b)),
      );
      const sizes = new Map<Stored<ReplicaSet>, number>();
      let added = 0;
      for (const rs of sorted) {
        const proportion = toAdd === 0 ? 0 : replicaSetProportion(rs, toAdd, added);
        sizes.set(rs, replicasOf(rs) + proportion);
        added += proportion;
      }
      sorted.forEach((rs, i) => {
        if (i === 0 && toAdd !== 0) sizes.set(rs, Math.max(0, (sizes.get(rs) ?? 0) + toAdd - added));
      });
      for (const rs of sorted) await scale(rs, sizes.get(rs) ?? replicasOf(rs));
    }

    /** GetReplicaSetProportion: this ReplicaSet's share of the replicas to add (or remove). */
    function replicaSetProportion(rs: ReplicaSet, toAdd: number, added: number): number {
      if (replicasOf(rs) === 0 || toAdd === added) return 0;
      let fraction: number;
      if (desired === 0) fraction = -replicasOf(rs);
      else {
        const before = Number(rs.metadata?.annotations?.[MAX_REPLICAS] ?? 0) || (d?.status?.replicas ?? 0);
        fraction = before === 0 ? 0 : goRound((replicasOf(rs) * (desired + surge)) / before) - replicasOf(rs);
      }
      const allowed = toAdd - added;
      return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
    }

    /** reconcileOldReplicaSets: unhealthy old Pods first, then old ones down to desired−maxUnavailable. */
    async function reconcileOldReplicaSets(current: Stored<ReplicaSet>): Promise<boolean> {
      const olds = () =>
        old()
          .filter((rs) => replicasOf(rs) > 0)
          .sort(byCreation);
      if (olds().reduce((n, rs) => n + replicasOf(rs), 0) === 0) return false;
      const minAvailable = desired - maxUnavailable(rollout);
      const newUnavailable = replicasOf(current) - (current.status?.availableReplicas ?? 0);
      const maxScaledDown = all.reduce((n, rs) => n + replicasOf(rs), 0) - minAvailable - newUnavailable;
      if (maxScaledDown <= 0) return false;
      let cleaned = 0;
      for (const rs of olds()) {
        if (cleaned >= maxScaledDown) break;
        const unhealthy = replicasOf(rs) - (rs.status?.availableReplicas ?? 0);
        if (unhealthy <= 0) continue;
        const count = Math.min(maxScaledDown - cleaned, unhealthy);
        await scale(rs, replicasOf(rs) - count);
        cleaned += count;
      }
      // scaleDownOldReplicaSetsForRollingUpdate
      const available = all.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
      let scaledDown = 0;
      if (available > minAvailable) {
        const total = available - minAvailable;
        for (const rs of olds()) {
          if (scaledDown >= total) break;
          const count = Math.min(replicasOf(rs), total - scaledDown);
          await scale(rs, replicasOf(rs) - count);
          scaledDown += count;
        }
      }
      return cleaned + scaledDown > 0;
    }

    await syncStatus(d, all, newRS, rollout, rolledOut, requeueAfter);
  }

  /** syncRolloutStatus / syncDeploymentStatus with calculateStatus and the paused conditions. */
  async function syncStatus(
    d: Stored<Deployment>,
    all: Stored<ReplicaSet>[],
    newRS: Stored<ReplicaSet> | undefined,
    rollout: RolloutSpec,
    rolledOut: boolean,
    requeueAfter: (ms: number) => void,
  ): Promise<void> {
    const desired = d.spec?.replicas ?? 1;
    const sum = (f: (rs: ReplicaSet) => number | undefined) => all.reduce((n, rs) => n + (f(rs) ?? 0), 0);
    const available = sum((rs) => rs.status?.availableReplicas);
    const now = rfc3339(clock.now());
    const condition = (
      type: string,
      status: string,
      reason: string,
      message: string,
    ): DeploymentCondition => ({
      type,
      status,
      lastUpdateTime: now,
      lastTransitionTime: now,
      reason,
      message,
    });
    const status: Record<string, unknown> & RolloutStatus = {
      observedGeneration: d.metadata.generation,
      replicas: sum((rs) => rs.status?.replicas),
      updatedReplicas: newRS?.status?.replicas ?? 0,
      readyReplicas: sum((rs) => rs.status?.readyReplicas),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, sum((rs) => rs.spec?.replicas) - available),
      collisionCount: d.status?.collisionCount,
    };
    // checkPausedConditions, then calculateStatus's Available condition.
    let conditions = (d.status?.conditions ?? []) as DeploymentCondition[];
    const hasDeadline =
      d.spec?.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds !== 2147483647;
    const before = conditions.find((x) => x.type === "Progressing");
    if (hasDeadline && before?.reason !== "ProgressDeadlineExceeded") {
      if (d.spec?.paused && before?.reason !== "DeploymentPaused")
        conditions = setCondition(
          conditions,
          condition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused"),
        );
      else if (!d.spec?.paused && before?.reason === "DeploymentPaused")
        conditions = setCondition(
          conditions,
          condition("Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed"),
        );
    }
    const previousStatus = { ...d.status, conditions } as RolloutStatus;
    conditions = setCondition(
      conditions,
      available >= desired - maxUnavailable(rollout)
        ? condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
        : condition(
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
          ),
    );
    // syncRolloutStatus (after a rollout step; a pure scale or a paused sync stops at the above).
    const progressing = conditions.find((x) => x.type === "Progressing");
    if (rolledOut && !hasDeadline) conditions = conditions.filter((x) => x.type !== "Progressing");
    else if (rolledOut) {
      const complete =
        status.replicas === status.updatedReplicas && progressing?.reason === "NewReplicaSetAvailable";
      const rsName = newRS?.metadata.name;
      const subject = rsName ? `ReplicaSet "${rsName}"` : `Deployment "${d.metadata.name}"`;
      if (!complete) {
        if (deploymentComplete(rollout, d.metadata.generation ?? 0, status)) {
          conditions = setCondition(
            conditions,
            condition(
              "Progressing",
              "True",
              "NewReplicaSetAvailable",
              `${subject} has successfully progressed.`,
            ),
          );
        } else if (deploymentProgressing(previousStatus, status)) {
          const next = condition("Progressing", "True", "ReplicaSetUpdated", `${subject} is progressing.`);
          if (progressing?.status === "True") next.lastTransitionTime = progressing.lastTransitionTime;
          conditions = [...conditions.filter((x) => x.type !== "Progressing"), next];
        } else if (timedOut(progressing, d.spec?.progressDeadlineSeconds ?? 600, clock.now().getTime())) {
          conditions = setCondition(
            conditions,
            condition(
              "Progressing",
              "False",
              "ProgressDeadlineExceeded",
              `${subject} has timed out progressing.`,
            ),
          );
        }
      }
    }
    status.conditions = conditions;
    // requeueStuckDeployment: look again when the progress deadline passes.
    const current = conditions.find((x) => x.type === "Progressing");
    if (rolledOut && hasDeadline && current?.reason === "ReplicaSetUpdated") {
      const deadline =
        Date.parse(current.lastUpdateTime ?? "") + (d.spec?.progressDeadlineSeconds ?? 600) * 1000;
      if (Number.isFinite(deadline)) requeueAfter(Math.max(0, deadline - clock.now().getTime()) + 1000);
    }
    for (const k of [
      "replicas",
      "updatedReplicas",
      "readyReplicas",
      "availableReplicas",
      "unavailableReplicas",
    ])
      if (status[k] === 0) delete status[k];
    if (status.collisionCount === undefined) delete status.collisionCount;
    if (JSON.stringify(d.status ?? {}) !== JSON.stringify(status)) {
      await c.objects.guaranteedUpdate(
        deployDef,
        d.metadata.namespace ?? "",
        d.metadata.name,
        (latest) => ({ ...latest, status }),
        {
          ...write,
          subresource: "status",
        },
      );
    }
  }

  return delayingQueue(
    c,
    "deployment",
    clock,
    reconcile,
    [
      { resource: DEPLOYMENTS, key: (e) => `${e.namespace}/${e.name}` },
      { resource: REPLICASETS, key: ownerKey("Deployment") },
    ],
    () => c.store.list(DEPLOYMENTS).items.map((e) => `${e.namespace}/${e.name}`),
  );
}

const HASH_LABEL = "pod-template-hash";
const DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
// Deployment annotations not copied to its ReplicaSets (deployment_util.go annotationsToSkip).
const SKIPPED_ANNOTATIONS = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  REVISION,
  "deployment.kubernetes.io/revision-history",
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  "deprecated.deployment.rollback.to",
]);

const replicasOf = (rs: ReplicaSet) => rs.spec?.replicas ?? 0;
const revisionOf = (rs: ReplicaSet) => Number(rs.metadata?.annotations?.[REVISION] ?? 0) || 0;
const byCreation = (a: StoredObject, b: StoredObject) =>
  (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "") ||
  a.metadata.name.localeCompare(b.metadata.name);
const objectOf = (e: unknown) =>
  e && typeof (e as { object?: unknown }).object === "function"
    ? (e as { object(): StoredObject }).object()
    : e;

/** EqualIgnoreHash: the ReplicaSet's template is the Deployment's, pod-template-hash label aside (compared
 * as Go values are: a null field is an absent one, an empty label map none). */
function sameTemplate(rs: ReplicaSet, template: unknown): boolean {
  const mine = structuredClone(rs.spec?.template ?? {});
  if (mine.metadata?.labels) {
    const { [HASH_LABEL]: _, ...labels } = mine.metadata.labels;
    mine.metadata = { ...mine.metadata, labels };
  }
  return deepEqual(semantic(mine), semantic(template));
}

function semantic(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(semantic);
  if (!value || typeof value !== "object") return value;
  const entries = Object.entries(value)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => [k, semantic(v)] as const)
    .filter(([k, v]) => k !== "labels" || Object.keys(v as object).length > 0);
  return Object.fromEntries(entries);
}

/** SetNewReplicaSetAnnotations: the Deployment's annotations (minus the skipped ones) and the revision. */
function newReplicaSetAnnotations(d: Deployment, revision: string): Record<string, string> {
  const copied = Object.entries(d.metadata?.annotations ?? {}).filter(([k]) => !SKIPPED_ANNOTATIONS.has(k));
  return { ...Object.fromEntries(copied), [REVISION]: revision };
}

/** SetReplicasAnnotations. */
function replicasAnnotations(desired: number, surge: number): Record<string, string> {
  return {
    [DESIRED_REPLICAS]: String(desired),
    [MAX_REPLICAS]: String(desired + surge),
  };
}

/** DeploymentTimedOut: no progress reported within progressDeadlineSeconds. */
function timedOut(
  progressing: DeploymentCondition | undefined,
  deadlineSeconds: number,
  now: number,
): boolean {
  if (
    !progressing ||
    progressing.reason === "NewReplicaSetAvailable" ||
    progressing.reason === "ProgressDeadlineExceeded"
  )
    return progressing?.reason === "ProgressDeadlineExceeded";
  const from = Date.parse(progressing.lastUpdateTime ?? "");
  return Number.isFinite(from) && from + deadlineSeconds * 1000 < now;
}

/** integer.RoundToInt32: Go's math.Round (halves away from zero). */
function goRound(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}
