// Discovery documents, all derived from the registry. client-go picks legacy or aggregated by the
// response Content-Type, so /api and /apis always answer in the same format for the same Accept.
import { createHash } from "node:crypto";
import type { ResourceRegistry } from "../registry/resource-registry.ts";
import { groupVersion, type ResourceDef } from "../registry/types.ts";

/** discovery.StorageVersionHash (apiserver pkg/endpoints/discovery/storageversionhash.go): the first 8
 * bytes of sha256("group/version/kind") of the stored version, base64. Only resources with storage. */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash("sha256")
    .update(`${group}/${version}/${kind}`)
    .digest()
    .subarray(0, 8)
    .toString("base64");
}

/** A def served from another's storage reports the hash of the stored def (events.k8s.io/v1 Events: core/v1's). */
const hashOfStored = (d: ResourceDef) => {
  const stored = d.storage?.def ?? d;
  return storageVersionHash(stored.group, stored.version, stored.kind);
};

function legacyResources(defs: ResourceDef[]) {
  const out: Record<string, unknown>[] = [];
  for (const d of defs) {
    out.push({
      name: d.resource,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: d.verbs,
      ...(d.shortNames ? { shortNames: d.shortNames } : {}),
      ...(d.categories ? { categories: d.categories } : {}),
      ...(d.virtual ? {} : { storageVersionHash: hashOfStored(d) }),
    });
    for (const s of d.subresources ?? []) {
      out.push({
        name: `${d.resource}/${s.name}`,
        singularName: "",
        namespaced: d.namespaced,
        ...(s.group !== undefined ? { group: s.group, version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
    }
  }
  return out;
}

export function apiVersions(serverAddress: string) {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function apiGroup(group: string, versions: string[]) {
  const gvs = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: gvs, preferredVersion: gvs[0] };
}

export function apiGroupList(registry: ResourceRegistry) {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: registry
      .groups()
      .filter((g) => g.group !== "")
      .map((g) => apiGroup(g.group, g.versions)),
  };
}

export function apiGroupDocument(registry: ResourceRegistry, group: string) {
  const g = registry.groups().find((x) => x.group === group && group !== "");
  return g ? { kind: "APIGroup", apiVersion: "v1", ...apiGroup(g.group, g.versions) } : undefined;
}

export function apiResourceList(registry: ResourceRegistry, group: string, version: string) {
  const defs = registry.inGroupVersion(group, version);
  if (defs.length === 0) return undefined;
  const gv = groupVersion({ group, version });
  return group
    ? { kind: "APIResourceList", apiVersion: "v1", groupVersion: gv, resources: legacyResources(defs) }
    : { kind: "APIResourceList", groupVersion: gv, resources: legacyResources(defs) };
}

function aggregatedResource(d: ResourceDef) {
  return {
    resource: d.resource,
    responseKind: { group: d.group, version: d.version, kind: d.kind },
    scope: d.namespaced ? "Namespaced" : "Cluster",
    singularResource: d.singular,
    verbs: d.verbs,
    ...(d.shortNames ? { shortNames: d.shortNames } : {}),
    ...(d.categories ? { categories: d.categories } : {}),
    ...(d.subresources?.length
      ? {
          subresources: d.subresources.map((s) => ({
            subresource: s.name,
            responseKind: { group: s.group ?? d.group, version: s.version ?? d.version, kind: s.kind },
            verbs: s.verbs,
          })),
        }
      : {}),
  };
}

/** APIGroupDiscoveryList for /api (core only) or /apis (every named group). */
export function aggregatedDiscovery(registry: ResourceRegistry, core: boolean, version: "v2" | "v2beta1") {
  const items = registry
    .groups()
    .filter((g) => (g.group === "") === core)
    .map((g) => ({
      metadata: g.group ? { name: g.group } : {},
      versions: g.versions.map((v) => ({
        version: v,
        resources: registry.inGroupVersion(g.group, v).map(aggregatedResource),
        freshness: "Current",
      })),
    }));
  return { kind: "APIGroupDiscoveryList", apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
