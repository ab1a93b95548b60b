// Authorization: system:masters, then RBAC over a parsed cache of the four RBAC resources that
// storage watches keep current (parsing JSON per request would cost more than evaluating rules).
import type {
  Attributes,
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  UserInfo,
} from "../../meta/types.ts";
import { authorize, type RbacSource, rulesFor } from "../../rbac/index.ts";
import type { Entry, Store } from "../storage/index.ts";

const RBAC = "rbac.authorization.k8s.io";

class ResourceCache<T> {
  readonly byKey = new Map<string, T>();
  readonly byNamespace = new Map<string, Map<string, T>>();

  constructor(store: Store, resource: string) {
    const listed = store.list(resource);
    for (const e of listed.items) this.put(e);
    store.watch(resource, { fromRV: listed.rv }, (ev) => {
      if (ev.type === "DELETED") this.remove(ev.entry);
      else this.put(ev.entry);
    });
  }

  private put(e: Entry): void {
    const obj = e.object() as T;
    this.byKey.set(`${e.namespace}/${e.name}`, obj);
    if (!this.byNamespace.has(e.namespace)) this.byNamespace.set(e.namespace, new Map());
    this.byNamespace.get(e.namespace)!.set(e.name, obj);
  }

  private remove(e: Entry): void {
    this.byKey.delete(`${e.namespace}/${e.name}`);
    this.byNamespace.get(e.namespace)?.delete(e.name);
  }

  inNamespace(namespace: string): T[] {
    return [...(this.byNamespace.get(namespace)?.values() ?? [])];
  }
}

export class Authorizer implements RbacSource {
  private readonly roles: ResourceCache<Role>;
  private readonly clusterRoles: ResourceCache<ClusterRole>;
  private readonly roleBindings: ResourceCache<RoleBinding>;
  private readonly clusterRoleBindings: ResourceCache<ClusterRoleBinding>;

  constructor(store: Store) {
    this.roles = new ResourceCache(store, `roles.${RBAC}`);
    this.clusterRoles = new ResourceCache(store, `clusterroles.${RBAC}`);
    this.roleBindings = new ResourceCache(store, `rolebindings.${RBAC}`);
    this.clusterRoleBindings = new ResourceCache(store, `clusterrolebindings.${RBAC}`);
  }

  getClusterRole(name: string): ClusterRole | undefined {
    return this.clusterRoles.byKey.get(`/${name}`);
  }

  getRole(namespace: string, name: string): Role | undefined {
    return this.roles.byKey.get(`${namespace}/${name}`);
  }

  listClusterRoleBindings(): ClusterRoleBinding[] {
    return this.clusterRoleBindings.inNamespace("");
  }

  listRoleBindings(namespace: string): RoleBinding[] {
    return this.roleBindings.inNamespace(namespace);
  }

  authorize(attributes: Attributes): { allowed: boolean; reason: string } {
    return authorize(attributes, this);
  }

  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    return rulesFor(user, namespace, this);
  }
}
