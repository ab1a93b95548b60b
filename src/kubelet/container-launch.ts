// Turns a container spec into the process to start: argv by the image policy with $(VAR) expanded, the
// kubelet-built environment, volume mounts (a private mount namespace when available, otherwise only the
// ServiceAccount directory announced through INCLUSTER_SERVICEACCOUNT_DIR) and the working directory.
import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import { DEFAULT_SERVICE_ACCOUNT_DIR, SERVICE_ACCOUNT_DIR_ENV } from "../client/config.ts";
import type { ProcessSpec } from "./container-process.ts";
import { containerEnv, expandArgs, type ObjectSource, type Warning } from "./env.ts";
import { type ImagePolicy, planContainer } from "./images.ts";
import { type BindMount, inMountNamespace } from "./mount-namespace.ts";

export interface LaunchContext {
  /** The Pod with the runtime's status (podIP, hostIP) filled in, for fieldRef variables. */
  pod: Pod;
  container: Container;
  /** The Pod's scratch directory (HOME lives there). */
  podDir: string;
  volumeDirs: ReadonlyMap<string, string>;
  objects: ObjectSource;
  serviceEnv: ReadonlyMap<string, string>;
  policy: ImagePolicy;
  mountNamespace: boolean;
}

export type LaunchPlan =
  | { ok: true; spec: ProcessSpec; imageID: string; warnings: Warning[] }
  /** `retry`: the problem may go away by itself (a ConfigMap being created), so try again later. */
  | { ok: false; reason: string; message: string; retry: boolean };

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

async function kindOf(p: string): Promise<"file" | "dir" | undefined> {
  return stat(p).then(
    (s) => (s.isDirectory() ? "dir" : "file"),
    () => undefined,
  );
}

export async function planLaunch(ctx: LaunchContext): Promise<LaunchPlan> {
  const { pod, container } = ctx;
  const image = planContainer(container, ctx.policy);
  if (!image.ok) return { ...image, retry: false };
  const env = containerEnv(pod, container, ctx.objects, ctx.serviceEnv);
  if (!env.ok) return { ok: false, reason: "CreateContainerConfigError", message: env.message, retry: true };
  const warnings = [...env.warnings];

  const mounts: BindMount[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const dir = ctx.volumeDirs.get(mount.name);
    if (!dir) {
      return {
        ok: false,
        reason: "CreateContainerConfigError",
        message: `cannot find volume "${mount.name}" to mount into container "${container.name}"`,
        retry: true,
      };
    }
    const subPath = mount.subPath ? path.normalize(mount.subPath) : "";
    if (subPath.startsWith("..") || path.isAbsolute(subPath)) {
      return {
        ok: false,
        reason: "CreateContainerConfigError",
        message: `subPath "${mount.subPath}" must be a relative path inside the volume`,
        retry: false,
      };
    }
    mounts.push({
      source: subPath ? path.join(dir, subPath) : dir,
      target: mount.mountPath,
      readOnly: Boolean(mount.readOnly),
    });
  }

  const processEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? DEFAULT_PATH,
    HOSTNAME: pod.spec?.hostname ?? pod.metadata?.name ?? "",
    HOME: path.join(ctx.podDir, "home"),
    ...Object.fromEntries(env.env),
  };
  await mkdir(processEnv.HOME!, { recursive: true });
  const cwd = container.workingDir || "/";
  let argv = expandArgs(image.argv, env.env);

  if (ctx.mountNamespace) {
    for (const mount of mounts) {
      const problem = await ensureMountPoint(mount, ctx.policy.allowHostCommands);
      if (problem) return { ok: false, reason: "CreateContainerError", message: problem, retry: false };
    }
    argv = inMountNamespace(argv, mounts, cwd);
  } else {
    const serviceAccount = mounts.find((m) => m.target === DEFAULT_SERVICE_ACCOUNT_DIR);
    if (serviceAccount) processEnv[SERVICE_ACCOUNT_DIR_ENV] = serviceAccount.source;
    const others = mounts.filter((m) => m !== serviceAccount);
    if (others.length > 0) {
      warnings.push({
        reason: "VolumesNotMounted",
        message: `this runtime cannot mount volumes (no mount namespace): ${others.map((m) => `${m.target} is at ${m.source}`).join("; ")}`,
      });
    }
    if ((await kindOf(cwd)) !== "dir") {
      return {
        ok: false,
        reason: "CreateContainerError",
        message: `working directory ${cwd} does not exist on this host`,
        retry: false,
      };
    }
  }
  // In a mount namespace the wrapper enters workingDir after mounting; the host may not have it.
  const spawnCwd = ctx.mountNamespace ? "/" : cwd;
  return { ok: true, spec: { argv, env: processEnv, cwd: spawnCwd }, imageID: image.imageID, warnings };
}

/**
 * A bind mount needs an existing target. The ServiceAccount directory is always created (documented);
 * other mount points only when host commands are allowed, because creating paths on the host is theirs to do.
 */
async function ensureMountPoint(mount: BindMount, mayCreate: boolean): Promise<string | undefined> {
  const want = (await kindOf(mount.source)) ?? "dir";
  const have = await kindOf(mount.target);
  if (have === want) return undefined;
  if (have) return `cannot mount ${mount.source} at ${mount.target}: one is a file, the other a directory`;
  if (!mayCreate && mount.target !== DEFAULT_SERVICE_ACCOUNT_DIR) {
    return `mountPath ${mount.target} does not exist on this host; the runtime creates mount points other than ${DEFAULT_SERVICE_ACCOUNT_DIR} only with --allow-host-commands`;
  }
  if (want === "dir") await mkdir(mount.target, { recursive: true });
  else {
    await mkdir(path.dirname(mount.target), { recursive: true });
    await writeFile(mount.target, "", { flag: "a" });
  }
  return undefined;
}
