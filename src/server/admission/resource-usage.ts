// What objects use of a ResourceQuota's resources (kubernetes pkg/quota/v1/evaluator/core: pods.go
// PodUsageFunc, services.go, persistent_volume_claims.go, and the generic object-count evaluator), and
// ResourceList arithmetic in milli units (pkg/quota/v1/resources.go).

import { formatMilli, isBinaryQuantity, quantityMilli } from "../../meta/quantity.ts";
import type { KubeObject } from "../../meta/types.ts";
import { isPodTerminal } from "../controllers/pod-status.ts";
import { asMap, asMaps, asString } from "../registry/json-access.ts";
import type { Store } from "../storage/index.ts";

/** A ResourceList in milli units; `binary` remembers names whose quantities print in BinarySI. */
export interface Usage {
  milli: Map<string, bigint>;
  binary: Set<string>;
}

export const emptyUsage = (): Usage => ({ milli: new Map(), binary: new Set() });

function add(u: Usage, name: string, milli: bigint, binary = false): void {
  u.milli.set(name, (u.milli.get(name) ?? 0n) + milli);
  if (binary) u.binary.add(name);
}

export function addUsage(a: Usage, b: Usage): Usage {
  const out: Usage = { milli: new Map(a.milli), binary: new Set([...a.binary, ...b.binary]) };
  for (const [k, v] of b.milli) out.milli.set(k, (out.milli.get(k) ?? 0n) + v);
  return out;
}

/** A ResourceList (name → quantity string) as usage. */
export function usageOfList(list: unknown): Usage {
  const u = emptyUsage();
  for (const [k, v] of Object.entries(asMap(list)))
    add(u, k, quantityMilli(String(v)), isBinaryQuantity(String(v)));
  return u;
}

export const quantityOf = (u: Usage, name: string): string =>
  formatMilli(u.milli.get(name) ?? 0n, u.binary.has(name));

/** prettyPrint: "name=quantity" pairs sorted by name, joined with ",". */
export function prettyPrint(u: Usage, names: Iterable<string>): string {
  return [...names]
    .sort()
    .map((n) => `${n}=${quantityOf(u, n)}`)
    .join(",");
}

const COMPUTE = ["cpu", "memory", "ephemeral-storage"];

/** The pod's effective requests or limits: the containers' sum, or an init container's if larger, plus overhead. */
function podResources(pod: KubeObject, field: "requests" | "limits"): Usage {
  const spec = asMap(pod.spec);
  const sum = emptyUsage();
  for (const c of asMaps(spec.containers))
    for (const [k, v] of usageOfList(asMap(asMap(c.resources)[field])).milli)
      add(sum, k, v, isBinaryQuantity(String(asMap(asMap(c.resources)[field])[k])));
  for (const c of asMaps(spec.initContainers)) {
    const list = asMap(asMap(c.resources)[field]);
    for (const [k, v] of Object.entries(list)) {
      const m = quantityMilli(String(v));
      if (m > (sum.milli.get(k) ?? 0n)) {
        sum.milli.set(k, m);
        if (isBinaryQuantity(String(v))) sum.binary.add(k);
      }
    }
  }
  for (const [k, v] of Object.entries(asMap(spec.overhead)))
    add(sum, k, quantityMilli(String(v)), isBinaryQuantity(String(v)));
  return sum;
}

/** PodUsageFunc: a non-terminal pod counts 1 and its compute requests and limits. */
export function podUsage(pod: KubeObject): Usage {
  const u = emptyUsage();
  if (isPodTerminal(pod)) return u;
  add(u, "pods", 1000n);
  add(u, "count/pods", 1000n);
  const requests = podResources(pod, "requests");
  const limits = podResources(pod, "limits");
  for (const r of COMPUTE) {
    if (requests.milli.has(r)) {
      add(u, r, requests.milli.get(r)!, requests.binary.has(r));
      add(u, `requests.${r}`, requests.milli.get(r)!, requests.binary.has(r));
    }
    if (limits.milli.has(r)) add(u, `limits.${r}`, limits.milli.get(r)!, limits.binary.has(r));
  }
  return u;
}

/** The quota names an object of `resource` (storage key, "pods" or "deployments.apps") counts toward. */
export function objectUsage(resource: string, obj: KubeObject): Usage {
  if (resource === "pods") return podUsage(obj);
  const u = emptyUsage();
  const [plural, ...group] = resource.split(".");
  add(u, `count/${resource}`, 1000n);
  if (group.length === 0 && LEGACY_COUNTS.has(plural)) add(u, plural, 1000n);
  if (resource === "services") {
    const type = asString(asMap(obj.spec).type);
    const ports = asMaps(asMap(obj.spec).ports).length;
    if (type === "NodePort" || type === "LoadBalancer") add(u, "services.nodeports", BigInt(ports) * 1000n);
    if (type === "LoadBalancer") add(u, "services.loadbalancers", 1000n);
  }
  if (resource === "persistentvolumeclaims") {
    const storage = asMap(asMap(asMap(obj.spec).resources).requests).storage;
    if (storage != null)
      add(u, "requests.storage", quantityMilli(String(storage)), isBinaryQuantity(String(storage)));
  }
  return u;
}

