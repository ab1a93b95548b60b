// POST pods/{name}/eviction (kubernetes pkg/registry/core/pod/storage/eviction.go): delete a Pod unless that
// would take its PodDisruptionBudget below its desired healthy count. An allowed eviction takes one disruption
// from the budget (status.disruptionsAllowed--, the pod recorded in status.disruptedPods) before the delete,
// through the same GuaranteedUpdate the disruption controller writes with.

import { labelSelectorFromObject, matchesLabels } from "../../meta/labels.ts";
import { failure, Status } from "../../meta/status.ts";
import type { KubeObject, StoredObject } from "../../meta/types.ts";
import { isPodReady } from "../controllers/pod-status.ts";
import { readObject } from "../http/body.ts";
import { ApiStatusError, fail } from "../http/errors.ts";
import { sendObject } from "../http/respond.ts";
import { asMap, asNumber, asString, isMap } from "../registry/json-access.ts";
import { setDisruptionAllowedCondition } from "../registry/kinds/policy/disruption.ts";
import { rfc3339 } from "../registry/objects.ts";
import type { Call } from "./call.ts";
import { deleteOptions } from "./options.ts";

const PDBS = "poddisruptionbudgets.policy";
/** policyv1.DisruptionBudgetCause. */
const DISRUPTION_BUDGET_CAUSE = "DisruptionBudget";
const REFUSED = "Cannot evict pod as it would violate the pod's disruption budget.";

/** errors.NewTooManyRequests with the DisruptionBudget cause the eviction handler adds. */
function tooManyRequests(retryAfterSeconds: number, cause: string): ApiStatusError {
  return new ApiStatusError(
    failure(429, "TooManyRequests", REFUSED, {
      causes: [{ reason: DISRUPTION_BUDGET_CAUSE, message: cause }],
      ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
    }),
  );
}

/** canIgnorePDB: finished, pending or already-deleting pods are evicted without consulting a budget. */
function canIgnoreBudget(pod: KubeObject): boolean {
  const phase = asString(asMap(pod.status).phase);
  return (
    phase === "Succeeded" ||
    phase === "Failed" ||
    phase === "Pending" ||
    Boolean(pod.metadata?.deletionTimestamp)
  );
}

function budgetsFor(call: Call, pod: StoredObject): StoredObject[] {
  const labels = pod.metadata.labels ?? {};
  return call.ctx.store
    .list(PDBS, { namespace: call.info.namespace })
    .items.map((e) => e.object())
    .filter((pdb) => {
      const selector = asMap(pdb.spec).selector;
      // policy/v1: an empty selector selects every pod in the namespace, a missing one none.
      return isMap(selector) && matchesLabels(labelSelectorFromObject(selector), labels);
    });
}

export async function createEviction(call: Call): Promise<void> {
  const { ctx, req, res, info, user } = call;
  const eviction = await readObject(req);
  if (asString(eviction.metadata?.name) !== info.name)
    throw fail.badRequest("name in URL does not match name in Eviction object");
  const options = deleteOptions(
    isMap(eviction.deleteOptions) ? eviction.deleteOptions : undefined,
    call.query,
  );
  const podDef = call.def;
  const entry = ctx.store.get("pods", info.namespace, info.name);
  if (!entry) throw fail.notFound("pods", "", info.name);
  const pod = entry.object();
  if (!canIgnoreBudget(pod)) {
    const budgets = budgetsFor(call, pod);
    if (budgets.length > 1)
      throw new ApiStatusError(
        Status.internal(
          "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
        ),
      );
    const budget = budgets[0];
    const alwaysAllow = asMap(budget?.spec).unhealthyPodEvictionPolicy === "AlwaysAllow";
    if (budget && !(alwaysAllow && !isPodReady(pod)) && !unhealthyWithinBudget(budget, pod)) {
      await takeDisruption(call, budget.metadata.name, info.name, options.dryRun ?? false);
    }
  }
  await ctx.objects.delete(podDef, info.namespace, info.name, {
    user,
    dryRun: options.dryRun,
    gracePeriodSeconds: options.gracePeriodSeconds,
    preconditions: options.preconditions,
    propagationPolicy: options.propagationPolicy,
  });
  sendObject(res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
}

/** IfHealthyBudget: an unready pod may go without a disruption while the budget is met. */
function unhealthyWithinBudget(budget: StoredObject, pod: KubeObject): boolean {
  const status = asMap(budget.status);
  return (
    !isPodReady(pod) &&
    asNumber(status.currentHealthy) >= asNumber(status.desiredHealthy) &&
    asNumber(status.desiredHealthy) > 0
  );
}

/** checkAndDecrement, written through GuaranteedUpdate on poddisruptionbudgets/status. */
async function takeDisruption(
  call: Call,
  budgetName: string,
  podName: string,
  dryRun: boolean,
): Promise<void> {
  const { ctx, info, user } = call;
  const pdbDef = ctx.registry.find("policy", "v1", "poddisruptionbudgets")!;
  await ctx.objects.guaranteedUpdate(
    pdbDef,
    info.namespace,
    budgetName,
    (pdb) => {
      const status = { ...asMap(pdb.status) };
      if (asNumber(status.observedGeneration) < (pdb.metadata.generation ?? 0))
        throw tooManyRequests(
          10,
          `The disruption budget ${budgetName} is still being processed by the server.`,
        );
      const allowed = asNumber(status.disruptionsAllowed);
      if (allowed < 0)
        throw new ApiStatusError(
          Status.forbidden(
            `poddisruptionbudget.policy ${JSON.stringify(budgetName)} is forbidden: pdb disruptions allowed is negative`,
            "poddisruptionbudget",
            "policy",
            budgetName,
          ),
        );
      if (allowed === 0)
        throw tooManyRequests(
          0,
          `The disruption budget ${budgetName} needs ${asNumber(status.desiredHealthy)} healthy pods and has ${asNumber(status.currentHealthy)} currently`,
        );
      status.disruptionsAllowed = allowed - 1;
      if (status.disruptionsAllowed === 0) setDisruptionAllowedCondition(status, ctx.now());
      if (dryRun) return undefined;
      status.disruptedPods = { ...asMap(status.disruptedPods), [podName]: rfc3339(ctx.now()) };
      return { ...pdb, status };
    },
    { user, subresource: "status" },
  );
}
