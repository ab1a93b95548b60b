// pods/exec and pods/attach on this node, the runtime's side of the API server's `podExec` hook (the
// kubelet's GetExec/GetAttach + the CRI's ExecSync/Attach, for processes):
//   - exec runs the command as the container's own process runs: in its sandbox (mount, PID and network
//     namespaces, root, working directory, user, no_new_privs, RLIMIT_NPROC) with its environment handed
//     over through a pipe; a host-process container's command runs in its namespaces with its environment,
//     working directory and user (only with --allow-host-commands, as exec probes). argv, never a shell.
//   - attach joins the main process: its live output, and its stdin when the container asked for one.
//   - a container that is not running is "container not found", as findContainer answers.
//   - tty: the command runs under a terminal of its own (sandbox-exec --tty, pty-relay.ts), inside the
//     sandbox's devpts; its output is the terminal's, stdin and the client's window sizes feed it. attach
//     resizes a `tty: true` container's terminal.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { constants } from "node:os";
import { PassThrough } from "node:stream";
import type { ContainerProcess } from "./container-process.ts";
import { inNetns } from "./network/host.ts";
import type { RunningContainer } from "./pod-worker.ts";
import { TerminalInput, type TerminalSize } from "./pty.ts";
import { loadNodePty } from "./pty-relay.ts";
import { definedEnv, inSandboxOf, SETUP_ENV, sandboxExecArgv } from "./sandbox.ts";

export interface ExecTarget {
  node: string;
  namespace: string;
  pod: string;
  uid: string;
  container: string;
}

export interface ExecStreams {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface PreparedExec {
  /** Runs it (the client's streams are open); throws ExecError if the node filled up meanwhile. */
  start(): ExecSession;
}

export interface ExecSession {
  stdin?: NodeJS.WritableStream;
  stdout?: NodeJS.ReadableStream;
  stderr?: NodeJS.ReadableStream;
  done: Promise<{ exitCode: number } | { error: string }>;
  close(): void;
  /** The client's window size (a tty session). */
  resize?(size: TerminalSize): void;
}

interface ExecPlan {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The container's environment, handed to sandbox-exec on fd 3. */
  envPipe?: Record<string, string>;
  /** argv runs sandbox-exec --tty: its stdin takes terminal frames (pty.ts). */
  tty: boolean;
}

/** A refusal before anything runs, with the kubelet's HTTP status. */
export class ExecError extends Error {
  readonly code: number;
  constructor(message: string, code: number) {
    super(message);
    this.code = code;
  }
}

/** What one runtime (one node) needs to serve sessions. */
export interface NodeExecHost {
  /** The Pod's running container, by Pod UID. */
  container(uid: string, name: string): RunningContainer | undefined;
  allowHostCommands: boolean;
  mountNamespace: boolean;
}

/** How long exec waits for a just-started sandbox to finish its setup. */
const SANDBOX_SETTLE_MS = 5000;

/** How long a closed terminal session's relay gets to kill its command's group (SIGHUP) before SIGKILL. */
const HANGUP_GRACE_MS = 1000;

/** Sessions per node at once; more are refused (429) rather than forking without bound. */
export const MAX_SESSIONS_PER_NODE = 64;

/**
 * Routes pods/exec and pods/attach to the runtime of the Pod's node. Give the same router to startServer
 * ({ podExec }) and to each startRuntime ({ exec }), as the log store is shared.
 */
export class PodExecRouter {
  readonly #nodes = new Map<string, NodeExec>();

  /** A runtime serves its node's sessions; the returned function stops that (and ends its sessions). */
  register(node: string, host: NodeExecHost): () => void {
    const served = new NodeExec(host);
    this.#nodes.set(node, served);
    return () => {
      if (this.#nodes.get(node) === served) this.#nodes.delete(node);
      served.closeAll();
    };
  }

  async exec(target: ExecTarget, command: readonly string[], streams: ExecStreams): Promise<PreparedExec> {
    return this.#node(target).exec(target, command, streams);
  }

  async attach(target: ExecTarget, streams: ExecStreams): Promise<PreparedExec> {
    return this.#node(target).attach(target, streams);
  }

  #node(target: ExecTarget): NodeExec {
    const node = this.#nodes.get(target.node);
    // The API server dialing a kubelet that is not there.
    if (!node) throw new ExecError(`no runtime serves node "${target.node}"`, 500);
    return node;
  }
}

class NodeExec {
  readonly #host: NodeExecHost;
  readonly #sessions = new Set<() => void>();

