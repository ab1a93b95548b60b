// The terminal channel (src/kubelet/pty.ts) and the relay that holds a command's pty (pty-relay.ts, run as
// sandbox-exec --tty) on host processes: frames, window sizes, EOF, exit codes and signals, and a
// `tty: true` ContainerProcess whose terminal output is its stdout log.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough, Writable } from "node:stream";
import { test } from "node:test";
import { ContainerProcess } from "../../../src/kubelet/container-process.ts";
import type { LogWriter } from "../../../src/kubelet/logs.ts";
import { encodeFrame, FrameDecoder, type TerminalFrame, TerminalInput } from "../../../src/kubelet/pty.ts";
import {
  baseSteps,
  definedEnv,
  SANDBOX_EXEC,
  sandboxArgv,
  sandboxExecArgv,
} from "../../../src/kubelet/sandbox.ts";

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", GREETING: "from fd 3" };

test("frames survive any split of the byte stream", () => {
  const frames: TerminalFrame[] = [
    { kind: "input", data: Buffer.from("ls -l\r") },
    { kind: "resize", size: { width: 65535, height: 1 } },
    { kind: "input", data: Buffer.alloc(0) },
    { kind: "end" },
  ];
  const bytes = Buffer.concat(frames.map(encodeFrame));
  for (let step = 1; step <= bytes.length; step++) {
    const decoder = new FrameDecoder();
    const out: TerminalFrame[] = [];
    for (let i = 0; i < bytes.length; i += step) out.push(...decoder.push(bytes.subarray(i, i + step)));
    assert.deepEqual(out, frames, `pieces of ${step} bytes`);
  }
});

test("a malformed or oversized frame is an error, not a guess", () => {
  assert.throws(() => new FrameDecoder().push(Buffer.of(9, 0, 0, 0, 0)), /malformed terminal frame \(type 9/);
  assert.throws(
    () => new FrameDecoder().push(Buffer.of(1, 0, 0, 0, 1, 7)),
    /malformed terminal frame \(type 1/,
  );
  assert.throws(() => new FrameDecoder().push(Buffer.of(0, 0xff, 0, 0, 0)), /too large/);
});

test("TerminalInput frames the input, resizes meanwhile, and ends with an end frame", async () => {
  const pipe = new PassThrough();
  const chunks: Buffer[] = [];
  pipe.on("data", (c: Buffer) => chunks.push(c));
  const input = new TerminalInput(pipe);
  input.write("abc");
  input.resize({ width: 80, height: 24 });
  await new Promise<void>((resolve) => input.end(resolve));
  assert.deepEqual(new FrameDecoder().push(Buffer.concat(chunks)), [
    { kind: "input", data: Buffer.from("abc") },
    { kind: "resize", size: { width: 80, height: 24 } },
    { kind: "end" },
  ]);
});

/** sandbox-exec --tty on the host: the environment on fd 3, frames on stdin. */
function relay(command: string[]) {
  const argv = sandboxExecArgv(process.execPath, "/dev/fd/3", true, command);
  const child = spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "pipe", "pipe"], cwd: "/tmp" });
  (child.stdio[3] as Writable).end(JSON.stringify(env));
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d));
  child.stderr.on("data", (d: Buffer) => (output += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal })),
  );
  const input = new TerminalInput(child.stdin);
  const waitFor = async (pattern: RegExp) => {
    for (let i = 0; i < 200 && !pattern.test(output); i++) await new Promise((r) => setTimeout(r, 25));
    assert.match(output, pattern);
  };
  return { child, input, exit, output: () => output, waitFor };
}

test("the relay runs the command under a terminal with the fd 3 environment, TERM=xterm, in its cwd", async () => {
  const r = relay(["sh", "-c", 'tty; echo "$GREETING $TERM $(pwd)"; test -t 0 && test -t 1 && exit 3']);
  assert.deepEqual(await r.exit, { code: 3, signal: null });
  assert.match(r.output(), /^\/dev\/pts\/\d+\r\nfrom fd 3 xterm \/tmp\r\n$/);
});

test("the relay applies sizes, types the input, and the end of input is EOF", async () => {
  const r = relay(["sh", "-c", "stty size; cat; stty size"]);
  await r.waitFor(/24 80\r\n/); // before any size: 80x24
  r.input.resize({ width: 132, height: 43 });
  r.input.write("line\r");
  await r.waitFor(/line\r\nline\r\n/); // the echo, then cat's copy
  r.input.end();
  assert.deepEqual(await r.exit, { code: 0, signal: null });
  assert.match(r.output(), /43 132\r\n$/);
});

test("SIGTERM reaches the command; a command killed by a signal kills the relay with it", async () => {
  const trapped = relay([
    "sh",
    "-c",
    "trap 'echo term; exit 5' TERM; echo ready; while :; do sleep 0.05; done",
  ]);
  await trapped.waitFor(/ready/);
  trapped.child.kill("SIGTERM");
  assert.deepEqual(await trapped.exit, { code: 5, signal: null });
  assert.match(trapped.output(), /term\r\n/);
  const killed = relay(["sh", "-c", "kill -KILL $$"]);
  assert.deepEqual(await killed.exit, { code: null, signal: "SIGKILL" });
});

test("a command that does not exist is reported as sandbox-exec reports it", async () => {
  const r = relay(["no-such-command"]);
  assert.deepEqual(await r.exit, { code: 128, signal: null });
  assert.match(
    r.output(),
    /cannot start "no-such-command": exec: "no-such-command": executable file not found/,
  );
});

