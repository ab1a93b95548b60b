// hostPath volumes: the kubelet's SetUp (pkg/volume/hostpath/host_path.go: checkType, makeDir, makeFile,
// typeMatchedOrError; the file types of pkg/volume/util/hostutil getFileType). The path is the host's own,
// resolved as the kubelet and the container runtime resolve it (stat and bind mount follow symbolic
// links); a subPath inside it is checked like any volume's (container-launch.ts).
//
// A hostPath hands a Pod this host's files, so this runtime mounts one only where it already runs host
// commands (--allow-host-commands); otherwise the volume fails with a message naming the flag.
import { mkdir, open, stat } from "node:fs/promises";
import type { HostPathVolumeSource } from "kubernetes-types/core/v1.d.ts";

export const HOST_PATH_REFUSED =
  "hostPath volumes are refused: a hostPath gives the Pod this host's files, so the incluster runtime mounts them only when started with --allow-host-commands (allowHostCommands: true), which already trusts Pod creators with this host";

type FileType = "Directory" | "File" | "Socket" | "CharDevice" | "BlockDevice";

/** What checkType expects for each type, and how its messages describe it. */
const EXPECTED: Record<string, { type: FileType; description: string; create?: "dir" | "file" }> = {
  DirectoryOrCreate: { type: "Directory", description: "directory", create: "dir" },
  Directory: { type: "Directory", description: "directory" },
  FileOrCreate: { type: "File", description: "file", create: "file" },
  File: { type: "File", description: "file" },
  Socket: { type: "Socket", description: "socket file" },
  CharDevice: { type: "CharDevice", description: "character device" },
  BlockDevice: { type: "BlockDevice", description: "block device" },
};

/** hostutil.PathExists: stat (following links) succeeds. */
async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** hostutil getFileType. */
async function fileType(path: string): Promise<FileType | Error> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error)
    return new Error(info.code === "ENOENT" ? `path "${path}" does not exist` : info.message);
  if (info.isSocket()) return "Socket";
  if (info.isCharacterDevice()) return "CharDevice";
  if (info.isBlockDevice()) return "BlockDevice";
  if (info.isDirectory()) return "Directory";
  if (info.isFile()) return "File";
  return new Error("only recognise file, directory, socket, block device and character device");
}

/** Go's *PathError text ("mkdir /x: permission denied") for a failed system call. */
function pathError(error: NodeJS.ErrnoException, op: string, path: string): Error {
  const text: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    ENOTDIR: "not a directory",
    EROFS: "read-only file system",
    ENOENT: "no such file or directory",
    EISDIR: "is a directory",
    ENOSPC: "no space left on device",
  };
  return new Error(`${op} ${error.path ?? path}: ${text[error.code ?? ""] ?? error.message}`);
}

/** makeDir / makeFile: create what is missing (0755 / 0644), an existing path is no error. */
async function create(path: string, kind: "dir" | "file"): Promise<void> {
  try {
    if (kind === "dir") await mkdir(path, { recursive: true, mode: 0o755 });
    else await (await open(path, "a", 0o644)).close();
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code !== "EEXIST") throw pathError(e, kind === "dir" ? "mkdir" : "open", path);
  }
}

/**
 * hostPathMounter.SetUp: the host path to mount, or why it cannot be. An unset type is not checked, and a
 * missing path is created as a directory, as containerd's CRI does for a bind mount's missing source.
 */
export async function setUpHostPath(source: HostPathVolumeSource): Promise<string | Error> {
  const path = source.path;
  if (path.split("/").includes("..")) return new Error(`invalid HostPath \`${path}\`: must not contain '..'`);
  const type = source.type ?? "";
  try {
    if (type === "") {
      if (!(await exists(path))) await create(path, "dir");
      return path;
    }
    const expected = EXPECTED[type];
    if (!expected) return new Error(`${type} is an invalid volume type`);
    if (expected.create && !(await exists(path))) await create(path, expected.create);
    if (!(await exists(path))) return new Error(`hostPath ${path} doesn't exist`);
    const actual = await fileType(path);
    if (actual instanceof Error)
      return new Error(
        `hostPath type check failed, ${path} is not a ${expected.description}, unable to determine its type: ${actual.message}`,
      );
    if (actual !== expected.type)
      return new Error(
        `hostPath type check failed: ${path} is not a ${expected.description}, it's a ${actual}`,
      );
    return path;
  } catch (error) {
    return error as Error;
  }
}
