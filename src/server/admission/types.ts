import type { KubeObject, StoredObject, UserInfo } from "../../meta/types.ts";
import type { ResourceDef } from "../registry/types.ts";
import type { Store } from "../storage/index.ts";

export type Operation = "CREATE" | "UPDATE" | "DELETE";

export interface AdmissionRequest {
  operation: Operation;
  def: ResourceDef;
  subresource: string;
  namespace: string;
  name: string;
  object?: KubeObject; // CREATE/UPDATE: the incoming object (mutable in mutate())
  oldObject?: StoredObject;
  user: UserInfo;
  store: Store;
}

/** Mutating plugins run first, then validating ones; either may throw an ApiStatusError. */
export interface AdmissionPlugin {
  name: string;
  mutate?(req: AdmissionRequest): void | Promise<void>;
  validate?(req: AdmissionRequest): void | Promise<void>;
}

export async function runAdmission(
  plugins: AdmissionPlugin[],
  phase: "mutate" | "validate",
  req: AdmissionRequest,
) {
  for (const p of plugins) await p[phase]?.(req);
}
