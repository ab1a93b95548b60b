// Giving a process its own mount namespace so volumes appear at their mountPath (above all the
// ServiceAccount directory at /var/run/secrets/kubernetes.io/serviceaccount, which many clients hard-code).
// Needs CAP_SYS_ADMIN (root) plus util-linux `unshare` and `mount`; detected once by actually doing it.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export interface BindMount {
  /** Directory or file on the host. */
  source: string;
  /** Where the process sees it. */
  target: string;
  readOnly: boolean;
}

export interface MountNamespaceSupport {
  available: boolean;
  /** Why not, or how: for the start-up log line. */
  detail: string;
}

/** Setup failures exit with this code before the command runs (a runtime's StartError is 128 too). */
export const MOUNT_SETUP_EXIT_CODE = 128;

// $1 = working directory, then (source target ro|rw) triples, then "--" and the command. Volumes are bound
// recursively, as containerd binds them ("rbind"): a hostPath of / brings the host's other mounts along.
const SETUP_SCRIPT = `cwd=$1; shift
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
  mount --rbind "$1" "$2" || { echo "incluster: cannot bind-mount $1 at $2" >&2; exit ${MOUNT_SETUP_EXIT_CODE}; }
  if [ "$3" = ro ]; then mount -o remount,bind,ro "$2" || exit ${MOUNT_SETUP_EXIT_CODE}; fi
  shift 3
done
shift
cd "$cwd" || { echo "incluster: working directory $cwd does not exist" >&2; exit ${MOUNT_SETUP_EXIT_CODE}; }
exec "$@"`;

/** argv that runs argv in a private mount namespace with mounts applied and cwd entered. */
export function inMountNamespace(
  argv: readonly string[],
  mounts: readonly BindMount[],
  cwd: string,
): string[] {
  const triples = mounts.flatMap((m) => [m.source, m.target, m.readOnly ? "ro" : "rw"]);
  return [
    "unshare",
    "--mount",
    "--propagation",
    "private",
    "/bin/sh",
    "-c",
    SETUP_SCRIPT,
    "incluster-mount",
    cwd,
    ...triples,
    "--",
    ...argv,
  ];
}

/** argv that runs argv inside the mount namespace of process pid (exec probes). */
export function inNamespaceOf(pid: number, argv: readonly string[]): string[] {
  return ["nsenter", `--target=${pid}`, "--mount", "--net", "--", ...argv];
}

function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(argv[0], argv.slice(1), { timeout: 10_000 }, (error, _stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stderr: stderr.trim() || (error?.message ?? "") });
    });
  });
}

/** Tries a real bind mount in a throw-away namespace. */
export async function detectMountNamespace(): Promise<MountNamespaceSupport> {
  if (process.platform !== "linux") return { available: false, detail: `not Linux (${process.platform})` };
  const dir = await mkdtemp(path.join(os.tmpdir(), "incluster-mntprobe-"));
  try {
    const source = path.join(dir, "source");
    const target = path.join(dir, "target");
    await mkdir(source);
    await mkdir(target);
    await writeFile(path.join(source, "probe"), "ok");
    const probe = await run(
      inMountNamespace(["test", "-f", path.join(target, "probe")], [{ source, target, readOnly: true }], "/"),
    );
    if (probe.code === 0) return { available: true, detail: "unshare --mount + bind mounts work" };
    const why = probe.stderr.split("\n")[0] || `exit code ${probe.code}`;
    const hint = process.getuid?.() === 0 ? "" : " (needs root / CAP_SYS_ADMIN)";
    return { available: false, detail: `cannot create a mount namespace${hint}: ${why}` };
  } catch (error) {
    return { available: false, detail: `cannot create a mount namespace: ${(error as Error).message}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
