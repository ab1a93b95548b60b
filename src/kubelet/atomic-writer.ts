// The kubelet's AtomicWriter (pkg/volume/util/atomic_writer.go), step for step: files go into a fresh
// `..<UTC timestamp>.<random>` directory, `..data` is switched to it by renaming a `..data_tmp` symlink
// over it, and the user-visible names are symlinks into `..data/`. A reader that opens `token` sees the
// old or the new file, never a partial one, and consumers can watch the directory for the swap.
import { randomInt } from "node:crypto";
import {
  chmod,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import path from "node:path";

export const DATA_DIR_NAME = "..data";
export const NEW_DATA_DIR_NAME = "..data_tmp";

const MAX_FILE_NAME_LENGTH = 255;
const MAX_PATH_LENGTH = 4096;

/** One file of a volume: its content and permission bits (defaultMode / item mode). */
export interface FileProjection {
  data: string | Buffer;
  mode: number;
}

/** Relative path (may contain `/`) → content. */
export type Payload = ReadonlyMap<string, FileProjection>;

export class PayloadError extends Error {
  override name = "PayloadError";
}

/** upstream validatePath: relative, bounded, no `..` element, not starting with `..` (reserved for us). */
export function validatePayloadPath(target: string): string | undefined {
  if (target === "") return "invalid path: must not be empty";
  if (target.length > MAX_PATH_LENGTH)
    return `invalid path: must be less than or equal to ${MAX_PATH_LENGTH} characters`;
  if (path.isAbsolute(target)) return "invalid path: must be relative path";
  const items = target.split("/");
  for (const item of items) {
    if (item.length > MAX_FILE_NAME_LENGTH)
      return `invalid path: filenames must be less than or equal to ${MAX_FILE_NAME_LENGTH} characters`;
    if (item === "..") return "invalid path: must not contain '..'";
  }
  if (target.startsWith("..")) return "invalid path: must not start with '..'";
  return undefined;
}

function cleanPayload(payload: Payload): Map<string, FileProjection> {
  const clean = new Map<string, FileProjection>();
  for (const [target, file] of payload) {
    const problem = validatePayloadPath(target);
    if (problem) throw new PayloadError(`${problem}: ${JSON.stringify(target)}`);
    clean.set(path.posix.normalize(target), file);
  }
  return clean;
}

/** Go's time.Now().UTC().Format("..2006_01_02_15_04_05."). */
export function timestampDirPrefix(now: Date): string {
  const iso = now.toISOString(); // 2025-01-31T12:00:00.000Z
  return `..${iso.slice(0, 10).replaceAll("-", "_")}_${iso.slice(11, 19).replaceAll(":", "_")}.`;
}

export interface WriteResult {
  /** False when the payload equalled what `..data` already held (nothing was swapped). */
  changed: boolean;
  /** Name of the directory `..data` points to afterwards. */
  dataDir: string;
}

/** Writes payloads into one target directory; calls must not overlap (the volume manager serialises them). */
export class AtomicWriter {
  readonly targetDir: string;
  readonly #now: () => Date;

  constructor(targetDir: string, options: { now?: () => Date } = {}) {
    this.targetDir = targetDir;
    this.#now = options.now ?? (() => new Date());
  }

  async write(payload: Payload): Promise<WriteResult> {
    // (1) validate
    const clean = cleanPayload(payload);
    // (2) the current timestamp directory, if any
    const dataDirPath = path.join(this.targetDir, DATA_DIR_NAME);
    const oldTsDir = await readlink(dataDirPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return "";
      throw error;
    });
    const oldTsPath = path.join(this.targetDir, oldTsDir);
    // (3) user-visible paths that the new payload no longer has; (4) whether anything changed at all
    let toRemove = new Set<string>();
    let shouldWrite = true;
    if (oldTsDir) {
      toRemove = await pathsToRemove(clean, oldTsPath);
      shouldWrite = toRemove.size > 0 || (await payloadDiffers(clean, oldTsPath));
    }
    let dataDir = oldTsDir;
    if (shouldWrite) {
      // (5) a new timestamp directory, (6) the payload in it
      const tsDir = await this.#newTimestampDir();
      dataDir = path.basename(tsDir);
      try {
        await writePayloadToDir(clean, tsDir);
        // (7) `..data_tmp` → new directory, (8) renamed over `..data`: the atomic switch
        const newDataDirPath = path.join(this.targetDir, NEW_DATA_DIR_NAME);
        await rm(newDataDirPath, { force: true }); // a leftover from a crash mid-swap
        await symlink(dataDir, newDataDirPath);
        await rename(newDataDirPath, dataDirPath).catch(async (error) => {
          await rm(newDataDirPath, { force: true });
          throw error;
        });
      } catch (error) {
        await rm(tsDir, { recursive: true, force: true });
        throw error;
      }
    }
    // (9) user-visible symlinks, (10) stale ones removed, (11) the old directory removed
    await this.#createUserVisibleFiles(clean);
    await this.#removeUserVisiblePaths(toRemove);
    if (shouldWrite && oldTsDir) await rm(oldTsPath, { recursive: true, force: true });
    return { changed: shouldWrite, dataDir };
  }

  /** os.MkdirTemp(dir, prefix) appends a decimal random number; then 0755 so others can traverse. */
  async #newTimestampDir(): Promise<string> {
    const prefix = timestampDirPrefix(this.#now());
    for (;;) {
      const dir = path.join(this.targetDir, `${prefix}${randomInt(0, 2 ** 32 - 1)}`);
      try {
        await mkdir(dir, { mode: 0o700 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
        throw error;
      }
      await chmod(dir, 0o755);
      return dir;
    }
  }

  async #createUserVisibleFiles(payload: Map<string, FileProjection>): Promise<void> {
    const linkNames = new Set([...payload.keys()].map((p) => p.split("/")[0]));
    for (const linkName of linkNames) {
      const visible = path.join(this.targetDir, linkName);
      const exists = await lstat(visible).then(
        () => true,
        () => false,
      );
      if (!exists) await symlink(path.posix.join(DATA_DIR_NAME, linkName), visible);
    }
  }

  /** Only top-level names are symlinks of ours; nested paths vanish with the old directory. */
  async #removeUserVisiblePaths(paths: Set<string>): Promise<void> {
    for (const p of paths) {
      if (p.includes("/")) continue;
      await rm(path.join(this.targetDir, p), { force: true });
    }
  }
}

