// The DaemonSet controller (kubernetes pkg/controller/daemon: daemon_controller.go manage/
// podsShouldBeOnNode/updateDaemonSetStatus, update.go rollingUpdate, util/daemonset_util.go): one Pod
// per Node that should run it (nodeSelector, required node affinity terms and taints against the Pod's
// tolerations), pinned to its Node through node affinity and left to the scheduler; Pods on Nodes that
// no longer qualify are removed. RollingUpdate replaces old Pods within maxUnavailable (or, with
// maxSurge, starts the new Pod next to the old one first); OnDelete leaves that to the user. Templates are
// ControllerRevisions; Pods carry controller-revision-hash and pod-template-generation.
import type { Node, Pod, Taint, Toleration } from "kubernetes-types/core/v1.d.ts";
import { labelSelectorFromObject, matchesLabels } from "../../meta/labels.ts";
import type { KubeObject, StoredObject } from "../../meta/types.ts";
import { asMap, asMaps, type Json } from "../registry/json-access.ts";
import { TEMPLATE_GENERATION } from "../registry/kinds/apps/daemonset.ts";
import { claim } from "./adoption.ts";
import { type Clock, REAL_CLOCK } from "./clock.ts";
import { CONTROLLER_USER, type Controller, type ControllerContext, parsedObject } from "./context.ts";
import { delayingQueue } from "./delaying-queue.ts";
import { scaledValue } from "./deployment-util.ts";
import { eventRecorder } from "./events.ts";
import { syncRevision, truncateHistory } from "./history.ts";
import { controllerOf, controllerRef } from "./owners.ts";
import { isPodReady as isReady, untilAvailable } from "./pod-availability.ts";
import { DAEMONSET_BURST_REPLICAS, SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch } from "./slow-start.ts";

const DAEMONSETS = "daemonsets.apps";
export const HASH_LABEL = "controller-revision-hash";
const GENERATION_LABEL = "pod-template-generation";

type DaemonSet = StoredObject & {
  spec?: {
    selector?: Json;
    template?: Json;
    minReadySeconds?: number;
    updateStrategy?: {
      type?: string;
      rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string };
    };
  };
  status?: Json;
};
type StoredPod = Pod & StoredObject;

const isTerminating = (pod: StoredPod) => Boolean(pod.metadata.deletionTimestamp);
const byCreation = (a: StoredPod, b: StoredPod) =>
  (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "") ||
  a.metadata.name.localeCompare(b.metadata.name);

/** AddOrUpdateDaemonPodTolerations: Daemon Pods survive node problems and unschedulable Nodes. */
export function daemonTolerations(spec: Json): Toleration[] {
  const tolerations = [...(asMaps(spec.tolerations) as Toleration[])];
  const add = (key: string, effect: string) => {
    const t: Toleration = { key, operator: "Exists", effect };
    const at = tolerations.findIndex((x) => x.key === key && x.effect === effect);
    if (at >= 0) tolerations[at] = t;
    else tolerations.push(t);
  };
  add("node.kubernetes.io/not-ready", "NoExecute");
  add("node.kubernetes.io/unreachable", "NoExecute");
  add("node.kubernetes.io/disk-pressure", "NoSchedule");
  add("node.kubernetes.io/memory-pressure", "NoSchedule");
  add("node.kubernetes.io/pid-pressure", "NoSchedule");
  add("node.kubernetes.io/unschedulable", "NoSchedule");
  if (spec.hostNetwork) add("node.kubernetes.io/network-unavailable", "NoSchedule");
  return tolerations;
}

/** v1helper.TolerationsTolerateTaint. */
function tolerates(tolerations: Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.key && t.key !== taint.key) return false;
    if (!t.key && t.operator !== "Exists") return false;
    return t.operator === "Exists" || (t.value ?? "") === (taint.value ?? "");
  });
}