  constructor(host: NodeExecHost) {
    this.#host = host;
  }

  closeAll(): void {
    for (const close of [...this.#sessions]) close();
  }

  async exec(target: ExecTarget, command: readonly string[], streams: ExecStreams): Promise<PreparedExec> {
    const running = await this.#settled(this.#running(target), target);
    if (command.length === 0) throw new ExecError("command must not be empty", 400);
    if (streams.tty) {
      const pty = loadNodePty();
      if ("error" in pty) throw new ExecError(pty.error, 500);
    }
    this.#checkCapacity();
    const planned = this.#plan(running, command, streams.tty);
    // The command runs in the container's cgroup, under its limits (joins before it runs).
    const plan = running.cgroup ? { ...planned, argv: running.cgroup.joinArgv(planned.argv) } : planned;
    return { start: () => this.#spawn(plan, streams) };
  }

  #spawn(plan: ExecPlan, streams: ExecStreams): ExecSession {
    this.#checkCapacity();
    const child = spawn(plan.argv[0], plan.argv.slice(1), {
      env: plan.env,
      cwd: plan.cwd,
      // A terminal's input pipe also carries the window sizes: open even without the client's stdin.
      stdio: [
        streams.stdin || plan.tty ? "pipe" : "ignore",
        "pipe",
        "pipe",
        plan.envPipe ? "pipe" : "ignore",
      ],
      detached: true, // its own process group: closing the session kills what it started too
    });
    if (plan.envPipe) {
      const pipe = child.stdio[3] as NodeJS.WritableStream & { on(e: "error", f: () => void): void };
      pipe.on("error", () => undefined);
      pipe.end(JSON.stringify(plan.envPipe));
    }
    const session = this.#track(child, plan.tty);
    if (!plan.tty || !child.stdin) return session;
    const input = new TerminalInput(child.stdin);
    return { ...session, stdin: streams.stdin ? input : undefined, resize: (size) => input.resize(size) };
  }

  async attach(target: ExecTarget, streams: ExecStreams): Promise<PreparedExec> {
    const { process } = this.#running(target);
    this.#checkCapacity();
    return { start: () => this.#attach(process, streams) };
  }

  #attach(process: ContainerProcess, streams: ExecStreams): ExecSession {
    this.#checkCapacity();
    const stdout = streams.stdout ? new PassThrough() : undefined;
    const stderr = streams.stderr || streams.tty ? new PassThrough() : undefined;
    const unsubscribe = process.onOutput((stream, chunk) => {
      const to = stream === "stdout" ? stdout : stderr;
      to?.write(chunk);
    });
    // Input goes to the container's stdin; without one (stdin: false in its spec) it is dropped.
    const stdin = streams.stdin ? new PassThrough() : undefined;
    if (stdin && process.stdin) {
      stdin.pipe(process.stdin, { end: false });
      // stdinOnce: the first attached client's end of input is the container's (as containerd closes it).
      if (process.spec.stdin?.once) stdin.once("end", () => process.stdin?.end());
    } else stdin?.resume();
    let finish: (end: { exitCode: number }) => void = () => undefined;
    const done = new Promise<{ exitCode: number }>((resolve) => {
      finish = resolve;
    });
    const close = () => {
      if (!this.#sessions.delete(close)) return;
      unsubscribe();
      if (stdin && process.stdin) {
        stdin.unpipe(process.stdin);
        if (process.spec.stdin?.once) process.stdin.end(); // stdinOnce: closed when the first attach ends
      }
      stdout?.end();
      stderr?.end();
      finish({ exitCode: 0 });
    };
    this.#sessions.add(close);
    void process.exited.then(close);
    const resize = process.tty ? (size: TerminalSize) => process.resize(size) : undefined;
    return { stdin, stdout, stderr, done, close, resize };
  }

  /**
   * A sandbox reports Running while its init still sets the root up (mounts run as root, as children of
   * init): the command is there once a child runs as the container's user.
   */
  async #settled(running: RunningContainer, target: ExecTarget): Promise<RunningContainer> {
    const user = running.process.spec.sandbox;
    if (!user || user.uid === 0) return running; // root inside: nothing tells setup and command apart
    for (let waited = 0; waited <= SANDBOX_SETTLE_MS; waited += 50) {
      const current = this.#running(target);
      const owner = processUser(current.pid);
      if (owner?.uid === user.uid && owner.gid === user.gid) return current;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw notFound(target);
  }

  #running(target: ExecTarget): RunningContainer {
    const running = this.#host.container(target.uid, target.container);
    if (!running) throw notFound(target);
    return running;
  }

  #checkCapacity(): void {
    if (this.#sessions.size >= MAX_SESSIONS_PER_NODE)
      throw new ExecError(
        `too many exec/attach sessions on this node (${MAX_SESSIONS_PER_NODE}); close one and retry`,
        429,
      );
  }

  /** How to run the command as the container's process runs. */
  #plan(running: RunningContainer, command: readonly string[], tty: boolean): ExecPlan {
    const spec = running.process.spec;
    const sandbox = spec.sandbox;
    if (sandbox?.node && sandbox.env) {
      // nsenter runs as root with the fixed setup environment; the container's environment reaches only
      // sandbox-exec (already the container's user, inside its root), through fd 3.
      const inside = inSandboxOf(
        running.pid,
        sandbox,
        sandboxExecArgv(sandbox.node, "/dev/fd/3", tty, command),
      );
      const argv = sandbox.maxProcesses
        ? ["prlimit", `--nproc=${sandbox.maxProcesses}`, "--", ...inside]
        : inside;
      return { argv, env: { ...SETUP_ENV }, cwd: "/", envPipe: sandbox.env, tty };
    }
    if (!this.#host.allowHostCommands)
      throw new ExecError(
        "exec runs commands on the host for this container (it is not sandboxed); start the runtime with --allow-host-commands to use it",
        403,
      );
    // A host-process container: its namespaces, working directory and user. Under a terminal, the relay
    // (this Node) gets the container's environment through fd 3 and only its command runs with it.
    let argv = tty ? sandboxExecArgv(process.execPath, "/dev/fd/3", true, command) : [...command];
    const env = tty ? { ...SETUP_ENV } : spec.env;
    const envPipe = tty ? definedEnv(spec.env) : undefined;
    const user = processUser(running.pid);
    const self = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    if (user && self.uid === 0 && (user.uid !== 0 || user.gid !== 0))
      argv = [
        "setpriv",
        `--reuid=${user.uid}`,
        `--regid=${user.gid}`,
        "--clear-groups",
        "--no-new-privs",
        "--",
        ...argv,
      ];
    if (this.#host.mountNamespace)
      return {
        argv: ["nsenter", `--target=${running.pid}`, "--mount", "--net", "--wd", "--", ...argv],
        env,
        cwd: "/",
        envPipe,
        tty,
      };
    return { argv: running.netns ? inNetns(running.netns, argv) : argv, env, cwd: spec.cwd, envPipe, tty };
  }

  #track(child: ChildProcess, tty: boolean): ExecSession {
    const kill = (signal: NodeJS.Signals = "SIGKILL") => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const close = () => {
      if (!this.#sessions.delete(close)) return;
      if (!tty) return kill();
      // The command under a terminal has a session of its own: the relay hangs it up, then its group goes.
      kill("SIGHUP");
      setTimeout(kill, HANGUP_GRACE_MS).unref();
    };
    this.#sessions.add(close);
    child.stdin?.on("error", () => undefined); // the command stopped reading: the client's input is dropped
    const done = new Promise<{ exitCode: number } | { error: string }>((resolve) => {
      child.once("error", (error) => {
        this.#sessions.delete(close);
        resolve({ error: error.message });
      });
      // 'close': the exit, and both outputs read to their end.
      child.once("close", (code, signal) => {
        this.#sessions.delete(close);
        kill(); // what the command left in its group goes with it
        resolve({ exitCode: code ?? 128 + signalNumber(signal) });
      });
    });
    // Read from the start: Node drains (and drops) a quick command's unread output when it exits, and the
    // client's streams may not be open yet. A pipe keeps the backpressure: a full buffer stops the command.
    const stdout = child.stdout!.pipe(new PassThrough());
    const stderr = child.stderr!.pipe(new PassThrough());
    return { stdin: child.stdin ?? undefined, stdout, stderr, done, close };
  }
}

/** GetExec's answer for a container that is not running (a plain error: the kubelet's streaming 500). */
function notFound(target: ExecTarget): ExecError {
  return new ExecError(`container not found (${JSON.stringify(target.container)})`, 500);
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return (signal && constants.signals[signal]) || 0;
}

/** The real uid/gid of a process (Linux /proc), to run an exec'd command as the container's user. */
function processUser(pid: number): { uid: number; gid: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
    const gid = /^Gid:\s+(\d+)/m.exec(status)?.[1];
    return uid && gid ? { uid: Number(uid), gid: Number(gid) } : undefined;
  } catch {
    return undefined;
  }
}
