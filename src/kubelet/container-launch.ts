// Turns a container spec into the process to start: argv by the image policy with $(VAR) expanded, the
// kubelet-built environment, the user from the securityContext, and volume mounts. The incluster image
// runs in the sandbox (sandbox.ts) when the host provides one; host commands run in a private mount
// namespace when available, otherwise with only the ServiceAccount directory announced through
// INCLUSTER_SERVICEACCOUNT_DIR.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, realpath, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import { DEFAULT_SERVICE_ACCOUNT_DIR, SERVICE_ACCOUNT_DIR_ENV } from "../client/config.ts";
import type { ProcessSpec } from "./container-process.ts";
import { containerEnv, expandArgs, type ObjectSource, type Warning } from "./env.ts";
import { type ImagePolicy, planContainer } from "./images.ts";
import { type BindMount, inMountNamespace } from "./mount-namespace.ts";
import { loadNodePty } from "./pty-relay.ts";
import { definedEnv, ENV_DIR, type SandboxStep, SETUP_ENV, sandboxArgv, sandboxExecArgv } from "./sandbox.ts";
import { INCLUSTER_IMAGE_USER, planSecurity } from "./security-context.ts";

/** A volume mount; `writable`: the container itself can change the volume's content (emptyDir). */
interface VolumeBind extends BindMount {
  writable: boolean;
}

/** The sandbox as the runtime detected it at start. */
export interface SandboxConfig {
  /** Root-only host directory each sandbox mounts its scratch tmpfs on. */
  stateDir: string;
  /** System directories, /dev, /proc, /tmp and the app (sandbox.ts baseSteps). */
  steps: readonly SandboxStep[];
  /** Node inside the sandbox for sandbox-exec. */
  node: string;
  maxProcesses: number;
}

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
  /** Present when this host can sandbox containers (Linux, root). */
  sandbox?: SandboxConfig;
  /** The Pod's resolv.conf (host file) for /etc/resolv.conf, when the Pod has its own network. */
  resolvConf?: string;
}

export type LaunchPlan =
  | { ok: true; spec: ProcessSpec; imageID: string; warnings: Warning[]; notApplied: string[] }
  /** `retry`: the problem may go away by itself (a ConfigMap being created), so try again later. */
  | { ok: false; reason: string; message: string; retry: boolean };

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** HOME of the image's user (distroless "nonroot"). */
const SANDBOX_HOME = "/home/nonroot";
/**
 * Without a sandbox the CLI runs with the runtime user's rights; these would turn it into a host command
 * runner (`run -- CMD`, code injected through Node's or the loader's environment), so they are refused.
 */
const UNSANDBOXED_REFUSED_ENV = /^(NODE_OPTIONS|NODE_PATH|NODE_REPL_EXTERNAL_MODULE|LD_.*|DYLD_.*)$/;
const UNSANDBOXED_REFUSED_COMMANDS = new Set(["run"]);

const PDEATHSIG_AVAILABLE =
  process.platform === "linux" && ["/usr/bin/setpriv", "/bin/setpriv"].some((p) => existsSync(p));

