// The StorageObjectInUseProtection admission plugin (kubernetes plugin/pkg/admission/storage/
// storageobjectinuseprotection/admission.go): every new claim gets the kubernetes.io/pvc-protection
// finalizer and every new volume kubernetes.io/pv-protection, which controllers/volume-protection.ts
// removes once nothing uses them.
import type { AdmissionPlugin } from "./types.ts";

export const PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection";
export const PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection";

const FINALIZER_OF: Record<string, string> = {
  persistentvolumeclaims: PVC_PROTECTION_FINALIZER,
  persistentvolumes: PV_PROTECTION_FINALIZER,
};

export const storageObjectInUseProtection: AdmissionPlugin = {
  name: "StorageObjectInUseProtection",
  mutate(req) {
    if (req.operation !== "CREATE" || req.subresource || req.def.group !== "") return;
    const finalizer = FINALIZER_OF[req.def.resource];
    const meta = req.object?.metadata;
    if (!finalizer || !meta) return;
    const finalizers = meta.finalizers ?? [];
    if (!finalizers.includes(finalizer)) meta.finalizers = [...finalizers, finalizer];
  },
};
