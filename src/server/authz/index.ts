// Authorization: system:masters, then RBAC over a parsed cache of the four RBAC resources that
// storage watches keep current (parsing JSON per request would cost more than evaluating rules).
//
// Decisions are memoised: RBAC is a pure function of those four caches and the attributes, so a decision
// stays valid until an RBAC object changes, and every change clears the memo. Evaluating walks every
// ClusterRoleBinding and formats the "allowed by …" reason; a hit is one Map lookup. The name is left out
// of the key when no rule that applies to the user (in that namespace) lists resourceNames, since only
// resourceNames make a decision depend on the name — so GETs of 20,000 different Pods share one entry.
import type {
  Attributes,
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  UserInfo,
} from "../../meta/types.ts";
import { authorize, type Decision, type RbacSource, rulesFor } from "../../rbac/index.ts";
import type { Entry, Store } from "../storage/index.ts";

const RBAC = "rbac.authorization.k8s.io";

class ResourceCache<T> {
  readonly byKey = new Map<string, T>();
  readonly byNamespace = new Map<string, Map<string, T>>();

  constructor(store: Store, resource: string, onChange: () => void) {
    const listed = store.list(resource);
    for (const e of listed.items) this.put(e);
    store.watch(resource, { fromRV: listed.rv }, (ev) => {
      if (ev.type === "DELETED") this.remove(ev.entry);
      else this.put(ev.entry);
      onChange();
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

/** Memo entries kept at most; the memo starts over beyond that (a flood of identities cannot grow memory). */
const MEMO_LIMIT = 10_000;

/** Length-prefixed, so no two different field lists give the same key whatever characters they hold. */
const field = (s: string) => `${s.length}:${s}`;

function userKey(user: UserInfo): string {
  let key = field(user.username);
  for (const g of user.groups) key += field(g);
  return `${user.groups.length}#${key}`;
}

export class Authorizer implements RbacSource {
  private readonly roles: ResourceCache<Role>;
  private readonly clusterRoles: ResourceCache<ClusterRole>;
  private readonly roleBindings: ResourceCache<RoleBinding>;
  private readonly clusterRoleBindings: ResourceCache<ClusterRoleBinding>;
  /** Attributes key → decision, valid until the next RBAC change. */
  private readonly decisions = new Map<string, Decision>();
  /** User key + namespace → whether any rule applying there lists resourceNames. */
  private readonly nameMatters = new Map<string, boolean>();

  constructor(store: Store) {
    const forget = () => this.forget();
    this.roles = new ResourceCache(store, `roles.${RBAC}`, forget);
    this.clusterRoles = new ResourceCache(store, `clusterroles.${RBAC}`, forget);
    this.roleBindings = new ResourceCache(store, `rolebindings.${RBAC}`, forget);
    this.clusterRoleBindings = new ResourceCache(store, `clusterrolebindings.${RBAC}`, forget);
  }

  private forget(): void {
    this.decisions.clear();
    this.nameMatters.clear();
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
    const key = this.decisionKey(attributes);
    let decision = this.decisions.get(key);
    if (!decision) {
      decision = authorize(attributes, this);
      if (this.decisions.size >= MEMO_LIMIT) this.decisions.clear();
      this.decisions.set(key, decision);
    }
    return { allowed: decision.allowed, reason: decision.reason };
  }

  private decisionKey(a: Attributes): string {
    const user = userKey(a.user);
    if (!a.resourceRequest) return `N${user}${field(a.verb)}${field(a.path)}`;
    const scope = `${user}${field(a.namespace)}`;
    let named = this.nameMatters.get(scope);
    if (named === undefined) {
      named = rulesFor(a.user, a.namespace, this).rules.some((r) => (r.resourceNames?.length ?? 0) > 0);
      if (this.nameMatters.size >= MEMO_LIMIT) this.nameMatters.clear();
      this.nameMatters.set(scope, named);
    }
    return (
      `R${scope}${field(a.verb)}${field(a.apiGroup)}${field(a.apiVersion ?? "")}${field(a.resource)}` +
      `${field(a.subresource)}${named ? field(a.name) : "*"}`
    );
  }

  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    return rulesFor(user, namespace, this);
  }
}
