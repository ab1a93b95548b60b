// Runs the real CLI (`node src/cli/main.ts …`) as a child process, for the CLI and doctor tests.
import { execFile } from "node:child_process";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";

const MAIN = path.resolve(import.meta.dirname, "../../../src/cli/main.ts");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment is replaced, not merged: only PATH and HOME leak in, so no real cluster is ever used. */
export function runCli(
  args: string[],
  o: { env?: Record<string, string>; input?: string; home?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [MAIN, ...args],
      { env: { PATH: process.env.PATH ?? "", HOME: o.home ?? "/nonexistent", ...o.env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error
          ? typeof (error as { code?: unknown }).code === "number"
            ? (error as { code: number }).code
            : -1
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(o.input ?? "");
  });
}

/**
 * Writes the kubelet's AtomicWriter layout: a timestamped directory with the files, `..data` pointing at
 * it, and the user-visible names as symlinks through `..data`.
 */
export async function writeServiceAccountDir(
  dir: string,
  files: { token?: string; "ca.crt"?: string; namespace?: string },
): Promise<string> {
  const stamp = "..2026_01_31_12_00_00.123456789";
  await mkdir(path.join(dir, stamp), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    if (content === undefined) continue;
    await writeFile(path.join(dir, stamp, name), content);
    await symlink(path.join("..data", name), path.join(dir, name));
  }
  await symlink(stamp, path.join(dir, "..data"));
  return dir;
}
