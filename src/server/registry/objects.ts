// Object writes, shared by HTTP handlers and in-process controllers:
// BeforeCreate/BeforeUpdate → mutating admission → defaults → validation → validating admission → storage.
import { randomUUID } from "node:crypto";
import { failure, Status } from "../../meta/status.ts";
import type { KubeObject, StoredObject, UserInfo } from "../../meta/types.ts";
import { type AdmissionPlugin, runAdmission } from "../admission/types.ts";
import { ApiStatusError, fail } from "../http/errors.ts";
import { type Entry, StorageError, type Store } from "../storage/index.ts";
import { type DecodeOptions, decodeForWrite, patchShown } from "./decode.ts";
import {
  ApplyConflictError,
  type FieldScope,
  managedFieldsOf,
  printManager,
  sameExceptTimes,
  updateManagedFields,
  type Writer,
} from "./managed-fields.ts";
import { generateName } from "./names.ts";
import { applyPatch, type PatchType } from "./patch.ts";
import { PatchError, patchErrorStatus } from "./patch-error.ts";
import { patchSchemaFor } from "./patch-schema.ts";
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
  /** Internal: the object was already decoded (a patch result). */
  decoded?: boolean;
}

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
    if (!o.decoded && !o.fieldsTracked) obj = decodeForWrite(def, obj, o);
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
    if (HAS_STATUS_SUBRESOURCE(def)) meta.generation = 1;

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
    };
    await runAdmission(this.admission, "mutate", req);
    def.prepare?.(obj);
    if (o.manager && !o.fieldsTracked) {
      setManagedFields(obj, updateManagedFields(undefined, obj, this.writer(def, o.manager, "")));
    }
    this.validate(def, obj, undefined);
    await runAdmission(this.admission, "validate", req);
    if (o.dryRun) return obj as StoredObject;
    try {
      return await this.store.create(storageKey(def), obj);
    } catch (e) {
      throw this.storageFailure(e, def, name);
    }
  }

  async update(
    def: ResourceDef,
    obj: KubeObject,
    namespace: string,
    name: string,
    o: WriteOptions,
  ): Promise<Entry | StoredObject> {
    this.checkTypeMeta(def, obj);
    if (!o.decoded && !o.fieldsTracked) obj = decodeForWrite(def, obj, o);
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
    const current = this.store.get(storageKey(def), def.namespaced ? namespace : "", name);
    if (!current) throw fail.notFound(def.resource, def.group, name);
    const old = current.object();
    const expectedRV = meta.resourceVersion ? Number(meta.resourceVersion) : undefined;
    if (expectedRV !== undefined && expectedRV !== current.rv) throw this.conflict(def, name);

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
    };
    await runAdmission(this.admission, "mutate", req);
    if (!o.subresource) def.prepare?.(next, old);
    if (o.manager && !o.fieldsTracked) {
      setManagedFields(
        next,
        updateManagedFields(old, next, this.writer(def, o.manager, o.subresource ?? "")),
      );
    }
    // A write that changes nothing but managedFields timestamps is a no-op (same resourceVersion).
    if (old.metadata.managedFields && sameExceptTimes(old, next))
      setManagedFields(next, managedFieldsOf(old));
    this.validate(def, next, old);
    await runAdmission(this.admission, "validate", req);
    if (o.dryRun) return next as StoredObject;

    // An object being deleted goes away once its last finalizer is removed.
    if (next.metadata?.deletionTimestamp && !pendingFinalizers(def, next).length) {
      return this.store.delete(storageKey(def), def.namespaced ? namespace : "", name, {
        expectedRV: current.rv,
      });
    }
    try {
      return await this.store.update(storageKey(def), next, { expectedRV: current.rv });
    } catch (e) {
      throw this.storageFailure(e, def, name);
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
    const current = this.store.get(storageKey(def), def.namespaced ? namespace : "", name);
    if (type === "application/apply-patch+yaml" && o.manager)
      return this.apply(def, namespace, name, patch, o);
    if (!current) {
      if (type !== "application/apply-patch+yaml") throw fail.notFound(def.resource, def.group, name);
      let obj: KubeObject;
      try {
        obj = applyPatch({}, patch, type, { kind: def.kind, group: def.group });
      } catch (e) {
        if (e instanceof PatchError) throw new ApiStatusError(patchErrorStatus(e));
        throw e;
      }
      const entry = await this.create(
        def,
        { ...obj, metadata: { ...(obj.metadata ?? {}), name } },
        namespace,
        o,
      );
      return { entry, created: true };
    }
    let patched: KubeObject;
    try {
      patched = applyPatch(current.object(), patch, type, { kind: def.kind, group: def.group });
    } catch (e) {
      if (e instanceof PatchError) throw new ApiStatusError(patchErrorStatus(e));
      throw e;
    }
    const result = patched;
    patched = decodeForWrite(def, patched, o, () => patchShown(result, patch, type));
    const meta = metaOf(patched);
    // A patch only carries a resourceVersion precondition when it sets one explicitly.
    const patchedRV = meta.resourceVersion;
    if (patchedRV === current.object().metadata.resourceVersion) delete meta.resourceVersion;
    return {
      entry: await this.update(def, patched, namespace, name, { ...o, decoded: true }),
      created: false,
    };
  }

  /** Server-side apply with field ownership (managed-fields.ts). */
  private async apply(
    def: ResourceDef,
    namespace: string,
    name: string,
    patch: string,
    o: WriteOptions & { force?: boolean; manager?: string },
  ): Promise<{ entry: Entry | StoredObject; created: boolean }> {
    const current = this.store.get(storageKey(def), def.namespaced ? namespace : "", name);
    const subresource = o.subresource ?? "";
    const w = this.writer(def, o.manager ?? "", subresource);
    let obj: KubeObject;
    try {
      obj = serverSideApplyOwned(
        current?.object() ?? {},
        patch,
        { ...w, kind: def.kind, group: def.group, version: def.version },
        o.force ?? false,
      );
    } catch (e) {
      if (e instanceof PatchError) throw new ApiStatusError(patchErrorStatus(e));
      if (e instanceof ApplyConflictError) {
        throw new ApiStatusError(
          failure(409, "Conflict", e.message, {
            causes: e.conflicts.map((c) => ({
              reason: "FieldManagerConflict",
              message: `conflict with ${printManager(c.manager)}`,
              field: c.path,
            })),
          }),
        );
      }
      throw e;
    }
    if (!current && !managedFieldsOf(obj).length)
      delete (obj.metadata as Record<string, unknown>).managedFields;
    const tracked = { ...o, fieldsTracked: true };
    if (!current) {
      const entry = await this.create(
        def,
        { ...obj, metadata: { ...(obj.metadata ?? {}), name } },
        namespace,
        tracked,
      );
      return { entry, created: true };
    }
    const meta = metaOf(obj);
    if (meta.resourceVersion === current.object().metadata.resourceVersion) delete meta.resourceVersion;
    return { entry: await this.update(def, obj, namespace, name, tracked), created: false };
  }

  private writer(def: ResourceDef, manager: string, subresource: string): Writer {
    const scope: FieldScope =
      subresource === "status" ? "status" : HAS_STATUS_SUBRESOURCE(def) ? "main" : "all";
    return {
      manager,
      apiVersion: groupVersion(def),
      time: rfc3339(this.now()),
      ...(subresource === "status" ? { subresource } : {}),
      schema: patchSchemaFor(def.group, def.kind),
      scope,
    };
  }

  async delete(
    def: ResourceDef,
    namespace: string,
    name: string,
    o: DeleteOptions,
  ): Promise<{ entry: Entry | StoredObject; finished: boolean }> {
    const key = storageKey(def);
    const ns = def.namespaced ? namespace : "";
    const current = this.store.get(key, ns, name);
    if (!current) throw fail.notFound(def.resource, def.group, name);
    const obj = current.object();
    if (o.preconditions?.uid && o.preconditions.uid !== obj.metadata.uid) {
      throw new ApiStatusError(
        Status.conflict(
          def.resource,
          def.group,
          name,
          `Precondition failed: UID in precondition: ${o.preconditions.uid}, UID in object meta: ${obj.metadata.uid}`,
        ),
      );
    }
    if (
      o.preconditions?.resourceVersion &&
      o.preconditions.resourceVersion !== obj.metadata.resourceVersion
    ) {
      throw new ApiStatusError(
        Status.conflict(
          def.resource,
          def.group,
          name,
          `Precondition failed: ResourceVersion in precondition: ${o.preconditions.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`,
        ),
      );
    }
    const req = {
      operation: "DELETE" as const,
      def,
      subresource: "",
      namespace: ns,
      name,
      oldObject: obj,
      user: o.user,
      store: this.store,
    };
    await runAdmission(this.admission, "validate", req);
    if (o.dryRun) return { entry: obj, finished: true };

    const propagation =
      o.propagationPolicy === "Orphan"
        ? ORPHAN_FINALIZER
        : o.propagationPolicy === "Foreground"
          ? FOREGROUND_FINALIZER
          : undefined;
    if (propagation && !obj.metadata.deletionTimestamp) {
      obj.metadata.finalizers = [...new Set([...(obj.metadata.finalizers ?? []), propagation])];
    }
    const grace = this.gracePeriod(def, obj, o.gracePeriodSeconds);
    const finalizers = pendingFinalizers(def, obj);
    if (grace > 0 || finalizers.length > 0) {
      if (obj.metadata.deletionTimestamp) return { entry: current, finished: false };
      obj.metadata.deletionTimestamp = rfc3339(new Date(this.now().getTime() + grace * 1000));
      obj.metadata.deletionGracePeriodSeconds = grace;
      if (def.resource === "namespaces" && def.group === "")
        (obj.status as Record<string, unknown>) = { ...(obj.status as object), phase: "Terminating" };
      const entry = await this.store.update(key, obj, { expectedRV: current.rv });
      return { entry, finished: false };
    }
    return { entry: await this.store.delete(key, ns, name, { expectedRV: current.rv }), finished: true };
  }

  /** Pods bound to a node terminate gracefully (the kubelet finishes them); namespaces drain first. */
  private gracePeriod(def: ResourceDef, obj: StoredObject, requested?: number): number {
    if (def.group !== "") return 0;
    if (def.resource === "pods") {
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
    const next: KubeObject = subresource === "status" ? { ...old, status: incoming.status } : { ...incoming };
    if (subresource === "status") {
      // Only status (plus nothing else) changes through /status.
      next.metadata = { ...old.metadata };
    } else if (HAS_STATUS_SUBRESOURCE(def) && subresource === "") {
      next.status = old.status;
    }
    const meta = metaOf(next);
    if (meta.managedFields === undefined && old.metadata.managedFields) {
      meta.managedFields = old.metadata.managedFields;
    }
    // generation counts spec changes (what controllers' observedGeneration follows).
    const specChanged = JSON.stringify(next.spec ?? null) !== JSON.stringify(old.spec ?? null);
    meta.generation =
      (old.metadata.generation ?? 0) + (subresource === "" && specChanged ? 1 : 0) || undefined;
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

  private validate(def: ResourceDef, obj: KubeObject, old: StoredObject | undefined): void {
    const causes = [
      ...validateObjectMeta(obj, { namespaced: def.namespaced, kind: def.kind }),
      ...(old ? validateUpdateMeta(old, obj) : []),
      ...(def.validate?.(obj, old) ?? []),
    ];
    if (causes.length) {
      throw new ApiStatusError(Status.invalid(def.kind, def.group, obj.metadata?.name ?? "", causes));
    }
  }

  private conflict(def: ResourceDef, name: string): ApiStatusError {
    return new ApiStatusError(
      Status.conflict(
        def.resource,
        def.group,
        name,
        "the object has been modified; please apply your changes to the latest version and try again",
      ),
    );
  }

  private storageFailure(e: unknown, def: ResourceDef, name: string): Error {
    if (e instanceof StorageError) {
      if (e.code === "AlreadyExists")
        return new ApiStatusError(Status.alreadyExists(def.resource, def.group, name));
      if (e.code === "NotFound") return fail.notFound(def.resource, def.group, name);
      if (e.code === "Conflict") return this.conflict(def, name);
    }
    return e as Error;
  }
}
