// The CRD controllers of k8s.io/apiextensions-apiserver, in one reconcile per CRD name:
// - naming (pkg/controller/status/naming_controller.go): accepts the requested names unless another CRD
//   of the group holds them, reporting NamesAccepted (NoConflicts / PluralConflict / … "%q is already in use");
// - establishing (pkg/controller/establish): Established True ("InitialNamesAccepted") once names are
//   accepted — done in the same status write, since serving starts right here;
// - discovery and the handler (customresource_discovery_controller.go, customresource_handler.go): the
//   served versions of an Established CRD become ResourceDefs in the registry (routing, discovery,
//   OpenAPI, storage key space follow from the registry's change notification);
// - finalizer (pkg/controller/finalizer/crd_finalizer.go): a CRD being deleted with the
//   customresourcecleanup finalizer has its custom resources deleted, then the finalizer removed; once
//   the CRD is gone its API is no longer served.
import type { StoredObject } from "../../meta/types.ts";
import { CONTROLLER_USER, type Controller, type ControllerContext } from "../controllers/context.ts";
import { WorkQueue } from "../controllers/work-queue.ts";
import { statusOf } from "../http/errors.ts";
import { asMap, asMaps, asString, deepEqual } from "../registry/json-access.ts";
import {
  CRD_CLEANUP_FINALIZER,
  customResourceDefinition,
} from "../registry/kinds/apiextensions/customresourcedefinition.ts";
import { rfc3339 } from "../registry/objects.ts";
import { storageKey } from "../registry/types.ts";
import { type CustomResourceDef, customResourceDefs, isCustomResourceDef } from "./resource-defs.ts";

const CRD_KEY = storageKey(customResourceDefinition);

interface Condition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

interface Names {
  plural?: string;
  singular?: string;
  shortNames?: string[];
  kind?: string;
  listKind?: string;
  categories?: string[];
}

/** SetCRDCondition: replaces the condition of the type, keeping lastTransitionTime when status is unchanged. */
function setCondition(conditions: Condition[], next: Condition, now: string): Condition[] {
  const i = conditions.findIndex((c) => c.type === next.type);
  const old = i < 0 ? undefined : conditions[i];
  const time = old?.status === next.status ? old.lastTransitionTime : now;
  // Go's field order: type, status, lastTransitionTime, reason, message.
  const condition = {
    type: next.type,
    status: next.status,
    lastTransitionTime: time,
    reason: next.reason,
    message: next.message,
  };
  if (i < 0) return [...conditions, condition];
  const out = [...conditions];
  out[i] = condition;
  return out;
}

const isTrue = (conditions: Condition[], type: string) =>
  conditions.some((c) => c.type === type && c.status === "True");

