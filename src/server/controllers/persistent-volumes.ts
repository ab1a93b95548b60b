// The PersistentVolume controller (kubernetes pkg/controller/volume/persistentvolume/pv_controller.go:
// syncClaim → syncUnboundClaim/syncBoundClaim, syncVolume, bind, reclaimVolume; index.go
// findBestMatchForClaim) plus the cluster's one dynamic provisioner, incluster.dev/local-path, which does
// what kind's local-path-provisioner does (sig-storage-lib-external-provisioner's events): once a Pod using
// a WaitForFirstConsumer claim is on a node, it creates a directory <volumesDir>/<pv-name> and a hostPath
// PV pinned to that node; reclaim Delete removes both when the claim goes away.
// Differences: no scheduler volume binding, so the node a Pod landed on becomes the claim's
// volume.kubernetes.io/selected-node here (kube-scheduler's VolumeBinding PreBind sets it upstream), and a
// claim with a selected node may then bind a matching static PV too; no Recycle; no resize.
import { chmod, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { labelSelectorFromObject, matchesLabels } from "../../meta/labels.ts";
import { quantityMilli } from "../../meta/quantity.ts";
import type { KubeObject, StoredObject } from "../../meta/types.ts";
import { asMap, asString, asStrings, type Json } from "../registry/json-access.ts";
import { storageClassOf } from "../registry/kinds/core/persistent-volumes.ts";
import type { ResourceDef } from "../registry/types.ts";
import type { Entry } from "../storage/index.ts";
import type { Clock } from "./clock.ts";
import {
  CONTROLLER_USER,
  type Controller,
  type ControllerContext,
  controller,
  parsedObject,
} from "./context.ts";
import { eventRecorder } from "./events.ts";

/** The local-path provisioner's name (StorageClass.provisioner, pv.kubernetes.io/provisioned-by). */
export const LOCAL_PATH_PROVISIONER = "incluster.dev/local-path";
export const DEFAULT_STORAGE_CLASS_NAME = "standard";
export const IS_DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";
export const ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed";
export const ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller";
export const ANN_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
export const ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";
const ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner";
export const ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node";
const HOSTNAME_LABEL = "kubernetes.io/hostname";
const COMPONENT = "persistentvolume-controller";

const CLAIMS = "persistentvolumeclaims";
const VOLUMES = "persistentvolumes";
const CLASSES = "storageclasses.storage.k8s.io";

type Obj = StoredObject & { spec?: Json; status?: Json };

/** The default StorageClass a fresh cluster gets (kind's `standard`, served by the local-path provisioner). */
export const DEFAULT_STORAGE_CLASS: KubeObject = {
  metadata: { name: DEFAULT_STORAGE_CLASS_NAME, annotations: { [IS_DEFAULT_CLASS_ANNOTATION]: "true" } },
  provisioner: LOCAL_PATH_PROVISIONER,
  reclaimPolicy: "Delete",
  volumeBindingMode: "WaitForFirstConsumer",
};

/** The claim names of a Pod's persistentVolumeClaim volumes. */
export function podClaimNames(pod: KubeObject): string[] {
  const volumes = (asMap(pod.spec).volumes ?? []) as Json[];
  return volumes.map((v) => asString(asMap(v.persistentVolumeClaim).claimName)).filter(Boolean);
}

const annotation = (o: KubeObject, key: string) => o.metadata?.annotations?.[key];
const storageOf = (o: Json, field: "capacity" | "requests") =>
  quantityMilli(
    asString(
      asMap(field === "capacity" ? asMap(o.spec).capacity : asMap(asMap(o.spec).resources).requests).storage,
    ) || "0",
  );
const volumeModeOf = (o: KubeObject) => asString(asMap(o.spec).volumeMode) || "Filesystem";

/** IsVolumeBoundToClaim: claimRef names the claim, and its UID if it has one. */
function isVolumeBoundToClaim(volume: Obj, claim: Obj): boolean {
  const ref = asMap(asMap(volume.spec).claimRef);
  if (asString(ref.name) !== claim.metadata.name || asString(ref.namespace) !== claim.metadata.namespace)
    return false;
  return !ref.uid || ref.uid === claim.metadata.uid;
}

/** Node affinity of a volume against one node's labels (required terms, In/NotIn/Exists/DoesNotExist). */
function volumeFitsNode(volume: Obj, labels: Record<string, string>): boolean {
  const terms = (asMap(asMap(asMap(volume.spec).nodeAffinity).required).nodeSelectorTerms ?? []) as Json[];
  if (terms.length === 0) return true;
  return terms.some((term) =>
    ((term.matchExpressions ?? []) as Json[]).every((e) => {
      const key = asString(e.key);
      const values = asStrings(e.values);
      switch (e.operator) {
        case "In":
          return key in labels && values.includes(labels[key]);
        case "NotIn":
          return !(key in labels) || !values.includes(labels[key]);
        case "Exists":
          return key in labels;
        case "DoesNotExist":
          return !(key in labels);
        default:
          return false;
      }
    }),
  );
}

/**
 * findBestMatchForClaim / findMatchingVolume: a volume pre-bound to the claim wins; otherwise, unless
 * binding is delayed, the smallest Available volume with all the claim's access modes, enough capacity,
 * the same class and volume mode, matching the selector (and, with a node, its affinity).
 */
export function findBestMatchForClaim(
  volumes: Obj[],
  claim: Obj,
  delayBinding: boolean,
  nodeLabels?: Record<string, string>,
): Obj | undefined {
  const spec = asMap(claim.spec);
  const wantedModes = asStrings(spec.accessModes);
  const requested = storageOf(claim, "requests");
  const wantedClass = storageClassOf(claim);
  const selector = spec.selector as Json | undefined;
  let best: Obj | undefined;
  for (const volume of volumes) {
    const modes = asStrings(asMap(volume.spec).accessModes);
    if (!wantedModes.every((m) => modes.includes(m))) continue;
    if (volumeModeOf(volume) !== volumeModeOf(claim)) continue;
    if (volume.metadata.deletionTimestamp) continue;
    const size = storageOf(volume, "capacity");
    if (isVolumeBoundToClaim(volume, claim)) {
      if (size < requested || storageClassOf(volume) !== wantedClass) continue;
      return volume;
    }
    if (delayBinding && !nodeLabels) continue;
    if (asString(asMap(volume.status).phase) !== "Available" || asMap(volume.spec).claimRef) continue;
    if (selector && !matchesLabels(labelSelectorFromObject(selector), volume.metadata.labels)) continue;
    if (storageClassOf(volume) !== wantedClass) continue;
    if (nodeLabels && !volumeFitsNode(volume, nodeLabels)) continue;
    if (size >= requested && (!best || storageOf(best, "capacity") > size)) best = volume;
  }
  return best;
}

export interface PersistentVolumeOptions {
  clock: Clock;
  /** Where the local-path provisioner creates volume directories. */
  volumesDir: string;
}

export function startPersistentVolumeController(
  c: ControllerContext,
  o: PersistentVolumeOptions,
): Controller {
  const claimDef = c.registry.find("", "v1", CLAIMS) as ResourceDef;
  const volumeDef = c.registry.find("", "v1", VOLUMES) as ResourceDef;
  const record = eventRecorder(c, o.clock, COMPONENT);
  const recordProvisioner = eventRecorder(c, o.clock, LOCAL_PATH_PROVISIONER);
  const write = { user: CONTROLLER_USER };
  const volumesDir = path.resolve(o.volumesDir);

  const getClaim = (namespace: string, name: string) =>
    c.store.get(CLAIMS, namespace, name)?.object() as Obj | undefined;
  const getVolume = (name: string) => c.store.get(VOLUMES, "", name)?.object() as Obj | undefined;
  const getClass = (name: string) =>
    name ? (c.store.get(CLASSES, "", name)?.object() as Json | undefined) : undefined;
  const own = <T>(o: T): T => structuredClone(o);
  /** What a write returns: a store entry (parsed afresh) or the object itself. */
  const stored = (r: Entry | StoredObject) =>
    ("object" in r && typeof r.object === "function" ? r.object() : r) as Obj;

  async function updateClaim(claim: Obj): Promise<Obj> {
    return stored(
      await c.objects.update(claimDef, claim, claim.metadata.namespace ?? "", claim.metadata.name, write),
    );
  }
  async function updateVolume(volume: Obj): Promise<Obj> {
    return stored(await c.objects.update(volumeDef, volume, "", volume.metadata.name, write));
  }

  /** updateClaimStatus: phase, and the bound volume's access modes and capacity (or none). */
  async function updateClaimStatus(claim: Obj, phase: string, volume?: Obj): Promise<Obj> {
    const status = asMap(claim.status);
    const accessModes = volume ? asMap(volume.spec).accessModes : undefined;
    const capacity = volume ? asMap(volume.spec).capacity : undefined;
    if (
      status.phase === phase &&
      JSON.stringify(status.accessModes) === JSON.stringify(accessModes) &&
      JSON.stringify(status.capacity) === JSON.stringify(capacity)
    )
      return claim;
    const next = own(claim);
    next.status = { ...asMap(claim.status), phase, accessModes, capacity };
    const options = { ...write, subresource: "status" };
    return stored(
      await c.objects.update(claimDef, next, next.metadata.namespace ?? "", next.metadata.name, options),
    );
  }
  async function updateClaimStatusWithEvent(claim: Obj, phase: string, reason: string, message: string) {
    if (asMap(claim.status).phase === phase) return;
    await record(await updateClaimStatus(claim, phase), "Warning", reason, message);
  }
  async function updateVolumePhase(volume: Obj, phase: string, message = ""): Promise<Obj> {
    if (asMap(volume.status).phase === phase) return volume;
    const next = own(volume);
    next.status = { ...asMap(volume.status), phase, message: message || undefined };
    return stored(
      await c.objects.update(volumeDef, next, "", next.metadata.name, { ...write, subresource: "status" }),
    );
  }

  /** bind: the volume first (claimRef, Bound), then the claim (volumeName, annotations, Bound). */
  async function bind(volume: Obj, claim: Obj): Promise<void> {
    const ref = asMap(asMap(volume.spec).claimRef);
    const boundByUser = isVolumeBoundToClaim(volume, claim);
    if (
      ref.uid !== claim.metadata.uid ||
      ref.name !== claim.metadata.name ||
      ref.namespace !== claim.metadata.namespace ||
      (!boundByUser && !annotation(volume, ANN_BOUND_BY_CONTROLLER))
    ) {
      const next = own(volume);
      next.spec = {
        ...asMap(next.spec),
        claimRef: claimRefOf(claim),
      };
      if (!boundByUser)
        next.metadata.annotations = { ...next.metadata.annotations, [ANN_BOUND_BY_CONTROLLER]: "yes" };
      volume = await updateVolume(next);
    }
    volume = await updateVolumePhase(volume, "Bound");
    const claimSpec = asMap(claim.spec);
    if (claimSpec.volumeName !== volume.metadata.name || !annotation(claim, ANN_BIND_COMPLETED)) {
      const next = own(claim);
      const annotations: Record<string, string> = {
        ...next.metadata.annotations,
        [ANN_BIND_COMPLETED]: "yes",
      };
      if (claimSpec.volumeName !== volume.metadata.name) annotations[ANN_BOUND_BY_CONTROLLER] ??= "yes";
      next.metadata.annotations = annotations;
      next.spec = { ...claimSpec, volumeName: volume.metadata.name };
      claim = await updateClaim(next);
    }
    await updateClaimStatus(claim, "Bound", volume);
    waiting.delete(`${claim.metadata.namespace}/${claim.metadata.name}`);
  }

  /** The node a Pod using the claim runs on (the scheduler's selected node), if any. */
  function consumerNode(claim: Obj): string | undefined {
    const mention = `"claimName":${JSON.stringify(claim.metadata.name)}`;
    for (const entry of c.store.list("pods", { namespace: claim.metadata.namespace }).items) {
      if (!entry.json.includes(mention)) continue; // most Pods do not use the claim: skip parsing them
      const pod = entry.object() as Obj;
      const node = asString(asMap(pod.spec).nodeName);
      if (node && !pod.metadata.deletionTimestamp && podClaimNames(pod).includes(claim.metadata.name))
        return node;
    }
    return undefined;
  }

  function nodeLabelsOf(node: string): Record<string, string> {
    const labels = c.store.get("nodes", "", node)?.object().metadata.labels;
    return labels ?? { [HOSTNAME_LABEL]: node };
  }

  async function syncUnboundClaim(claim: Obj): Promise<void> {
    const spec = asMap(claim.spec);
    if (!spec.volumeName) {
      const className = storageClassOf(claim);
      const cls = getClass(className);
      const delayBinding = cls?.volumeBindingMode === "WaitForFirstConsumer";
      let selectedNode = annotation(claim, ANN_SELECTED_NODE);
      if (delayBinding && !selectedNode) {
        selectedNode = consumerNode(claim);
        if (selectedNode) {
          const next = own(claim);
          next.metadata.annotations = { ...next.metadata.annotations, [ANN_SELECTED_NODE]: selectedNode };
          claim = await updateClaim(next);
        }
      }
      // A volume bound to another claim cannot match: skip parsing those (most, with many claims).
      const mention = JSON.stringify(claim.metadata.name);
      const volumes = c.store
        .list(VOLUMES)
        .items.filter((e) => !e.json.includes('"claimRef"') || e.json.includes(mention))
        .map((e) => e.object() as Obj);
      const labels = selectedNode ? nodeLabelsOf(selectedNode) : undefined;
      const volume = findBestMatchForClaim(volumes, claim, delayBinding, labels);
      if (volume) return bind(volume, claim);
      if (delayBinding && !selectedNode) {
        const told = `${claim.metadata.namespace}/${claim.metadata.name}`;
        if (waiting.get(told) !== claim.metadata.uid) {
          waiting.set(told, claim.metadata.uid);
          await record(
            claim,
            "Normal",
            "WaitForFirstConsumer",
            "waiting for first consumer to be created before binding",
          );
        }
        await updateClaimStatus(claim, "Pending");
        return;
      }
      if (className) return provisionClaim(claim, className, cls, selectedNode);
      await record(
        claim,
        "Normal",
        "FailedBinding",
        "no persistent volumes available for this claim and no storage class is set",
      );
      await updateClaimStatus(claim, "Pending");
      return;
    }
    const volume = getVolume(asString(spec.volumeName));
    if (!volume) {
      await updateClaimStatus(claim, "Pending");
      return;
    }
    const ref = asMap(volume.spec).claimRef as Json | undefined;
    if (!ref || isVolumeBoundToClaim(volume, claim)) {
      const why = ref ? undefined : mismatch(volume, claim);
      if (why) {
        await record(
          claim,
          "Warning",
          "FailedBinding",
          `Cannot bind to requested volume "${volume.metadata.name}": ${why}`,
        );
        await updateClaimStatus(claim, "Pending");
        return;
      }
      return bind(volume, claim);
    }
    if (annotation(claim, ANN_BOUND_BY_CONTROLLER))
      throw new Error(
        `Invalid binding of claim "${claim.metadata.namespace}/${claim.metadata.name}" to volume "${volume.metadata.name}": volume already claimed by "${ref.namespace}/${ref.name}"`,
      );
    await updateClaimStatus(claim, "Pending");
  }

  /** checkVolumeSatisfyClaim's messages. */
  function mismatch(volume: Obj, claim: Obj): string | undefined {
    if (storageOf(volume, "capacity") < storageOf(claim, "requests")) return "requested PV is too small";
    if (storageClassOf(volume) !== storageClassOf(claim)) return "storageClassName does not match";
    if (volumeModeOf(volume) !== volumeModeOf(claim)) return "incompatible volumeMode";
    const modes = asStrings(asMap(volume.spec).accessModes);
    if (!asStrings(asMap(claim.spec).accessModes).every((m) => modes.includes(m)))
      return "incompatible accessMode";
    return undefined;
  }

  // WaitForFirstConsumer is recorded once per claim, not on every sync: the event recorder here has no
  // correlator to fold repeats, so a claim remembers (in memory) that it was told: namespace/name → the uid
  // told, forgotten when the claim binds or goes.
  const waiting = new Map<string, string>();

  /** provisionClaim: an external provisioner's claim gets the storage-provisioner annotations; ours is served here. */
  async function provisionClaim(
    claim: Obj,
    className: string,
    cls: Json | undefined,
    node: string | undefined,
  ) {
    if (!cls) {
      await record(
        claim,
        "Warning",
        "ProvisioningFailed",
        `storageclass.storage.k8s.io "${className}" not found`,
      );
      await updateClaimStatus(claim, "Pending");
      return;
    }
    const provisioner = asString(cls.provisioner);
    if (annotation(claim, ANN_STORAGE_PROVISIONER) !== provisioner) {
      const next = own(claim);
      next.metadata.annotations = {
        ...next.metadata.annotations,
        [ANN_STORAGE_PROVISIONER]: provisioner,
        [ANN_BETA_STORAGE_PROVISIONER]: provisioner,
      };
      claim = await updateClaim(next);
      await record(
        claim,
        "Normal",
        "ExternalProvisioning",
        `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
      );
    }
    if (provisioner !== LOCAL_PATH_PROVISIONER) return;
    await provisionLocalPath(claim, cls, node);
  }

  /** The local-path provisioner: a directory and a hostPath PV pre-bound to the claim, pinned to its node. */
  async function provisionLocalPath(claim: Obj, cls: Json, node: string | undefined): Promise<void> {
    if (!node) {
      await record(claim, "Warning", "ProvisioningFailed", "configuration error, no node was specified");
      return;
    }
    const name = `pvc-${claim.metadata.uid}`;
    if (getVolume(name)) return; // created; the volume's sync binds it
    const key = `${claim.metadata.namespace}/${claim.metadata.name}`;
    await recordProvisioner(
      claim,
      "Normal",
      "Provisioning",
      `External provisioner is provisioning volume for claim "${key}"`,
    );
    const dir = path.join(volumesDir, name);
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o777); // as local-path-provisioner's `mkdir -m 0777`: any container user may write
    const spec = asMap(claim.spec);
    const volume = {
      metadata: { name, annotations: { [ANN_PROVISIONED_BY]: LOCAL_PATH_PROVISIONER } },
      spec: {
        capacity: { storage: asString(asMap(asMap(spec.resources).requests).storage) || "0" },
        accessModes: spec.accessModes,
        persistentVolumeReclaimPolicy: asString(cls.reclaimPolicy) || "Delete",
        storageClassName: storageClassOf(claim),
        volumeMode: volumeModeOf(claim),
        claimRef: claimRefOf(claim),
        hostPath: { path: dir, type: "DirectoryOrCreate" },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: HOSTNAME_LABEL, operator: "In", values: [node] }] },
            ],
          },
        },
        ...(cls.mountOptions ? { mountOptions: cls.mountOptions } : {}),
      },
    };
    try {
      await c.objects.create(volumeDef, volume, "", write);
    } catch (error) {
      await record(
        claim,
        "Warning",
        "ProvisioningFailed",
        `failed to provision volume with StorageClass "${storageClassOf(claim)}": ${(error as Error).message}`,
      );
      throw error;
    }
    await recordProvisioner(
      claim,
      "Normal",
      "ProvisioningSucceeded",
      `Successfully provisioned volume ${name}`,
    );
  }

  async function syncBoundClaim(claim: Obj): Promise<void> {
    const volumeName = asString(asMap(claim.spec).volumeName);
    if (!volumeName)
      return updateClaimStatusWithEvent(
        claim,
        "Lost",
        "ClaimLost",
        "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!",
      );
    const volume = getVolume(volumeName);
    if (!volume)
      return updateClaimStatusWithEvent(
        claim,
        "Lost",
        "ClaimLost",
        "Bound claim has lost its PersistentVolume. Data on the volume is lost!",
      );
    const ref = asMap(volume.spec).claimRef as Json | undefined;
    if (!ref || ref.uid === claim.metadata.uid) return bind(volume, claim);
    return updateClaimStatusWithEvent(
      claim,
      "Lost",
      "ClaimMisbound",
      "Two claims are bound to the same volume, this one is bound incorrectly",
    );
  }

  async function syncVolume(volume: Obj): Promise<void> {
    const ref = asMap(volume.spec).claimRef as Json | undefined;
    if (!ref?.uid) {
      await updateVolumePhase(volume, "Available");
      return;
    }
    let claim = getClaim(asString(ref.namespace), asString(ref.name));
    if (claim && claim.metadata.uid !== ref.uid) claim = undefined; // deleted and created again
    if (!claim) {
      const phase = asString(asMap(volume.status).phase);
      if (phase !== "Released" && phase !== "Failed") volume = await updateVolumePhase(volume, "Released");
      return reclaimVolume(volume);
    }
    const claimVolume = asString(asMap(claim.spec).volumeName);
    if (!claimVolume)
      return void queue.enqueue(claimKey(claim.metadata.namespace ?? "", claim.metadata.name));
    if (claimVolume === volume.metadata.name) {
      await updateVolumePhase(volume, "Bound");
      return;
    }
    // Bound to a claim that is bound elsewhere.
    if (
      annotation(volume, ANN_PROVISIONED_BY) &&
      asMap(volume.spec).persistentVolumeReclaimPolicy === "Delete"
    ) {
      const phase = asString(asMap(volume.status).phase);
      if (phase !== "Released" && phase !== "Failed") volume = await updateVolumePhase(volume, "Released");
      return reclaimVolume(volume);
    }
    const next = own(volume);
    if (annotation(volume, ANN_BOUND_BY_CONTROLLER)) {
      delete asMap(next.spec).claimRef;
      delete next.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER];
    } else {
      delete asMap(asMap(next.spec).claimRef).uid;
    }
    await updateVolumePhase(await updateVolume(next), "Available");
  }

  /** reclaimVolume: Retain keeps it Released; Delete removes ours (directory, then the PV). */
  async function reclaimVolume(volume: Obj): Promise<void> {
    const policy = asString(asMap(volume.spec).persistentVolumeReclaimPolicy) || "Retain";
    if (policy === "Retain" || volume.metadata.deletionTimestamp) return;
    if (policy === "Recycle") {
      const message = `No recycler plugin found for the volume!`;
      if (asMap(volume.status).phase !== "Failed")
        await record(volume, "Warning", "VolumeFailedRecycle", message);
      await updateVolumePhase(volume, "Failed", message);
      return;
    }
    const dir = localPathDir(volume);
    if (!dir) {
      const message = `error getting deleter volume plugin for volume "${volume.metadata.name}": no deletable volume plugin matched`;
      if (asMap(volume.status).phase !== "Failed")
        await record(volume, "Warning", "VolumeFailedDelete", message);
      await updateVolumePhase(volume, "Failed", message);
      return;
    }
    await rm(dir, { recursive: true, force: true });
    await c.objects
      .delete(volumeDef, "", volume.metadata.name, {
        user: CONTROLLER_USER,
        preconditions: { uid: volume.metadata.uid },
      })
      .catch((e: { status?: { code?: number } }) => {
        if (e.status?.code !== 404 && e.status?.code !== 409) throw e;
      });
  }

  /** The directory of a volume this provisioner made (annotated, and its path where it puts them). */
  function localPathDir(volume: Obj): string | undefined {
    if (annotation(volume, ANN_PROVISIONED_BY) !== LOCAL_PATH_PROVISIONER) return undefined;
    const dir = path.resolve(asString(asMap(asMap(volume.spec).hostPath).path) || "/");
    return dir === path.join(volumesDir, volume.metadata.name) ? dir : undefined;
  }

  const claimKey = (namespace: string, name: string) => `claim/${namespace}/${name}`;
  const volumeKey = (name: string) => `volume/${name}`;

  const queue = controller(
    c,
    "persistent-volumes",
    async (key) => {
      const [kind, a, b] = key.split("/");
      if (kind === "volume") {
        const volume = getVolume(a);
        if (volume) await syncVolume(volume);
        return;
      }
      const claim = getClaim(a, b);
      if (!claim || claim.metadata.deletionTimestamp) {
        waiting.delete(`${a}/${b}`);
        return;
      }
      if (annotation(claim, ANN_BIND_COMPLETED)) await syncBoundClaim(claim);
      else await syncUnboundClaim(claim);
    },
    [
      {
        resource: CLAIMS,
        key: (e) => {
          const claim = parsedObject(e) as Obj;
          const volumeName = asString(asMap(claim.spec).volumeName);
          const keys = [claimKey(e.namespace, e.name)];
          if (volumeName) keys.push(volumeKey(volumeName));
          // A deleted claim releases the volumes that point at it. Only the volumes that mention its name
          // are parsed: every claim event would otherwise parse every volume.
          const mention = JSON.stringify(e.name);
          for (const v of c.store.list(VOLUMES).items) {
            if (!v.json.includes(mention)) continue;
            const ref = asMap(asMap((v.object() as Obj).spec).claimRef);
            if (ref.namespace === e.namespace && ref.name === e.name) keys.push(volumeKey(v.name));
          }
          return keys;
        },
      },
      {
        resource: VOLUMES,
        key: (e) => {
          const ref = asMap(asMap((parsedObject(e) as Obj).spec).claimRef);
          const keys = [volumeKey(e.name)];
          if (ref.name) keys.push(claimKey(asString(ref.namespace), asString(ref.name)));
          return keys;
        },
      },
      {
        // A Pod placed on a node is the first consumer its WaitForFirstConsumer claims wait for.
        resource: "pods",
        key: (e) => {
          if (!e.json.includes('"persistentVolumeClaim"')) return undefined;
          const pod = parsedObject(e);
          if (!asMap(pod.spec).nodeName) return undefined;
          return podClaimNames(pod).map((name) => claimKey(e.namespace, name));
        },
      },
    ],
    () => [
      ...c.store.list(CLAIMS).items.map((e) => claimKey(e.namespace, e.name)),
      ...c.store.list(VOLUMES).items.map((e) => volumeKey(e.name)),
    ],
  );
  return queue;
}

/** A volume's reference to the claim it is bound to (GetReference of the claim, as the binder writes it). */
function claimRefOf(claim: Obj) {
  return {
    kind: "PersistentVolumeClaim",
    namespace: claim.metadata.namespace,
    name: claim.metadata.name,
    uid: claim.metadata.uid,
    apiVersion: "v1",
    resourceVersion: claim.metadata.resourceVersion,
  };
}
