// What the runtime knows about one container, and its v1.ContainerStatus: state, lastState, restartCount,
// ready/started, containerID and image, with the kubelet's rules for which exit is "last".
import type { Container, ContainerStateTerminated, ContainerStatus } from "kubernetes-types/core/v1.d.ts";
import type { ContainerCgroup } from "./cgroups.ts";
import { rfc3339 } from "./clock.ts";
import type { ContainerProcess } from "./container-process.ts";
import type { LogWriter } from "./logs.ts";
import type { ContainerProber } from "./prober.ts";

export interface Exit {
  containerID: string;
  exitCode: number;
  signal?: string;
  reason: string;
  message?: string;
  startedAt: number;
  finishedAt: number;
}

export interface RunningInstance {
  id: string;
  process: ContainerProcess;
  startedAt: number;
  prober: ContainerProber;
  log: LogWriter;
  /** Resolves once the exit has been recorded. */
  finished: Promise<void>;
  /** Present while its postStart hook runs (aborts it): the kubelet reports it Running only after the hook. */
  postStart?: AbortController;
  /** Its cgroup, when the runtime limits resources (read for OOMKilled, removed at exit). */
  cgroup?: ContainerCgroup;
}

export interface ContainerRecord {
  spec: Container;
  init: boolean;
  restartCount: number;
  /** True once an instance was started (in this runtime or, for adopted Pods, before). */
  everStarted: boolean;
  imageID: string;
  instance?: RunningInstance;
  waiting?: { reason: string; message?: string };
  /** The latest exit, and the one before it. */
  lastExit?: Exit;
  previousExit?: Exit;
}

export function newRecord(spec: Container, init: boolean, previous?: ContainerStatus): ContainerRecord {
  const restartCount = previous?.restartCount ?? 0;
  const everStarted = restartCount > 0 || Boolean(previous?.state?.running || previous?.state?.terminated);
  return { spec, init, restartCount, everStarted, imageID: "" };
}

function terminated(exit: Exit): ContainerStateTerminated {
  return {
    exitCode: exit.exitCode,
    reason: exit.reason,
    ...(exit.message ? { message: exit.message } : {}),
    startedAt: rfc3339(exit.startedAt),
    finishedAt: rfc3339(exit.finishedAt),
    containerID: exit.containerID,
  };
}

/** Running, else waiting (back-off, image policy, config errors), else the last exit, else being created. */
export function containerStatus(record: ContainerRecord): ContainerStatus {
  const { spec, instance, lastExit, previousExit } = record;
  const base = {
    name: spec.name,
    image: spec.image ?? "",
    imageID: record.imageID,
    restartCount: record.restartCount,
  };
  if (instance?.postStart) {
    return {
      ...base,
      ready: false,
      started: false,
      state: { waiting: { reason: "ContainerCreating" } },
      lastState: lastExit ? { terminated: terminated(lastExit) } : {},
    };
  }
  if (instance) {
    return {
      ...base,
      containerID: instance.id,
      ready: instance.prober.ready,
      started: instance.prober.started,
      state: { running: { startedAt: rfc3339(instance.startedAt) } },
      lastState: lastExit ? { terminated: terminated(lastExit) } : {},
    };
  }
  if (lastExit && !record.waiting) {
    return {
      ...base,
      containerID: lastExit.containerID,
      ready: false,
      started: false,
      state: { terminated: terminated(lastExit) },
      lastState: previousExit ? { terminated: terminated(previousExit) } : {},
    };
  }
  const waiting = record.waiting ?? { reason: "ContainerCreating" };
  return {
    ...base,
    ...(lastExit ? { containerID: lastExit.containerID } : {}),
    ready: false,
    started: false,
    state: { waiting },
    lastState: lastExit ? { terminated: terminated(lastExit) } : {},
  };
}
