// Adoption of orphans (kubernetes pkg/controller/controller_ref_manager.go ClaimObject): an object the
// owner's selector matches that no controller owns becomes the owner's, as when a Deployment deleted with
// --cascade=orphan is created again. Objects owned by another controller are left alone.
import { type LabelSelectorExpr, matchesLabels } from "../../meta/labels.ts";
import type { StoredObject } from "../../meta/types.ts";
import type { ResourceDef } from "../registry/types.ts";
import { CONTROLLER_USER, type ControllerContext } from "./context.ts";
import { controllerOf, controllerRef, ownerRefsOf } from "./owners.ts";

/** The candidates this owner controls, orphans it adopts included (in their updated form). */
export async function claim<T extends StoredObject>(
  c: ControllerContext,
  owner: StoredObject,
  def: ResourceDef,
  candidates: T[],
  selector: LabelSelectorExpr,
): Promise<T[]> {
  const claimed: T[] = [];
  for (const obj of candidates) {
    const ref = controllerOf(obj);
    if (ref) {
      if (ref.uid === owner.metadata.uid) claimed.push(obj);
      continue;
    }
    const labels = (obj.metadata.labels ?? {}) as Record<string, string>;
    if (
      owner.metadata.deletionTimestamp ||
      obj.metadata.deletionTimestamp ||
      !matchesLabels(selector, labels)
    )
      continue;
    const adopted = await c.objects
      .guaranteedUpdate(
        def,
        obj.metadata.namespace ?? "",
        obj.metadata.name,
        (cur) => {
          if (controllerOf(cur)) return undefined; // someone else adopted it meanwhile
          const meta = { ...cur.metadata, ownerReferences: [...ownerRefsOf(cur), controllerRef(owner)] };
          return { ...cur, metadata: meta } as StoredObject;
        },
        { user: CONTROLLER_USER },
      )
      .catch(() => undefined); // gone meanwhile: nothing to adopt
    const result =
      adopted && "object" in adopted && typeof adopted.object === "function" ? adopted.object() : adopted;
    if (result && controllerOf(result as StoredObject)?.uid === owner.metadata.uid) claimed.push(result as T);
  }
  return claimed;
}
