// Where each built-in group version sits in discovery: kube-apiserver's APIService priorities
// (pkg/controlplane/apiserver/aggregator.go DefaultGenericAPIServicePriorities merged with
// cmd/kube-apiserver's apiVersionPriorities, Kubernetes 1.33). The aggregator lists groups by
// groupPriorityMinimum (highest first, ties by name) and a group's versions by versionPriority
// (highest first: the preferred version); its own group, apiregistration.k8s.io, always comes first.
export interface APIServicePriority {
  group: number;
  version: number;
}

export const API_SERVICE_PRIORITIES: Readonly<Record<string, APIServicePriority>> = {
  v1: { group: 18000, version: 1 },
  "apiregistration.k8s.io/v1": { group: 18000, version: 15 },
  "apps/v1": { group: 17800, version: 15 },
  "events.k8s.io/v1": { group: 17750, version: 15 },
  "events.k8s.io/v1beta1": { group: 17750, version: 5 },
  "authentication.k8s.io/v1": { group: 17700, version: 15 },
  "authentication.k8s.io/v1beta1": { group: 17700, version: 9 },
  "authentication.k8s.io/v1alpha1": { group: 17700, version: 1 },
  "authorization.k8s.io/v1": { group: 17600, version: 15 },
  "autoscaling/v1": { group: 17500, version: 15 },
  "autoscaling/v2": { group: 17500, version: 30 },
  "autoscaling/v2beta1": { group: 17500, version: 9 },
  "autoscaling/v2beta2": { group: 17500, version: 1 },
  "batch/v1": { group: 17400, version: 15 },
  "batch/v1beta1": { group: 17400, version: 9 },
  "certificates.k8s.io/v1": { group: 17300, version: 15 },
  "certificates.k8s.io/v1beta1": { group: 17300, version: 9 },
  "certificates.k8s.io/v1alpha1": { group: 17300, version: 1 },
  "networking.k8s.io/v1": { group: 17200, version: 15 },
  "networking.k8s.io/v1beta1": { group: 17200, version: 9 },
  "networking.k8s.io/v1alpha1": { group: 17200, version: 1 },
  "policy/v1": { group: 17100, version: 15 },
  "policy/v1beta1": { group: 17100, version: 9 },
  "rbac.authorization.k8s.io/v1": { group: 17000, version: 15 },
  "storage.k8s.io/v1": { group: 16800, version: 15 },
  "storage.k8s.io/v1beta1": { group: 16800, version: 9 },
  "storage.k8s.io/v1alpha1": { group: 16800, version: 1 },
  "apiextensions.k8s.io/v1": { group: 16700, version: 15 },
  "admissionregistration.k8s.io/v1": { group: 16700, version: 15 },
  "admissionregistration.k8s.io/v1beta1": { group: 16700, version: 12 },
  "admissionregistration.k8s.io/v1alpha1": { group: 16700, version: 9 },
  "scheduling.k8s.io/v1": { group: 16600, version: 15 },
  "coordination.k8s.io/v1": { group: 16500, version: 15 },
  "coordination.k8s.io/v1beta1": { group: 16500, version: 13 },
  "coordination.k8s.io/v1alpha2": { group: 16500, version: 12 },
  "node.k8s.io/v1": { group: 16300, version: 15 },
  "discovery.k8s.io/v1": { group: 16200, version: 15 },
  "flowcontrol.apiserver.k8s.io/v1": { group: 16100, version: 21 },
  "resource.k8s.io/v1beta2": { group: 15900, version: 15 },
  "resource.k8s.io/v1beta1": { group: 15900, version: 9 },
  "resource.k8s.io/v1alpha3": { group: 15900, version: 1 },
  // metrics-server's APIService (manifests/base/apiservice.yaml), served here in-process.
  "metrics.k8s.io/v1beta1": { group: 100, version: 100 },
};

/** Groups the local server does not know (custom resources) go after every built-in one, by name. */
const UNKNOWN: APIServicePriority = { group: 1000, version: 15 };

export function priorityOf(group: string, version: string): APIServicePriority {
  return API_SERVICE_PRIORITIES[group ? `${group}/${version}` : version] ?? UNKNOWN;
}

/** Kubernetes-aware version order (apimachinery version.CompareKubeAwareVersionStrings): GA > beta > alpha,
 * higher numbers first; anything else after, alphabetically. */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    const stage = m[2] === "alpha" ? 0 : m[2] === "beta" ? 1 : 2;
    return [stage, Number(m[1]), Number(m[3] ?? 0)] as const;
  };
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) return pa ? -1 : pb ? 1 : a.localeCompare(b);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pb[i]! - pa[i]!;
  return 0;
}

/** The aggregator's group order: apiregistration.k8s.io first, then groupPriorityMinimum (highest
 * version's), then name; the core group ("") leads as in /api. Versions: versionPriority, then kube order. */
export function discoveryOrder(
  groups: { group: string; versions: string[] }[],
): { group: string; versions: string[] }[] {
  const groupPriority = (g: { group: string; versions: string[] }) =>
    g.group === "" || g.group === "apiregistration.k8s.io"
      ? Number.MAX_SAFE_INTEGER - (g.group === "" ? 0 : 1)
      : Math.max(...g.versions.map((v) => priorityOf(g.group, v).group));
  return groups
    .map((g) => ({
      group: g.group,
      versions: [...g.versions].sort(
        (a, b) =>
          priorityOf(g.group, b).version - priorityOf(g.group, a).version || compareKubeVersions(a, b),
      ),
    }))
    .sort(
      (a, b) => groupPriority(b) - groupPriority(a) || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0),
    );
}