test("a tty: true ContainerProcess: terminal output in the stdout log, stdin typed in, resizable", async () => {
  const logged: string[] = [];
  const log = { write: (stream: string, chunk: Buffer) => logged.push(`${stream}:${chunk}`) };
  const argv = sandboxExecArgv(process.execPath, "/dev/fd/3", true, [
    "sh",
    "-c",
    "read l; echo got:$l; stty size",
  ]);
  const container = new ContainerProcess(
    { argv, env: { PATH: env.PATH }, cwd: "/", tty: true, envPipe: definedEnv(env), stdin: { once: true } },
    log as unknown as LogWriter,
  );
  assert.equal(container.tty, true);
  container.resize({ width: 50, height: 5 });
  container.stdin?.write("hi\r");
  const exit = await container.exited;
  assert.equal(exit.exitCode, 0);
  const text = logged.join("");
  assert.ok(
    logged.every((l) => l.startsWith("stdout:")),
    text,
  );
  assert.match(text.replaceAll("stdout:", ""), /hi\r\ngot:hi\r\n5 50\r\n$/);
});

test("input after the end of a TerminalInput is dropped, not thrown", async () => {
  const pipe = new PassThrough();
  const input = new TerminalInput(pipe);
  input.end();
  await new Promise<void>((resolve) => input.write("late", () => resolve()));
  assert.deepEqual(new FrameDecoder().push(pipe.read() as Buffer), [{ kind: "end" }]);
});

test("every sandbox gets its own devpts; a tty container's sandbox runs sandbox-exec --tty", () => {
  const steps = baseSteps([], []);
  const dev = steps.findIndex((s) => s.kind === "dir" && s.path === "/dev");
  assert.ok(dev >= 0 && steps.findIndex((s) => s.kind === "devpts") > dev, "devpts after /dev exists");
  const launch = {
    stateDir: "/state",
    uid: 65532,
    gid: 65532,
    cwd: "/",
    maxProcesses: 10,
    readOnlyRootFilesystem: true,
    envFile: "/env.json",
    node: "/node",
    steps,
    argv: ["app"],
  };
  const script = sandboxArgv(launch).find((arg) => arg.startsWith("set -u")) ?? "";
  assert.match(
    script,
    /devpts\) .*mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,max=64,nosuid,noexec /,
  );
  assert.match(script, /ln -s pts\/ptmx "\$R\/dev\/ptmx"/);
  assert.deepEqual(sandboxArgv(launch).slice(-4), ["/node", SANDBOX_EXEC, "/run/incluster/env", "app"]);
  assert.deepEqual(sandboxArgv({ ...launch, tty: true }).slice(-4), [
    SANDBOX_EXEC,
    "--tty",
    "/run/incluster/env",
    "app",
  ]);
});

test("a relay that stops reading gets only the latest size, not every size a client floods it with", async () => {
  // The command can SIGSTOP its relay (same user); the client's resize channel has no backpressure.
  const written: Buffer[] = [];
  let release: (() => void) | undefined;
  const pipe = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk);
      release = callback; // stuck until released
    },
  });
  const input = new TerminalInput(pipe);
  for (let i = 1; i <= 100_000; i++) input.resize({ width: i % 60_000, height: 24 });
  assert.ok(pipe.writableLength <= 1024 + 9, `${pipe.writableLength} bytes buffered`);
  // Once the relay reads again, the last size reaches it.
  for (let i = 0; i < 1000 && release; i++) {
    const next = release;
    release = undefined;
    next();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const frames = new FrameDecoder().push(Buffer.concat(written));
  assert.deepEqual(frames.at(-1), { kind: "resize", size: { width: 100_000 % 60_000, height: 24 } });
});

test("input larger than a frame may carry is split into frames the relay accepts", async () => {
  // A websocket client may send up to 4 MiB of stdin in one message; one frame that size ended the input.
  const pipe = new PassThrough();
  const chunks: Buffer[] = [];
  pipe.on("data", (chunk: Buffer) => chunks.push(chunk));
  const input = new TerminalInput(pipe);
  const pasted = Buffer.alloc(3 * 1024 * 1024, "x");
  await new Promise<void>((resolve, reject) =>
    input.write(pasted, (error) => (error ? reject(error) : resolve())),
  );
  const frames = new FrameDecoder().push(Buffer.concat(chunks));
  const typed = Buffer.concat(frames.map((f) => (f.kind === "input" ? f.data : Buffer.alloc(0))));
  assert.equal(typed.length, pasted.length);
  assert.ok(typed.equals(pasted));
});

test("terminating a tty: true host container ends its command too, though it has a session of its own", async () => {
  // The command's terminal session is outside the container's process group: a SIGKILL of the group took
  // only the relay, and a command ignoring SIGTERM and SIGHUP kept running after its Pod was gone.
  const pidFile = path.join(os.tmpdir(), `incluster-tty-${process.pid}.pid`);
  const argv = sandboxExecArgv(process.execPath, "/dev/fd/3", true, [
    "sh",
    "-c",
    `trap '' TERM HUP; echo $$ > ${pidFile}; while true; do sleep 0.2; done`,
  ]);
  const container = new ContainerProcess(
    { argv, env: { PATH: env.PATH }, cwd: "/", tty: true, envPipe: definedEnv(env) },
    { write: () => undefined } as unknown as LogWriter,
  );
  let pid = 0;
  for (let i = 0; i < 100 && !pid; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : 0;
  }
  assert.ok(pid > 0, "the command started");
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  try {
    const exit = await container.terminate(300);
    assert.equal(exit.exitCode, 137, "killed after its grace period, as any container");
    for (let i = 0; i < 40 && alive(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(alive(), false, `command ${pid} outlived its container`);
  } finally {
    if (alive()) process.kill(pid, "SIGKILL");
    rmSync(pidFile, { force: true });
  }
});
