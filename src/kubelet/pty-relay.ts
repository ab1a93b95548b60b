// The process that gives a container's command a terminal, started by sandbox-exec.ts (`--tty`) already as
// the container's user, inside its sandbox: node-pty's forkpty opens the sandbox's own /dev/ptmx (its devpts
// instance), so the command gets /dev/pts/N of that instance as its controlling terminal, in a session of
// its own. The relay copies framed input (pty.ts) from its stdin to the terminal, applies window sizes, and
// copies the terminal's output to its stdout; it exits with the command's exit code (or its signal).
//   - SIGTERM and SIGINT are passed on to the command (a container's termination, as runc signals its init);
//   - SIGHUP means the session is gone (the exec client left, or the container's grace period is over):
//     the command's process group is killed, and the relay with it.
// TERM is xterm, as containerd sets it for a tty process.
import { createRequire } from "node:module";
import { constants } from "node:os";
import { FrameDecoder, type TerminalSize } from "./pty.ts";

/** The window until the client reports its own (containerd's console starts at the kernel's 0x0; 80x24 reads better). */
const INITIAL_SIZE: TerminalSize = { width: 80, height: 24 };
/** ^D: what a terminal's EOF key types; the end of the client's input ends a reading command's input. */
const EOF_KEY = Buffer.of(4);

interface NodePtyTerminal {
  pid: number;
  onData(listener: (data: Buffer) => void): void;
  onExit(listener: (e: { exitCode: number; signal?: number }) => void): void;
  write(data: Buffer): void;
  resize(columns: number, rows: number): void;
  pause(): void;
  resume(): void;
}

interface NodePty {
  spawn(
    file: string,
    args: string[],
    options: {
      name: string;
      cols: number;
      rows: number;
      cwd: string;
      env: Record<string, string>;
      encoding: null;
    },
  ): NodePtyTerminal;
}

/** node-pty (an optional dependency with a native addon), or why it cannot be used here. */
export function loadNodePty(): { pty: NodePty } | { error: string } {
  try {
    return { pty: createRequire(import.meta.url)("node-pty") as NodePty };
  } catch (error) {
    return {
      error: `this runtime cannot allocate terminals: they need the node-pty package next to incluster (npm install node-pty; it builds a native addon with node-gyp): ${(error as Error).message.split("\n")[0]}`,
    };
  }
}

/** Runs file (already resolved) with argv under a new terminal and relays it; never returns. */
export function relayTerminal(file: string, argv: readonly string[], env: Record<string, string>): void {
  const loaded = loadNodePty();
  if ("error" in loaded) throw new Error(loaded.error);
  const terminal = loaded.pty.spawn(file, argv.slice(1), {
    name: "xterm",
    cols: INITIAL_SIZE.width,
    rows: INITIAL_SIZE.height,
    cwd: process.cwd(),
    env: { ...env, TERM: "xterm" },
    encoding: null,
  });
  const signal = (to: number, sig: NodeJS.Signals) => {
    try {
      process.kill(to, sig);
    } catch {
      // already gone
    }
  };
  process.on("SIGTERM", () => signal(terminal.pid, "SIGTERM"));
  process.on("SIGINT", () => signal(terminal.pid, "SIGINT"));
  process.on("SIGHUP", () => {
    signal(-terminal.pid, "SIGKILL");
    signal(process.pid, "SIGKILL"); // killed, as the container's process is after its grace period
  });

  terminal.onData((data) => {
    // A slow reader (the client) pauses the terminal, so the command blocks rather than the relay buffering.
    if (!process.stdout.write(data)) {
      terminal.pause();
      process.stdout.once("drain", () => terminal.resume());
    }
  });
  const decoder = new FrameDecoder();
  process.stdin.on("data", (chunk: Buffer) => {
    let frames: ReturnType<FrameDecoder["push"]>;
    try {
      frames = decoder.push(chunk);
    } catch (error) {
      process.stderr.write(`incluster terminal: ${(error as Error).message}\n`);
      process.stdin.destroy();
      return;
    }
    for (const f of frames) {
      if (f.kind === "input") terminal.write(f.data);
      else if (f.kind === "resize") terminal.resize(f.size.width, f.size.height);
      else terminal.write(EOF_KEY);
    }
  });
  process.stdin.on("error", () => undefined);
  terminal.onExit(({ exitCode, signal: number }) => {
    const name = number ? Object.entries(constants.signals).find(([, n]) => n === number)?.[0] : undefined;
    const exit = () => {
      if (name) {
        // Die of the same signal, so the runtime reports it as the command's.
        process.removeAllListeners(name);
        signal(process.pid, name as NodeJS.Signals);
      }
      process.exit(name ? 128 + (number ?? 0) : exitCode);
    };
    // Everything read from the terminal is written before the exit.
    if (process.stdout.writableLength === 0) exit();
    else process.stdout.once("drain", exit);
  });
}
