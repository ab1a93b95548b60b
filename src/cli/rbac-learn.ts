// `rbac learn`: the least RBAC that covers exactly the requests a ServiceAccount made, from the API
// server's audit log (audit.k8s.io/v1 Events, Metadata level), like audit2rbac. Pure.

import { serviceAccountUsername } from "../meta/service-account.ts";
import type { Attributes, KubeObject, PolicyRule } from "../meta/types.ts";
import {
  authorize,
  dnsName,
  findResource,
  RBAC_API_VERSION,
  RBAC_GROUP,
  ruleCovers,
  SERVICE_ACCOUNT_USER_PREFIX,
} from "../rbac/index.ts";
import { offlineSource, offlineUser } from "./rbac-offline.ts";

export interface AuditEvent {
  verb?: string;
  requestURI?: string;
  user?: { username?: string };
  objectRef?: {
    resource?: string;
    namespace?: string;
    name?: string;
    apiGroup?: string;
    subresource?: string;
  };
  responseStatus?: { code?: number };
  stage?: string;
}

/** One JSON event per line; lines that are not events (blank, truncated last line) are skipped. */
export function parseAuditLog(text: string): AuditEvent[] {
  const events: AuditEvent[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const event = JSON.parse(line) as AuditEvent;
      if (event && typeof event === "object") events.push(event);
    } catch {
      // a line being written while we read
    }
  }
  return events;
}

// Requests without an object name in the URL: a resourceNames rule can never match them.
const NAMELESS_VERBS = new Set(["list", "watch", "create", "deletecollection"]);

function attributesOf(event: AuditEvent, user: Attributes["user"]): Attributes | undefined {
  if (!event.verb) return undefined;
  const ref = event.objectRef;
  if (!ref?.resource) {
    const path = (event.requestURI ?? "").split("?")[0];
    return path ? { resourceRequest: false, user, verb: event.verb, path } : undefined;
  }
  const subresource = ref.subresource ?? "";
  // A plain create carries no name; a create on a subresource (pods/exec) names its object in the URL.
  const keepName = !NAMELESS_VERBS.has(event.verb) || (event.verb === "create" && subresource !== "");
  return {
    resourceRequest: true,
    user,
    verb: event.verb,
    namespace: ref.namespace ?? "",
    apiGroup: ref.apiGroup ?? "",
    resource: ref.resource,
    subresource,
    name: keepName ? (ref.name ?? "") : "",
  };
}

/** The single-verb, single-resource rule (an "atom") that allows exactly this request. */
function atomFor(a: Attributes): PolicyRule {
  if (!a.resourceRequest) return { verbs: [a.verb], nonResourceURLs: [a.path] };
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return {
    apiGroups: [a.apiGroup],
    resources: [resource],
    ...(a.name ? { resourceNames: [a.name] } : {}),
    verbs: [a.verb],
  };
}

const CLUSTER = "";

/** Where the grant must live: the request's namespace, or cluster-wide ("") for URLs, cluster-scoped and all-namespace requests. */
const scopeOf = (a: Attributes) => (a.resourceRequest ? a.namespace : CLUSTER);

const sortedUnique = (list: Iterable<string>) => [...new Set(list)].sort();

/**
 * Merges atoms into few rules: names of the same verbs merge, then resources of one group with the same
 * verbs (and no names) merge. Unnamed access to a resource makes named rules for the same verb redundant.
 */
export function compactAtoms(atoms: PolicyRule[]): PolicyRule[] {
  const urls = new Map<string, Set<string>>();
  const byResource = new Map<string, { unnamed: Set<string>; named: Map<string, Set<string>> }>();
  for (const atom of atoms) {
    const verb = atom.verbs[0];
    if (atom.nonResourceURLs) {
      const url = atom.nonResourceURLs[0];
      urls.set(url, (urls.get(url) ?? new Set()).add(verb));
      continue;
    }
    const key = JSON.stringify([atom.apiGroups![0], atom.resources![0]]);
    const entry = byResource.get(key) ?? { unnamed: new Set(), named: new Map() };
    byResource.set(key, entry);
    const name = atom.resourceNames?.[0];
    if (name === undefined) entry.unnamed.add(verb);
    else entry.named.set(verb, (entry.named.get(verb) ?? new Set()).add(name));
  }
  const unnamedByGroupAndVerbs = new Map<string, { group: string; verbs: string[]; resources: string[] }>();
  const rules: PolicyRule[] = [];
  for (const [key, entry] of [...byResource].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [group, resource] = JSON.parse(key) as [string, string];
    if (entry.unnamed.size > 0) {
      const verbs = sortedUnique(entry.unnamed);
      const mergeKey = JSON.stringify([group, verbs]);
      const merged = unnamedByGroupAndVerbs.get(mergeKey) ?? { group, verbs, resources: [] };
      merged.resources.push(resource);
      unnamedByGroupAndVerbs.set(mergeKey, merged);
    }
    const verbsByNames = new Map<string, string[]>();
    for (const [verb, names] of entry.named) {
      if (entry.unnamed.has(verb)) continue;
      const namesKey = JSON.stringify(sortedUnique(names));
      verbsByNames.set(namesKey, [...(verbsByNames.get(namesKey) ?? []), verb]);
    }
    for (const [namesKey, verbs] of verbsByNames) {
      rules.push({
        apiGroups: [group],
        resources: [resource],
        resourceNames: JSON.parse(namesKey),
        verbs: sortedUnique(verbs),
      });
    }
  }
  const unnamed = [...unnamedByGroupAndVerbs.values()].map((r) => ({
    apiGroups: [r.group],
    resources: r.resources,
    verbs: r.verbs,
  }));
  const nonResource = [...urls]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([url, verbs]) => ({ nonResourceURLs: [url], verbs: sortedUnique(verbs) }));
  return [...unnamed, ...rules, ...nonResource];
}

