// The scale subresource of Deployments, ReplicaSets and StatefulSets (pkg/registry/apps/{deployment,
// replicaset,statefulset}/storage/storage.go ScaleREST and their scaleUpdatedObjectInfo) and of custom
// resources: a Scale view of spec.replicas; writes go through GuaranteedUpdate, so a scale racing a
// controller or another client re-applies to the newest object instead of failing.
import { labelSelectorFromObject, selectorToString } from "../../meta/labels.ts";
import { Status } from "../../meta/status.ts";
import type { KubeObject, LabelSelector, StoredObject } from "../../meta/types.ts";
import { isCustomResourceDef, type ScalePaths, setAt, valueAt } from "../crd/resource-defs.ts";
import { mediaType, readBody, readObject } from "../http/body.ts";
import { ApiStatusError, fail } from "../http/errors.ts";
import { sendObject } from "../http/respond.ts";
import { decodeForWrite, patchShown } from "../registry/decode.ts";
import { managerFor } from "../registry/managed-fields.ts";
import { applyPatch, checkPatchBody, patchTypeOf } from "../registry/patch.ts";
import { type ResourceDef, storageKey } from "../registry/types.ts";
import { invalid } from "../registry/validation/field.ts";
import type { Call } from "./call.ts";
import { objectOf } from "./encode.ts";
import { decodeOptions, patchOptions, updateOptions } from "./options.ts";

/** The Go type a scale write decodes into: autoscaling/v1 Scale, for every scalable kind. */
const SCALE = { group: "autoscaling", version: "v1", kind: "Scale" };

interface Scalable {
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp?: string;
  };
  spec?: { replicas?: number; selector?: LabelSelector };
  status?: { replicas?: number };
}

/** A custom resource's paths (its CRD's subresources.scale), else the workloads' spec/status.replicas. */
function pathsOf(def: ResourceDef): ScalePaths {
  return (
    (isCustomResourceDef(def) ? def.scale : undefined) ?? {
      specReplicasPath: ".spec.replicas",
      statusReplicasPath: ".status.replicas",
    }
  );
}

/** scaleFromCustomResource (apiextensions-apiserver pkg/registry/customresource/etcd.go). */
function customScaleOf(obj: Scalable, paths: ScalePaths): KubeObject {
  const int = (v: unknown) => (typeof v === "number" ? v : 0);
  const selector = paths.labelSelectorPath ? valueAt(obj, paths.labelSelectorPath) : undefined;
  return {
    ...scaleOf(obj, undefined),
    spec: { replicas: int(valueAt(obj, paths.specReplicasPath)) },
    status: {
      replicas: int(valueAt(obj, paths.statusReplicasPath)),
      ...(typeof selector === "string" && selector ? { selector } : {}),
    },
  };
}

export function scaleOf(obj: Scalable, def: ResourceDef | undefined): KubeObject {
  if (def && isCustomResourceDef(def) && def.scale) return customScaleOf(obj, def.scale);
  // A ReplicationController's selector is a plain label map; the apps kinds' a LabelSelector.
  const selector =
    def?.kind === "ReplicationController"
      ? { matchLabels: obj.spec?.selector as unknown as Record<string, string> | undefined }
      : obj.spec?.selector;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: {
      replicas: obj.status?.replicas ?? 0,
      // LabelSelectorAsSelector(spec.selector).String(): requirements sorted by key, expressions too.
      selector: selectorToString(labelSelectorFromObject(selector)),
    },
  };
}

/** scaleUpdatedObjectInfo.UpdatedObject: the new Scale's replicas (and resourceVersion) onto the object. */
function scaledObject(call: Call, current: StoredObject, scale: KubeObject): KubeObject {
  const { def, info } = call;
  // Decoded into the Go Scale: an int32 or absent.
  const replicas = (scale.spec as { replicas?: number } | undefined)?.replicas ?? 0;
  if (replicas < 0) {
    throw new ApiStatusError(
      Status.invalid("Scale", "autoscaling", info.name, [
        invalid("spec.replicas", replicas, "must be greater than or equal to 0"),
      ]),
    );
  }
  const uid = scale.metadata?.uid;
  if (uid && uid !== current.metadata.uid) {
    throw new ApiStatusError(
      Status.conflict(
        `${def.resource}/scale`,
        def.group,
        info.name,
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid}`,
      ),
    );
  }
  const next = structuredClone(current) as unknown as Record<string, unknown>;
  next.metadata = { ...current.metadata, resourceVersion: scale.metadata?.resourceVersion ?? "" };
  setAt(next, pathsOf(def).specReplicasPath, replicas);
  return next as KubeObject;
}

export async function handleScale(call: Call): Promise<void> {
  const { ctx, req, res, def, info, query, user } = call;
  if (info.verb === "get") {
    const entry = ctx.store.get(storageKey(def), info.namespace, info.name);
    if (!entry) throw fail.notFound(def.resource, def.group, info.name);
    return sendObject(res, 200, scaleOf(entry.object() as unknown as Scalable, def));
  }
  let newScale: (current: StoredObject) => KubeObject;
  let dryRun: boolean;
  if (info.verb === "patch") {
    const type = patchTypeOf(mediaType(req), def.group);
    const body = await readBody(req);
    dryRun = patchOptions(query, type).dryRun;
    checkPatchBody(body, type);
    const target = { kind: "Scale", group: "autoscaling" };
    // patch.go decodes each attempt's result into the Go Scale: a mismatch is 422 on "patch".
    newScale = (current) => {
      const patched = applyPatch(scaleOf(current as unknown as Scalable, def), body, type, target);
      return decodeForWrite(SCALE, patched, decodeOptions(call), () => patchShown(patched, body, type));
    };
  } else {
    dryRun = updateOptions(query).dryRun;
    // update.go decodes the body into the Go Scale: a mismatch is 400 (transformDecodeError).
    const scale = decodeForWrite(SCALE, await readObject(req), decodeOptions(call));
    newScale = () => structuredClone(scale);
  }
  // scaleUpdatedObjectInfo: a missing object is NotFound on "<resource>/scale".
  if (!ctx.store.getLatest(storageKey(def), info.namespace, info.name))
    throw fail.notFound(`${def.resource}/scale`, def.group, info.name);
  const written = await ctx.objects.guaranteedUpdate(
    def,
    info.namespace,
    info.name,
    (current) => scaledObject(call, current, newScale(current)),
    {
      user,
      dryRun,
      manager: managerFor(query.get("fieldManager"), req.headers["user-agent"]),
      managerSubresource: "scale",
    },
  );
  sendObject(res, 200, scaleOf(objectOf(written) as unknown as Scalable, def));
}
