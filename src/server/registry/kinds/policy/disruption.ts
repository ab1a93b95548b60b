// PodDisruptionBudget status helpers shared by the eviction handler and the disruption controller
// (kubernetes pkg/apis/policy/helper UpdateDisruptionAllowedCondition, apimachinery meta.SetStatusCondition).
import { asMaps, asNumber, type Json } from "../../json-access.ts";

export const DISRUPTION_ALLOWED = "DisruptionAllowed";

/** UpdateDisruptionAllowedCondition onto a status (lastTransitionTime moves only when status changes). */
export function setDisruptionAllowedCondition(status: Json, now: Date, reason?: string): void {
  const allowed = asNumber(status.disruptionsAllowed) > 0;
  const next = {
    type: DISRUPTION_ALLOWED,
    status: allowed ? "True" : "False",
    observedGeneration: asNumber(status.observedGeneration),
    lastTransitionTime: `${now.toISOString().slice(0, 19)}Z`,
    reason: reason ?? (allowed ? "SufficientPods" : "InsufficientPods"),
    message: "",
  };
  const conditions = asMaps(status.conditions);
  const old = conditions.find((c) => c.type === DISRUPTION_ALLOWED);
  if (old && old.status === next.status) next.lastTransitionTime = String(old.lastTransitionTime);
  status.conditions = [...conditions.filter((c) => c.type !== DISRUPTION_ALLOWED), next];
}
