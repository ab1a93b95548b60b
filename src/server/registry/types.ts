// A resource is data: one ResourceDef per served resource drives discovery, routing, storage,
// field selectors, validation, Table output and OpenAPI. Adding a kind means adding one entry.
import type { KubeObject, StoredObject } from "../../meta/types.ts";

export interface FieldCause {
  field: string;
  message: string; // e.g. `Invalid value: "Foo": a lowercase RFC 1123 …` or `Required value`
  type?: string; // FieldValueInvalid | FieldValueRequired | FieldValueNotSupported | FieldValueForbidden | FieldValueDuplicate
}

export interface SubresourceDef {
  name: string; // "status" | "token" | "log" | "binding" | "finalize"
  kind: string; // response kind, e.g. "TokenRequest"
  group?: string; // when the subresource's kind lives in another group (serviceaccounts/token → authentication.k8s.io)
  version?: string;
  verbs: string[];
}

export interface ResourceDef {
  group: string; // "" for core
  version: string; // "v1"
  resource: string; // plural: "pods"
  singular: string; // "pod"
  kind: string; // "Pod"
  listKind: string; // "PodList"
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Discovery verbs; also which verbs the handler accepts. */
  verbs: string[];
  subresources?: SubresourceDef[];
  /** Field selector labels beyond metadata.name / metadata.namespace, with their extractors. */
  selectableFields?: Record<string, (obj: KubeObject) => string>;
  /** Create-only virtual resources (reviews): no storage, handled by a custom handler. */
  virtual?: boolean;
  /** Validation for create (old undefined) and update; returns field causes (empty = valid). */
  validate?: (obj: KubeObject, old?: StoredObject) => FieldCause[];
  /** Defaulting/normalisation before create/update (e.g. Pod defaults, status reset on create). */
  prepare?: (obj: KubeObject, old?: StoredObject) => void;
}

/** apiVersion string for a def: "v1" or "rbac.authorization.k8s.io/v1". */
export function groupVersion(def: Pick<ResourceDef, "group" | "version">): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** Storage key space for a def: "pods" or "roles.rbac.authorization.k8s.io". */
export function storageKey(def: Pick<ResourceDef, "group" | "resource">): string {
  return def.group ? `${def.resource}.${def.group}` : def.resource;
}
