// Which user a container runs as, and which securityContext fields this runtime cannot honour. The
// effective context is the container's over the Pod's (pkg/securitycontext/util.go); runAsNonRoot is
// checked as the kubelet does (pkg/kubelet/kuberuntime/security_context_others.go verifyRunAsNonRoot).
import type { Container, Pod, SecurityContext } from "kubernetes-types/core/v1.d.ts";

export interface ImageUser {
  uid: number;
  gid: number;
}

/** The incluster image's `USER 65532:65532` (distroless "nonroot"). */
export const INCLUSTER_IMAGE_USER: ImageUser = { uid: 65532, gid: 65532 };

export interface SecurityInput {
  pod: Pod;
  container: Container;
  /** The image's user: the incluster image's, or the runtime's own user for host commands. */
  image: ImageUser;
  /** The container runs in the sandbox (else: a host command, with the runtime user's rights). */
  sandboxed: boolean;
  /** --allow-host-commands: Pod creators have the host user's rights, root included. */
  allowHostCommands: boolean;
}

export type SecurityPlan =
  | {
      ok: true;
      uid: number;
      gid: number;
      readOnlyRootFilesystem: boolean;
      /** Fields that are set but not applied ("seccompProfile (pod)"), for the Pod condition. */
      notApplied: string[];
    }
  | { ok: false; message: string };

const podRef = (pod: Pod) =>
  `${pod.metadata?.name ?? ""}_${pod.metadata?.namespace ?? ""}(${pod.metadata?.uid ?? ""})`;

/** Fields whose absence of effect only means less than asked for; listed, never silently dropped. */
const POD_REPORTED = [
  "seccompProfile",
  "appArmorProfile",
  "seLinuxOptions",
  "seLinuxChangePolicy",
  "windowsOptions",
  "sysctls",
  "fsGroup",
  "fsGroupChangePolicy",
  "supplementalGroups",
  "supplementalGroupsPolicy",
] as const;
const CONTAINER_REPORTED = ["seccompProfile", "appArmorProfile", "seLinuxOptions", "windowsOptions"] as const;

export function planSecurity(input: SecurityInput): SecurityPlan {
  const { pod, container, image } = input;
  const podSc = pod.spec?.securityContext ?? {};
  const sc: SecurityContext = container.securityContext ?? {};
  const fail = (message: string): SecurityPlan => ({ ok: false, message });

  const runAsUser = sc.runAsUser ?? podSc.runAsUser;
  const uid = runAsUser ?? image.uid;
  // containerd: a runAsUser without runAsGroup takes the group from the image's passwd, else 0.
  const gid = sc.runAsGroup ?? podSc.runAsGroup ?? (runAsUser === undefined ? image.gid : 0);

  if (sc.runAsNonRoot ?? podSc.runAsNonRoot) {
    if (runAsUser === 0)
      return fail(
        `container's runAsUser breaks non-root policy (pod: "${podRef(pod)}", container: ${container.name})`,
      );
    if (uid === 0)
      return fail(
        `container has runAsNonRoot and image will run as root (pod: "${podRef(pod)}", container: ${container.name})`,
      );
  }
  if (!input.allowHostCommands) {
    if (uid === 0)
      return fail(
        `runAsUser 0 (root) is refused: the incluster runtime runs containers as root only when started with --allow-host-commands`,
      );
    if (sc.privileged)
      return fail("privileged containers are refused: start the runtime with --allow-host-commands");
    if ((sc.capabilities?.add ?? []).length > 0)
      return fail(
        `securityContext.capabilities.add ${JSON.stringify(sc.capabilities?.add)} is refused: the incluster sandbox drops every capability`,
      );
  }

  const notApplied: string[] = [];
  const podFields = podSc as Record<string, unknown>; // newer fields than kubernetes-types knows
  for (const field of POD_REPORTED) if (podFields[field] !== undefined) notApplied.push(`${field} (pod)`);
  for (const field of CONTAINER_REPORTED) if (sc[field] !== undefined) notApplied.push(field);
  if (sc.procMount && sc.procMount !== "Default") notApplied.push("procMount");
  if (!input.sandboxed) {
    // Host commands run with the host user's view and rights: none of these take effect.
    if (sc.readOnlyRootFilesystem) notApplied.push("readOnlyRootFilesystem");
    if (sc.allowPrivilegeEscalation === false) notApplied.push("allowPrivilegeEscalation");
    if (sc.capabilities) notApplied.push("capabilities");
    if (sc.privileged) notApplied.push("privileged");
  } else if (input.allowHostCommands && ((sc.capabilities?.add ?? []).length > 0 || sc.privileged)) {
    notApplied.push(sc.privileged ? "privileged" : "capabilities.add");
  }
  return { ok: true, uid, gid, readOnlyRootFilesystem: Boolean(sc.readOnlyRootFilesystem), notApplied };
}