async function payloadDiffers(payload: Map<string, FileProjection>, oldTsPath: string): Promise<boolean> {
  for (const [target, file] of payload) {
    const onDisk = await readFile(path.join(oldTsPath, target)).catch(() => undefined);
    if (!onDisk?.equals(Buffer.from(file.data))) return true;
    const mode = (await lstat(path.join(oldTsPath, target))).mode & 0o7777;
    if (mode !== file.mode) return true;
  }
  return false;
}

/** Every file and directory under the old timestamp directory that the new payload does not keep. */
async function pathsToRemove(payload: Map<string, FileProjection>, oldTsPath: string): Promise<Set<string>> {
  const keep = new Set<string>();
  for (const target of payload.keys()) {
    const parts = target.split("/");
    for (let i = 1; i <= parts.length; i++) keep.add(parts.slice(0, i).join("/"));
  }
  const existing = await readdir(oldTsPath, { recursive: true }).catch(() => [] as string[]);
  return new Set(existing.map((p) => p.split(path.sep).join("/")).filter((p) => !keep.has(p)));
}

async function writePayloadToDir(payload: Map<string, FileProjection>, dir: string): Promise<void> {
  for (const [target, file] of payload) {
    const fullPath = path.join(dir, target);
    await mkdir(path.dirname(fullPath), { recursive: true });
    await writeFile(fullPath, file.data, { mode: file.mode });
    await chmod(fullPath, file.mode); // writeFile's mode is filtered by the umask
  }
}
