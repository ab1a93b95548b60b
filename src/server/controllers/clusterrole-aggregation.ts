// ClusterRole aggregation (clusterroleaggregation_controller.go): roles with an aggregationRule
// get the union of the rules of the roles their selectors match. Shares src/rbac with the tools.
import type { ClusterRole } from "../../meta/types.ts";
import { aggregateClusterRoles } from "../../rbac/index.ts";
import { CONTROLLER_USER, type Controller, type ControllerContext, controller } from "./context.ts";

const RESOURCE = "clusterroles.rbac.authorization.k8s.io";

export function startAggregationController(c: ControllerContext): Controller {
  const def = c.registry.find("rbac.authorization.k8s.io", "v1", "clusterroles")!;
  return controller(
    c,
    "clusterrole-aggregation",
    async () => {
      const roles = c.store.list(RESOURCE).items.map((e) => e.object() as unknown as ClusterRole);
      const aggregated = aggregateClusterRoles(roles);
      for (const role of aggregated) {
        if (!role.aggregationRule) continue;
        const before = roles.find((r) => r.metadata.name === role.metadata.name);
        if (JSON.stringify(before?.rules ?? []) === JSON.stringify(role.rules ?? [])) continue;
        // The union was computed from one listing; a role changed since re-triggers this reconcile.
        await c.objects.guaranteedUpdate(
          def,
          "",
          role.metadata.name,
          (latest) => ({ ...latest, rules: role.rules }),
          { user: CONTROLLER_USER },
        );
      }
    },
    [{ resource: RESOURCE, key: () => "all" }],
    () => ["all"],
  );
}
