// Descriptors inherited from whatever started the runtime (a shell's redirection, a process manager's
// socket): Node's spawn passes on every descriptor without close-on-exec, so they would reach each
// container, exec session, probe and hook, sandboxed ones included, which could read or write host files
// through them past the sandbox's filesystem. The runtime closes them at start, sandbox-exec again before
// the command (Linux: /proc/self/fdinfo says which descriptors an exec keeps).
import { closeSync, readdirSync, readFileSync } from "node:fs";

/** O_CLOEXEC in fdinfo's octal flags (the same value on every Linux architecture Node runs on). */
const O_CLOEXEC = 0o2000000;

/** Closes every descriptor above stdio that an exec would pass on; Node's own are all close-on-exec. */
export function closeInheritedDescriptors(): void {
  let names: string[];
  try {
    names = readdirSync("/proc/self/fd");
  } catch {
    return; // not Linux: no sandbox either
  }
  // A forked Node's IPC channel is inherited too, and is the parent's way to talk to this process.
  const channel = Number(process.env.NODE_CHANNEL_FD ?? -1);
  for (const name of names) {
    const fd = Number(name);
    if (fd <= 2 || fd === channel) continue;
    try {
      const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))?.[1];
      if (flags !== undefined && (Number.parseInt(flags, 8) & O_CLOEXEC) === 0) closeSync(fd);
    } catch {
      // gone meanwhile (the directory listing's own descriptor)
    }
  }
}
