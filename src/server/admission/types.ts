import type { KubeObject, StoredObject, UserInfo } from "../../meta/types.ts";
import type { ResourceDef } from "../registry/types.ts";
import type { Store } from "../storage/index.ts";

export type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";

export interface AdmissionRequest {
  operation: Operation;
  def: ResourceDef;
  subresource: string;
  namespace: string;
  name: string;
  object?: KubeObject; // CREATE/UPDATE: the incoming object; CONNECT: the connect options (mutable in mutate())
  oldObject?: StoredObject;
  user: UserInfo;
  store: Store;
  /** The request is a dry run (webhooks without side-effect-free classes refuse it). */
  dryRun?: boolean;
  /** CreateOptions / UpdateOptions / DeleteOptions as sent to webhooks (AdmissionRequest.options). */
  options?: Record<string, unknown>;
  /** Adds a Warning response header (webhook and policy warnings). */
  warn?: (message: string) => void;
}

/** Mutating plugins run first, then validating ones; either may throw an ApiStatusError. */
export interface AdmissionPlugin {
  name: string;
  /** Whether the plugin sees CONNECT requests (admission.Handler.Handles(Connect)): of the plugins served
   * here only the webhooks and validating admission policies do. */
  connect?: boolean;
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

/**
 * The operation's options as admission.Attributes carry them (AdmissionRequest.options): CreateOptions,
 * UpdateOptions or DeleteOptions, meta.k8s.io/v1, with the fields the request set.
 */
export function operationOptions(
  operation: Exclude<Operation, "CONNECT">,
  o: { dryRun?: boolean; gracePeriodSeconds?: number; propagationPolicy?: string; preconditions?: object },
): Record<string, unknown> {
  const kind = { CREATE: "CreateOptions", UPDATE: "UpdateOptions", DELETE: "DeleteOptions" }[operation];
  const out: Record<string, unknown> = { kind, apiVersion: "meta.k8s.io/v1" };
  if (operation === "DELETE") {
    if (o.gracePeriodSeconds !== undefined) out.gracePeriodSeconds = o.gracePeriodSeconds;
    if (o.preconditions) out.preconditions = o.preconditions;
    if (o.propagationPolicy) out.propagationPolicy = o.propagationPolicy;
  }
  if (o.dryRun) out.dryRun = ["All"];
  return out;
}
