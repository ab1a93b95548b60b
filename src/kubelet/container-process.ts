// A container instance as a host process: its own process group (so the whole tree can be killed, as a
// container's PID namespace would be), stdout/stderr into the container log, and termination that sends
// SIGTERM to the main process, waits the grace period, then SIGKILLs the group. A `tty: true` container runs
// under sandbox-exec --tty (pty-relay.ts): its terminal's output is its stdout, and attach can resize it.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { constants } from "node:os";
import type { Writable } from "node:stream";
import { timerDelay } from "./clock.ts";
import type { LogWriter } from "./logs.ts";
import { TerminalInput, type TerminalSize } from "./pty.ts";

export interface ProcessSpec {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /**
   * Started through the sandbox as this user: the spawned process is `unshare --fork`, which does not
   * pass signals on; its child (PID 1 of the container, the sandbox's init) forwards them to the command.
   */
  sandbox?: SandboxedUser;
  /** The container asked for stdin (`stdin: true`): kept open for pods/attach; `once`: closed after one attach. */
  stdin?: { once: boolean };
  /** argv runs sandbox-exec --tty: stdin is the terminal channel (pty.ts), stdout the terminal's output. */
  tty?: boolean;
  /** Handed to sandbox-exec on fd 3 (a host-process container's environment under a terminal). */
  envPipe?: Record<string, string>;
}

/** Who a sandboxed container runs as, and what pods/exec needs to run a command the same way. */
export interface SandboxedUser {
  uid: number;
  gid: number;
  /** The container's environment (it reaches the sandbox only through a file or pipe, never a root process). */
  env?: Record<string, string>;
  /** Node and RLIMIT_NPROC as the sandbox has them. */
  node?: string;
  maxProcesses?: number;
}

export type OutputListener = (stream: "stdout" | "stderr", chunk: Buffer) => void;

export interface ExitInfo {
  exitCode: number;
  /** The signal that ended it, if any (exitCode is then 128 + its number). */
  signal?: string;
  /** The process could not be started at all. */
  startError?: string;
  finishedAt: number;
}

/** How long to wait for output to drain after the main process exited. */
const DRAIN_MS = 500;
/** How long a terminal's relay gets to kill its command's group (SIGHUP) before its own group's SIGKILL. */
const HANGUP_GRACE_MS = 1000;

export class ContainerProcess {
  readonly pid: number | undefined;
  readonly spec: ProcessSpec;
  /** The container's stdin, when it asked for one (pods/attach writes here). */
  readonly stdin: Writable | undefined;
  readonly #terminal: TerminalInput | undefined;
  readonly #outputs = new Set<OutputListener>();
  readonly exited: Promise<ExitInfo>;
  readonly #sandboxed: boolean;
  #done = false;
  /** The main process was reaped: its PID may belong to someone else now, so it is never signalled again. */
  #reaped = false;

