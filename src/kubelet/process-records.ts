// What survives a crash of the runtime: one small file per running container instance with the process
// group it leads and the process's start time, so the next start can kill exactly those processes (a PID
// reused by an unrelated process has another start time) before it runs the Pods again. Sandboxed
// containers also die with the runtime on their own (parent-death signal); this covers everything else.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

interface ProcessRecord {
  pid: number;
  startTime: string;
  containerID: string;
}

/**
 * Set in every container process's environment (host commands inherit it into their children): after the
 * group's leader is gone, it is how leftovers are told from unrelated processes that reuse the group's ID.
 */
export const CONTAINER_ID_ENV = "INCLUSTER_CONTAINER_ID";

/** Fields of /proc/<pid>/stat after the command name (which is in parentheses and may contain spaces). */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

function readFileSafe(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** The process's start time: /proc/<pid>/stat field 22 on Linux, `ps -o lstart=` elsewhere. */
export function processStartTime(pid: number): string | undefined {
  if (process.platform === "linux") return statFields(pid)?.[19];
  try {
    const out = execFileSync("ps", ["-o", "lstart=", "-p", String(pid)], { encoding: "utf8" }).trim();
    return out || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The processes to kill for a record. The leader alive with its recorded start time: its whole group.
 * The leader gone (a parent-death signal took it): the members of that group that carry the container's
 * ID in their environment; PIDs wrap, so the group ID alone may now name someone else's group.
 */
function leftovers(record: ProcessRecord): number[] {
  const leaderStart = processStartTime(record.pid);
  if (leaderStart === record.startTime) return [-record.pid, record.pid];
  if (leaderStart !== undefined || process.platform !== "linux") return []; // the PID was reused
  const members: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields?.[2] !== String(record.pid)) continue;
    const environ = readFileSafe(`/proc/${entry}/environ`);
    if (environ?.split("\0").includes(`${CONTAINER_ID_ENV}=${record.containerID}`))
      members.push(Number(entry));
  }
  return members;
}

export class ProcessRecords {
  readonly dir: string;
  #ready: Promise<unknown> | undefined;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Kills every recorded process group still led by the same process; forgets all records. */
  async reapLeftovers(): Promise<number> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    let killed = 0;
    for (const name of names) {
      const file = path.join(this.dir, name);
      const record = await readFile(file, "utf8").then(
        (text) => JSON.parse(text) as ProcessRecord,
        () => undefined,
      );
      if (record && Number.isInteger(record.pid) && record.pid > 1) {
        const targets = leftovers(record);
        for (const target of targets) {
          try {
            process.kill(target, "SIGKILL");
          } catch {
            // gone already
          }
        }
        if (targets.length > 0) killed++;
      }
      await rm(file, { force: true });
    }
    return killed;
  }

  async add(containerID: string, pid: number): Promise<void> {
    const startTime = processStartTime(pid);
    if (!startTime) return; // already gone
    this.#ready ??= mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.#ready;
    const record: ProcessRecord = { pid, startTime, containerID };
    await writeFile(this.#file(containerID), JSON.stringify(record), { mode: 0o600 });
  }

  async remove(containerID: string): Promise<void> {
    await rm(this.#file(containerID), { force: true });
  }

  #file(containerID: string): string {
    return path.join(this.dir, `${containerID.replace(/^incluster:\/\//, "")}.json`);
  }
}
