// The DefaultStorageClass admission plugin (kubernetes plugin/pkg/admission/storage/storageclass/setdefault/
// admission.go, util.GetDefaultClass): a new claim that names no class (storageClassName unset, not "",
// and no beta class annotation) gets the default StorageClass; of several defaults, the newest wins
// (then the first by name).
import type { KubeObject } from "../../meta/types.ts";
import { IS_DEFAULT_CLASS_ANNOTATION } from "../controllers/persistent-volumes.ts";
import { asMap } from "../registry/json-access.ts";
import type { AdmissionPlugin } from "./types.ts";

const BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class";
const CLASSES = "storageclasses.storage.k8s.io";

export const defaultStorageClass: AdmissionPlugin = {
  name: "DefaultStorageClass",
  mutate(req) {
    if (req.operation !== "CREATE" || req.subresource || req.def.resource !== "persistentvolumeclaims")
      return;
    const claim = req.object;
    if (!claim || typeof claim.spec !== "object" || claim.spec === null) return;
    const spec = claim.spec as Record<string, unknown>;
    if (spec.storageClassName != null || claim.metadata?.annotations?.[BETA_STORAGE_CLASS] !== undefined)
      return;
    const defaults = req.store
      .list(CLASSES, {})
      .items.map((e) => e.object() as KubeObject)
      .filter((c) => isDefaultClass(c))
      .sort(
        (a, b) =>
          (b.metadata?.creationTimestamp ?? "").localeCompare(a.metadata?.creationTimestamp ?? "") ||
          (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""),
      );
    if (defaults[0]) spec.storageClassName = defaults[0].metadata?.name;
  },
};

/** IsDefaultAnnotation: the GA annotation, or the beta one, set to "true". */
function isDefaultClass(cls: KubeObject): boolean {
  const annotations = asMap(cls.metadata?.annotations);
  return (
    annotations[IS_DEFAULT_CLASS_ANNOTATION] === "true" ||
    annotations["storageclass.beta.kubernetes.io/is-default-class"] === "true"
  );
}
