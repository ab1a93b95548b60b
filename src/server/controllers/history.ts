// ControllerRevisions for StatefulSets and DaemonSets (kubernetes pkg/controller/history/
// controller_history.go; the revision patch of pkg/controller/statefulset/stateful_set_utils.go
// getPatch and pkg/controller/daemon/update.go getPatch). A revision stores the Pod template as a
// strategic-merge patch `{"spec":{"template":{…,"$patch":"replace"}}}`, which is what `kubectl rollout
// undo` applies back to the owner.
import type { KubeObject, StoredObject } from "../../meta/types.ts";
import { asMap, asNumber, deepEqual, type Json } from "../registry/json-access.ts";
import { isStorageError } from "../storage/errors.ts";
import { CONTROLLER_USER, type ControllerContext } from "./context.ts";
import { controllerOf, controllerRef } from "./owners.ts";

export const CONTROLLER_REVISIONS = "controllerrevisions.apps";
/** history.ControllerRevisionHashLabel (StatefulSets'; DaemonSets label theirs controller-revision-hash). */
export const REVISION_HASH_LABEL = "controller.kubernetes.io/hash";

// rand.SafeEncodeString's alphabet (apimachinery util/rand): no vowels, no look-alikes.
const SAFE = "bcdfghjklmnpqrstvwxz2456789";

/** Go's hash/fnv New32 (FNV-1, not 1a) over bytes. */
function fnv32(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = (Math.imul(h, 0x01000193) ^ b) >>> 0;
  return h >>> 0;
}

/** HashControllerRevision: FNV-1 of the revision's raw data (and the collision count), safe-encoded. */
export function hashRevision(data: Json, collisionCount?: number): string {
  let bytes = Buffer.from(goJson(data));
  if (collisionCount !== undefined) bytes = Buffer.concat([bytes, Buffer.from(String(collisionCount))]);
  return [...String(fnv32(bytes))].map((ch) => SAFE[ch.charCodeAt(0) % SAFE.length]).join("");
}

/** encoding/json's output for a decoded map: keys sorted, `<`, `>` and `&` escaped. */
function goJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)).replace(
    /[<>&\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Json)[k])]),
    );
  return value;
}

/** getPatch: the owner's Pod template as a replace patch (metadata.creationTimestamp as Go encodes it). */
export function revisionData(owner: KubeObject): Json {
  const template = structuredClone(asMap(asMap(owner.spec).template));
  template.metadata = { creationTimestamp: null, ...asMap(template.metadata) };
  return { spec: { template: { ...template, $patch: "replace" } } };
}

/** The Pod template a revision holds. */
export function templateOf(revision: KubeObject): Json {
  const { $patch: _, ...template } = asMap(asMap(asMap(revision.data).spec).template);
  return template;
}

export type Revision = StoredObject & { data?: Json; revision?: number };

/** The ControllerRevisions the owner controls, oldest revision first. */
export function ownedRevisions(c: ControllerContext, owner: StoredObject): Revision[] {
  return c.store
    .list(CONTROLLER_REVISIONS, { namespace: owner.metadata.namespace ?? "" })
    .items.map((e) => e.object() as Revision)
    .filter((r) => controllerOf(r)?.uid === owner.metadata.uid)
    .sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
}

/**
 * The revision for the owner's current template: an equal existing one (its number raised to the newest,
 * as a rollback does) or a new one numbered after the newest. Returns it with the full history.
 */
export async function syncRevision(
  c: ControllerContext,
  owner: StoredObject,
  labels: Record<string, string>,
  hashLabel = REVISION_HASH_LABEL,
  annotations?: Record<string, string>,
): Promise<{ update: Revision; history: Revision[]; hash: string; collisionCount: number }> {
  const def = c.registry.find("apps", "v1", "controllerrevisions")!;
  const namespace = owner.metadata.namespace ?? "";
  const history = ownedRevisions(c, owner);
  const data = revisionData(owner);
  const next = (history.at(-1)?.revision ?? 0) + 1;
  const equal = history.filter((r) => deepEqual(r.data, data));
  const existing = equal.at(-1);
  if (existing) {
    const hash = existing.metadata.labels?.[hashLabel] ?? "";
    const collisionCount = asNumber(asMap(owner.status).collisionCount);
    if (existing === history.at(-1)) return { update: existing, history, hash, collisionCount };
    const raised = (await c.objects.guaranteedUpdate(
      def,
      namespace,
      existing.metadata.name,
      (cur) => ({ ...cur, revision: next }),
      { user: CONTROLLER_USER },
    )) as Revision;
    const updated = "object" in raised && typeof raised.object === "function" ? raised.object() : raised;
    return { update: updated as Revision, history: ownedRevisions(c, owner), hash, collisionCount };
  }
  // CreateControllerRevision: the name is <owner>-<hash of the data and the collision count>; a name
  // taken by other data (or, since StatefulSets and DaemonSets share this hash, by another owner) bumps
  // the collision count, which the owner's status then keeps.
  const stored = asMap(owner.status).collisionCount;
  let collisionCount = typeof stored === "number" ? stored : 0;
  for (;;) {
    const hash = hashRevision(data, collisionCount);
    const name = `${owner.metadata.name.slice(0, 223)}-${hash}`;
    const revision: KubeObject = {
      metadata: {
        name,
        namespace,
        labels: { ...labels, [hashLabel]: hash },
        ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
        ownerReferences: [controllerRef(owner)],
      },
      data,
      revision: next,
    };
    try {
      const created = await c.objects.create(def, revision, namespace, { user: CONTROLLER_USER });
      const object = "object" in created && typeof created.object === "function" ? created.object() : created;
      return { update: object as Revision, history: ownedRevisions(c, owner), hash, collisionCount };
    } catch (err) {
      if (!isStorageError(err, "AlreadyExists")) throw err;
      const exists = c.store.get(CONTROLLER_REVISIONS, namespace, name)?.object() as Revision | undefined;
      if (exists && controllerOf(exists)?.uid === owner.metadata.uid && deepEqual(exists.data, data))
        return { update: exists, history: ownedRevisions(c, owner), hash, collisionCount };
      collisionCount++;
    }
  }
}

/** Deletes the oldest revisions no Pod uses beyond the owner's revisionHistoryLimit. */
export async function truncateHistory(
  c: ControllerContext,
  owner: StoredObject,
  history: Revision[],
  live: Set<string>,
): Promise<void> {
  const def = c.registry.find("apps", "v1", "controllerrevisions")!;
  const limit = (asMap(owner.spec).revisionHistoryLimit as number | undefined) ?? 10;
  const unused = history.filter((r) => !live.has(r.metadata.name));
  for (const r of unused.slice(0, Math.max(0, unused.length - limit)))
    await c.objects
      .delete(def, owner.metadata.namespace ?? "", r.metadata.name, { user: CONTROLLER_USER })
      .catch(() => undefined);
}