/** Core resources whose bare name is also a quota name ("configmaps", not only "count/configmaps"). */
const LEGACY_COUNTS = new Set([
  "configmaps",
  "persistentvolumeclaims",
  "replicationcontrollers",
  "resourcequotas",
  "secrets",
  "services",
]);

/** Storage keys whose objects a quota name counts ("requests.cpu" → pods, "count/jobs.batch" → jobs.batch). */
export function resourceOfQuotaName(name: string): string | undefined {
  if (name.startsWith("count/")) return name.slice("count/".length);
  if (LEGACY_COUNTS.has(name)) return name;
  if (name.startsWith("services.")) return "services";
  if (name === "requests.storage") return "persistentvolumeclaims";
  if (name === "pods" || COMPUTE.includes(name) || /^(requests|limits)\./.test(name)) return "pods";
  return undefined;
}

/**
 * Usage totals per namespace, kept current from storage events for the resources given (the quota
 * controller's informers), so a recalculation costs the quota's names, not the namespace's objects. Names
 * counting any other resource ("count/jobs.batch") are listed when asked. A namespace's totals are first
 * computed when it is asked about: only namespaces with a quota pay for them, and start-up parses no objects.
 */
export class UsageTracker {
  private readonly store: Store;
  private readonly tracked: Set<string>;
  private readonly totals = new Map<string, Usage>();
  private readonly byObject = new Map<string, Usage>();
  /** Namespaces whose totals are kept → the resourceVersion their objects were listed at. */
  private readonly listedAt = new Map<string, number>();

  constructor(store: Store, resources: string[]) {
    this.store = store;
    this.tracked = new Set(resources);
    for (const resource of resources) {
      store.watch(resource, { fromRV: store.currentRV() }, (ev) => {
        const listed = this.listedAt.get(ev.entry.namespace);
        // Not kept (yet), or already in the list the namespace's totals started from.
        if (listed === undefined || ev.rv <= listed) return;
        this.set(
          resource,
          ev.entry.namespace,
          ev.entry.name,
          ev.type === "DELETED" ? undefined : ev.entry.object(),
        );
      });
    }
  }

  private keep(namespace: string): void {
    if (this.listedAt.has(namespace)) return;
    let rv = this.store.currentRV();
    for (const resource of this.tracked) {
      const list = this.store.list(resource, { namespace });
      rv = list.rv;
      for (const e of list.items) this.set(resource, e.namespace, e.name, e.object());
    }
    this.listedAt.set(namespace, rv);
  }

  private set(resource: string, namespace: string, name: string, obj: KubeObject | undefined): void {
    const key = `${resource}|${namespace}|${name}`;
    const total = this.totals.get(namespace) ?? emptyUsage();
    for (const [k, v] of this.byObject.get(key)?.milli ?? [])
      total.milli.set(k, (total.milli.get(k) ?? 0n) - v);
    if (obj) {
      const u = objectUsage(resource, obj);
      this.byObject.set(key, u);
      for (const [k, v] of u.milli) add(total, k, v, u.binary.has(k));
    } else this.byObject.delete(key);
    this.totals.set(namespace, total);
  }

  /** The namespace's usage of each name. */
  usage(namespace: string, names: string[]): Usage {
    this.keep(namespace);
    const out = emptyUsage();
    const total = this.totals.get(namespace) ?? emptyUsage();
    const listed = new Map<string, Usage>();
    for (const n of names) {
      const resource = resourceOfQuotaName(n);
      if (resource === undefined) continue;
      let source = total;
      if (!this.tracked.has(resource)) {
        if (!listed.has(resource)) listed.set(resource, listUsage(this.store, resource, namespace));
        source = listed.get(resource)!;
      }
      out.milli.set(n, source.milli.get(n) ?? 0n);
      if (source.binary.has(n)) out.binary.add(n);
    }
    return out;
  }
}

/** The usage of one resource's objects in a namespace (nothing when this server does not serve it). */
function listUsage(store: Store, resource: string, namespace: string): Usage {
  const total = emptyUsage();
  let items: { object(): KubeObject }[];
  try {
    items = store.list(resource, { namespace }).items;
  } catch {
    return total;
  }
  for (const e of items) {
    const u = objectUsage(resource, e.object());
    for (const [k, v] of u.milli) add(total, k, v, u.binary.has(k));
  }
  return total;
}
