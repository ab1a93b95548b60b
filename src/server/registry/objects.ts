// Object writes, shared by HTTP handlers and in-process controllers:
// BeforeCreate/BeforeUpdate → mutating admission → defaults → validation → validating admission → storage.
import { randomUUID } from "node:crypto";
import { Status } from "../../meta/status.ts";
import type { KubeObject, StoredObject, UserInfo } from "../../meta/types.ts";
import { type AdmissionPlugin, operationOptions, runAdmission } from "../admission/types.ts";
import { isCustomResourceDef } from "../crd/resource-defs.ts";
import { ApiStatusError, fail } from "../http/errors.ts";
import { CONFLICT_MODIFIED, type Entry, isStorageError, type Store } from "../storage/index.ts";
import { type DecodeOptions, decodeForWrite, patchShown } from "./decode.ts";
import { addGoSeconds, requestedGracePeriod, shortenGracefulDeletion } from "./graceful-delete.ts";
import { cloneJson } from "./json-access.ts";
import { managedFieldsOf, sameExceptTimes, updateManagedFields, type Writer } from "./managed-fields.ts";
import { generateName } from "./names.ts";
import { applyPatch, type PatchType } from "./patch.ts";
import { patchError } from "./patch-error.ts";
import { patchSchemaFor } from "./patch-schema.ts";
import { resetFieldsFor } from "./reset-fields.ts";
import { servedObject, storedApiVersion } from "./served-versions.ts";
import { serverSideApplyOwned } from "./server-side-apply.ts";
import { groupVersion, type ResourceDef, storageKey } from "./types.ts";
import { validateObjectMeta, validateUpdateMeta } from "./validation.ts";

export interface WriteOptions extends DecodeOptions {
  user: UserInfo;
  dryRun?: boolean;
  subresource?: string;
  /** Field manager recorded in metadata.managedFields (fieldManager or the User-Agent); none: not tracked. */
  manager?: string;
  /** Internal: managedFields were already settled (server-side apply). */
  fieldsTracked?: boolean;
  /** The subresource the manager's entry names when the write is an update of the main resource on its
   * behalf (/scale: upstream's scale handler records `subresource: scale`). */
  managerSubresource?: string;
}

/** GuaranteedUpdate's tryUpdate: the next object built from the current one, or undefined for no change. */
export type TryUpdate = (current: StoredObject) => KubeObject | undefined | Promise<KubeObject | undefined>;

export type PropagationPolicy = "Orphan" | "Background" | "Foreground";

export interface DeleteOptions extends WriteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: PropagationPolicy;
}

/** The finalizers through which the garbage collector orphans or first deletes dependents. */
export const ORPHAN_FINALIZER = "orphan";
export const FOREGROUND_FINALIZER = "foregroundDeletion";

