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
import { asMap, asMaps, asNumber, asString, isMap, type Json } from "../registry/json-access.ts";
import { setDisruptionAllowedCondition } from "../registry/kinds/policy/disruption.ts";
import { rfc3339 } from "../registry/objects.ts";
import type { Call } from "./call.ts";
import { createOptions, deleteOptions } from "./options.ts";

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

/** propagateDryRun: the request's dryRun goes into the eviction's DeleteOptions; two different ones are an error. */
function deleteOptionsOf(call: Call, eviction: KubeObject): Json {
  const queryDryRun = call.query.getAll("dryRun");
  const options = isMap(eviction.deleteOptions) ? { ...eviction.deleteOptions } : {};
  const bodyDryRun = Array.isArray(options.dryRun) ? options.dryRun.map(String) : [];
  if (bodyDryRun.length === 0) options.dryRun = queryDryRun;
  else if (queryDryRun.length && JSON.stringify(queryDryRun) !== JSON.stringify(bodyDryRun))
    throw new ApiStatusError(
      Status.internal(
        `Non-matching dry-run options in request and content: [${queryDryRun.join(" ")}] and [${bodyDryRun.join(" ")}]`,
      ),
    );
  return options;
}

export async function createEviction(call: Call): Promise<void> {
  const { ctx, req, res, info } = call;
  const eviction = await readObject(req);
  createOptions(call.query);
  if (asString(eviction.metadata?.name) !== info.name)
    throw fail.badRequest("name in URL does not match name in Eviction object");
  const options = deleteOptions(deleteOptionsOf(call, eviction), new URLSearchParams());
  const entry = ctx.store.get("pods", info.namespace, info.name);
  if (!entry) throw fail.notFound("pods", "", info.name);
  const pod = entry.object();
  if (!canIgnoreBudget(pod)) {
    const budgets = budgetsFor(call, pod);
    if (budgets.length > 1) {
      // Not an error upstream: the create answers 201 with this Failure Status as its body.
      return sendObject(res, 201, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message:
          "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
        code: 500,
      });
    }
    const budget = budgets[0];
    if (budget && !unhealthyMayGo(budget, pod))
      await takeDisruption(call, budget.metadata.name, info.name, options.dryRun);
  }
  await deletePod(call, options);
  sendObject(res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
}

/** addConditionAndDeletePod: the DisruptionTarget condition (PodDisruptionConditions, GA in 1.31), then the delete. */
async function deletePod(call: Call, options: ReturnType<typeof deleteOptions>): Promise<void> {
  const { ctx, info, user, def } = call;
  if (!options.dryRun) {
    await ctx.objects.guaranteedUpdate(
      def,
      info.namespace,
      info.name,
      (latest) => {
        const status = asMap(latest.status);
        const conditions = asMaps(status.conditions);
        const old = conditions.find((c) => c.type === "DisruptionTarget");
        const condition = {
          type: "DisruptionTarget",
          status: "True",
          lastTransitionTime: old?.status === "True" ? old.lastTransitionTime : rfc3339(ctx.now()),
          reason: "EvictionByEvictionAPI",
          message: "Eviction API: evicting",
        };
        return {
          ...latest,
          status: {
            ...status,
            conditions: [...conditions.filter((c) => c.type !== "DisruptionTarget"), condition],
          },
        };
      },
      { user, subresource: "status" },
    );
  }
  await ctx.objects.delete(def, info.namespace, info.name, {
    user,
    dryRun: options.dryRun,
    gracePeriodSeconds: options.gracePeriodSeconds,
    preconditions: options.preconditions,
    propagationPolicy: options.propagationPolicy,
  });
}

/** An unready pod goes without taking a disruption: always under AlwaysAllow, else (IfHealthyBudget, the
 * default) while the budget is met. */
function unhealthyMayGo(budget: StoredObject, pod: KubeObject): boolean {
  if (isPodReady(pod)) return false;
  if (asMap(budget.spec).unhealthyPodEvictionPolicy === "AlwaysAllow") return true;
  const status = asMap(budget.status);
  return (
    asNumber(status.currentHealthy) >= asNumber(status.desiredHealthy) && asNumber(status.desiredHealthy) > 0
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