/** The required node affinity terms (ORed; each term's expressions and fields ANDed) against a Node. */
function affinityMatches(spec: Json, node: Node): boolean {
  const terms = asMaps(
    asMap(asMap(asMap(spec.affinity).nodeAffinity).requiredDuringSchedulingIgnoredDuringExecution)
      .nodeSelectorTerms,
  );
  if (terms.length === 0) return true;
  const labels = node.metadata?.labels ?? {};
  const fields: Record<string, string> = { "metadata.name": node.metadata?.name ?? "" };
  const holds = (reqs: Json[], values: Record<string, string>) =>
    reqs.every((r) => {
      const key = String(r.key ?? "");
      const has = Object.hasOwn(values, key);
      const vals = (r.values as string[] | undefined) ?? [];
      switch (r.operator) {
        case "In":
          return has && vals.includes(values[key]);
        case "NotIn":
          return !has || !vals.includes(values[key]);
        case "Exists":
          return has;
        case "DoesNotExist":
          return !has;
        case "Gt":
          return has && Number(values[key]) > Number(vals[0]);
        case "Lt":
          return has && Number(values[key]) < Number(vals[0]);
        default:
          return false;
      }
    });
  return terms.some(
    (t) =>
      (asMaps(t.matchExpressions).length > 0 || asMaps(t.matchFields).length > 0) &&
      holds(asMaps(t.matchExpressions), labels) &&
      holds(asMaps(t.matchFields), fields),
  );
}

/** NodeShouldRunDaemonPod: [should run, should continue running]. */
export function nodeShouldRun(template: Json, node: Node): [boolean, boolean] {
  const spec = asMap(template.spec);
  const tolerations = daemonTolerations(spec);
  if (spec.nodeName && spec.nodeName !== node.metadata?.name) return [false, false];
  const selector = asMap(spec.nodeSelector) as Record<string, string>;
  const labels = node.metadata?.labels ?? {};
  const fits = Object.entries(selector).every(([k, v]) => labels[k] === v) && affinityMatches(spec, node);
  const taints = node.spec?.taints ?? [];
  const untolerated = (effect: string) =>
    taints.some((t) => t.effect === effect && !tolerates(tolerations, t));
  if (untolerated("NoExecute")) return [false, false];
  if (!fits) return [false, false];
  if (untolerated("NoSchedule")) return [false, true];
  return [true, true];
}

/** util.GetTargetNodeName: the Pod's node, or the one its node affinity pins it to. */
function targetNode(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
    ?.nodeSelectorTerms ?? [])
    for (const f of term.matchFields ?? [])
      if (f.key === "metadata.name" && f.operator === "In" && f.values?.length === 1) return f.values[0];
  return undefined;
}

/** CreatePodTemplate + ReplaceDaemonSetPodNodeNameNodeAffinity: the Pod for a Node. */
function newPod(ds: DaemonSet, hash: string, node: string): KubeObject {
  const template = structuredClone(asMap(ds.spec?.template));
  const meta = asMap(template.metadata);
  const spec = asMap(template.spec);
  spec.tolerations = daemonTolerations(spec);
  const affinity = asMap(spec.affinity);
  spec.affinity = {
    ...affinity,
    nodeAffinity: {
      ...asMap(affinity.nodeAffinity),
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [node] }] }],
      },
    },
  };
  const generation = ds.metadata.annotations?.[TEMPLATE_GENERATION];
  return {
    metadata: {
      ...meta,
      generateName: `${ds.metadata.name}-`,
      labels: {
        ...(asMap(meta.labels) as Record<string, string>),
        [HASH_LABEL]: hash,
        ...(generation ? { [GENERATION_LABEL]: generation } : {}),
      },
      ownerReferences: [controllerRef(ds)],
    },
    spec,
  };
}

