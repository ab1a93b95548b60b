// Small builders for RBAC test fixtures.
import type {
  ClusterRole,
  ClusterRoleBinding,
  NonResourceAttributes,
  PolicyRule,
  ResourceAttributes,
  Role,
  RoleBinding,
  Subject,
  UserInfo,
} from "../../../src/meta/types.ts";

const RBAC = "rbac.authorization.k8s.io";

export function serviceAccount(namespace: string, name: string): UserInfo {
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
  };
}

export const person = (username: string, ...groups: string[]): UserInfo => ({ username, groups });

export function request(
  user: UserInfo,
  verb: string,
  resource: string,
  o: { namespace?: string; group?: string; subresource?: string; name?: string } = {},
): ResourceAttributes {
  return {
    resourceRequest: true,
    user,
    verb,
    namespace: o.namespace ?? "",
    apiGroup: o.group ?? "",
    resource,
    subresource: o.subresource ?? "",
    name: o.name ?? "",
  };
}

export const pathRequest = (user: UserInfo, verb: string, path: string): NonResourceAttributes => ({
  resourceRequest: false,
  user,
  verb,
  path,
});

export function clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>): ClusterRole {
  return { apiVersion: `${RBAC}/v1`, kind: "ClusterRole", metadata: { name, labels }, rules };
}

export function role(namespace: string, name: string, rules: PolicyRule[]): Role {
  return { apiVersion: `${RBAC}/v1`, kind: "Role", metadata: { name, namespace }, rules };
}

export const group = (name: string): Subject => ({ kind: "Group", apiGroup: RBAC, name });
export const userSubject = (name: string): Subject => ({ kind: "User", apiGroup: RBAC, name });
export const saSubject = (name: string, namespace?: string): Subject =>
  namespace === undefined ? { kind: "ServiceAccount", name } : { kind: "ServiceAccount", name, namespace };

export function clusterBinding(name: string, roleName: string, subjects: Subject[]): ClusterRoleBinding {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: "ClusterRoleBinding",
    metadata: { name },
    subjects,
    roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: roleName },
  };
}

export function binding(
  namespace: string,
  name: string,
  ref: { kind: string; name: string },
  subjects: Subject[],
): RoleBinding {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: "RoleBinding",
    metadata: { name, namespace },
    subjects,
    roleRef: { apiGroup: RBAC, ...ref },
  };
}