export function startCrdController(c: ControllerContext): Controller {
  const served = new Map<string, CustomResourceDef[]>(); // CRD name → its served defs
  const watched = new Set<string>(); // CR storage keys the finalizer follows
  const queue = new WorkQueue(reconcile, (key, err) =>
    c.log.warn({ controller: "crd", key, err: (err as Error).message }, "reconcile failed"),
  );
  c.store.watch(CRD_KEY, { fromRV: c.store.currentRV() }, (ev) => queue.add(ev.entry.name));
  for (const e of c.store.list(CRD_KEY).items) queue.add(e.name);

  /** The accepted names of the group's other CRDs (getAcceptedNamesForGroup). */
  function namesInUse(group: string, except: string): { resources: Set<string>; kinds: Set<string> } {
    const resources = new Set<string>();
    const kinds = new Set<string>();
    for (const e of c.store.list(CRD_KEY).items) {
      if (e.name === except) continue;
      const obj = e.object();
      if (asMap(obj.spec).group !== group) continue;
      const n = asMap(asMap(obj.status).acceptedNames) as Names;
      for (const r of [n.plural, n.singular, ...(n.shortNames ?? [])]) if (r) resources.add(r);
      for (const k of [n.kind, n.listKind]) if (k) kinds.add(k);
    }
    return { resources, kinds };
  }

  /** calculateNamesAndConditions, with the establishing controller's step folded in. */
  function namesAndConditions(crd: StoredObject): { names: Names; conditions: Condition[] } {
    const spec = asMap(crd.spec);
    const requested = asMap(spec.names) as Names;
    const status = asMap(crd.status);
    const accepted = asMap(status.acceptedNames) as Names;
    const names: Names = { ...accepted };
    const used = namesInUse(asString(spec.group), crd.metadata.name);
    let conflict: Condition | undefined;
    const check = (
      reason: string,
      wanted: string | undefined,
      had: string | undefined,
      inUse: Set<string>,
    ) => {
      if (wanted === had || !wanted || !inUse.has(wanted)) return true;
      conflict = { type: "NamesAccepted", status: "False", reason, message: `"${wanted}" is already in use` };
      return false;
    };
    if (check("PluralConflict", requested.plural, accepted.plural, used.resources))
      names.plural = requested.plural;
    if (check("SingularConflict", requested.singular, accepted.singular, used.resources))
      names.singular = requested.singular;
    if (!deepEqual(requested.shortNames ?? [], accepted.shortNames ?? [])) {
      const mine = new Set(accepted.shortNames ?? []);
      const taken = (requested.shortNames ?? []).filter((s) => !mine.has(s) && used.resources.has(s));
      if (taken.length) {
        const messages = taken.map((s) => `"${s}" is already in use`);
        conflict = {
          type: "NamesAccepted",
          status: "False",
          reason: "ShortNamesConflict",
          message: messages.length === 1 ? messages[0] : `[${messages.join(", ")}]`,
        };
      } else names.shortNames = requested.shortNames;
    }
    if (check("KindConflict", requested.kind, accepted.kind, used.kinds)) names.kind = requested.kind;
    if (check("ListKindConflict", requested.listKind, accepted.listKind, used.kinds))
      names.listKind = requested.listKind;
    names.categories = requested.categories;
    const namesAccepted: Condition = conflict ?? {
      type: "NamesAccepted",
      status: "True",
      reason: "NoConflicts",
      message: "no conflicts found",
    };
    let conditions = asMaps(status.conditions) as unknown as Condition[];
    const now = rfc3339(new Date());
    conditions = setCondition(conditions, namesAccepted, now);
    const established = conditions.find((x) => x.type === "Established");
    if (established?.status !== "True") {
      conditions = setCondition(
        conditions,
        namesAccepted.status === "True"
          ? {
              type: "Established",
              status: "True",
              reason: "InitialNamesAccepted",
              message: "the initial names have been accepted",
            }
          : {
              type: "Established",
              status: "False",
              reason: "NotAccepted",
              message: "not all names are accepted",
            },
        now,
      );
    }
    return { names: cleanNames(names), conditions };
  }

  async function writeStatus(name: string, update: (status: Record<string, unknown>) => void): Promise<void> {
    try {
      await c.objects.guaranteedUpdate(
        customResourceDefinition,
        "",
        name,
        (current) => {
          const status = structuredClone(asMap(current.status));
          update(status);
          if (deepEqual(status, current.status ?? {})) return undefined;
          return { ...current, status };
        },
        { user: CONTROLLER_USER, subresource: "status" },
      );
    } catch (e) {
      if (statusOf(e)?.code !== 404) throw e;
    }
  }

  const terminating = new Set<string>(); // CRDs being deleted: their resources take no creates

  function serve(name: string, wanted: CustomResourceDef[]): void {
    // A built-in resource (or another CRD's) at the same path wins: kube-apiserver's own handlers come
    // before the CRD handler in the delegation chain.
    const defs = wanted.filter((d) => {
      const existing = c.registry.find(d.group, d.version, d.resource);
      return !existing || (isCustomResourceDef(existing) && existing.crd === name);
    });
    for (const d of defs) d.terminating = () => terminating.has(name);
    const before = served.get(name) ?? [];
    const same =
      before.length === defs.length &&
      before.every((d, i) => JSON.stringify(summary(d)) === JSON.stringify(summary(defs[i])));
    if (same) return;
    if (defs.length) served.set(name, defs);
    else served.delete(name);
    c.registry.update(defs, before);
    for (const d of defs) follow(name, d);
  }

  /** CR deletions wake the CRD's finalizer, which waits for the last one to go. */
  function follow(name: string, def: CustomResourceDef): void {
    const key = storageKey(def);
    if (watched.has(key)) return;
    watched.add(key);
    c.store.watch(key, { fromRV: c.store.currentRV() }, (ev) => {
      if (ev.type !== "DELETED") return;
      const owner = [...served].find(([, defs]) => defs.some((d) => storageKey(d) === key))?.[0] ?? name;
      const crd = c.store.get(CRD_KEY, "", owner)?.object();
      if (crd?.metadata.deletionTimestamp) queue.add(owner);
    });
  }

  async function finalize(crd: StoredObject): Promise<void> {
    const name = crd.metadata.name;
    if (!(crd.metadata.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) return;
    const conditions = asMaps(asMap(crd.status).conditions) as unknown as Condition[];
    const now = rfc3339(new Date());
    let terminating: Condition;
    const established = isTrue(conditions, "Established");
    // Still served while terminating (also after a restart): list and delete through the served def.
    if (established) serve(name, customResourceDefs(crd));
    const defs = served.get(name) ?? [];
    if (established && !defs.length) {
      // Its path belongs to a built-in resource: never delete those objects (OverlappingBuiltInResources).
      terminating = {
        type: "Terminating",
        status: "False",
        reason: "OverlappingBuiltInResource",
        message: "instances overlap with built-in resources in storage",
      };
    } else if (established) {
      const def = defs[0];
      const left = c.store.list(storageKey(def)).items;
      for (const e of left) {
        if (e.object().metadata.deletionTimestamp) continue;
        await c.objects.delete(def, e.namespace, e.name, { user: CONTROLLER_USER }).catch((err) => {
          if (statusOf(err)?.code !== 404) throw err;
        });
      }
      const remaining = c.store.count(storageKey(def));
      if (remaining > 0) {
        await writeStatus(name, (status) => {
          status.conditions = setCondition(
            asMaps(status.conditions) as unknown as Condition[],
            {
              type: "Terminating",
              status: "True",
              reason: "InstanceDeletionInProgress",
              message: "CustomResource deletion is in progress",
            },
            now,
          );
        });
        return; // woken again as each remaining instance goes
      }
      terminating = {
        type: "Terminating",
        status: "False",
        reason: "InstanceDeletionCompleted",
        message: "removed all instances",
      };
    } else {
      terminating = {
        type: "Terminating",
        status: "False",
        reason: "NeverEstablished",
        message: "resource was never established",
      };
    }
    await writeStatus(name, (status) => {
      status.conditions = setCondition(asMaps(status.conditions) as unknown as Condition[], terminating, now);
    });
    await c.objects
      .guaranteedUpdate(
        customResourceDefinition,
        "",
        name,
        (current) => {
          const finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
          if (finalizers.length === (current.metadata.finalizers ?? []).length) return undefined;
          return { ...current, metadata: { ...current.metadata, finalizers } };
        },
        { user: CONTROLLER_USER },
      )
      .catch((err) => {
        if (statusOf(err)?.code !== 404) throw err;
      });
  }

  async function reconcile(name: string): Promise<void> {
    let crd = c.store.get(CRD_KEY, "", name)?.object();
    if (!crd) {
      terminating.delete(name);
      return serve(name, []);
    }
    if (crd.metadata.deletionTimestamp) {
      terminating.add(name);
      return finalize(crd);
    }
    terminating.delete(name);
    const { names, conditions } = namesAndConditions(crd);
    await writeStatus(name, (status) => {
      status.acceptedNames = names;
      status.conditions = conditions;
    });
    crd = c.store.get(CRD_KEY, "", name)?.object();
    if (!crd) return serve(name, []);
    const established = isTrue(asMaps(asMap(crd.status).conditions) as unknown as Condition[], "Established");
    serve(name, established ? customResourceDefs(crd) : []);
  }

  return { name: "crd", idle: () => queue.idle() };
}

/** acceptedNames as upstream serializes them: empty fields omitted, plural and kind always present. */
function cleanNames(n: Names): Names {
  const out: Names = { plural: n.plural ?? "" };
  if (n.singular) out.singular = n.singular;
  if (n.shortNames?.length) out.shortNames = n.shortNames;
  out.kind = n.kind ?? "";
  if (n.listKind) out.listKind = n.listKind;
  if (n.categories?.length) out.categories = n.categories;
  return out;
}

/** What makes two served defs the same (their functions differ on every rebuild). */
function summary(d: CustomResourceDef): unknown {
  return [
    d.group,
    d.version,
    d.resource,
    d.kind,
    d.namespaced,
    d.shortNames,
    d.categories,
    d.subresources,
    d.schema,
    d.scale,
    d.printer?.columns,
    Object.keys(d.selectableFields ?? {}),
  ];
}
