// How the HPA bounds a metrics proposal, ported from kubernetes pkg/controller/podautoscaler/horizontal.go
// (a recent stored copy, whose rate limits undo both directions' events within a period; checked against
// its horizontal_test.go): without spec.behavior normalizeDesiredReplicas (a 5-minute downscale
// stabilization window, scale-up at most max(2×current, 4)); with it normalizeDesiredReplicasWithBehaviors
// (stabilization windows, then the policies' rate over their periods). Each returns the replicas and the
// AbleToScale / ScalingLimited conditions to set. Times come from the caller's clock.

export interface ScalingPolicy {
  type: "Pods" | "Percent";
  value: number;
  periodSeconds: number;
}
export interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: "Max" | "Min" | "Disabled";
  policies?: ScalingPolicy[];
}

export interface Recommendation {
  replicas: number;
  at: number;
}
export interface ScaleEvent {
  change: number;
  at: number;
  outdated: boolean;
}

/** Per-HPA memory of the controller (a.recommendations, a.scaleUpEvents, a.scaleDownEvents). */
export interface ScalingHistory {
  recommendations: Recommendation[];
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
}

export interface ConditionUpdate {
  type: "AbleToScale" | "ScalingLimited";
  status: "True" | "False";
  reason: string;
  message: string;
}

/** --horizontal-pod-autoscaler-downscale-stabilization (5m). */
export const DOWNSCALE_STABILIZATION_WINDOW_MS = 5 * 60_000;
const SCALE_UP_LIMIT_FACTOR = 2;
const SCALE_UP_LIMIT_MINIMUM = 4;

export const newHistory = (currentReplicas: number, now: number): ScalingHistory => ({
  recommendations: [{ replicas: currentReplicas, at: now }], // recordInitialRecommendation
  scaleUpEvents: [],
  scaleDownEvents: [],
});

const WITHIN_RANGE = ["DesiredWithinRange", "the desired count is within the acceptable range"] as const;

/** normalizeDesiredReplicas: the path without spec.behavior. */
export function normalizeDesiredReplicas(
  history: ScalingHistory,
  a: { currentReplicas: number; desiredReplicas: number; minReplicas: number; maxReplicas: number },
  now: number,
): { replicas: number; conditions: ConditionUpdate[] } {
  const stabilized = stabilizeRecommendation(history, a.desiredReplicas, now);
  const able: ConditionUpdate =
    stabilized !== a.desiredReplicas
      ? {
          type: "AbleToScale",
          status: "True",
          reason: "ScaleDownStabilized",
          message:
            "recent recommendations were higher than current one, applying the highest recent recommendation",
        }
      : {
          type: "AbleToScale",
          status: "True",
          reason: "ReadyForNewScale",
          message: "recommended size matches current size",
        };
  const [replicas, reason, message] = convertDesiredReplicasWithRules(
    a.currentReplicas,
    stabilized,
    a.minReplicas,
    a.maxReplicas,
  );
  const limited = replicas === stabilized ? "False" : "True";
  return { replicas, conditions: [able, { type: "ScalingLimited", status: limited, reason, message }] };
}

/** stabilizeRecommendation: the highest recommendation of the window; the new one replaces an old one. */
function stabilizeRecommendation(history: ScalingHistory, desired: number, now: number): number {
  let max = desired;
  let oldIndex = -1;
  const cutoff = now - DOWNSCALE_STABILIZATION_WINDOW_MS;
  history.recommendations.forEach((rec, i) => {
    if (rec.at < cutoff) oldIndex = i;
    else if (rec.replicas > max) max = rec.replicas;
  });
  const rec = { replicas: desired, at: now };
  if (oldIndex >= 0) history.recommendations[oldIndex] = rec;
  else history.recommendations.push(rec);
  return max;
}

