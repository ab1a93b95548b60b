// Ephemeral containers on this node (`kubectl debug`), as the kubelet runs them (pkg/kubelet/kuberuntime
// kuberuntime_manager.go computePodActions, kuberuntime_container.go startContainer for ephemeral ones): each
// one added to a running Pod's spec is started once, in the Pod's sandbox, even before initialization has
// finished, and never restarted; with targetContainerName it shares that container's PID namespace.
// The pod worker launches them with the code that launches every container; this module keeps their records
// and reports them the way the kubelet does (status.ephemeralContainerStatuses: no probes, never ready).
import type { Container, ContainerStatus, EphemeralContainer, Pod } from "kubernetes-types/core/v1.d.ts";
import { type ContainerProcess, childOf, type ProcessSpec } from "./container-process.ts";
import { type ContainerRecord, containerStatus, type Exit, newRecord } from "./container-status.ts";
import { inPidNamespaceOf } from "./sandbox.ts";

/** What the kubelet reports for a container the runtime has not created yet, in a Pod with init containers. */
const POD_INITIALIZING = { reason: "PodInitializing" };
/** A container the runtime created before it restarted: its process died with the old runtime. */
const LOST_EXIT_CODE = 137;

export class EphemeralContainers {
  /** In the order they were added to the spec. */
  readonly records: ContainerRecord[] = [];
  /** Container name → the container whose PID namespace it shares. */
  readonly #targets = new Map<string, string>();

  /** Adopting a Pod: ephemeral containers that already ran (under an earlier runtime) never run again. */
  constructor(pod: Pod) {
    const previous = pod.status?.ephemeralContainerStatuses ?? [];
    this.#addNew(pod, (record) => {
      const status = previous.find((s) => s.name === record.spec.name);
      if (status) record.lastExit = lostExit(status);
    });
  }

  /** Records the containers added to the spec since last time; returns those not started yet. */
  pending(pod: Pod): ContainerRecord[] {
    this.#addNew(pod);
    return this.records.filter((r) => !r.everStarted && !r.instance && !r.lastExit);
  }

  has(record: ContainerRecord): boolean {
    return this.records.includes(record);
  }

  /** The container whose processes this one sees (targetContainerName), if any. */
  targetOf(record: ContainerRecord): string | undefined {
    return this.#targets.get(record.spec.name);
  }

  /**
   * The launch in the PID namespace of its running target. A sandboxed container joins a sandboxed target's
   * namespace (its /proc shows the target's processes); host commands already run in the host's, where
   * those are visible too. A sandbox never joins the host's: it would show every host process.
   * Undefined while the target's sandbox has no init yet.
   */
  inTargetNamespace(spec: ProcessSpec, target: ContainerProcess): ProcessSpec | undefined {
    if (!spec.sandbox || !target.spec.sandbox) return spec;
    // The sandbox's init (its PID 1; the spawned process is still outside): always there, unlike the
    // processes of the target's setup and its command, which come and go.
    const init = target.pid === undefined ? undefined : childOf(target.pid);
    return init === undefined ? undefined : { ...spec, argv: inPidNamespaceOf(spec.argv, init) };
  }

  /** status.ephemeralContainerStatuses: the regular converter's output without what probes decide. */
  statuses(pod: Pod): ContainerStatus[] {
    const hasInit = (pod.spec?.initContainers ?? []).length > 0;
    return this.records.map((record) => {
      const waitingDefault = !record.instance && !record.lastExit && !record.waiting && hasInit;
      const { started: _, ...status } = containerStatus(
        waitingDefault ? { ...record, waiting: POD_INITIALIZING } : record,
      );
      return { ...status, ready: false };
    });
  }

  #addNew(pod: Pod, adopt?: (record: ContainerRecord) => void): void {
    for (const ephemeral of pod.spec?.ephemeralContainers ?? []) {
      if (this.records.some((r) => r.spec.name === ephemeral.name)) continue;
      const record = newRecord(asContainer(ephemeral), false);
      adopt?.(record);
      if (ephemeral.targetContainerName) this.#targets.set(ephemeral.name, ephemeral.targetContainerName);
      this.records.push(record);
    }
  }
}

/** An EphemeralContainer's EphemeralContainerCommon is a Container (upstream converts it the same way). */
function asContainer(ephemeral: EphemeralContainer): Container {
  const { targetContainerName: _, ...common } = ephemeral;
  return common;
}

/** The last state an adopted container had; a running one was lost with the runtime that ran it. */
function lostExit(status: ContainerStatus): Exit | undefined {
  const terminated = status.state?.terminated;
  const running = status.state?.running;
  if (!terminated && !running) return undefined;
  const startedAt = Date.parse(terminated?.startedAt ?? running?.startedAt ?? "") || Date.now();
  return {
    containerID: terminated?.containerID ?? status.containerID ?? "",
    exitCode: terminated?.exitCode ?? LOST_EXIT_CODE,
    ...(terminated?.signal ? { signal: String(terminated.signal) } : {}),
    reason: terminated?.reason ?? "Error",
    ...(terminated?.message ? { message: terminated.message } : {}),
    startedAt,
    finishedAt: Date.parse(terminated?.finishedAt ?? "") || Date.now(),
  };
}
