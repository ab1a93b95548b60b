// Pod status facts the disruption, quota and replication controllers share (kubernetes pkg/api/v1/pod/util.go).
import type { KubeObject } from "../../meta/types.ts";
import { asMap, asMaps, asString } from "../registry/json-access.ts";

/** podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(pod: KubeObject): boolean {
  return asMaps(asMap(pod.status).conditions).some((c) => c.type === "Ready" && c.status === "True");
}

/** A pod that finished (Succeeded or Failed) no longer counts toward quota or replicas. */
export function isPodTerminal(pod: KubeObject): boolean {
  const phase = asString(asMap(pod.status).phase);
  return phase === "Succeeded" || phase === "Failed";
}