export function convertDesiredReplicasWithRules(
  current: number,
  desired: number,
  min: number,
  max: number,
): [number, string, string] {
  const scaleUpLimit = Math.trunc(Math.max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM));
  const [maximumAllowed, reason, message] =
    max > scaleUpLimit
      ? [
          scaleUpLimit,
          "ScaleUpLimit",
          "the desired replica count is increasing faster than the maximum scale rate",
        ]
      : [max, "TooManyReplicas", "the desired replica count is more than the maximum replica count"];
  if (desired < min)
    return [min, "TooFewReplicas", "the desired replica count is less than the minimum replica count"];
  if (desired > maximumAllowed) return [maximumAllowed, reason, message];
  return [desired, ...WITHIN_RANGE];
}

/** NormalizationArg: what a proposal is bounded by. */
export interface NormalizationArgs {
  currentReplicas: number;
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
}

/** normalizeDesiredReplicasWithBehaviors: stabilization windows, then the policies' rate limits. */
export function normalizeDesiredReplicasWithBehaviors(
  history: ScalingHistory,
  a: NormalizationArgs,
  now: number,
): { replicas: number; conditions: ConditionUpdate[] } {
  // maybeInitScaleDownStabilizationWindow
  const scaleDown = {
    ...a.scaleDown,
    stabilizationWindowSeconds:
      a.scaleDown.stabilizationWindowSeconds ?? DOWNSCALE_STABILIZATION_WINDOW_MS / 1000,
  };
  const [stabilized, sReason, sMessage] = stabilizeRecommendationWithBehaviors(
    history,
    { ...a, scaleDown },
    now,
  );
  const able: ConditionUpdate =
    stabilized !== a.desiredReplicas
      ? { type: "AbleToScale", status: "True", reason: sReason, message: sMessage }
      : {
          type: "AbleToScale",
          status: "True",
          reason: "ReadyForNewScale",
          message: "recommended size matches current size",
        };
  const [replicas, reason, message] = convertDesiredReplicasWithBehaviorRate(
    history,
    { ...a, desiredReplicas: stabilized, scaleDown },
    now,
  );
  const limited = replicas === stabilized ? "False" : "True";
  return { replicas, conditions: [able, { type: "ScalingLimited", status: limited, reason, message }] };
}

export function stabilizeRecommendationWithBehaviors(
  history: ScalingHistory,
  a: { currentReplicas: number; desiredReplicas: number; scaleUp: ScalingRules; scaleDown: ScalingRules },
  now: number,
): [number, string, string] {
  let up = a.desiredReplicas;
  let down = a.desiredReplicas;
  const upCutoff = now - (a.scaleUp.stabilizationWindowSeconds ?? 0) * 1000;
  const downCutoff = now - (a.scaleDown.stabilizationWindowSeconds ?? 0) * 1000;
  let oldIndex = -1;
  history.recommendations.forEach((rec, i) => {
    if (rec.at > upCutoff) up = Math.min(rec.replicas, up);
    if (rec.at > downCutoff) down = Math.max(rec.replicas, down);
    if (rec.at < upCutoff && rec.at < downCutoff) oldIndex = i;
  });
  let recommendation = a.currentReplicas;
  if (recommendation < up) recommendation = up;
  if (recommendation > down) recommendation = down;
  const rec = { replicas: a.desiredReplicas, at: now };
  if (oldIndex >= 0) history.recommendations[oldIndex] = rec;
  else history.recommendations.push(rec);
  return a.desiredReplicas >= a.currentReplicas
    ? [
        recommendation,
        "ScaleUpStabilized",
        "recent recommendations were lower than current one, applying the lowest recent recommendation",
      ]
    : [
        recommendation,
        "ScaleDownStabilized",
        "recent recommendations were higher than current one, applying the highest recent recommendation",
      ];
}