export function rfc3339(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

type Meta = NonNullable<KubeObject["metadata"]>;

function metaOf(obj: KubeObject): Meta {
  if (!obj.metadata || typeof obj.metadata !== "object") obj.metadata = {};
  return obj.metadata;
}

/** Status subresource semantics: the main resource ignores status, /status changes only status. */
const HAS_STATUS_SUBRESOURCE = (def: ResourceDef) =>
  def.subresources?.some((s) => s.name === "status") ?? false;

const TRACKS_GENERATION = (def: ResourceDef) => def.generation ?? HAS_STATUS_SUBRESOURCE(def);

/** A status write's metadata: the stored one, with what the kind's status strategy takes from the request
 * (ResourceDef.statusKeepsMetadata; generic rest.BeforeUpdate then restores identity and timestamps). */
function statusMetadata(def: ResourceDef, old: StoredObject, incoming: KubeObject): Meta {
  const keeps = def.statusKeepsMetadata ?? "all";
  if (keeps === "all") return { ...old.metadata };
  const meta: Meta = { ...(incoming.metadata ?? {}) };
  for (const field of keeps) {
    if (old.metadata[field] === undefined) delete meta[field];
    else (meta as Record<string, unknown>)[field] = old.metadata[field];
  }
  return meta;
}

/** Subresources written like /status: only status comes from the request (a CSR's /approval too). */
const STATUS_LIKE = new Set(["status", "approval"]);
/** The kinds whose strategy is a RESTGracefulDeleteStrategy: Pods (pkg/registry/core/pod/strategy.go). */
const isGracefulKind = (def: ResourceDef) => def.group === "" && def.resource === "pods";

/**
 * DeleteOptions.preconditions, as rest.BeforeDelete reports them: the conflict names the Kind
 * (GroupResource{Group, Resource: Kind}), not the resource.
 */
function checkDeletePreconditions(
  def: ResourceDef,
  obj: StoredObject,
  preconditions: DeleteOptions["preconditions"],
): void {
  const { uid, resourceVersion } = obj.metadata;
  const conflict = (why: string) =>
    new ApiStatusError(Status.conflict(def.kind, def.group, obj.metadata.name, why));
  if (preconditions?.uid != null && preconditions.uid !== uid) {
    throw conflict(
      `the UID in the precondition (${preconditions.uid}) does not match the UID in record (${uid}). The object might have been deleted and then recreated`,
    );
  }
  if (preconditions?.resourceVersion != null && preconditions.resourceVersion !== resourceVersion) {
    throw conflict(
      `the ResourceVersion in the precondition (${preconditions.resourceVersion}) does not match the ResourceVersion in record (${resourceVersion}). The object might have been modified`,
    );
  }
}

/** metadata.finalizers, plus a namespace's spec.finalizers ("kubernetes"), which hold it in Terminating
 * while the namespace controller deletes its content. */
function pendingFinalizers(def: ResourceDef, obj: KubeObject): string[] {
  const spec =
    def.resource === "namespaces" && def.group === "" ? (obj.spec as { finalizers?: string[] }) : undefined;
  return [...(obj.metadata?.finalizers ?? []), ...(spec?.finalizers ?? [])];
}

function setManagedFields(obj: KubeObject, entries: unknown[]): void {
  const meta = metaOf(obj) as Record<string, unknown>;
  if (entries.length) meta.managedFields = entries;
  else delete meta.managedFields;
}

export class ObjectService {
  private readonly store: Store;
  private readonly admission: AdmissionPlugin[];
  private readonly now: () => Date;

  constructor(store: Store, admission: AdmissionPlugin[], now: () => Date = () => new Date()) {
    this.store = store;
    this.admission = admission;
    this.now = now;
  }

  /**
   * Admission of a connect request (endpoints/handlers/rest.go ConnectResource): the plugins that handle
   * CONNECT see the decoded options as the object, mutating ones first. Returns the options to connect with.
   */
  async admitConnect(
    def: ResourceDef,
    subresource: string,
    namespace: string,
    name: string,
    options: KubeObject,
    user: UserInfo,
  ): Promise<KubeObject> {
    const plugins = this.admission.filter((p) => p.connect);
    const req = { operation: "CONNECT" as const, def, subresource, namespace, name, user, store: this.store };
    const admitted = { ...req, object: options };
    await runAdmission(plugins, "mutate", admitted);
    await runAdmission(plugins, "validate", admitted);
    return admitted.object;
  }

  /** Throws a 400 unless apiVersion/kind (when present) match the endpoint. */
  checkTypeMeta(def: ResourceDef, obj: KubeObject, kind = def.kind, apiVersion = groupVersion(def)): void {
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) {
      throw fail.badRequest(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersion})`,
      );
    }
    if (obj.kind !== undefined && obj.kind !== kind) {
      throw fail.badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${kind})`);
    }
  }

  async create(
    def: ResourceDef,
    obj: KubeObject,
    namespace: string,
    o: WriteOptions,
  ): Promise<Entry | StoredObject> {
    this.checkTypeMeta(def, obj);
    if (!o.fieldsTracked) obj = decodeForWrite(def, obj, o);
    obj.apiVersion = groupVersion(def);
    obj.kind = def.kind;
    const meta = metaOf(obj);
    if (def.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw fail.badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      }
      meta.namespace = namespace || meta.namespace;
    } else {
      delete meta.namespace;
    }
    if (meta.resourceVersion)
      throw fail.badRequest("resourceVersion should not be set on objects to be created");
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.now());
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (HAS_STATUS_SUBRESOURCE(def) && def.resource !== "namespaces") delete obj.status;
    if (TRACKS_GENERATION(def)) meta.generation = 1;

    const name = meta.name ?? "";
    const req = {
      operation: "CREATE" as const,
      def,
      subresource: "",
      namespace: meta.namespace ?? "",
      name,
      object: obj,
      user: o.user,
      store: this.store,
      dryRun: o.dryRun,
      options: operationOptions("CREATE", o),
      warn: o.warn,
    };
    // create.go's order: the decoded object is defaulted, its fields are recorded for the manager, then
    // mutating admission and the strategy's PrepareForCreate run, so what they add (a ServiceAccount
    // volume, a Job's selector) is not owned by the writer.
    def.defaults?.(obj);
    if (o.manager && !o.fieldsTracked) {
      setManagedFields(obj, updateManagedFields(undefined, obj, this.writer(def, o.manager, "")));
    }
    await runAdmission(this.admission, "mutate", req);
    def.prepare?.(obj, undefined, { store: this.store, user: o.user, now: this.now() });
    this.validate(def, obj, undefined);
    await runAdmission(this.admission, "validate", req);
    if (o.dryRun) return obj as StoredObject;
    obj.apiVersion = storedApiVersion(def); // a custom resource is stored in its CRD's storage version
    return this.store.create(storageKey(def), obj);
  }

  async update(
    def: ResourceDef,
    obj: KubeObject,
    namespace: string,
    name: string,
    o: WriteOptions,
  ): Promise<Entry | StoredObject> {
    this.checkIdentity(def, obj, namespace, name);
    const decoded = o.fieldsTracked ? obj : decodeForWrite(def, obj, o);
    // Each attempt merges a fresh copy: mergeForUpdate and admission mutate what they are given. A
    // status-like write takes only status from the request (mergeForUpdate), so only status is copied. The
    // current state is not parsed for it (tryWrite reads it as the old object).
    const copy = STATUS_LIKE.has(o.subresource ?? "")
      ? () => ({ ...decoded, status: decoded.status === undefined ? undefined : cloneJson(decoded.status) })
      : () => cloneJson(decoded);
    return this.updateAttempts(def, namespace, name, copy, o);
  }

  /** An update's object must be the one the URL names (update.go, patch.go checkName): else 400. */
  private checkIdentity(def: ResourceDef, obj: KubeObject, namespace: string, name: string): void {
    this.checkTypeMeta(def, obj);
    const meta = metaOf(obj);
    if (meta.name !== undefined && meta.name !== name) {
      throw fail.badRequest(
        `the name of the object (${meta.name}) does not match the name on the URL (${name})`,
      );
    }
    if (def.namespaced && meta.namespace && meta.namespace !== namespace) {
      throw fail.badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
  }

  /**
   * GuaranteedUpdate (apiserver registry/generic/registry/store.go Update over storage/etcd3 store.go
   * GuaranteedUpdate): read the newest state, build the next object from it with `tryUpdate`, run
   * admission, defaults and validation, and write it only if the object is still at the version read.
   * When another writer got there first, start over from the state it left, so a PATCH, a PUT without
   * metadata.resourceVersion or a controller's change never fails with a conflict and never loses a
   * concurrent write. Only a resourceVersion the caller set (checked against the state each attempt
   * read) answers 409. `tryUpdate` returning undefined means "nothing to change": the current state is
   * returned without a write.
   */
  guaranteedUpdate(
    def: ResourceDef,
    namespace: string,
    name: string,
    tryUpdate: TryUpdate,
    o: WriteOptions,
  ): Promise<Entry | StoredObject> {
    return this.updateAttempts(
      def,
      namespace,
      name,
      (current) => tryUpdate(servedObject(def, current.object())),
      o,
    );
  }

  /** GuaranteedUpdate's loop, with the next object built from the current entry. */
  private async updateAttempts(
    def: ResourceDef,
    namespace: string,
    name: string,
    build: (current: Entry) => KubeObject | undefined | Promise<KubeObject | undefined>,
    o: WriteOptions,
  ): Promise<Entry | StoredObject> {
    const key = storageKey(def);
    const ns = def.namespaced ? namespace : "";
    for (;;) {
      const current = this.store.getLatest(key, ns, name);
      if (!current) throw fail.notFound(def.resource, def.group, name);
      const obj = await build(current);
      if (!obj) return current;
      const written = await this.tryWrite(def, ns, name, current, obj, o);
      if (written) return written;
    }
  }

  /** One GuaranteedUpdate attempt against `current`; undefined when storage moved past it meanwhile. */
  private async tryWrite(
    def: ResourceDef,
    namespace: string,
    name: string,
    current: Entry,
    obj: KubeObject,
    o: WriteOptions,
  ): Promise<Entry | StoredObject | undefined> {
    const old = current.object();
    const expectedRV = obj.metadata?.resourceVersion;
    if (expectedRV && Number(expectedRV) !== current.rv) throw this.conflict(def, name);

    const next = this.mergeForUpdate(def, old, obj, o.subresource ?? "");
    // An apply settled managedFields already (the /status merge keeps the old metadata otherwise).
    if (o.fieldsTracked) setManagedFields(next, managedFieldsOf(obj));
    const req = {
      operation: "UPDATE" as const,
      def,
      subresource: o.subresource ?? "",
      namespace,
      name,
      object: next,
      oldObject: old,
      user: o.user,
      store: this.store,
      dryRun: o.dryRun,
      options: operationOptions("UPDATE", o),
      warn: o.warn,
    };
    // update.go's order, as for create: defaults, managed fields, mutating admission, PrepareForUpdate.
    // The field manager sees the request's whole object (a status-like write's `next` already holds the
    // stored spec) and owns what the strategy's reset fields let through.
    if (!o.subresource) def.defaults?.(next);
    if (o.manager && !o.fieldsTracked) {
      const w = this.writer(def, o.manager, o.subresource ?? "", o.managerSubresource);
      const requested = STATUS_LIKE.has(o.subresource ?? "") ? obj : next;
      setManagedFields(next, updateManagedFields(old, next, w, requested));
    }
    await runAdmission(this.admission, "mutate", req);
    const strategy = { store: this.store, user: o.user, now: this.now() };
    if (!o.subresource) def.prepare?.(next, old, strategy);
    else def.prepareSubresource?.(o.subresource, next, old, strategy);
    // A write that changes nothing but managedFields timestamps is a no-op (same resourceVersion).
    if (old.metadata.managedFields && sameExceptTimes(old, next))
      setManagedFields(next, managedFieldsOf(old));
    this.validate(def, next, old, o.subresource ?? "");
    await runAdmission(this.admission, "validate", req);
    if (o.dryRun) return next as StoredObject;

    try {
      // An object being deleted goes away once its last finalizer is removed.
      if (next.metadata?.deletionTimestamp && !pendingFinalizers(def, next).length) {
        return await this.store.delete(storageKey(def), namespace, name, { expectedRV: current.rv });
      }
      next.apiVersion = storedApiVersion(def);
      return await this.store.update(storageKey(def), next, { expectedRV: current.rv });
    } catch (e) {
      if (isStorageError(e, "Conflict")) return undefined;
      throw e;
    }
  }

  async patch(
    def: ResourceDef,
    namespace: string,
    name: string,
    patch: string,
    type: PatchType,
    o: WriteOptions & { force?: boolean },
  ): Promise<{ entry: Entry | StoredObject; created: boolean }> {
    if (type === "application/apply-patch+yaml") return this.apply(def, namespace, name, patch, o);
    const target = { kind: def.kind, group: def.group };
    const entry = await this.guaranteedUpdate(
      def,
      namespace,
      name,
      (current) => {
        // `current` is this attempt's own parse: the patch may build on it in place.
        const patched = applyPatch(current, patch, type, target, true);
        this.checkIdentity(def, patched, namespace, name);
        // patch.go decodes each attempt's result into the Go type.
        return decodeForWrite(def, patched, o, () => patchShown(patched, patch, type));
      },
      o,
    );
    return { entry, created: false };
  }

  /**
   * Server-side apply with field ownership (managed-fields.ts). Creates the object when absent, as
   * upstream's apply patcher (forceAllowCreate); a create that loses a race becomes an update.
   */
  private async apply(
    def: ResourceDef,
    namespace: string,
    name: string,
    patch: string,
    o: WriteOptions & { force?: boolean },
  ): Promise<{ entry: Entry | StoredObject; created: boolean }> {
    const w = this.writer(def, o.manager ?? "", o.subresource ?? "");
    const target = { ...w, kind: def.kind, group: def.group, version: def.version };
    // The applied object must fit the kind's Go types before anything acts on it. Upstream's field manager
    // turns it into a typed object first and answers a plain error when it does not fit: a 500 with no
    // reason (k8s.io/apimachinery pkg/util/managedfields/internal/structuredmerge.go Apply,
    // "failed to create typed patch object (…)"), never a crash further down.
    const applied = (live: KubeObject) => {
      const result = serverSideApplyOwned(live, patch, target, o.force ?? false);
      try {
        return decodeForWrite(def, result, { fieldValidation: "Ignore" });
      } catch (e) {
        if (!(e instanceof ApiStatusError) || e.status.code !== 400) throw e;
        const gvk = `${groupVersion(def).includes("/") ? "" : "/"}${groupVersion(def)}, Kind=${def.kind}`;
        const cause = (e.status.message ?? "").replace(/^.* cannot be handled as an? \S+: /, "");
        throw patchError.internal(
          `failed to create typed patch object (${namespace}/${name}; ${gvk}): ${cause}`,
        );
      }
    };
    const tracked = { ...o, fieldsTracked: true };
    const key = storageKey(def);
    const ns = def.namespaced ? namespace : "";
    for (;;) {
      if (this.store.getLatest(key, ns, name)) {
        try {
          return {
            entry: await this.guaranteedUpdate(def, namespace, name, applied, tracked),
            created: false,
          };
        } catch (e) {
          // Deleted meanwhile: create it instead.
          if (e instanceof ApiStatusError && e.status.code === 404 && !this.store.getLatest(key, ns, name))
            continue;
          throw e;
        }
      }
      const obj = applied({});
      if (!managedFieldsOf(obj).length) delete (obj.metadata as Record<string, unknown>).managedFields;
      try {
        const entry = await this.create(
          def,
          { ...obj, metadata: { ...(obj.metadata ?? {}), name } },
          namespace,
          tracked,
        );
        return { entry, created: true };
      } catch (e) {
        if (isStorageError(e, "AlreadyExists")) continue; // created meanwhile: apply onto it
        throw e;
      }
    }
  }

  private writer(def: ResourceDef, manager: string, subresource: string, entrySubresource?: string): Writer {
    const named = entrySubresource ?? (STATUS_LIKE.has(subresource) ? subresource : undefined);
    return {
      manager,
      apiVersion: groupVersion(def),
      time: rfc3339(this.now()),
      ...(named ? { subresource: named } : {}),
      schema: isCustomResourceDef(def) ? def.patchSchema : patchSchemaFor(def.group, def.kind),
      scope: resetFieldsFor(def, subresource),
    };
  }

  /**
   * Store.Delete: preconditions and admission are checked against the newest state; a concurrent write
   * between that read and the storage write starts the delete over (etcd3 conditionalDelete's retry).
   */
  async delete(
    def: ResourceDef,
    namespace: string,
    name: string,
    o: DeleteOptions,
  ): Promise<{ entry: Entry | StoredObject; finished: boolean }> {
    const key = storageKey(def);
    const ns = def.namespaced ? namespace : "";
    for (;;) {
      const current = this.store.getLatest(key, ns, name);
      if (!current) throw fail.notFound(def.resource, def.group, name);
      const obj = current.object();
      checkDeletePreconditions(def, obj, o.preconditions);
      const req = {
        operation: "DELETE" as const,
        def,
        subresource: "",
        namespace: ns,
        name,
        oldObject: obj,
        user: o.user,
        store: this.store,
        dryRun: o.dryRun,
        options: operationOptions("DELETE", o),
        warn: o.warn,
      };
      // delete.go runs mutating admission (with no object) before validating admission.
      await runAdmission(this.admission, "mutate", req);
      await runAdmission(this.admission, "validate", req);
      if (o.dryRun) return { entry: obj, finished: true };

      const propagation =
        o.propagationPolicy === "Orphan"
          ? ORPHAN_FINALIZER
          : o.propagationPolicy === "Foreground"
            ? FOREGROUND_FINALIZER
            : undefined;
      if (!obj.metadata.deletionTimestamp) def.beforeDelete?.(obj, this.now());
      if (propagation && !obj.metadata.deletionTimestamp) {
        obj.metadata.finalizers = [...new Set([...(obj.metadata.finalizers ?? []), propagation])];
      }
      const requested = requestedGracePeriod(o.gracePeriodSeconds);
      const finalizers = pendingFinalizers(def, obj);
      try {
        if (obj.metadata.deletionTimestamp) {
          const step = isGracefulKind(def)
            ? shortenGracefulDeletion(obj.metadata, requested, this.now())
            : ({ kind: "immediate" } as const);
          if (step.kind === "pending" || (step.kind === "immediate" && finalizers.length > 0))
            return { entry: current, finished: false };
          if (step.kind === "graceful") {
            obj.metadata.deletionTimestamp = rfc3339(step.deletionTimestamp);
            obj.metadata.deletionGracePeriodSeconds = step.gracePeriodSeconds;
            const entry = await this.store.update(key, obj, { expectedRV: current.rv });
            if (step.gracePeriodSeconds > 0 || finalizers.length > 0) return { entry, finished: false };
            return {
              entry: await this.store.delete(key, ns, name, { expectedRV: entry.rv }),
              finished: true,
            };
          }
          return {
            entry: await this.store.delete(key, ns, name, { expectedRV: current.rv }),
            finished: true,
          };
        }
        const grace = this.gracePeriod(def, obj, requested);
        if (grace > 0 || finalizers.length > 0) {
          obj.metadata.deletionTimestamp = rfc3339(addGoSeconds(this.now(), grace));
          obj.metadata.deletionGracePeriodSeconds = grace;
          // The first deletion of an object is a change controllers must see (BeforeDelete, markAsDeleting).
          if ((obj.metadata.generation ?? 0) > 0)
            obj.metadata.generation = (obj.metadata.generation ?? 0) + 1;
          if (def.resource === "namespaces" && def.group === "")
            (obj.status as Record<string, unknown>) = { ...(obj.status as object), phase: "Terminating" };
          const entry = await this.store.update(key, obj, { expectedRV: current.rv });
          return { entry, finished: false };
        }
        return { entry: await this.store.delete(key, ns, name, { expectedRV: current.rv }), finished: true };
      } catch (e) {
        if (!isStorageError(e, "Conflict")) throw e;
      }
    }
  }

  /** Pods bound to a node terminate gracefully (the kubelet finishes them); namespaces drain first. */
  private gracePeriod(def: ResourceDef, obj: StoredObject, requested?: number): number {
    if (isGracefulKind(def)) {
      const spec = obj.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
      const phase = (obj.status as { phase?: string } | undefined)?.phase;
      if (!spec?.nodeName || phase === "Succeeded" || phase === "Failed") return 0;
      return requested ?? spec.terminationGracePeriodSeconds ?? 30;
    }
    return 0;
  }

  private mergeForUpdate(
    def: ResourceDef,
    old: StoredObject,
    incoming: KubeObject,
    subresource: string,
  ): KubeObject {
    const statusLike = STATUS_LIKE.has(subresource);
    const next: KubeObject = statusLike ? { ...old, status: incoming.status } : { ...incoming };
    if (statusLike) {
      // Status, and the metadata the kind's status strategy lets through, change through /status.
      next.metadata = statusMetadata(def, old, incoming);
    } else if (HAS_STATUS_SUBRESOURCE(def) && subresource === "") {
      next.status = old.status;
    }
    const meta = metaOf(next);
    if (meta.managedFields === undefined && old.metadata.managedFields) {
      meta.managedFields = old.metadata.managedFields;
    }
    // generation counts spec changes (what controllers' observedGeneration follows); a subresource write
    // never counts, and shares the old spec anyway.
    const specChanged =
      subresource === "" &&
      TRACKS_GENERATION(def) &&
      JSON.stringify(next.spec ?? null) !== JSON.stringify(old.spec ?? null);
    meta.generation = (old.metadata.generation ?? 0) + (specChanged ? 1 : 0) || undefined;
    meta.uid = old.metadata.uid;
    meta.creationTimestamp = old.metadata.creationTimestamp;
    meta.name = old.metadata.name;
    if (def.namespaced) meta.namespace = old.metadata.namespace;
    else delete meta.namespace;
    if (old.metadata.deletionTimestamp) {
      meta.deletionTimestamp = old.metadata.deletionTimestamp;
      meta.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    }
    if (old.metadata.generateName && !meta.generateName) meta.generateName = old.metadata.generateName;
    next.apiVersion = groupVersion(def);
    next.kind = def.kind;
    return next;
  }

  private validate(def: ResourceDef, obj: KubeObject, old: StoredObject | undefined, subresource = ""): void {
    // apiextensions-apiserver validates metadata with apimachinery's generic rules only.
    const coreFinalizers = def.group !== "apiextensions.k8s.io" && !isCustomResourceDef(def);
    const causes = [
      ...validateObjectMeta(obj, { namespaced: def.namespaced, kind: def.kind, coreFinalizers }),
      ...(old ? validateUpdateMeta(old, obj, coreFinalizers) : []),
      ...(def.validate?.(obj, old, subresource) ?? []),
    ];
    if (causes.length) {
      throw new ApiStatusError(Status.invalid(def.kind, def.group, obj.metadata?.name ?? "", causes));
    }
  }

  private conflict(def: ResourceDef, name: string): ApiStatusError {
    return new ApiStatusError(Status.conflict(def.resource, def.group, name, CONFLICT_MODIFIED));
  }
}
