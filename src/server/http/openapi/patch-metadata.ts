// Strategic-merge-patch and list-semantics extensions that kubernetes-types does not carry.
// Patch strategies and merge keys are the `patchStrategy`/`patchMergeKey` struct tags of the
// upstream Go types (read from the tags compiled into kubectl 1.33); client-side `kubectl apply`
// computes its patch from these via OpenAPI v3 (kubectl ≥ 1.29) or v2, so a missing entry turns
// a list merge into a list replace. List types mirror upstream's +listType markers for the
// fields users routinely apply; they matter to server-side apply, not to kubectl.
const PATCH_STRATEGY = "x-kubernetes-patch-strategy";
const MERGE_KEY = "x-kubernetes-patch-merge-key";
const LIST_TYPE = "x-kubernetes-list-type";
const LIST_MAP_KEYS = "x-kubernetes-list-map-keys";

export type Extensions = Record<string, string | string[]>;

/** merge-by-key list, e.g. containers by name. */
function mergeBy(key: string, strategy = "merge", mapKeys: string[] = [key]): Extensions {
  return { [PATCH_STRATEGY]: strategy, [MERGE_KEY]: key, [LIST_TYPE]: "map", [LIST_MAP_KEYS]: mapKeys };
}

/** merge-by-key list whose upstream list type is not recorded here. */
function mergeByKeyOnly(key: string, strategy = "merge"): Extensions {
  return { [PATCH_STRATEGY]: strategy, [MERGE_KEY]: key };
}

const containerLists: Record<string, Extensions> = {
  ports: mergeBy("containerPort", "merge", ["containerPort", "protocol"]),
  env: mergeBy("name"),
  volumeMounts: mergeBy("mountPath"),
  volumeDevices: mergeBy("devicePath"),
};

const conditions: Record<string, Extensions> = { conditions: mergeByKeyOnly("type") };

/** Model name → field → extensions. */
export const PATCH_METADATA: Record<string, Record<string, Extensions>> = {
  "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {
    finalizers: { [PATCH_STRATEGY]: "merge", [LIST_TYPE]: "set" },
    ownerReferences: mergeBy("uid"),
  },
  "io.k8s.api.core.v1.PodSpec": {
    containers: mergeBy("name"),
    initContainers: mergeBy("name"),
    ephemeralContainers: mergeBy("name"),
    volumes: mergeBy("name", "merge,retainKeys"),
    imagePullSecrets: mergeBy("name"),
    hostAliases: mergeBy("ip"),
    topologySpreadConstraints: mergeBy("topologyKey", "merge", ["topologyKey", "whenUnsatisfiable"]),
    schedulingGates: mergeBy("name"),
    resourceClaims: mergeBy("name", "merge,retainKeys"),
    tolerations: { [LIST_TYPE]: "atomic" },
  },
  "io.k8s.api.core.v1.Container": containerLists,
  "io.k8s.api.core.v1.EphemeralContainer": containerLists,
  "io.k8s.api.core.v1.ContainerStatus": {
    volumeMounts: mergeByKeyOnly("mountPath"),
    allocatedResourcesStatus: mergeByKeyOnly("name"),
  },
  "io.k8s.api.core.v1.PodStatus": {
    ...conditions,
    podIPs: mergeByKeyOnly("ip"),
    hostIPs: mergeByKeyOnly("ip"),
    resourceClaimStatuses: mergeByKeyOnly("name", "merge,retainKeys"),
  },
  "io.k8s.api.core.v1.ServiceSpec": {
    ports: mergeBy("port", "merge", ["port", "protocol"]),
  },
  "io.k8s.api.core.v1.ServiceStatus": conditions,
  "io.k8s.api.core.v1.ServiceAccount": { secrets: mergeByKeyOnly("name") },
  "io.k8s.api.core.v1.NodeSpec": { podCIDRs: { [PATCH_STRATEGY]: "merge" } },
  "io.k8s.api.core.v1.NodeStatus": { ...conditions, addresses: mergeByKeyOnly("type") },
  "io.k8s.api.core.v1.NamespaceStatus": conditions,
  "io.k8s.api.core.v1.PersistentVolumeClaimStatus": conditions,
};

export function patchMetadataFor(model: string, field: string): Extensions | undefined {
  return PATCH_METADATA[model]?.[field];
}