export function convertDesiredReplicasWithBehaviorRate(
  history: ScalingHistory,
  a: NormalizationArgs,
  now: number,
): [number, string, string] {
  if (a.desiredReplicas > a.currentReplicas) {
    let limit = scaleUpLimit(a.currentReplicas, history, a.scaleUp, now);
    if (limit < a.currentReplicas) limit = a.currentReplicas; // no further scale-up until events expire
    const [maximumAllowed, reason, message] =
      a.maxReplicas > limit
        ? [
            limit,
            "ScaleUpLimit",
            "the desired replica count is increasing faster than the maximum scale rate",
          ]
        : [
            a.maxReplicas,
            "TooManyReplicas",
            "the desired replica count is more than the maximum replica count",
          ];
    if (a.desiredReplicas > maximumAllowed) return [maximumAllowed, reason, message];
  } else if (a.desiredReplicas < a.currentReplicas) {
    let limit = scaleDownLimit(a.currentReplicas, history, a.scaleDown, now);
    if (limit > a.currentReplicas) limit = a.currentReplicas;
    const [minimumAllowed, reason, message] =
      a.minReplicas < limit
        ? [
            limit,
            "ScaleDownLimit",
            "the desired replica count is decreasing faster than the maximum scale rate",
          ]
        : [
            a.minReplicas,
            "TooFewReplicas",
            "the desired replica count is less than the minimum replica count",
          ];
    if (a.desiredReplicas < minimumAllowed) return [minimumAllowed, reason, message];
  }
  return [a.desiredReplicas, ...WITHIN_RANGE];
}

/** getReplicasChangePerPeriod */
export function changeInPeriod(periodSeconds: number, events: ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  return events.filter((e) => e.at > cutoff).reduce((sum, e) => sum + e.change, 0);
}

/** The replicas at the start of a policy's period: both directions' changes within it undone. */
const periodStart = (current: number, history: ScalingHistory, periodSeconds: number, now: number) =>
  current -
  changeInPeriod(periodSeconds, history.scaleUpEvents, now) +
  changeInPeriod(periodSeconds, history.scaleDownEvents, now);

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

/** calculateScaleUpLimitWithScalingRules */
export function scaleUpLimit(
  current: number,
  history: ScalingHistory,
  rules: ScalingRules,
  now: number,
): number {
  if (rules.selectPolicy === "Disabled") return current;
  const pickMin = rules.selectPolicy === "Min";
  let result = pickMin ? INT32_MAX : INT32_MIN;
  for (const p of rules.policies ?? []) {
    const start = periodStart(current, history, p.periodSeconds, now);
    // Rounded up: a rounded-down change might never add a replica.
    const proposed = p.type === "Pods" ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pickMin ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors */
export function scaleDownLimit(
  current: number,
  history: ScalingHistory,
  rules: ScalingRules,
  now: number,
): number {
  if (rules.selectPolicy === "Disabled") return current;
  const pickMin = rules.selectPolicy === "Min";
  let result = pickMin ? INT32_MIN : INT32_MAX;
  for (const p of rules.policies ?? []) {
    const start = periodStart(current, history, p.periodSeconds, now);
    const proposed = p.type === "Pods" ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pickMin ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/** storeScaleEvent: a rescale, replacing an event older than the direction's longest policy period. */
export function storeScaleEvent(
  history: ScalingHistory,
  behavior: { scaleUp: ScalingRules; scaleDown: ScalingRules } | undefined,
  prev: number,
  next: number,
  now: number,
): void {
  if (!behavior) return; // only the behavior path reads them
  const up = next > prev;
  const events = up ? history.scaleUpEvents : history.scaleDownEvents;
  const rules = up ? behavior.scaleUp : behavior.scaleDown;
  const longest = Math.max(0, ...(rules.policies ?? []).map((p) => p.periodSeconds));
  const cutoff = now - longest * 1000;
  let oldIndex = -1;
  events.forEach((e, i) => {
    if (e.at < cutoff) e.outdated = true;
    if (e.outdated) oldIndex = i;
  });
  const event = { change: up ? next - prev : prev - next, at: now, outdated: false };
  if (oldIndex >= 0) events[oldIndex] = event;
  else events.push(event);
}