const configError = (message: string, retry = false): LaunchPlan => ({
  ok: false,
  reason: "CreateContainerConfigError",
  message,
  retry,
});

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
  if (container.tty) {
    const pty = loadNodePty();
    if ("error" in pty)
      return { ok: false, reason: "CreateContainerError", message: pty.error, retry: false };
  }
  const env = containerEnv(pod, container, ctx.objects, ctx.serviceEnv);
  if (!env.ok) return { ok: false, reason: "CreateContainerConfigError", message: env.message, retry: true };
  const warnings = [...env.warnings];

  const mounts: VolumeBind[] = [];
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
    const source = subPath ? path.join(dir, subPath) : dir;
    const volume = pod.spec?.volumes?.find((v) => v.name === mount.name);
    if (subPath) {
      // A container may have swapped a path inside its volume for a symlink to anywhere on the host.
      const real = await realpath(source).catch(() => undefined);
      const root = await realpath(dir);
      if (real && real !== root && !real.startsWith(`${root}/`)) {
        return {
          ok: false,
          reason: "CreateContainerConfigError",
          message: `subPath "${mount.subPath}" of volume "${mount.name}" resolves outside the volume`,
          retry: false,
        };
      }
    }
    mounts.push({
      source,
      target: path.posix.resolve("/", mount.mountPath),
      // A claim mounted read-only (persistentVolumeClaim.readOnly) is read-only in every container.
      readOnly: Boolean(mount.readOnly || volume?.persistentVolumeClaim?.readOnly),
      writable: Boolean(volume?.emptyDir || volume?.persistentVolumeClaim || volume?.hostPath),
    });
  }

  const runtimeUser = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  const sandboxed = !image.hostCommand && ctx.sandbox !== undefined;
  const security = planSecurity({
    pod,
    container,
    // Only the sandbox can switch to the image's user; outside it, processes run as the runtime's user.
    image: sandboxed ? INCLUSTER_IMAGE_USER : runtimeUser,
    sandboxed,
    allowHostCommands: ctx.policy.allowHostCommands,
  });
  if (!security.ok) return configError(security.message);
  if (security.notApplied.length > 0) {
    warnings.push({
      reason: "SecurityContextNotApplied",
      message: `the incluster runtime cannot apply these securityContext fields: ${security.notApplied.join(", ")}`,
    });
  }

  if (sandboxed && ctx.sandbox) {
    return planSandboxed(ctx, ctx.sandbox, {
      argv: expandArgs(image.argv, env.env),
      env: env.env,
      mounts,
      uid: security.uid,
      gid: security.gid,
      readOnlyRootFilesystem: security.readOnlyRootFilesystem,
      imageID: image.imageID,
      warnings,
      notApplied: security.notApplied,
    });
  }
  if (!image.hostCommand && !ctx.policy.allowHostCommands) {
    // The incluster image without a sandbox: it runs with this runtime's user and view of the host.
    if (runtimeUser.uid === 0) {
      return {
        ok: false,
        reason: "CreateContainerError",
        message:
          "this runtime runs as root but cannot build the Pod sandbox on this host, so it will not run containers as root; see the runtime's start-up log, or start it with --allow-host-commands",
        retry: false,
      };
    }
    const injected = [...env.env.keys()].filter((name) => UNSANDBOXED_REFUSED_ENV.test(name));
    if (injected.length > 0)
      return configError(
        `environment variables ${injected.join(", ")} are refused: without a sandbox they would run code with the host user's rights`,
      );
    const subcommand = image.argv.slice(2).find((arg) => !arg.startsWith("-"));
    if (subcommand && UNSANDBOXED_REFUSED_COMMANDS.has(subcommand))
      return configError(
        `"${subcommand}" is refused: without a sandbox it would run a command on the host; start the runtime with --allow-host-commands`,
      );
  }
  if (security.uid !== runtimeUser.uid || security.gid !== runtimeUser.gid) {
    if (runtimeUser.uid !== 0)
      return configError(
        `runAsUser/runAsGroup ${security.uid}:${security.gid} cannot be applied: the runtime runs as uid ${runtimeUser.uid}, not root`,
      );
  }

  const processEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? DEFAULT_PATH,
    HOSTNAME: pod.spec?.hostname ?? pod.metadata?.name ?? "",
    HOME: path.join(ctx.podDir, "home"),
    ...Object.fromEntries(env.env),
  };
  await mkdir(processEnv.HOME!, { recursive: true });
  const cwd = container.workingDir || "/";
  const tty = Boolean(container.tty);
  // Under a terminal, the relay (this Node) runs the command; the environment reaches only the command (fd 3).
  let argv = expandArgs(image.argv, env.env);
  if (tty) argv = sandboxExecArgv(process.execPath, "/dev/fd/3", true, argv);
  if (security.uid !== runtimeUser.uid || security.gid !== runtimeUser.gid) {
    argv = [
      "setpriv",
      `--reuid=${security.uid}`,
      `--regid=${security.gid}`,
      "--clear-groups",
      "--no-new-privs",
      "--",
      ...argv,
    ];
  }

  if (ctx.mountNamespace) {
    // The Pod's DNS settings, as the container runtime mounts the sandbox's resolv.conf.
    if (ctx.resolvConf)
      mounts.unshift({ source: ctx.resolvConf, target: "/etc/resolv.conf", readOnly: true, writable: false });
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
  // The main process dies with the runtime; what it started is killed at the next start (process-records.ts).
  if (PDEATHSIG_AVAILABLE) argv = ["setpriv", "--pdeathsig", "KILL", "--", ...argv];
  // In a mount namespace the wrapper enters workingDir after mounting; the host may not have it.
  const spawnCwd = ctx.mountNamespace ? "/" : cwd;
  return {
    ok: true,
    spec: tty
      ? { argv, env: { ...SETUP_ENV }, cwd: spawnCwd, tty, envPipe: definedEnv(processEnv) }
      : { argv, env: processEnv, cwd: spawnCwd },
    imageID: image.imageID,
    warnings,
    notApplied: security.notApplied,
  };
}