  constructor(spec: ProcessSpec, log: LogWriter) {
    this.spec = spec;
    this.#sandboxed = spec.sandbox !== undefined;
    const child = spawn(spec.argv[0], spec.argv.slice(1), {
      env: spec.env,
      cwd: spec.cwd,
      // A terminal's input pipe also carries its window sizes: open even without stdin.
      stdio: [spec.stdin || spec.tty ? "pipe" : "ignore", "pipe", "pipe", spec.envPipe ? "pipe" : "ignore"],
      detached: true, // a process group of its own
    });
    this.pid = child.pid;
    child.stdin?.on("error", () => undefined); // the container closed its stdin: attached input is dropped
    if (spec.envPipe) {
      const pipe = child.stdio[3] as Writable;
      pipe.on("error", () => undefined);
      pipe.end(JSON.stringify(spec.envPipe));
    }
    this.#terminal = spec.tty && child.stdin ? new TerminalInput(child.stdin) : undefined;
    this.stdin = spec.stdin ? (this.#terminal ?? child.stdin ?? undefined) : undefined;
    const output = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
      log.write(stream, chunk);
      for (const listener of this.#outputs) listener(stream, chunk);
    };
    child.stdout?.on("data", output("stdout"));
    child.stderr?.on("data", output("stderr"));
    this.exited = new Promise<ExitInfo>((resolve) => {
      child.once("error", (error: NodeJS.ErrnoException) => {
        if (child.pid !== undefined) return; // errors after a successful spawn are stream errors
        resolve({
          exitCode: 128,
          startError: startErrorMessage(spec.argv[0], error),
          finishedAt: Date.now(),
        });
      });
      child.once("exit", (code, signal) => {
        const finishedAt = Date.now();
        this.#killGroup("SIGKILL"); // the main process is gone: so is the rest of the "container"
        this.#reaped = true;
        const exit: ExitInfo = signal
          ? { exitCode: 128 + (constants.signals[signal] ?? 0), signal, finishedAt }
          : { exitCode: code ?? 0, finishedAt };
        const drained = new Promise<void>((r) => child.once("close", () => r()));
        const timeout = new Promise<void>((r) => setTimeout(r, DRAIN_MS).unref());
        void Promise.race([drained, timeout]).then(() => resolve(exit));
      });
    }).finally(() => {
      this.#done = true;
    });
  }

  /** The container's command (in the sandbox: the grandchild, below its init), for exec probes. */
  commandPid(): number | undefined {
    if (this.#reaped) return undefined;
    if (!this.#sandboxed || this.pid === undefined) return this.pid;
    const init = childOf(this.pid);
    return init === undefined ? undefined : childOf(init);
  }

  /** Live output from now on (pods/attach); returns the unsubscribe. */
  onOutput(listener: OutputListener): () => void {
    this.#outputs.add(listener);
    return () => this.#outputs.delete(listener);
  }

  /** Whether it runs under a terminal (`tty: true`). */
  get tty(): boolean {
    return this.#terminal !== undefined;
  }

  /** Sets the terminal's window size (an attached client's); nothing without a terminal. */
  resize(size: TerminalSize): void {
    if (this.running) this.#terminal?.resize(size);
  }

  get running(): boolean {
    return !this.#done;
  }

  /** SIGTERM, then SIGKILL after graceMs; resolves with the exit. */
  async terminate(graceMs: number): Promise<ExitInfo> {
    if (this.#done || this.#reaped) return this.exited;
    const main = this.#sandboxed && this.pid !== undefined ? childOf(this.pid) : this.pid;
    if (main !== undefined) {
      try {
        process.kill(main, "SIGTERM");
      } catch {
        // already gone
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        if (!this.#reaped) this.#kill(); // once reaped, the exit handler already did
        resolve();
      }, timerDelay(graceMs));
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    return this.exited;
  }

  /**
   * SIGKILL of the group. A terminal's command has a session (and group) of its own, out of reach of that
   * outside a sandbox (whose PID namespace ends with it): the relay hangs it up first (SIGHUP: it kills the
   * command's group, then itself), then the group goes.
   */
  #kill(): void {
    if (!this.#terminal || this.#sandboxed) return this.#killGroup("SIGKILL");
    this.#killGroup("SIGHUP");
    setTimeout(() => {
      if (!this.#reaped) this.#killGroup("SIGKILL");
    }, HANGUP_GRACE_MS).unref();
  }

  #killGroup(signal: NodeJS.Signals): void {
    if (this.pid === undefined) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // the group is empty
    }
  }
}

/** The first child of pid (Linux), from /proc/<pid>/task/<pid>/children. */
export function childOf(pid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ")[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

function startErrorMessage(command: string | undefined, error: NodeJS.ErrnoException): string {
  const what = `exec: ${JSON.stringify(command ?? "")}`;
  if (error.code === "ENOENT")
    return command?.includes("/")
      ? `failed to start container: ${what}: no such file or directory`
      : `failed to start container: ${what}: executable file not found in $PATH`;
  if (error.code === "EACCES") return `failed to start container: ${what}: permission denied`;
  return `failed to start container: ${what}: ${error.message}`;
}
