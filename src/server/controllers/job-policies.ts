// What the Job controller decides from Pods and indexes, ported from kubernetes pkg/controller/job:
// pod_failure_policy.go (matchPodFailurePolicy), success_policy.go (matchSuccessPolicy) and
// indexed_job_utils.go (the "1,3-5" interval form of completedIndexes/failedIndexes).
import type { Job } from "kubernetes-types/batch/v1.d.ts";
import type { Pod } from "kubernetes-types/core/v1.d.ts";

/** The "1,3-5" form of a set of indexes (status.completedIndexes). */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/**
 * parseIndexesFromString: the indexes below `completions` ("0-2147483646" from a status write must not
 * become two billion entries); corrupted intervals are ignored, and parsing stops at the first index
 * that is out of range, as upstream does.
 */
export function parseIndexes(text: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  for (const part of (text ?? "").split(",").filter(Boolean)) {
    const [a, b] = part.split("-").map((x) => (/^[+-]?\d+$/.test(x) ? Number(x) : Number.NaN));
    if (Number.isNaN(a) || (b !== undefined && Number.isNaN(b))) continue;
    if (a >= completions) break;
    for (let i = Math.max(a, 0); i <= Math.min(b ?? a, completions - 1); i++) out.add(i);
  }
  return out;
}

type PodFailurePolicy = NonNullable<NonNullable<Job["spec"]>["podFailurePolicy"]>;

/**
 * matchPodFailurePolicy (pkg/controller/job/pod_failure_policy.go): the first rule a failed Pod matches
 * decides — FailJob fails the Job with this message, Ignore does not count the failure, Count counts it.
 * FailIndex (with backoffLimitPerIndex) fails the Pod's index at once.
 */
export function matchPodFailurePolicy(
  policy: PodFailurePolicy | undefined,
  pod: Pod,
): { count: boolean; failJob?: string; failIndex?: boolean } {
  const where = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  for (const [index, rule] of (policy?.rules ?? []).entries()) {
    let failJob: string | undefined;
    if (rule.onExitCodes) {
      const req = rule.onExitCodes;
      const statuses = [
        ...(pod.status?.containerStatuses ?? []),
        ...(pod.status?.initContainerStatuses ?? []),
      ];
      const match = statuses.find((s) => {
        const code = s.state?.terminated?.exitCode;
        if ((req.containerName != null && req.containerName !== s.name) || code === undefined || code === 0)
          return false;
        return req.values.includes(code) === (req.operator === "In");
      });
      if (!match) continue;
      failJob = `Container ${match.name} for pod ${where} failed with exit code ${match.state?.terminated?.exitCode} matching ${rule.action} rule at index ${index}`;
    } else if (rule.onPodConditions) {
      const match = (pod.status?.conditions ?? []).find((c) =>
        rule.onPodConditions?.some((p) => p.type === c.type && (p.status ?? "True") === c.status),
      );
      if (!match) continue;
      failJob = `Pod ${where} has condition ${match.type} matching ${rule.action} rule at index ${index}`;
    } else continue;
    if (rule.action === "Ignore") return { count: false };
    if (rule.action === "FailJob") return { count: true, failJob };
    if (rule.action === "FailIndex") return { count: true, failIndex: true };
    if (rule.action === "Count") return { count: true };
  }
  return { count: true };
}

type SuccessPolicy = NonNullable<NonNullable<Job["spec"]>["successPolicy"]>;

/**
 * matchSuccessPolicy (pkg/controller/job/success_policy.go): the first rule the succeeded indexes satisfy
 * — all its succeededIndexes, or succeededCount of them (or of all indexes) — ends an Indexed Job.
 */
export function matchSuccessPolicy(
  policy: SuccessPolicy | undefined,
  completions: number,
  succeeded: Set<number>,
): string | undefined {
  if (!policy || succeeded.size === 0) return undefined;
  for (const [index, rule] of policy.rules.entries()) {
    if (rule.succeededIndexes != null) {
      const required = [...parseIndexes(rule.succeededIndexes, completions)];
      if (required.length === 0) continue;
      const contained = required.filter((i) => succeeded.has(i)).length;
      if (contained >= (rule.succeededCount ?? required.length)) return `Matched rules at index ${index}`;
    } else if (rule.succeededCount != null && succeeded.size >= rule.succeededCount)
      return `Matched rules at index ${index}`;
  }
  return undefined;
}