interface SandboxedContainer {
  argv: string[];
  env: Map<string, string>;
  mounts: VolumeBind[];
  uid: number;
  gid: number;
  readOnlyRootFilesystem: boolean;
  imageID: string;
  warnings: Warning[];
  notApplied: string[];
}

/** The sandbox's argv; the environment goes through a root-only file, never through a root process. */
async function planSandboxed(
  ctx: LaunchContext,
  sandbox: SandboxConfig,
  c: SandboxedContainer,
): Promise<LaunchPlan> {
  // A mount target inside a volume the container can write could be swapped for a symlink while the
  // sandbox is being set up; upstream guards this with openat walks, this runtime refuses it.
  for (const mount of c.mounts) {
    // After the volumes are mounted the setup writes nothing as root; these paths it must own.
    if (
      mount.target === "/" ||
      ENV_DIR === mount.target ||
      ENV_DIR.startsWith(`${mount.target}/`) ||
      mount.target.startsWith(`${ENV_DIR}/`)
    ) {
      return configError(
        `mountPath ${mount.target} is reserved by the incluster sandbox (it covers / or ${ENV_DIR})`,
      );
    }
    const parent = c.mounts.find(
      (other) => other !== mount && other.writable && mount.target.startsWith(`${other.target}/`),
    );
    if (parent) {
      return configError(
        `mountPath ${mount.target} lies inside the writable volume mounted at ${parent.target}; the incluster sandbox does not nest mounts in writable volumes`,
      );
    }
  }
  const env = {
    PATH: DEFAULT_PATH,
    HOSTNAME: ctx.pod.spec?.hostname ?? ctx.pod.metadata?.name ?? "",
    HOME: SANDBOX_HOME,
    ...Object.fromEntries(c.env),
  };
  const envDir = path.join(ctx.podDir, "env");
  await mkdir(envDir, { recursive: true, mode: 0o700 });
  const envFile = path.join(envDir, `${randomBytes(8).toString("hex")}.json`);
  await writeFile(envFile, JSON.stringify(env), { mode: 0o600 });
  const cwd = path.posix.resolve("/", ctx.container.workingDir || "/");
  const steps: SandboxStep[] = [
    ...sandbox.steps,
    ...(ctx.resolvConf ? [{ kind: "file", source: ctx.resolvConf, path: "/etc/resolv.conf" } as const] : []),
    { kind: "home", path: SANDBOX_HOME },
    { kind: "cwd", path: cwd },
    { kind: "env" },
    ...c.mounts.map(
      (m): SandboxStep => ({ kind: "bind", source: m.source, target: m.target, readOnly: m.readOnly }),
    ),
  ];
  const argv = sandboxArgv({
    stateDir: sandbox.stateDir,
    uid: c.uid,
    gid: c.gid,
    cwd,
    maxProcesses: sandbox.maxProcesses,
    readOnlyRootFilesystem: c.readOnlyRootFilesystem,
    envFile,
    node: sandbox.node,
    steps,
    argv: c.argv,
    tty: Boolean(ctx.container.tty),
  });
  return {
    ok: true,
    spec: {
      argv,
      env: { ...SETUP_ENV },
      cwd: "/",
      sandbox: { uid: c.uid, gid: c.gid, env, node: sandbox.node, maxProcesses: sandbox.maxProcesses },
      tty: Boolean(ctx.container.tty),
    },
    imageID: c.imageID,
    warnings: c.warnings,
    notApplied: c.notApplied,
  };
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
