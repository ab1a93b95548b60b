// Public API of the local pod runtime (src/kubelet).
export { AtomicWriter, type FileProjection, type Payload } from "./atomic-writer.ts";
export { type BackoffSettings, CrashLoopBackOff } from "./backoff.ts";
export type { Clock } from "./clock.ts";
export { kubernetesServiceEnv } from "./env.ts";
export { ExecError, PodExecRouter } from "./exec.ts";
export { INCLUSTER_IMAGE, isInclusterImage } from "./images.ts";
export { type LogReadOptions, PodLogError, PodLogStore } from "./logs.ts";
export { type BindMount, detectMountNamespace, inMountNamespace } from "./mount-namespace.ts";
export { NODE_CLUSTER_ROLE, nodeClusterRoleBinding, nodeUser } from "./node-identity.ts";
export { PodPortForwardRouter } from "./port-forward.ts";
export { DEFAULT_NODE_NAME, type RunningRuntime, type RuntimeOptions, startRuntime } from "./runtime.ts";
export { TokenManager, type TokenSpec } from "./token-manager.ts";
export { refreshDueAt, requiresRefresh } from "./token-refresh.ts";
export { PodMetricsRouter, type UsageReader, UsageSampler } from "./usage.ts";
