// The paragraph `npm start` prints before the Pods' logs: what runs, and how to reach it.
import path from "node:path";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { SEED_WORKLOADS } from "./seed.ts";

export interface DemoFacts {
  serverUrl: string;
  /** Set when the wanted port was taken and another was used. */
  portTaken?: number;
  kubeconfigPath: string;
  seededPods: number;
  renderer: string;
  applied: string[];
  /** The pod-counter's replicas. */
  counters: Pod[];
  /** The endpoints watcher, when the applied manifests run one. */
  watcher?: Pod;
}

export function introduction(facts: DemoFacts, cwd = process.cwd()): string {
  const namespaces = [...new Set(SEED_WORKLOADS.map((w) => w.namespace))].join(" and ");
  const relative = path.relative(cwd, facts.kubeconfigPath);
  const kubeconfig =
    relative.startsWith("..") || path.isAbsolute(relative) ? facts.kubeconfigPath : `$PWD/${relative}`;
  const moved = facts.portTaken ? ` (port ${facts.portTaken} was taken)` : "";
  const names = facts.counters.map((pod) => `incluster/${pod.metadata?.name}`).join(" and ");
  const [first] = facts.counters;
  const watcher = facts.watcher
    ? [
        `The Pod incluster/${facts.watcher.metadata?.name} runs \`incluster endpoints watch pod-counter-metrics --probe metrics`,
        "--probe-path /metrics` as ServiceAccount incluster/endpoints-watcher (a Role to get/list/watch endpointslices",
        "in incluster, nothing else): on each change of the Service's ready endpoints it GETs each Pod's /metrics",
        "and reports which answered.",
      ]
    : [];
  return [
    `incluster demo: a local Kubernetes API server at ${facts.serverUrl}${moved} and a pod runtime (node "local")`,
    `are running, with ${facts.seededPods} Pods seeded in namespaces ${namespaces}. deploy/overlays/discovery was applied (${facts.renderer}):`,
    ...facts.applied.map((line) => `  ${line}`),
    `The Pods ${names} run \`incluster pods count --leader-elect\` as ServiceAccount incluster/pod-counter,`,
    "which ClusterRole incluster-pod-counter allows to get/list/watch pods and nothing else; the replica holding",
    "Lease incluster/pod-counter counts, the other stands by.",
    ...watcher,
    "Their logs follow, each line prefixed with its Pod.",
    "",
    "In another terminal:",
    `  export KUBECONFIG=${kubeconfig}`,
    "  kubectl get pods -A                                        # what it counts",
    `  curl -s http://${first?.status?.podIP}:9090/metrics | grep ^incluster_pods   # also /readyz, /healthz`,
    "  kubectl get lease pod-counter -n incluster                 # who leads; delete that Pod: the other takes over",
    "  kubectl delete clusterrolebinding incluster-pod-counter    # watch it explain the 403 and its fix",
    "  kubectl apply --server-side -f deploy/base/clusterrolebinding.yaml   # …and recover",
    "",
    "The cluster lives in memory and is gone on exit; keys and the kubeconfig stay in .incluster/demo.",
    "Ctrl-C stops everything.",
    "",
  ].join("\n");
}
