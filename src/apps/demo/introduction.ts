// The paragraph `npm start` prints before the pod-counter's log: what runs, and how to reach it.
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
  pod: Pod;
}

export function introduction(facts: DemoFacts, cwd = process.cwd()): string {
  const namespaces = [...new Set(SEED_WORKLOADS.map((w) => w.namespace))].join(" and ");
  const relative = path.relative(cwd, facts.kubeconfigPath);
  const kubeconfig =
    relative.startsWith("..") || path.isAbsolute(relative) ? facts.kubeconfigPath : `$PWD/${relative}`;
  const moved = facts.portTaken ? ` (port ${facts.portTaken} was taken)` : "";
  return [
    `incluster demo: a local Kubernetes API server at ${facts.serverUrl}${moved} and a pod runtime (node "local")`,
    `are running, with ${facts.seededPods} Pods seeded in namespaces ${namespaces}. deploy/base was applied (${facts.renderer}):`,
    ...facts.applied.map((line) => `  ${line}`),
    `The Pod incluster/${facts.pod.metadata?.name} runs \`incluster pods count\` as ServiceAccount incluster/pod-counter,`,
    "which ClusterRole incluster-pod-counter allows to get/list/watch pods and nothing else. Its log follows.",
    "",
    "In another terminal:",
    `  export KUBECONFIG=${kubeconfig}`,
    "  kubectl get pods -A                                        # what it counts",
    `  curl -s http://${facts.pod.status?.podIP}:9090/metrics | grep ^incluster_pods   # also /readyz, /healthz`,
    "  kubectl delete clusterrolebinding incluster-pod-counter    # watch it explain the 403 and its fix",
    "  kubectl apply --server-side -k deploy/base                 # …and recover",
    "",
    "The cluster lives in memory and is gone on exit; keys and the kubeconfig stay in .incluster/demo.",
    "Ctrl-C stops everything.",
    "",
  ].join("\n");
}
