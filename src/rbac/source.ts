// An in-memory RbacSource built from manifests (offline tools, tests, proposal checks).
import type { ClusterRole, ClusterRoleBinding, KubeObject, Role, RoleBinding } from "../meta/types.ts";
import { aggregateClusterRoles } from "./aggregate.ts";
import { RBAC_GROUP } from "./constants.ts";
import type { RbacSource } from "./evaluate.ts";

const isRbacKind = (o: KubeObject, kind: string) =>
  o.kind === kind && (o.apiVersion === undefined || o.apiVersion.startsWith(`${RBAC_GROUP}/`));

const namespaceOf = (o: KubeObject) => o.metadata?.namespace ?? "";

/**
 * Indexes Role, ClusterRole, RoleBinding and ClusterRoleBinding objects (other kinds are ignored).
 * ClusterRole aggregation is computed unless `aggregate: false`, because manifests ship view/edit/admin empty.
 */
export function sourceFromObjects(
  objects: readonly KubeObject[],
  opts: { aggregate?: boolean } = {},
): RbacSource {
  const of = <T>(kind: string) => objects.filter((o) => isRbacKind(o, kind)) as unknown as T[];
  const rawClusterRoles = of<ClusterRole>("ClusterRole");
  const clusterRoles = opts.aggregate === false ? rawClusterRoles : aggregateClusterRoles(rawClusterRoles);
  const roles = of<Role>("Role");
  const clusterRoleBindings = of<ClusterRoleBinding>("ClusterRoleBinding");
  const roleBindings = of<RoleBinding>("RoleBinding");
  return {
    getClusterRole: (name) => clusterRoles.find((r) => r.metadata.name === name),
    getRole: (namespace, name) => roles.find((r) => namespaceOf(r) === namespace && r.metadata.name === name),
    listClusterRoleBindings: () => clusterRoleBindings,
    listRoleBindings: (namespace) => roleBindings.filter((b) => namespaceOf(b) === namespace),
  };
}