export function startDaemonSetController(c: ControllerContext, clock: Clock = REAL_CLOCK): Controller {
  const record = eventRecorder(c, clock, "daemonset-controller");
  const dsDef = c.registry.find("apps", "v1", "daemonsets")!;
  const podDef = c.registry.find("", "v1", "pods")!;
  const write = { user: CONTROLLER_USER };

  async function reconcile(key: string, requeueAfter: (ms: number) => void): Promise<void> {
    const [namespace, name] = key.split("/");
    const ds = c.store.get(DAEMONSETS, namespace, name)?.object() as DaemonSet | undefined;
    if (!ds || ds.metadata.deletionTimestamp) return;
    const template = asMap(ds.spec?.template);
    const { update, history, hash, collisionCount } = await syncRevision(
      c,
      ds,
      asMap(asMap(template.metadata).labels) as Record<string, string>,
      HASH_LABEL,
      ds.metadata.annotations,
    );
    const nodes = c.store.list("nodes").items.map((e) => e.object() as Node & StoredObject);
    const selector = labelSelectorFromObject(ds.spec?.selector);
    const matching = c.store
      .list("pods", { namespace, filter: (p) => matchesLabels(selector, p.labels) })
      .items.map((e) => e.object() as StoredPod);
    await claim(c, ds, podDef, matching, selector); // adopts orphans; podsByNode reads them back
    const podsByNode = () => {
      const byNode = new Map<string, StoredPod[]>();
      for (const e of c.store.list("pods", { namespace, filter: (p) => matchesLabels(selector, p.labels) })
        .items) {
        const pod = e.object() as StoredPod;
        const node = targetNode(pod);
        if (controllerOf(pod)?.uid !== ds.metadata.uid || !node) continue;
        byNode.set(node, [...(byNode.get(node) ?? []), pod]);
      }
      for (const pods of byNode.values()) pods.sort(byCreation);
      return byNode;
    };
    const isNew = (p: Pod) => p.metadata?.labels?.[HASH_LABEL] === hash;
    // IsPodAvailable with spec.minReadySeconds; a Ready Pod not yet available wakes the controller later.
    const isAvailable = (p: Pod) => {
      const ms = untilAvailable(p, ds.spec?.minReadySeconds ?? 0, clock.now().getTime());
      if (ms) requeueAfter(ms);
      return ms === 0;
    };
    const rolling = ds.spec?.updateStrategy?.type !== "OnDelete";
    const ru = ds.spec?.updateStrategy?.rollingUpdate;
    const desired = nodes.filter((n) => nodeShouldRun(template, n)[0]).length;
    let surge = rolling ? scaledValue(ru?.maxSurge ?? 0, desired, true) : 0;
    let unavailable = rolling ? scaledValue(ru?.maxUnavailable ?? 0, desired, true) : 0;
    if (rolling && surge === 0 && unavailable === 0) unavailable = 1;
    if (!rolling) surge = 0;

    // manage: create and delete so each qualifying Node runs one Pod.
    const toCreate: string[] = [];
    const toDelete = new Set<StoredPod>();
    let byNode = podsByNode();
    for (const node of nodes) {
      const nodeName = node.metadata?.name ?? "";
      const [shouldRun, shouldContinue] = nodeShouldRun(template, node);
      const pods = (byNode.get(nodeName) ?? []).filter((p) => !isTerminating(p));
      if (shouldRun && pods.length === 0) toCreate.push(nodeName);
      else if (shouldContinue) {
        const running = pods.filter((p) => {
          const done = p.status?.phase === "Failed" || p.status?.phase === "Succeeded";
          if (done) toDelete.add(p);
          return !done;
        });
        if (surge === 0) {
          for (const p of running.slice(1)) toDelete.add(p);
        } else if (running.length === 0 && shouldRun) toCreate.push(nodeName);
        else if (running.length > 1) {
          const oldestNew = running.find(isNew);
          const oldestOld = running.find((p) => !isNew(p));
          for (const p of running) if (p !== oldestNew && p !== oldestOld) toDelete.add(p);
          if (oldestNew && oldestOld && (!isReady(oldestOld) || isReady(oldestNew))) toDelete.add(oldestOld);
        }
      } else for (const p of pods) toDelete.add(p);
    }
    await sync(toDelete, toCreate);

    // rollingUpdate
    if (rolling && update.metadata.name) {
      byNode = podsByNode();
      const deleteOld = new Set<StoredPod>();
      const createOn: string[] = [];
      const split = (pods: StoredPod[]) => {
        const live = pods.filter((p) => !isTerminating(p));
        const news = live.filter(isNew);
        const olds = live.filter((p) => !isNew(p));
        return news.length > 1 || olds.length > 1 ? undefined : { newPod: news[0], oldPod: olds[0] };
      };
      if (surge === 0) {
        let numUnavailable = 0;
        const candidates: StoredPod[] = [];
        for (const pods of byNode.values()) {
          const found = split(pods);
          if (!found) {
            numUnavailable++;
            continue;
          }
          const { newPod: fresh, oldPod: stale } = found;
          if ((!fresh && !stale) || (fresh && stale)) numUnavailable++;
          else if (fresh) {
            if (!isAvailable(fresh)) numUnavailable++;
          } else if (stale && !isAvailable(stale)) deleteOld.add(stale);
          else if (stale && numUnavailable < unavailable) candidates.push(stale);
        }
        const remaining = Math.min(Math.max(0, unavailable - numUnavailable), candidates.length);
        for (const p of candidates.slice(0, remaining)) deleteOld.add(p);
      } else {
        let numSurge = 0;
        const allowed: string[] = [];
        const candidates: string[] = [];
        for (const [nodeName, pods] of byNode) {
          const found = split(pods);
          if (!found) {
            numSurge++;
            continue;
          }
          const { newPod: fresh, oldPod: stale } = found;
          if (!stale) continue;
          if (!fresh) {
            const node = nodes.find((n) => n.metadata?.name === nodeName);
            if (!isAvailable(stale)) {
              if (!node || !nodeShouldRun(template, node)[0]) deleteOld.add(stale);
              else allowed.push(nodeName);
            } else if (numSurge < surge) candidates.push(nodeName);
          } else if (!isAvailable(fresh)) numSurge++;
          else deleteOld.add(stale);
        }
        createOn.push(...allowed, ...candidates.slice(0, Math.max(0, surge - numSurge)));
      }
      await sync(deleteOld, createOn);
    }

    // updateDaemonSetStatus
    byNode = podsByNode();
    const generation = ds.metadata.annotations?.[TEMPLATE_GENERATION];
    let desiredNumber = 0;
    let current = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    let misscheduled = 0;
    for (const node of nodes) {
      const pods = byNode.get(node.metadata?.name ?? "") ?? [];
      if (nodeShouldRun(template, node)[0]) {
        desiredNumber++;
        if (pods.length === 0) continue;
        current++;
        const pod = pods[0];
        if (isReady(pod)) {
          ready++;
          if (isAvailable(pod)) available++;
        }
        if (isNew(pod) || (generation && pod.metadata.labels?.[GENERATION_LABEL] === generation)) updated++;
      } else if (pods.length > 0) misscheduled++;
    }
    const status: Json = {
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desiredNumber,
      numberReady: ready,
      observedGeneration: ds.metadata.generation,
      updatedNumberScheduled: updated,
      numberAvailable: available,
      numberUnavailable: desiredNumber - available,
    };
    // A pointer upstream: present once a collision happened.
    if (collisionCount > 0 || asMap(ds.status).collisionCount !== undefined)
      status.collisionCount = collisionCount;
    for (const k of ["updatedNumberScheduled", "numberAvailable", "numberUnavailable"])
      if (status[k] === 0) delete status[k];
    if (JSON.stringify(ds.status ?? {}) !== JSON.stringify(status))
      await c.objects.guaranteedUpdate(dsDef, namespace, name, (latest) => ({ ...latest, status }), {
        ...write,
        subresource: "status",
      });
    const live = new Set([update.metadata.name]);
    for (const pods of byNode.values())
      for (const p of pods) {
        const revision = history.find(
          (r) => r.metadata.labels?.[HASH_LABEL] === p.metadata.labels?.[HASH_LABEL],
        );
        if (revision) live.add(revision.metadata.name);
      }
    await truncateHistory(c, ds, history, live);

    /** syncNodes: at most BurstReplicas deletions and creations per sync, creations in slow-start batches
     * (the created Pods' events bring the DaemonSet back for the rest). */
    async function sync(remove: Iterable<StoredPod>, nodesToCreate: string[]): Promise<void> {
      const owner = ds as DaemonSet;
      for (const p of [...remove].slice(0, DAEMONSET_BURST_REPLICAS)) {
        const deleted = await c.objects
          .delete(podDef, namespace, p.metadata.name, write)
          .then(() => true)
          .catch(() => false);
        if (deleted) await record(owner, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`);
      }
      const creating = nodesToCreate.slice(0, DAEMONSET_BURST_REPLICAS);
      await slowStartBatch(creating.length, SLOW_START_INITIAL_BATCH_SIZE, async (i) => {
        const created = await c.objects.create(podDef, newPod(owner, hash, creating[i]), namespace, write);
        const pod = "object" in created && typeof created.object === "function" ? created.object() : created;
        await record(
          owner,
          "Normal",
          "SuccessfulCreate",
          `Created pod: ${(pod as StoredObject).metadata.name}`,
        );
      });
    }
  }

  return delayingQueue(
    c,
    "daemonset",
    clock,
    reconcile,
    [
      { resource: DAEMONSETS, key: (e) => `${e.namespace}/${e.name}` },
      {
        resource: "pods",
        key: (e) => {
          const ref = controllerOf(parsedObject(e));
          return ref?.kind === "DaemonSet" ? `${e.namespace}/${ref.name}` : undefined;
        },
      },
      // Any Node change may change where DaemonSets should run.
      { resource: "nodes", key: () => c.store.list(DAEMONSETS).items.map((e) => `${e.namespace}/${e.name}`) },
    ],
    () => c.store.list(DAEMONSETS).items.map((e) => `${e.namespace}/${e.name}`),
  );
}
