// The ResourceQuota admission plugin (kubernetes plugin/pkg/admission/resourcequota/controller.go
// checkRequest, pkg/quota/v1/evaluator/core/pods.go Constraints): a create that would take a namespace's
// usage above a quota's status.hard is refused with 403 and upstream's text, and the quota's status.used
// is raised at once (as upstream's admission does) so the next create sees it before the controller runs.
// Scoped quotas (spec.scopes, scopeSelector) are not evaluated; they never refuse.
import { goQuote, qualifiedResource, Status } from "../../meta/status.ts";
import type { KubeObject, StoredObject } from "../../meta/types.ts";
import { ApiStatusError } from "../http/errors.ts";
import { asMap, asMaps, asStrings } from "../registry/json-access.ts";
import { storageKey } from "../registry/types.ts";
import { isStorageError, type Store } from "../storage/index.ts";
import { addUsage, objectUsage, prettyPrint, quantityOf, type Usage, usageOfList } from "./resource-usage.ts";
import type { AdmissionPlugin, AdmissionRequest } from "./types.ts";

const QUOTAS = "resourcequotas";
/** Quota names whose presence obliges every container to state the resource (the pod evaluator's validationSet). */
const MUST_SPECIFY = ["cpu", "limits.cpu", "limits.memory", "memory", "requests.cpu", "requests.memory"];

function forbidden(req: AdmissionRequest, message: string): ApiStatusError {
  const what = qualifiedResource(req.def.resource, req.def.group);
  return new ApiStatusError(
    Status.forbidden(
      `${req.name ? `${what} ${goQuote(req.name)}` : what} is forbidden: ${message}`,
      req.def.resource,
      req.def.group,
      req.name,
    ),
  );
}

const isScoped = (quota: KubeObject) =>
  asStrings(asMap(quota.spec).scopes).length > 0 || asMap(quota.spec).scopeSelector != null;

/** Constraints: each container must request/limit what a quota restricts (names sorted, containers sorted). */
function missingSpecifications(pod: KubeObject, restricted: Set<string>): string | undefined {
  const missing = new Map<string, Set<string>>();
  const spec = asMap(pod.spec);
  for (const c of [...asMaps(spec.containers), ...asMaps(spec.initContainers)]) {
    const resources = asMap(c.resources);
    const requests = asMap(resources.requests);
    const limits = asMap(resources.limits);
    for (const name of MUST_SPECIFY) {
      if (!restricted.has(name)) continue;
      const [field, resource] = name.includes(".") ? name.split(".") : ["requests", name];
      if ((field === "limits" ? limits : requests)[resource] != null) continue;
      if (!missing.has(name)) missing.set(name, new Set());
      missing.get(name)!.add(String(c.name ?? ""));
    }
  }
  if (missing.size === 0) return undefined;
  return [...missing.keys()]
    .sort()
    .map((name) => `${name} for: ${[...missing.get(name)!].sort().join(",")}`)
    .join("; ");
}

/** Raises a quota's status.used by what was admitted (a storage-level compare-and-swap, retried). */
function raiseUsed(store: Store, quota: StoredObject, delta: Usage, names: string[]): void {
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = store.getLatest(QUOTAS, quota.metadata.namespace ?? "", quota.metadata.name);
    if (!entry) return;
    const current = entry.object();
    const status = asMap(current.status);
    const used = usageOfList(status.used);
    const next = addUsage(used, delta);
    const usedOut: Record<string, string> = { ...(asMap(status.used) as Record<string, string>) };
    for (const n of names) usedOut[n] = quantityOf(next, n);
    current.status = { ...status, used: usedOut };
    try {
      store.update(QUOTAS, current, { expectedRV: entry.rv });
      return;
    } catch (e) {
      if (!isStorageError(e, "Conflict")) throw e;
    }
  }
}

export const resourceQuotaAdmission: AdmissionPlugin = {
  name: "ResourceQuota",
  validate(req) {
    if (req.operation !== "CREATE" || req.subresource || !req.def.namespaced || !req.object) return;
    const quotas = req.store
      .list(QUOTAS, { namespace: req.namespace })
      .items.map((e) => e.object())
      .filter((q) => !isScoped(q));
    if (quotas.length === 0) return;
    const resource = storageKey({ group: req.def.group, resource: req.def.resource }); // not a view key
    const delta = objectUsage(resource, req.object);
    // checkRequest: every quota's constraints first, then every quota's usage.
    if (resource === "pods")
      for (const quota of quotas) {
        const hard = Object.keys(asMap(asMap(quota.status).hard));
        const missing = missingSpecifications(
          req.object,
          new Set(hard.filter((n) => MUST_SPECIFY.includes(n))),
        );
        if (missing) throw forbidden(req, `failed quota: ${quota.metadata.name}: must specify ${missing}`);
      }
    const admitted: { quota: StoredObject; names: string[] }[] = [];
    for (const quota of quotas) {
      const status = asMap(quota.status);
      const hard = usageOfList(status.hard);
      const used = usageOfList(status.used);
      const restricted = new Set([...delta.milli.keys()].filter((n) => hard.milli.has(n)));
      if (restricted.size === 0) continue;
      const usedNames = Object.keys(asMap(status.used));
      const unknown = [...restricted].filter((n) => !usedNames.includes(n));
      if (unknown.length)
        throw forbidden(
          req,
          `status unknown for quota: ${quota.metadata.name}, resources: ${unknown.sort().join(",")}`,
        );
      const exceeded = [...restricted].filter(
        (n) => (used.milli.get(n) ?? 0n) + (delta.milli.get(n) ?? 0n) > (hard.milli.get(n) ?? 0n),
      );
      if (exceeded.length)
        throw forbidden(
          req,
          `exceeded quota: ${quota.metadata.name}, requested: ${prettyPrint(delta, exceeded)}, used: ${prettyPrint(used, exceeded)}, limited: ${prettyPrint(hard, exceeded)}`,
        );
      admitted.push({ quota, names: [...restricted] });
    }
    if (req.dryRun) return; // a dry run is checked, not charged
    for (const { quota, names } of admitted) raiseUsed(req.store, quota, delta, names);
  },
};
