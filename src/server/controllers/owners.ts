// Helpers for controllers that own objects through metadata.ownerReferences.
import { createHash } from "node:crypto";
import type { KubeObject, StoredObject } from "../../meta/types.ts";

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export function ownerRefsOf(obj: KubeObject): OwnerReference[] {
  return ((obj.metadata as { ownerReferences?: OwnerReference[] } | undefined)?.ownerReferences ??
    []) as OwnerReference[];
}

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return ownerRefsOf(obj).find((r) => r.controller);
}

export function controllerRef(owner: StoredObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion ?? "",
    kind: owner.kind ?? "",
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

// apimachinery's SafeEncodeString alphabet (no vowels, no look-alikes).
const SAFE = "bcdfghjklmnpqrstvwxz2456789";

/** A stable short hash of a pod template, like the deployment controller's pod-template-hash. */
export function templateHash(template: unknown): string {
  const digest = createHash("sha256")
    .update(JSON.stringify(template ?? {}))
    .digest();
  let out = "";
  for (let i = 0; i < 10; i++) out += SAFE[digest[i] % SAFE.length];
  return out;
}
