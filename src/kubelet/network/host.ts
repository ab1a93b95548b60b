// Host commands for Pod networking: network namespaces (iproute2's `ip netns`, bind mounts under
// /run/netns as containerd makes them), links and sysctls. Each runs with a fixed environment and a
// timeout; failures carry the command's own message.
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { writeFile } from "node:fs/promises";

export const NETNS_DIR = "/run/netns";
const ENV = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C" };

export function run(
  argv: readonly string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      argv[0],
      argv.slice(1),
      { env: ENV, timeout: 30_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr: stderr.trim() || (error && code !== 0 ? error.message : "") });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Runs argv; a non-zero exit throws with its stderr. */
export async function mustRun(argv: readonly string[], input?: string): Promise<string> {
  const out = await run(argv, input);
  if (out.code !== 0) throw new Error(`${argv.slice(0, 3).join(" ")} failed: ${out.stderr || out.code}`);
  return out.stdout;
}

export const netnsPath = (name: string) => `${NETNS_DIR}/${name}`;

export async function createNetns(name: string): Promise<string> {
  if (!existsSync(netnsPath(name))) await mustRun(["ip", "netns", "add", name]);
  return netnsPath(name);
}

/** Deletes the namespace (its veth end goes with it, and so does the host end). Missing is fine. */
export async function deleteNetns(name: string): Promise<void> {
  if (!existsSync(netnsPath(name))) return;
  await mustRun(["ip", "netns", "delete", name]);
}

export function listNetns(prefix: string): string[] {
  try {
    return readdirSync(NETNS_DIR).filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
}

export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

export async function deleteLink(name: string): Promise<void> {
  if (linkExists(name)) await mustRun(["ip", "link", "delete", name]);
}

export async function setSysctl(key: string, value: string): Promise<void> {
  await writeFile(`/proc/sys/${key.replaceAll(".", "/")}`, value);
}

/** util-linux nsenter into a named network namespace, exec'ing argv in the same process. */
export function inNetns(path: string, argv: readonly string[]): string[] {
  return ["nsenter", `--net=${path}`, "--", ...argv];
}
