import { mediaType, readBody, readObject } from "../http/body.ts";
import { fail } from "../http/errors.ts";
import { sendObject } from "../http/respond.ts";
import { applyPatch, type PatchType } from "../registry/patch.ts";
import { storageKey } from "../registry/types.ts";
import type { Call } from "./call.ts";
import { objectOf } from "./encode.ts";

interface Scalable {
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp?: string;
  };
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  status?: { replicas?: number };
}

function scaleOf(obj: Scalable) {
  const labels = obj.spec?.selector?.matchLabels ?? {};
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
      selector: Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(","),
    },
  };
}

export async function handleScale(call: Call): Promise<void> {
  const { ctx, req, res, def, info, user } = call;
  const entry = ctx.store.get(storageKey(def), info.namespace, info.name);
  if (!entry) throw fail.notFound(def.resource, def.group, info.name);
  const current = entry.object() as unknown as Scalable;
  if (info.verb === "get") return sendObject(res, 200, scaleOf(current));

  const scale =
    info.verb === "patch"
      ? applyPatch(scaleOf(current), await readBody(req), mediaType(req) as PatchType, {
          kind: "Scale",
          group: "autoscaling",
        })
      : await readObject(req);
  const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
  if (typeof replicas !== "number" || replicas < 0 || !Number.isInteger(replicas)) {
    throw fail.badRequest("spec.replicas: Invalid value: must be a non-negative integer");
  }
  const next = { ...entry.object(), spec: { ...(current.spec ?? {}), replicas } };
  const written = await ctx.objects.update(def, next, info.namespace, info.name, { user });
  sendObject(res, 200, scaleOf(objectOf(written) as unknown as Scalable));
}
