// The disruption controller (kubernetes pkg/controller/disruption/disruption.go): for each
// PodDisruptionBudget, the pods its selector picks, how many must stay healthy (minAvailable, or the
// controllers' scale minus maxUnavailable, percentages rounded up), how many are, and so how many may be
// disrupted now, with the DisruptionAllowed condition; evictions recorded in status.disruptedPods stop
// counting as healthy for two minutes or until the pod is gone.
import { labelSelectorFromObject, matchesLabels } from "../../meta/labels.ts";
import type { KubeObject, StoredObject } from "../../meta/types.ts";
import { asMap, asNumber, isMap, type Json } from "../registry/json-access.ts";
import { setDisruptionAllowedCondition } from "../registry/kinds/policy/disruption.ts";
import { storageKey } from "../registry/types.ts";
import {
  CONTROLLER_USER,
  type Controller,
  type ControllerContext,
  controller,
  parsedObject,
} from "./context.ts";
import { controllerOf } from "./owners.ts";
import { isPodReady } from "./pod-status.ts";

const PDBS = "poddisruptionbudgets.policy";
/** DeletionTimeout: an eviction not followed by the pod's deletion within this stops counting. */
const DELETION_TIMEOUT_MS = 2 * 60_000;

/** The storage key of a controller kind that has a scale (finders in disruption.go). */
const SCALABLE: Record<string, string> = {
  ReplicationController: "replicationcontrollers",
  ReplicaSet: "replicasets.apps",
  Deployment: "deployments.apps",
  StatefulSet: "statefulsets.apps",
};

function selects(pdb: KubeObject, labels: Record<string, string>): boolean {
  const selector = asMap(pdb.spec).selector;
  return isMap(selector) && matchesLabels(labelSelectorFromObject(selector), labels);
}

const served = (c: ControllerContext, resource: string) =>
  c.registry.defs.some((d) => !d.virtual && storageKey(d) === resource);

/** GetScaledValueFromIntOrPercent rounding up. */
function scaled(value: unknown, total: number): number {
  if (typeof value === "number") return value;
  const percent = Number(String(value).replace(/%$/, ""));
  return Math.ceil((percent * total) / 100);
}

/** getExpectedScale: the sum of the scales of the controllers owning the pods (a ReplicaSet of a
 * Deployment counts as the Deployment). */
function expectedScale(c: ControllerContext, namespace: string, pods: KubeObject[]): number {
  const seen = new Map<string, number>();
  for (const pod of pods) {
    let ref = controllerOf(pod);
    if (!ref) throw new Error(`found no controllers for pod ${JSON.stringify(pod.metadata?.name ?? "")}`);
    const resource = SCALABLE[ref.kind];
    let owner =
      resource && served(c, resource) ? c.store.get(resource, namespace, ref.name)?.object() : undefined;
    if (owner && ref.kind === "ReplicaSet") {
      const parent = controllerOf(owner);
      const deployment =
        parent?.kind === "Deployment"
          ? c.store.get(SCALABLE.Deployment, namespace, parent.name)?.object()
          : undefined;
      if (deployment && parent) {
        owner = deployment;
        ref = parent;
      }
    }
    if (!owner || owner.metadata.uid !== ref.uid)
      throw new Error(`found no controllers for pod ${JSON.stringify(pod.metadata?.name ?? "")}`);
    seen.set(owner.metadata.uid, asNumber(asMap(owner.spec).replicas));
  }
  return [...seen.values()].reduce((a, b) => a + b, 0);
}

function computeStatus(c: ControllerContext, pdb: StoredObject, now: Date): Json {
  const namespace = pdb.metadata.namespace ?? "";
  const spec = asMap(pdb.spec);
  const pods = c.store
    .list("pods", { namespace, filter: (e) => selects(pdb, e.labels as Record<string, string>) })
    .items.map((e) => e.object());
  const old = asMap(pdb.status);
  const disrupted: Record<string, string> = {};
  for (const [name, at] of Object.entries(asMap(old.disruptedPods))) {
    const pod = pods.find((p) => p.metadata.name === name);
    if (
      pod &&
      !pod.metadata.deletionTimestamp &&
      now.getTime() - Date.parse(String(at)) < DELETION_TIMEOUT_MS
    )
      disrupted[name] = String(at);
  }
  const status: Json = { observedGeneration: pdb.metadata.generation ?? 0 };
  let expected = 0;
  let desired = 0;
  let failure: string | undefined;
  try {
    if (spec.maxUnavailable != null) {
      expected = expectedScale(c, namespace, pods);
      desired = Math.max(0, expected - scaled(spec.maxUnavailable, expected));
    } else if (typeof spec.minAvailable === "number") {
      expected = pods.length;
      desired = spec.minAvailable;
    } else if (spec.minAvailable != null) {
      expected = expectedScale(c, namespace, pods);
      desired = scaled(spec.minAvailable, expected);
    }
  } catch (e) {
    failure = (e as Error).message;
  }
  const healthy = pods.filter(
    (p) => !p.metadata.deletionTimestamp && !(p.metadata.name in disrupted) && isPodReady(p),
  ).length;
  const allowed = failure || expected <= 0 ? 0 : Math.max(0, healthy - desired);
  if (Object.keys(disrupted).length) status.disruptedPods = disrupted;
  Object.assign(status, {
    disruptionsAllowed: allowed,
    currentHealthy: healthy,
    desiredHealthy: failure ? 0 : desired,
    expectedPods: failure ? 0 : expected,
    conditions: old.conditions,
  });
  if (!status.conditions) delete status.conditions;
  setDisruptionAllowedCondition(status, now, failure ? "SyncFailed" : undefined);
  if (failure) {
    const conditions = status.conditions as Json[];
    conditions[conditions.length - 1].message = failure;
  }
  return status;
}

export function startDisruptionController(c: ControllerContext): Controller {
  const def = c.registry.find("policy", "v1", "poddisruptionbudgets")!;
  return controller(
    c,
    "disruption",
    async (key) => {
      const [namespace, name] = key.split("/");
      const pdb = c.store.get(PDBS, namespace, name)?.object();
      if (!pdb || pdb.metadata.deletionTimestamp) return;
      const comparable = (s: unknown) =>
        JSON.stringify(s, (k, v) => (k === "lastTransitionTime" ? undefined : v));
      if (comparable(computeStatus(c, pdb, new Date())) === comparable(pdb.status ?? {})) return;
      await c.objects.guaranteedUpdate(
        def,
        namespace,
        name,
        (latest) => {
          const status = computeStatus(c, latest, new Date());
          return comparable(status) === comparable(latest.status ?? {}) ? undefined : { ...latest, status };
        },
        { user: CONTROLLER_USER, subresource: "status" },
      );
    },
    [
      { resource: PDBS, key: (e) => `${e.namespace}/${e.name}` },
      {
        resource: "pods",
        key: (e) =>
          c.store
            .list(PDBS, { namespace: e.namespace })
            .items.filter((p) => selects(p.object(), parsedObject(e).metadata?.labels ?? {}))
            .map((p) => `${p.namespace}/${p.name}`),
      },
      ...Object.values(SCALABLE)
        .filter((resource) => served(c, resource))
        .map((resource) => ({
          resource,
          key: (e: { namespace: string }) =>
            c.store.list(PDBS, { namespace: e.namespace }).items.map((p) => `${p.namespace}/${p.name}`),
        })),
    ],
    () => c.store.list(PDBS).items.map((e) => `${e.namespace}/${e.name}`),
  );
}
