// The rollout arithmetic of the Deployment controller (kubernetes pkg/controller/deployment/util/
// deployment_util.go and apimachinery's intstr.GetScaledValueFromIntOrPercent): how many Pods a rolling
// update may add above (maxSurge, rounded up) or remove below (maxUnavailable, rounded down) the desired
// count, and when a rollout is complete or progressing.

export type IntOrPercent = number | string | undefined;

export interface RolloutSpec {
  replicas?: number;
  strategy?: { type?: string; rollingUpdate?: { maxSurge?: IntOrPercent; maxUnavailable?: IntOrPercent } };
}

export interface RolloutStatus {
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
}

/** intstr.GetScaledValueFromIntOrPercent: an int as is, "N%" of total rounded up or down. */
export function scaledValue(value: number | string, total: number, roundUp: boolean): number {
  if (typeof value === "number") return value;
  if (!value.endsWith("%"))
    throw new Error("invalid value for IntOrString: invalid type: string is not a percentage");
  const digits = value.slice(0, -1);
  if (!/^[+-]?[0-9]+$/.test(digits))
    throw new Error(`invalid value for IntOrString: strconv.Atoi: parsing "${digits}": invalid syntax`);
  const scaled = (Number(digits) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** ResolveFenceposts: surge rounds up, unavailability down; both zero means one may be unavailable. */
export function resolveFenceposts(
  maxSurge: IntOrPercent,
  maxUnavailable: IntOrPercent,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

const isRolling = (spec: RolloutSpec) => spec.strategy?.type === "RollingUpdate";

/** MaxUnavailable: never more than the desired count; zero for Recreate or no replicas. */
export function maxUnavailable(spec: RolloutSpec): number {
  const replicas = spec.replicas ?? 0;
  if (!isRolling(spec) || replicas === 0) return 0;
  const ru = spec.strategy?.rollingUpdate;
  const { unavailable } = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas);
  return Math.min(unavailable, replicas);
}

/** MaxSurge. */
export function maxSurge(spec: RolloutSpec): number {
  if (!isRolling(spec)) return 0;
  const ru = spec.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, spec.replicas ?? 0).surge;
}

/** NewRSNewReplicas: the new ReplicaSet grows while all ReplicaSets together stay within desired+surge. */
export function newReplicaSetReplicas(spec: RolloutSpec, allReplicas: number[], newReplicas: number): number {
  const desired = spec.replicas ?? 0;
  if (!isRolling(spec)) return desired;
  const surge = scaledValue(spec.strategy?.rollingUpdate?.maxSurge ?? 0, desired, true);
  const current = allReplicas.reduce((n, r) => n + r, 0);
  const maxTotal = desired + surge;
  if (current >= maxTotal) return newReplicas;
  return newReplicas + Math.min(maxTotal - current, desired - newReplicas);
}

/** DeploymentComplete: every desired Pod updated and available, no old Pods left, generation observed. */
export function deploymentComplete(spec: RolloutSpec, generation: number, status: RolloutStatus): boolean {
  const desired = spec.replicas ?? 0;
  return (
    (status.updatedReplicas ?? 0) === desired &&
    (status.replicas ?? 0) === desired &&
    (status.availableReplicas ?? 0) === desired &&
    (status.observedGeneration ?? 0) >= generation
  );
}

/** DeploymentProgressing: more updated, ready or available Pods, or fewer old ones, than before. */
export function deploymentProgressing(old: RolloutStatus, next: RolloutStatus): boolean {
  const oldPods = (s: RolloutStatus) => (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (next.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    oldPods(next) < oldPods(old) ||
    (next.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (next.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

export interface DeploymentCondition {
  type: string;
  status: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** SetDeploymentCondition: same status and reason is no change; same status keeps the transition time;
 * the new condition goes last. */
export function setCondition(
  conditions: DeploymentCondition[],
  condition: DeploymentCondition,
): DeploymentCondition[] {
  const current = conditions.find((c) => c.type === condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason)
    return conditions;
  const next = { ...condition };
  if (current && current.status === condition.status) next.lastTransitionTime = current.lastTransitionTime;
  return [...conditions.filter((c) => c.type !== condition.type), next];
}
