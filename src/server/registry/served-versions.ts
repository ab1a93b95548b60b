// A custom resource is stored in its CRD's storage version and served in the one requested: its other
// versions only rewrite apiVersion (the None converter of k8s.io/apiextensions-apiserver pkg/apiserver/
// conversion). A built-in kind's other versions convert in storage instead (ResourceDef.storage,
// storage/view.ts). Served versions are ordered as kube-apiserver orders them.
import type { KubeObject } from "../../meta/types.ts";
import { isCustomResourceDef } from "../crd/resource-defs.ts";
import { asMap, asMaps, asString } from "./json-access.ts";
import { groupVersion, type ResourceDef } from "./types.ts";

/** kube-apiserver's served versions order: GA > beta > alpha, higher first (version.CompareKubeAwareVersionStrings). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0, v] as const;
    const stability = m[2] === "alpha" ? 1 : m[2] === "beta" ? 2 : 3;
    return [3, stability, Number(m[1]), Number(m[3] ?? 0)] as const;
  };
  const [ka, sa, ma, na] = parse(a);
  const [kb, sb, mb, nb] = parse(b);
  if (ka !== kb) return kb - ka;
  if (ka === 0) return a < b ? -1 : a > b ? 1 : 0;
  if (sa !== sb) return (sb as number) - (sa as number);
  if (ma !== mb) return (mb as number) - (ma as number);
  return (nb as number) - (na as number);
}

/** The apiVersion objects of a def are stored with (conversion strategy None: only apiVersion differs). */
export function storedApiVersion(def: ResourceDef): string {
  if (!isCustomResourceDef(def) || def.storageVersion === def.version || !def.storageVersion)
    return groupVersion(def);
  return `${def.group}/${def.storageVersion}`;
}

/** A stored object as the def's version serves it. */
export function servedObject<T extends KubeObject>(def: ResourceDef, obj: T): T {
  if (obj.apiVersion === groupVersion(def)) return obj; // already served (idempotent)
  if (storedApiVersion(def) === groupVersion(def)) return obj;
  return { ...obj, apiVersion: groupVersion(def) };
}

/** servedObject on stored JSON; the JSON itself when the versions agree. */
export function servedJson(def: ResourceDef, json: string): string {
  if (storedApiVersion(def) === groupVersion(def)) return json;
  return JSON.stringify(servedObject(def, JSON.parse(json) as KubeObject));
}

export function storageVersionOf(crd: KubeObject): string {
  return asString(asMaps(asMap(crd.spec).versions).find((v) => v.storage === true)?.name);
}
