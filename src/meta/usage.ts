// The usage the pod runtime samples and the server serves as metrics.k8s.io (metrics-server's view of the
// kubelets): one contract, so the runtime, the metrics API and the HPA controller agree on its shape.

/** Usage over a window: CPU in nanocores, memory (working set) in bytes. */
export interface ResourceUsage {
  cpuNanoCores: number;
  memoryBytes: number;
}

export interface UsageWindow {
  /** When the last sample was taken. */
  timestamp: Date;
  /** The time between the two samples the rate comes from. */
  windowMs: number;
}

export interface PodUsage extends UsageWindow {
  containers: { name: string; usage: ResourceUsage }[];
}

export interface NodeUsage extends UsageWindow {
  usage: ResourceUsage;
}

export interface PodRef {
  node: string;
  namespace: string;
  name: string;
  uid: string;
}

/** The usage of a node, or of a Pod the node runs (undefined: not sampled yet). */
export interface MetricsSource {
  node(name: string): NodeUsage | undefined;
  pod(ref: PodRef): PodUsage | undefined;
}
