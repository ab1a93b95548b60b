// Offline RBAC questions over manifests plus the bootstrap policy, with aggregation computed:
// the same evaluator (src/rbac) the API server authorizes with. Pure.
import type { Attributes, KubeObject, RoleBinding, Subject, UserInfo } from "../meta/types.ts";
import {
  authorize,
  bootstrapClusterRoleBindings,
  bootstrapClusterRoles,
  type Decision,
  getRoleReferenceRules,
  PRIVILEGED_GROUP,
  type RbacSource,
  resolveResource,
  ruleAllows,
  SERVICE_ACCOUNT_USER_PREFIX,
  sourceFromObjects,
} from "../rbac/index.ts";

const AUTHENTICATED = "system:authenticated";
const UNAUTHENTICATED = "system:unauthenticated";

/** Manifests first, so a manifest that redefines a bootstrap role wins, as it would after `kubectl apply`. */
export function offlineSource(objects: readonly KubeObject[]): RbacSource {
  return sourceFromObjects([
    ...objects,
    ...(bootstrapClusterRoles() as KubeObject[]),
    ...(bootstrapClusterRoleBindings() as KubeObject[]),
  ]);
}

/**
 * The identity the API server would see: a ServiceAccount user gets its implicit groups (replaced by
 * explicit --as-group, as impersonation does), and every authenticated user gets system:authenticated.
 */
export function offlineUser(username: string, groups: readonly string[] = []): UserInfo {
  if (username === "system:anonymous")
    return { username, groups: groups.length > 0 ? [...groups] : [UNAUTHENTICATED] };
  let all = [...groups];
  if (all.length === 0 && username.startsWith(SERVICE_ACCOUNT_USER_PREFIX)) {
    const [namespace] = username.slice(SERVICE_ACCOUNT_USER_PREFIX.length).split(":");
    all = ["system:serviceaccounts", `system:serviceaccounts:${namespace}`];
  }
  if (!all.includes(AUTHENTICATED) && !all.includes(UNAUTHENTICATED)) all.push(AUTHENTICATED);
  return { username, groups: all };
}

export interface RequestSpec {
  verb: string;
  /** Resource name as kubectl takes it (pods, deploy, deployments.apps, widgets.example.com) or a URL path. */
  resource: string;
  name?: string;
  subresource?: string;
  /** "" = all namespaces (ignored for cluster-scoped resources and URLs). */
  namespace: string;
}

/** What the authorizer sees for the request: names resolved, cluster-scoped resources without namespace. */
export function requestAttributes(user: UserInfo, spec: RequestSpec): Attributes {
  if (spec.resource.startsWith("/"))
    return { resourceRequest: false, user, verb: spec.verb, path: spec.resource };
  const known = resolveResource(spec.resource);
  const dot = spec.resource.indexOf(".");
  const resource = known?.plural ?? (dot < 0 ? spec.resource : spec.resource.slice(0, dot)).toLowerCase();
  const apiGroup = known?.group ?? (dot < 0 ? "" : spec.resource.slice(dot + 1).toLowerCase());
  return {
    resourceRequest: true,
    user,
    verb: spec.verb,
    namespace: known?.namespaced === false ? "" : spec.namespace,
    apiGroup,
    resource,
    subresource: spec.subresource ?? "",
    name: spec.name ?? "",
  };
}

/** authorize() with a readable reason for system:masters, which RBAC does not mention. */
export function offlineDecision(attributes: Attributes, source: RbacSource): Decision {
  const decision = authorize(attributes, source);
  if (decision.allowed && decision.reason === "") {
    return {
      allowed: true,
      reason: `allowed: member of ${PRIVILEGED_GROUP} (always allowed, no binding needed)`,
    };
  }
  return decision;
}

export interface Grant {
  bindingKind: "ClusterRoleBinding" | "RoleBinding";
  binding: string;
  /** The binding's namespace ("" for a ClusterRoleBinding). */
  namespace: string;
  roleKind: string;
  role: string;
  subjects: Subject[];
}

/** Every binding whose role allows the request (user ignored): who-can's answer. */
export function whoCan(attributes: Attributes, source: RbacSource): Grant[] {
  const namespace = attributes.resourceRequest ? attributes.namespace : "";
  const scopes: ["ClusterRoleBinding" | "RoleBinding", string, RoleBinding[]][] = [
    ["ClusterRoleBinding", "", source.listClusterRoleBindings()],
  ];
  if (namespace !== "") scopes.push(["RoleBinding", namespace, source.listRoleBindings(namespace)]);
  const grants: Grant[] = [];
  for (const [bindingKind, bindingNamespace, bindings] of scopes) {
    for (const binding of bindings) {
      const resolved = getRoleReferenceRules(binding.roleRef, bindingNamespace, source);
      if ("error" in resolved || !resolved.rules.some((rule) => ruleAllows(attributes, rule))) continue;
      grants.push({
        bindingKind,
        binding: binding.metadata.name,
        namespace: bindingNamespace,
        roleKind: binding.roleRef.kind,
        role: binding.roleRef.name,
        // A ServiceAccount subject without namespace means the binding's namespace.
        subjects: (binding.subjects ?? []).map((s) =>
          s.kind === "ServiceAccount" && !s.namespace && bindingNamespace
            ? { ...s, namespace: bindingNamespace }
            : s,
        ),
      });
    }
  }
  return grants;
}
