// Upstream OpenAPI model names ("io.k8s.api.core.v1.Pod") and the kubernetes-types module
// ("core/v1") that describes each API group version. kubectl looks schemas up by their
// x-kubernetes-group-version-kind extension, but `kubectl explain` prints the last segment of
// the model name and other tools match full names, so we keep upstream's naming.
import type { ModuleId } from "./type-catalog.ts";

/** Model-name packages of the apimachinery modules; API groups live under io.k8s.api.<dir>.<version>. */
const PACKAGE_OF_MODULE: Record<ModuleId, string> = {
  "meta/v1": "io.k8s.apimachinery.pkg.apis.meta.v1",
  "api/resource": "io.k8s.apimachinery.pkg.api.resource",
  runtime: "io.k8s.apimachinery.pkg.runtime",
  "apiextensions/v1": "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1",
};

/** Groups whose kubernetes-types directory is not the group's first DNS label. */
const DIRECTORY_OF_GROUP: Record<string, string> = {
  "": "core",
  "internal.apiserver.k8s.io": "apiserverinternal",
};

export const INT_OR_STRING_MODEL = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
export const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

export function modelName(module: ModuleId, typeName: string): string {
  const pkg = PACKAGE_OF_MODULE[module] ?? `io.k8s.api.${module.replaceAll("/", ".")}`;
  return `${pkg}.${typeName}`;
}

export function metaModel(typeName: string): string {
  return `${META}.${typeName}`;
}

/** The kubernetes-types module describing a group version: ("rbac.authorization.k8s.io", "v1") → "rbac/v1". */
export function moduleOfGroupVersion(group: string, version: string): ModuleId {
  const dir = DIRECTORY_OF_GROUP[group] ?? group.split(".")[0];
  return `${dir}/${version}`;
}

/** The model name used for a kind the type catalog does not know (permissive schema). */
export function fallbackModelName(group: string, version: string, kind: string): string {
  const reversed = group ? group.split(".").reverse().join(".") : "io.k8s.api.core";
  return `${reversed}.${version}.${kind}`;
}