export interface LearnOptions {
  namespace: string;
  serviceAccount: string;
  /** Never grant cluster-wide: requests that would need a ClusterRole are reported, not granted. */
  namespaceScope?: boolean;
}

export interface LearnResult {
  objects: KubeObject[];
  /** Requests by the ServiceAccount found in the log. */
  requests: number;
  /** Of those, allowed to every ServiceAccount by the default policy (system:basic-user, system:discovery, …). */
  alreadyAllowed: number;
  /** What was not granted and why (--namespace-scope). */
  skipped: string[];
}

function describeAtom(atom: PolicyRule): string {
  if (atom.nonResourceURLs) return `${atom.verbs[0]} ${atom.nonResourceURLs[0]}`;
  const group = atom.apiGroups?.[0] ? `.${atom.apiGroups[0]}` : "";
  return `${atom.verbs[0]} ${atom.resources?.[0]}${group}`;
}

function roleObjects(scope: string, rules: PolicyRule[], o: LearnOptions): KubeObject[] {
  const cluster = scope === CLUSTER;
  const name = dnsName(
    cluster ? `${o.namespace}-${o.serviceAccount}-learned` : `${o.serviceAccount}-learned`,
  );
  const metadata = cluster ? { name, labels: LABELS } : { name, namespace: scope, labels: LABELS };
  const roleKind = cluster ? "ClusterRole" : "Role";
  return [
    { apiVersion: RBAC_API_VERSION, kind: roleKind, metadata, rules },
    {
      apiVersion: RBAC_API_VERSION,
      kind: cluster ? "ClusterRoleBinding" : "RoleBinding",
      metadata: structuredClone(metadata),
      roleRef: { apiGroup: RBAC_GROUP, kind: roleKind, name },
      subjects: [{ kind: "ServiceAccount", name: o.serviceAccount, namespace: o.namespace }],
    },
  ];
}

const LABELS = { "app.kubernetes.io/managed-by": "incluster-rbac-learn" };

/** The Roles/ClusterRole and bindings covering every request the ServiceAccount made, and nothing else. */
export function learnRbac(events: AuditEvent[], o: LearnOptions): LearnResult {
  const username = serviceAccountUsername(o.namespace, o.serviceAccount);
  const user = offlineUser(username);
  const defaults = offlineSource([]);
  const requests = events
    .filter((e) => e.user?.username === username && e.responseStatus?.code !== 401)
    .map((e) => attributesOf(e, user))
    .filter((a): a is Attributes => a !== undefined);
  const needed = requests.filter((a) => !authorize(a, defaults).allowed);
  const skipped = new Set<string>();
  const atomsByScope = new Map<string, PolicyRule[]>();
  for (const a of needed) {
    const scope = scopeOf(a);
    const atom = atomFor(a);
    if (o.namespaceScope && scope === CLUSTER) {
      const why = !a.resourceRequest
        ? "non-resource URLs need a ClusterRole"
        : findResource(a.resource, a.apiGroup)?.namespaced === false
          ? "cluster-scoped resources need a ClusterRole"
          : "it was done across all namespaces; do it per namespace instead";
      skipped.add(`${describeAtom(atom)}: ${why}`);
      continue;
    }
    atomsByScope.set(scope, [...(atomsByScope.get(scope) ?? []), atom]);
  }
  // A namespaced grant is redundant when the same access is granted cluster-wide.
  const clusterAtoms = atomsByScope.get(CLUSTER) ?? [];
  const objects: KubeObject[] = [];
  for (const scope of [...atomsByScope.keys()].sort()) {
    const atoms = (atomsByScope.get(scope) ?? []).filter(
      (atom) => scope === CLUSTER || !clusterAtoms.some((owner) => ruleCovers(owner, atom)),
    );
    if (atoms.length === 0) continue;
    objects.push(...roleObjects(scope, compactAtoms(atoms), o));
  }
  return {
    objects,
    requests: requests.length,
    alreadyAllowed: requests.length - needed.length,
    skipped: [...skipped],
  };
}

/** Every learned request must be allowed by the output (a self-check with the server's evaluator). */
export function uncoveredRequests(events: AuditEvent[], o: LearnOptions, objects: KubeObject[]): string[] {
  const username = serviceAccountUsername(o.namespace, o.serviceAccount);
  const user = offlineUser(username);
  const source = offlineSource(objects);
  return events
    .filter((e) => e.user?.username === username && e.responseStatus?.code !== 401)
    .map((e) => attributesOf(e, user))
    .filter((a): a is Attributes => a !== undefined && !authorize(a, source).allowed)
    .map((a) => describeAtom(atomFor(a)));
}
