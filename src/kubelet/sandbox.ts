// The Pod sandbox (Linux, root): a container of the incluster image runs
//   - in its own mount and PID namespaces (util-linux `unshare`), chrooted into a fresh tmpfs root that
//     holds only the host's system directories (read-only), the incluster app (read-only), /dev basics, a
//     devpts instance of its own (terminals: the host's are not visible), a new /proc, a private /tmp and its volumes: the data dir, other Pods' volumes and the runtime's state are
//     simply not there;
//   - as an unprivileged user (runAsUser, else the image's 65532) with no_new_privs and no capabilities;
//   - with RLIMIT_NPROC for that user (fork bombs stay bounded);
//   - under a root `sh` as PID 1 that dies with the runtime (parent-death signal), taking every process of
//     the namespace with it, setsid children included.
// Nothing attacker-controlled runs as root: the setup runs with a fixed environment, mount targets are
// refused when they pass through a symbolic link, and privileges are dropped by the same host binary that
// enters the root (unshare --root --setuid), so a volume mounted over /usr/bin inside cannot be executed as
// root. The container's environment travels in a file only its user can read (sandbox-exec.ts execs with it).
import { execFile } from "node:child_process";
import { existsSync, lstatSync, readlinkSync, realpathSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Setup failures exit with this code before the command runs (a runtime's StartError is 128 too). */
export const SANDBOX_SETUP_EXIT_CODE = 128;
/** The setup runs with this environment only: nothing of the Pod's reaches a root process. */
export const SETUP_ENV = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C" };
/** Default RLIMIT_NPROC for sandbox users (counted per uid across all sandboxes, threads included). */
export const DEFAULT_MAX_PROCESSES = 4096;
/** Terminals one sandbox may hold at once (its devpts `max`): the kernel's pty limit is shared by all. */
const MAX_TERMINALS = 64;
/** Size caps of the tmpfs root (its /tmp, /home, /run) and the setup's scratch. */
const ROOT_SIZE = "128m";

export type SandboxStep =
  | { kind: "dir"; path: string; mode: string }
  | { kind: "home"; path: string }
  | { kind: "link"; path: string; target: string }
  /**
   * exact: the source lies in a volume the Pod writes (a subPath), so a symbolic link may replace any part of
   * it after the runtime checked it: the setup pins it (a directory as its working directory, a file as an
   * open descriptor), requires it to be exactly source (the checked, symlink-free path), and mounts what it
   * pinned through /proc/self, never the path again (upstream's subpath safe open).
   */
  | { kind: "bind"; source: string; target: string; readOnly: boolean; exact?: boolean }
  | { kind: "etc"; source: string }
  | { kind: "dev"; name: string }
  | { kind: "proc" }
  /** A devpts instance of its own at /dev/pts, /dev/ptmx its ptmx: the container's terminals, none of the host's. */
  | { kind: "devpts" }
  | { kind: "hide"; path: string }
  /** A root-owned copy of a host file at path (the Pod's /etc/resolv.conf), replacing what is there. */
  | { kind: "file"; source: string; path: string }
  /** The working directory, created in the root if missing; before any volume (nothing root-written after). */
  | { kind: "cwd"; path: string }
  /** The environment file moved to ENV_DIR/env for the container's user; before any volume too. */
  | { kind: "env" };

/** Where sandbox-exec finds the environment; mount paths may not cover it. */
export const ENV_DIR = "/run/incluster";

export interface SandboxLaunch {
  /** A root-only directory on the host; each container mounts its own tmpfs there, in its namespace. */
  stateDir: string;
  uid: number;
  gid: number;
  cwd: string;
  maxProcesses: number;
  readOnlyRootFilesystem: boolean;
  /** Root-only host file with the container's environment (JSON); moved into the sandbox, then removed. */
  envFile: string;
  /** Node for sandbox-exec (visible inside through the app binds). */
  node: string;
  steps: readonly SandboxStep[];
  argv: readonly string[];
  /** Run the command under a terminal (the container's `tty: true`). */
  tty?: boolean;
}

const SCRIPT = `set -u
S=$1 uid=$2 gid=$3 cwd=$4 nproc=$5 rofs=$6 envfile=$7; shift 7
R=$S/root
die() { echo "incluster sandbox: $*" >&2; exit ${SANDBOX_SETUP_EXIT_CODE}; }
mount -t tmpfs -o mode=0700,size=4m,nosuid,nodev incluster-state "$S" || die "cannot mount a tmpfs at $S"
mkdir "$R" && mount -t tmpfs -o mode=0755,size=${ROOT_SIZE},nosuid,nodev incluster-root "$R" || die "cannot mount the root tmpfs"
inroot() {
  p=$R; rest=\${1#/}
  while [ -n "$rest" ]; do
    c=\${rest%%/*}; case $rest in */*) rest=\${rest#*/} ;; *) rest= ;; esac
    p=$p/$c; [ -L "$p" ] && return 1
  done
  return 0
}
pin() {
  if cd "$1" 2>/dev/null; then
    [ "$(readlink /proc/self/cwd)" = "$1" ] && src=/proc/self/cwd
  else
    f=\${1##*/}
    cd "\${1%/*}/" 2>/dev/null && [ "$(readlink /proc/self/cwd)/$f" = "$1" ] && [ -f "$f" ] && [ ! -L "$f" ] &&
      command exec 3<"$f" 2>/dev/null && [ "$(readlink /proc/self/fd/3)" = "$1" ] && src=/proc/self/fd/3
  fi
}
# The host's files under $1 that are not world-readable (shadow, private keys…) are covered by unreadable
# ones: a container may run as any uid or gid but 0 (runAsUser alone runs as group 0), so it could be their
# owner or group on this host.
unreadable() {
  : >"$S/unreadable" && chmod 0 "$S/unreadable" || return 1
  find "$R$1" -xdev \\( -type d ! -perm -o=rx -prune -print \\) -o \\( ! -type d ! -type l ! -perm -o=r -print \\) |
    while IFS= read -r p; do
      if [ -d "$p" ]; then mount -t tmpfs -o mode=0,size=4k incluster-hidden "$p"; else mount --bind "$S/unreadable" "$p"; fi || exit 1
    done
}
bind() {
  inroot "$2" || die "mount path $2 passes through a symbolic link inside the container"
  src=$1 nc=
  if [ "\${4-}" = exact ]; then
    nc=--no-canonicalize
    pin "$1" || die "$1 is not the directory or file the runtime checked (missing, or swapped for a symbolic link while the container was set up)"
  fi
  if [ -d "$src" ]; then mkdir -p "$R$2"; elif [ ! -e "$R$2" ]; then mkdir -p "$(dirname "$R$2")" && : >"$R$2"; fi || die "cannot create the mount point $2 (is its parent read-only?)"
  mount $nc --bind "$src" "$R$2" || die "cannot mount $1 at $2"
  cd / && exec 3<&-
  mount -o "remount,bind,nosuid,nodev$3" "$R$2" || die "cannot remount $2"
}
while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
  case $1 in
    dir) mkdir -p "$R$2" && chmod "$3" "$R$2" || die "cannot create $2" ;;
    home) mkdir -p "$R$2" && chown "$uid:$gid" "$R$2" && chmod 0700 "$R$2" || die "cannot create $2" ;;
    link) mkdir -p "$(dirname "$R$2")" && ln -s "$3" "$R$2" || die "cannot link $2" ;;
    ro) bind "$2" "$3" ,ro ;;
    rw) bind "$2" "$3" "" ;;
    ro-exact) bind "$2" "$3" ,ro exact ;;
    rw-exact) bind "$2" "$3" "" exact ;;
    etc) mkdir -p "$S/etc-upper" "$S/etc-work" "$R/etc" || die "cannot create /etc"
      mount -t overlay -o "lowerdir=$2,upperdir=$S/etc-upper,workdir=$S/etc-work" incluster-etc "$R/etc" 2>/dev/null || bind "$2" /etc ,ro
      unreadable /etc || die "cannot cover the host's private files in /etc" ;;
    dev) : >"$R/dev/$2" && mount --bind "/dev/$2" "$R/dev/$2" || die "cannot provide /dev/$2" ;;
    proc) mkdir -p "$R/proc" && mount -t proc -o nosuid,nodev,noexec proc "$R/proc" || die "cannot mount /proc" ;;
    devpts) mkdir -p "$R/dev/pts" && mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,max=${MAX_TERMINALS},nosuid,noexec incluster-devpts "$R/dev/pts" && ln -s pts/ptmx "$R/dev/ptmx" || die "cannot mount /dev/pts" ;;
    file) inroot "$(dirname "$3")" || die "$3 passes through a symbolic link"
      rm -f "$R$3" && cat "$2" >"$R$3" && chmod 0644 "$R$3" || die "cannot write $3" ;;
    hide) if [ -e "$R$2" ]; then mount -t tmpfs -o ro,mode=0,size=4k incluster-hidden "$R$2" || die "cannot hide $2"; fi ;;
    cwd) inroot "$2" || die "workingDir $2 passes through a symbolic link"
      [ -d "$R$2" ] || mkdir -p "$R$2" 2>/dev/null || die "workingDir $2 does not exist and cannot be created" ;;
    env) mkdir -p "$R${ENV_DIR}" && chown "$uid:$gid" "$R${ENV_DIR}" && cat "$envfile" >"$R${ENV_DIR}/env" && chown "$uid:$gid" "$R${ENV_DIR}/env" && chmod 0400 "$R${ENV_DIR}/env" || die "cannot pass the environment"
      rm -f "$envfile" ;;
    *) die "unknown step $1" ;;
  esac
  shift 3
done
shift
if [ "$rofs" = 1 ]; then mount -o remount,ro "$R" || die "cannot make the root filesystem read-only"; fi
child=
trap 'kill -TERM "$child" 2>/dev/null' TERM
trap 'kill -INT "$child" 2>/dev/null' INT
trap 'kill -HUP "$child" 2>/dev/null' HUP
prlimit --nproc="$nproc" -- unshare --root="$R" --wd="$cwd" --setgid="$gid" --setuid="$uid" -- "$@" &
child=$!
while :; do
  wait "$child"; rc=$?
  kill -0 "$child" 2>/dev/null || exit "$rc"
done`;

const stepArgs = (step: SandboxStep): string[] => {
  switch (step.kind) {
    case "dir":
      return ["dir", step.path, step.mode];
    case "home":
      return ["home", step.path, "-"];
    case "link":
      return ["link", step.path, step.target];
    case "bind":
      return [`${step.readOnly ? "ro" : "rw"}${step.exact ? "-exact" : ""}`, step.source, step.target];
    case "etc":
      return ["etc", step.source, "-"];
    case "dev":
      return ["dev", step.name, "-"];
    case "proc":
      return ["proc", "-", "-"];
    case "devpts":
      return ["devpts", "-", "-"];
    case "hide":
      return ["hide", step.path, "-"];
    case "file":
      return ["file", step.source, step.path];
    case "cwd":
      return ["cwd", step.path, "-"];
    case "env":
      return ["env", "-", "-"];
  }
};

/** sandbox-exec, next to this module (.ts from the sources, .js when built). */
export const SANDBOX_EXEC = fileURLToPath(
  new URL(`./sandbox-exec${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url),
);

/** How sandboxArgv makes the container's namespaces: a PID namespace of its own, with the script as its init. */
const OWN_NAMESPACES = ["unshare", "--mount", "--pid", "--fork", "--kill-child"];

/**
 * A sandboxArgv that joins the PID namespace of process pid instead of creating one (an ephemeral container
 * with targetContainerName): its fresh /proc then shows that container's processes, and they see it.
 */
export function inPidNamespaceOf(argv: readonly string[], pid: number): string[] {
  const at = argv.indexOf(OWN_NAMESPACES[0]);
  if (at < 0 || OWN_NAMESPACES.some((arg, i) => argv[at + i] !== arg))
    throw new Error("not a sandbox command line");
  // nsenter forks into the namespace, its child becomes the script (not that namespace's init): the same
  // spawned process → script → command layout as a sandbox of its own (ContainerProcess relies on it).
  const joined = ["nsenter", `--target=${pid}`, "--pid", "--", "unshare", "--mount"];
  return [...argv.slice(0, at), ...joined, ...argv.slice(at + OWN_NAMESPACES.length)];
}

/** The host argv that starts a container in the sandbox. Spawn it with SETUP_ENV and no other variables. */
export function sandboxArgv(launch: SandboxLaunch): string[] {
  return [
    "setpriv",
    "--no-new-privs",
    "--pdeathsig",
    "KILL",
    "--",
    ...OWN_NAMESPACES,
    "--propagation",
    "private",
    "/bin/sh",
    "-c",
    SCRIPT,
    "incluster-sandbox",
    launch.stateDir,
    String(launch.uid),
    String(launch.gid),
    launch.cwd,
    String(launch.maxProcesses),
    launch.readOnlyRootFilesystem ? "1" : "0",
    launch.envFile,
    ...launch.steps.flatMap(stepArgs),
    "--",
    ...sandboxExecArgv(launch.node, `${ENV_DIR}/env`, Boolean(launch.tty), launch.argv),
  ];
}

/**
 * argv of sandbox-exec: command with the environment read from envSource (a file, or /dev/fd/N), under a
 * terminal of its own when tty (the relay then stays as its parent).
 */
export function sandboxExecArgv(
  node: string,
  envSource: string,
  tty: boolean,
  command: readonly string[],
): string[] {
  return [node, SANDBOX_EXEC, ...(tty ? ["--tty"] : []), envSource, ...command];
}

/** A process environment without its unset entries, for the hand-over to sandbox-exec. */
export function definedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * argv that runs command inside the sandbox of process pid (exec probes): its mount and PID namespaces and
 * root, as its user, with no_new_privs. Spawn it with SETUP_ENV: the container's environment would reach
 * nsenter, which runs as root.
 */
export function inSandboxOf(
  pid: number,
  user: { uid: number; gid: number },
  command: readonly string[],
): string[] {
  return [
    "setpriv",
    "--no-new-privs",
    "--",
    "nsenter",
    `--target=${pid}`,
    "--mount",
    "--pid",
    "--net",
    "--root",
    "--wd",
    `--setgid=${user.gid}`,
    `--setuid=${user.uid}`,
    "--",
    ...command,
  ];
}

const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
const DEVICES = ["null", "zero", "full", "random", "urandom", "tty"];

/**
 * The steps every sandbox shares: system directories read-only (symlinks such as /bin -> usr/bin kept),
 * /etc as a copy-on-write overlay (mount points can be created, the host's /etc is never written), /dev
 * basics, /proc, world-writable /tmp, and the app directories read-only; `hidden` (the data dir) is covered
 * should an app directory contain it.
 */
export function baseSteps(appDirs: readonly string[], hidden: readonly string[]): SandboxStep[] {
  const steps: SandboxStep[] = [];
  for (const dir of SYSTEM_DIRS) {
    let stat: ReturnType<typeof lstatSync> | undefined;
    try {
      stat = lstatSync(dir);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) steps.push({ kind: "link", path: dir, target: readlinkSync(dir) });
    else if (stat.isDirectory()) steps.push({ kind: "bind", source: dir, target: dir, readOnly: true });
  }
  steps.push({ kind: "etc", source: "/etc" });
  // /etc/resolv.conf may point elsewhere (systemd-resolved): make the target visible too.
  const resolv = safeRealpath("/etc/resolv.conf");
  if (resolv && !resolv.startsWith("/etc/") && !SYSTEM_DIRS.some((d) => resolv.startsWith(`${d}/`))) {
    steps.push({ kind: "bind", source: resolv, target: resolv, readOnly: true });
  }
  steps.push({ kind: "dir", path: "/dev", mode: "0755" });
  for (const name of DEVICES) if (existsSync(`/dev/${name}`)) steps.push({ kind: "dev", name });
  for (const [name, target] of [
    ["fd", "/proc/self/fd"],
    ["stdin", "/proc/self/fd/0"],
    ["stdout", "/proc/self/fd/1"],
    ["stderr", "/proc/self/fd/2"],
  ])
    steps.push({ kind: "link", path: `/dev/${name}`, target });
  steps.push({ kind: "dir", path: "/dev/shm", mode: "1777" });
  steps.push({ kind: "devpts" });
  steps.push({ kind: "proc" });
  for (const dir of ["/tmp", "/var/tmp"]) steps.push({ kind: "dir", path: dir, mode: "1777" });
  // Directories, not a /var/run -> /run link: mount targets may not pass through links.
  for (const dir of ["/run", "/var/run"]) steps.push({ kind: "dir", path: dir, mode: "0755" });
  for (const dir of appDirs) steps.push({ kind: "bind", source: dir, target: dir, readOnly: true });
  for (const dir of hidden) {
    if (appDirs.some((app) => dir === app || dir.startsWith(`${app}/`)))
      steps.push({ kind: "hide", path: dir });
  }
  return steps;
}

function safeRealpath(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/**
 * What must be visible for the incluster CLI to run: the outermost node_modules above the entry script (an
 * installed package) or the package root holding it, and the Node binary's installation if elsewhere.
 */
export function appDirsFor(entrypoint: readonly string[]): string[] {
  const dirs: string[] = [];
  const covered = (p: string) =>
    SYSTEM_DIRS.some((d) => p.startsWith(`${d}/`)) || dirs.some((d) => p === d || p.startsWith(`${d}/`));
  for (const file of [entrypoint[1], SANDBOX_EXEC, entrypoint[0]]) {
    const real = file ? safeRealpath(file) : undefined;
    if (!real || covered(real)) continue;
    dirs.push(appRoot(real));
  }
  return dirs;
}

function appRoot(file: string): string {
  const parts = file.split("/");
  const outermost = parts.indexOf("node_modules");
  if (outermost > 0) return parts.slice(0, outermost + 1).join("/");
  for (let dir = path.dirname(file); dir !== "/"; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
  }
  return path.dirname(file);
}

export interface SandboxSupport {
  available: boolean;
  /** Why not, or how: for the start-up log line. */
  detail: string;
}

function run(
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(argv[0], argv.slice(1), { timeout: 15_000, env }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() || (error?.message ?? "") });
    });
  });
}

/** Starts a real sandbox once (`id -u` inside) to learn whether this host can provide it. */
export async function detectSandbox(node: string, appDirs: readonly string[]): Promise<SandboxSupport> {
  if (process.platform !== "linux") return { available: false, detail: `not Linux (${process.platform})` };
  if (process.getuid?.() !== 0) return { available: false, detail: "not running as root" };
  const dir = await mkdtemp(path.join(os.tmpdir(), "incluster-sandbox-probe-"));
  try {
    const stateDir = path.join(dir, "state");
    await mkdir(stateDir, { mode: 0o700 });
    const envFile = path.join(dir, "env.json");
    await writeFile(envFile, JSON.stringify({ PATH: SETUP_ENV.PATH }), { mode: 0o600 });
    const probe = await run(
      sandboxArgv({
        stateDir,
        uid: 65532,
        gid: 65532,
        cwd: "/",
        maxProcesses: DEFAULT_MAX_PROCESSES,
        readOnlyRootFilesystem: false,
        envFile,
        node,
        steps: [...baseSteps(appDirs, []), { kind: "env" }],
        argv: ["/bin/sh", "-c", "id -u; test -r /proc/1/status"],
      }),
      SETUP_ENV,
    );
    if (probe.code === 0 && probe.stdout === "65532")
      return {
        available: true,
        detail: "mount + PID namespaces, tmpfs root, unprivileged user, no_new_privs",
      };
    const why =
      probe.stderr.split("\n")[0] || `exit code ${probe.code}, output ${JSON.stringify(probe.stdout)}`;
    return {
      available: false,
      detail: `cannot build the sandbox (needs util-linux unshare, setpriv, prlimit): ${why}`,
    };
  } catch (error) {
    return { available: false, detail: `cannot build the sandbox: ${(error as Error).message}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
