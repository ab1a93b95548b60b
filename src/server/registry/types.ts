// A resource is data: one ResourceDef per served resource drives discovery, routing, storage,
// field selectors, defaulting, validation, Table output and OpenAPI. A kind is one module under
// registry/kinds/<group>/<kind>.ts exporting its ResourceDef (docs/architecture.md, "Adding a kind");
// type knowledge (protobuf fields, patch strategies, Go types) is looked up by group/version/kind.
import type { KubeObject, StoredObject, UserInfo } from "../../meta/types.ts";
import type { Store } from "../storage/index.ts";
import type { FieldFilter } from "./managed-fields.ts";
import type { Printer } from "./tables.ts";

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
  /** SetDefaults_<Kind> (pkg/apis/<group>/<version>/defaults.go): runs on every create and update. */
  defaults?: (obj: KubeObject) => void;
  /** The registry strategy's PrepareForCreate (old undefined) / PrepareForUpdate, after defaulting:
   * status resets, allocations (Service ClusterIPs), derived fields. Not run for subresource writes. */
  prepare?: (obj: KubeObject, old: StoredObject | undefined, ctx: StrategyContext) => void;
  /** The subresource strategies' PrepareForUpdate (e.g. a CSR's status and approval), after the generic
   * merge that takes status from the request and keeps everything else. */
  prepareSubresource?: (
    subresource: string,
    obj: KubeObject,
    old: StoredObject,
    ctx: StrategyContext,
  ) => void;
  /** Validation for create (old undefined) and update; returns field causes (empty = valid).
   * ObjectMeta is validated generically first; this adds the kind's own rules. `subresource` names
   * the subresource an update writes through ("status"), "" for the resource itself. */
  validate?: (obj: KubeObject, old?: StoredObject, subresource?: string) => FieldCause[];
  /** Table columns (pkg/printers/internalversion/printers.go); Name + Created At when absent. */
  printer?: Printer;
  /** Served in this group/version but stored as another def's objects (the apiserver's storage codec):
   * events.k8s.io/v1 Events are core/v1 Events, autoscaling/v1 HPAs are stored autoscaling/v2 HPAs. The
   * store serves such a def as a view of the stored def's objects (storage/view.ts): every get, list,
   * watch and write converts, so a write through either version reads back through both. */
  storage?: SharedStorage;
  /** What a status-like write (/status, a CSR's /approval) keeps of the stored metadata: the status
   * strategy's PrepareForUpdate (pkg/registry/<group>/<kind>/strategy.go). Everything outside metadata
   * and status (spec) is always kept. "all", the default (metav1.ResetObjectMetaForStatus, or
   * `ObjectMeta = old.ObjectMeta`): only status changes. A list: the request's labels, annotations,
   * finalizers and ownerReferences are taken, except the fields listed (Deployment: labels; Pod:
   * ownerReferences and deletionTimestamp; Service, Job, HPA…: none). */
  statusKeepsMetadata?: "all" | readonly StatusKeptMetadata[];
  /** The strategies' reset fields (GetResetFields, or GetResetFieldsFilter) by subresource ("" for the
   * resource itself) where they differ from the defaults derived in reset-fields.ts: the fields a write's
   * managedFields entry may not own. */
  resetFields?: Readonly<Record<string, FieldFilter>>;
  /** Whether the strategy keeps metadata.generation (1 on create, +1 on each spec change). Default: the
   * kinds with a status subresource; false for those whose 1.33 strategy never sets it (Services,
   * HorizontalPodAutoscalers, Namespaces, Nodes, PVs and claims, ResourceQuotas, CSRs, APIServices,
   * ServiceCIDRs, VolumeAttachments), where a write keeps what is stored (rest.BeforeUpdate). */
  generation?: boolean;
  /** DELETE answers with the object (its last state) rather than a Success Status
   * (the registry's ReturnDeletedObject: pods, namespaces, services, nodes, serviceaccounts). */
  returnsDeletedObject?: boolean;
  /** The registry's Delete override, on the first delete request (before deletionTimestamp is set): adds
   * finalizers and conditions (CustomResourceDefinition: the customresourcecleanup finalizer). */
  beforeDelete?: (obj: StoredObject, now: Date) => void;
}

/** The metadata fields a status strategy can reset to the stored object's. */
export type StatusKeptMetadata =
  | "labels"
  | "annotations"
  | "finalizers"
  | "ownerReferences"
  | "deletionTimestamp";

/** The def whose objects this def serves, and the conversions between the two forms
 * (pkg/apis/<group>/<version>/conversion.go). */
export interface SharedStorage {
  /** The stored def (its storage key and storageVersionHash are this def's). */
  def: ResourceDef;
  /** This def's object in the stored def's form (apiVersion/kind included). */
  toStorage(obj: KubeObject): KubeObject;
  /** A stored object in this def's form (apiVersion/kind included). */
  fromStorage(obj: KubeObject): KubeObject;
}

/** What a strategy may consult besides the object: storage, for allocations and cross-object checks. */
export interface StrategyContext {
  store: Store;
  /** The requesting user (PrepareForCreate of CSRs records it, as genericapirequest.UserFrom). */
  user?: UserInfo;
  /** The request time (condition timestamps). */
  now?: Date;
}

/** apiVersion string for a def: "v1" or "rbac.authorization.k8s.io/v1". */
export function groupVersion(def: Pick<ResourceDef, "group" | "version">): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** Storage key space for a def: "pods", "roles.rbac.authorization.k8s.io", or a view's "events.events.k8s.io@v1". */
export function storageKey(
  def: Pick<ResourceDef, "group" | "resource"> & Partial<Pick<ResourceDef, "version" | "storage">>,
): string {
  const key = def.group ? `${def.resource}.${def.group}` : def.resource;
  // A kind served from another's storage gets its own view key: two versions of one group/resource
  // (autoscaling/v1 over autoscaling/v2 HPAs) must not collide.
  return def.storage ? `${key}@${def.version}` : key;
}
