// Where a container instance's processes go: the runtime's cgroups (cgroups.ts) with the limits the
// kubelet computes (cgroups-resources.ts), or, without usable cgroups, nowhere — and the fields that then
// go unenforced, for the Pod's incluster.dev/ResourcesApplied condition.
import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import type { CgroupManager, ContainerCgroup } from "./cgroups.ts";
import {
  containerResourceConfig,
  enforcedResourceFields,
  podCPURequestMilli,
  podResourceConfig,
} from "./cgroups-resources.ts";

const NO_CGROUPS = "this node has no usable cgroups; see the runtime's start-up log";

export interface RuntimeCgroups {
  /** Absent when this host gives the runtime no usable cgroups. */
  manager?: CgroupManager;
  /** How, or why not (start-up detection). */
  detail: string;
  /** pids.max of every Pod (the kubelet's podPidsLimit); unset: unlimited. */
  podPidsLimit?: number;
}

export type Placement =
  | { ok: true; cgroup?: ContainerCgroup; notApplied: string[] }
  | { ok: false; message: string };

/** Creates the Pod's cgroup (idempotent) and one for this container instance (its ID without the scheme). */
export async function placeContainer(
  cgroups: RuntimeCgroups | undefined,
  pod: Pod,
  container: Container,
  containerID: string,
): Promise<Placement> {
  const manager = cgroups?.manager;
  if (!manager) {
    // The detail (host paths, errno) stays in the runtime's log; Pod readers learn what is not enforced.
    const fields = enforcedResourceFields(container);
    return { ok: true, notApplied: fields.length > 0 ? [`${fields.join(", ")} (${NO_CGROUPS})`] : [] };
  }
  const uid = pod.metadata?.uid ?? "";
  const qos = pod.status?.qosClass;
  try {
    const config = podResourceConfig(pod, qos ?? "", cgroups.podPidsLimit);
    await manager.ensurePod(uid, qos, config, podCPURequestMilli(pod));
    const id = containerID.replace(/^[a-z]+:\/\//, "");
    const cgroup = await manager.createContainer(uid, id, containerResourceConfig(container));
    return { ok: true, cgroup, notApplied: [] };
  } catch (error) {
    return { ok: false, message: `cannot create the container's cgroup: ${(error as Error).message}` };
  }
}
