// The PVC and PV protection controllers (kubernetes pkg/controller/volume/pvcprotection and
// pvprotection): a claim being deleted keeps kubernetes.io/pvc-protection while a Pod that is not
// finished uses it; a volume being deleted keeps kubernetes.io/pv-protection while it is Bound.
import type { StoredObject } from "../../meta/types.ts";
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from "../admission/storage-object-in-use.ts";
import { asMap } from "../registry/json-access.ts";
import type { ResourceDef } from "../registry/types.ts";
import {
  CONTROLLER_USER,
  type Controller,
  type ControllerContext,
  controller,
  parsedObject,
} from "./context.ts";
import { podClaimNames } from "./persistent-volumes.ts";

const CLAIMS = "persistentvolumeclaims";
const VOLUMES = "persistentvolumes";

export function startVolumeProtectionController(c: ControllerContext): Controller {
  const claimDef = c.registry.find("", "v1", CLAIMS) as ResourceDef;
  const volumeDef = c.registry.find("", "v1", VOLUMES) as ResourceDef;

  /** podUsesPVC of a Pod that is not shut down (Succeeded or Failed). */
  function claimInUse(namespace: string, name: string): boolean {
    const mention = `"claimName":${JSON.stringify(name)}`;
    return c.store.list("pods", { namespace }).items.some((e) => {
      if (!e.json.includes(mention)) return false; // skip parsing the Pods that cannot use it
      const pod = e.object();
      const phase = asMap(pod.status).phase;
      return phase !== "Succeeded" && phase !== "Failed" && podClaimNames(pod).includes(name);
    });
  }

  async function release(def: ResourceDef, obj: StoredObject, finalizer: string): Promise<void> {
    const { namespace = "", name } = obj.metadata;
    await c.objects
      .guaranteedUpdate(
        def,
        namespace,
        name,
        (latest) => {
          latest.metadata.finalizers = (latest.metadata.finalizers ?? []).filter((f) => f !== finalizer);
          return latest;
        },
        { user: CONTROLLER_USER },
      )
      .catch((e: { status?: { code?: number } }) => {
        if (e.status?.code !== 404) throw e;
      });
  }

  const held = (obj: StoredObject | undefined, finalizer: string) =>
    obj?.metadata.deletionTimestamp && obj.metadata.finalizers?.includes(finalizer) ? obj : undefined;

  return controller(
    c,
    "volume-protection",
    async (key) => {
      const [kind, a, b] = key.split("/");
      if (kind === "pv") {
        const volume = held(c.store.get(VOLUMES, "", a)?.object(), PV_PROTECTION_FINALIZER);
        if (volume && asMap(volume.status).phase !== "Bound")
          await release(volumeDef, volume, PV_PROTECTION_FINALIZER);
        return;
      }
      const claim = held(c.store.get(CLAIMS, a, b)?.object(), PVC_PROTECTION_FINALIZER);
      if (claim && !claimInUse(a, b)) await release(claimDef, claim, PVC_PROTECTION_FINALIZER);
    },
    [
      { resource: CLAIMS, key: (e) => `pvc/${e.namespace}/${e.name}` },
      { resource: VOLUMES, key: (e) => `pv/${e.name}` },
      {
        // A Pod that finishes or goes releases the claims it held.
        resource: "pods",
        key: (e) => {
          if (!e.json.includes('"persistentVolumeClaim"')) return undefined;
          return podClaimNames(parsedObject(e)).map((name) => `pvc/${e.namespace}/${name}`);
        },
      },
    ],
    () => [
      ...c.store.list(CLAIMS).items.map((e) => `pvc/${e.namespace}/${e.name}`),
      ...c.store.list(VOLUMES).items.map((e) => `pv/${e.name}`),
    ],
  );
}
