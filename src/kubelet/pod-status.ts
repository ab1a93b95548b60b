// Pod phase and conditions from container statuses, as the kubelet computes them (kubelet_pods.go getPhase,
// pkg/kubelet/status/generate.go). Pure functions: the pod worker supplies the container statuses.
import type { ContainerStatus, Pod, PodCondition, PodStatus } from "kubernetes-types/core/v1.d.ts";
import { rfc3339 } from "./clock.ts";

export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed";

const byName = (statuses: readonly ContainerStatus[], name: string) => statuses.find((s) => s.name === name);

/**
 * getPhase. `terminal`: the kubelet has finished the Pod (deletion, or every container done for good),
 * so containers that would be restarted no longer keep it Running.
 */
export function podPhase(
  pod: Pod,
  initStatuses: readonly ContainerStatus[],
  statuses: readonly ContainerStatus[],
  terminal = false,
): PodPhase {
  const policy = pod.spec?.restartPolicy ?? "Always";
  let pendingInit = 0;
  let failedInit = 0;
  for (const container of pod.spec?.initContainers ?? []) {
    if (container.restartPolicy === "Always") continue; // sidecars do not gate the phase
    const status = byName(initStatuses, container.name);
    const state = status?.state;
    if (!status || !state || state.running) pendingInit++;
    else if (state.terminated) {
      if (state.terminated.exitCode !== 0) failedInit++;
    } else if (state.waiting) {
      const last = status.lastState?.terminated;
      if (!last) pendingInit++;
      else if (last.exitCode !== 0) failedInit++;
    }
  }
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const container of pod.spec?.containers ?? []) {
    const status = byName(statuses, container.name);
    const state = status?.state;
    if (!status || !state) unknown++;
    else if (state.running) running++;
    else if (state.terminated) {
      stopped++;
      if (state.terminated.exitCode === 0) succeeded++;
    } else if (state.waiting) {
      if (status.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInit > 0 && (policy === "Never" || terminal)) return "Failed";
  if (pendingInit > 0 || failedInit > 0) return "Pending";
  if (waiting > 0) return "Pending";
  if (running > 0 && unknown === 0) return "Running";
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (policy === "Always" && !terminal) return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (policy === "Never" || terminal) return "Failed";
    return "Running";
  }
  return "Pending";
}

export interface ConditionInput {
  pod: Pod;
  phase: PodPhase;
  sandboxReady: boolean;
  initStatuses: readonly ContainerStatus[];
  statuses: readonly ContainerStatus[];
  now: Date;
  /** Container name → securityContext fields the runtime could not apply (never silently ignored). */
  securityNotApplied?: ReadonlyMap<string, readonly string[]>;
  /** Container name → resource fields no cgroup enforces on this host. */
  resourcesNotApplied?: ReadonlyMap<string, readonly string[]>;
  /** Container name → the port conflict that failed it (host-network mode: Pods share the host's ports). */
  portConflicts?: ReadonlyMap<string, string>;
}

/** The condition reporting securityContext fields this runtime does not apply (no upstream equivalent). */
export const SECURITY_CONTEXT_CONDITION = "incluster.dev/SecurityContextApplied";
/** The condition reporting resource limits this host cannot enforce (no usable cgroups). */
export const RESOURCES_CONDITION = "incluster.dev/ResourcesApplied";
/** The condition naming who holds a port a container needs, when Pods share the host's network. */
export const PORTS_CONDITION = "incluster.dev/PortsAvailable";

/** PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled: kubelet order. */
export function podConditions(input: ConditionInput): PodCondition[] {
  const { pod, now } = input;
  const previous = pod.status?.conditions ?? [];
  const stamp = (condition: PodCondition): PodCondition => {
    const before = previous.find((c) => c.type === condition.type);
    const lastTransitionTime =
      before && before.status === condition.status && before.lastTransitionTime
        ? before.lastTransitionTime
        : rfc3339(now.getTime());
    return { ...condition, lastTransitionTime };
  };
  const conditions: PodCondition[] = [
    stamp({ type: "PodReadyToStartContainers", status: input.sandboxReady ? "True" : "False" }),
    stamp(initializedCondition(input)),
    stamp(readyCondition(input, "Ready")),
    stamp(readyCondition(input, "ContainersReady")),
  ];
  const scheduled = previous.find((c) => c.type === "PodScheduled");
  conditions.push(scheduled ?? stamp({ type: "PodScheduled", status: "True" }));
  const notApplied = [...(input.securityNotApplied ?? [])].filter(([, fields]) => fields.length > 0);
  if (notApplied.length > 0) {
    conditions.push(
      stamp({
        type: SECURITY_CONTEXT_CONDITION,
        status: "False",
        reason: "NotSupportedByRuntime",
        message: notApplied.map(([name, fields]) => `container ${name}: ${fields.join(", ")}`).join("; "),
      }),
    );
  }
  const unenforced = [...(input.resourcesNotApplied ?? [])].filter(([, fields]) => fields.length > 0);
  if (unenforced.length > 0) {
    conditions.push(
      stamp({
        type: RESOURCES_CONDITION,
        status: "False",
        reason: "NotSupportedByRuntime",
        message: unenforced.map(([name, fields]) => `container ${name}: ${fields.join(", ")}`).join("; "),
      }),
    );
  }
  const conflicts = [...(input.portConflicts ?? [])];
  if (conflicts.length > 0) {
    conditions.push(
      stamp({
        type: PORTS_CONDITION,
        status: "False",
        reason: "PortConflict",
        message: conflicts.map(([name, message]) => `container ${name}: ${message}`).join("; "),
      }),
    );
  }
  return conditions;
}

function initializedCondition({ pod, initStatuses }: ConditionInput): PodCondition {
  const complete = (name: string, sidecar: boolean) => {
    const status = byName(initStatuses, name);
    return sidecar
      ? Boolean(status?.state?.running && status.started)
      : status?.state?.terminated?.exitCode === 0;
  };
  const incomplete = (pod.spec?.initContainers ?? [])
    .filter((c) => !complete(c.name, c.restartPolicy === "Always"))
    .map((c) => c.name);
  if (incomplete.length === 0) return { type: "Initialized", status: "True" };
  return {
    type: "Initialized",
    status: "False",
    reason: "ContainersNotInitialized",
    message: `containers with incomplete status: [${incomplete.join(" ")}]`,
  };
}

function readyCondition(
  { pod, phase, statuses }: ConditionInput,
  type: "Ready" | "ContainersReady",
): PodCondition {
  if (phase === "Succeeded" || phase === "Failed") return { type, status: "False", reason: "PodCompleted" };
  const containers = pod.spec?.containers ?? [];
  const unknown = containers.filter((c) => !byName(statuses, c.name)).map((c) => c.name);
  const unready = containers
    .filter((c) => {
      const s = byName(statuses, c.name);
      return s && !s.ready;
    })
    .map((c) => c.name);
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: [${unknown.join(" ")}]`);
  if (unready.length > 0) messages.push(`containers with unready status: [${unready.join(" ")}]`);
  if (messages.length > 0)
    return { type, status: "False", reason: "ContainersNotReady", message: messages.join(", ") };
  if (type === "Ready") {
    const gates = readinessGateProblems(pod);
    if (gates.length > 0)
      return { type, status: "False", reason: "ReadinessGatesNotReady", message: gates.join(", ") };
  }
  return { type, status: "True" };
}

function readinessGateProblems(pod: Pod): string[] {
  const conditions = pod.status?.conditions ?? [];
  return (pod.spec?.readinessGates ?? []).flatMap((gate) => {
    const condition = conditions.find((c) => c.type === gate.conditionType);
    if (!condition)
      return [`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`];
    if (condition.status !== "True")
      return [
        `the status of pod readiness gate "${gate.conditionType}" is not "True", but ${condition.status}`,
      ];
    return [];
  });
}

export interface StatusInput extends Omit<ConditionInput, "phase"> {
  terminal: boolean;
  hostIP: string;
  podIP?: string;
  startTime?: string;
}

/** The whole status the kubelet reports; fields it does not own (qosClass, nominatedNodeName…) are kept. */
export function buildPodStatus(input: StatusInput): PodStatus {
  const phase = podPhase(input.pod, input.initStatuses, input.statuses, input.terminal);
  const status: PodStatus = {
    ...input.pod.status,
    phase,
    conditions: podConditions({ ...input, phase }),
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    ...(input.podIP ? { podIP: input.podIP, podIPs: [{ ip: input.podIP }] } : {}),
    ...(input.startTime ? { startTime: input.startTime } : {}),
    containerStatuses: [...input.statuses],
  };
  if ((input.pod.spec?.initContainers ?? []).length > 0)
    status.initContainerStatuses = [...input.initStatuses];
  return status;
}
