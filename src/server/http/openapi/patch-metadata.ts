// Strategic-merge-patch and list/map-semantics extensions that kubernetes-types does not carry,
// as kube-openapi's openapi-gen derives them from the upstream Go types: x-kubernetes-patch-strategy
// and -merge-key from the patchStrategy/patchMergeKey struct tags, x-kubernetes-list-type,
// -list-map-keys and -map-type from the +listType/+listMapKey/+mapType markers. Read from the
// generated type tables (src/server/typeinfo), for every model they describe. Client-side `kubectl
// apply` computes its patch from the patch extensions via OpenAPI v3 (kubectl ≥ 1.29) or v2, so a
// missing entry turns a list merge into a list replace; list types matter to server-side apply.
import { fieldFacts, messageOfModel } from "../../typeinfo/index.ts";

const PATCH_STRATEGY = "x-kubernetes-patch-strategy";
const MERGE_KEY = "x-kubernetes-patch-merge-key";
const LIST_TYPE = "x-kubernetes-list-type";
const LIST_MAP_KEYS = "x-kubernetes-list-map-keys";
const MAP_TYPE = "x-kubernetes-map-type";

export type Extensions = Record<string, string | string[]>;

const cache = new Map<string, Extensions | undefined>();

/** The extensions of one field of an upstream model ("io.k8s.api.core.v1.PodSpec", "containers"). */
export function patchMetadataFor(model: string, field: string): Extensions | undefined {
  const key = `${model}\0${field}`;
  if (cache.has(key)) return cache.get(key);
  const message = messageOfModel(model);
  const facts = message && Object.hasOwn(fieldFacts(message), field) ? fieldFacts(message)[field] : undefined;
  let out: Extensions | undefined;
  if (facts) {
    // Go's encoding/json writes the extensions map with sorted keys; so do we.
    out = {};
    if (facts.listMapKeys) out[LIST_MAP_KEYS] = facts.listMapKeys;
    if (facts.listType) out[LIST_TYPE] = facts.listType;
    if (facts.mapType) out[MAP_TYPE] = facts.mapType;
    if (facts.patchMergeKey) out[MERGE_KEY] = facts.patchMergeKey;
    if (facts.patchStrategy) out[PATCH_STRATEGY] = facts.patchStrategy;
  }
  cache.set(key, out);
  return out;
}
