// The runtime's exec/attach (src/kubelet/exec.ts) over real host processes: how a command runs (the
// container's environment and working directory), exit codes, refusals with the kubelet's codes, the
// per-node session limit, attach to a main process's stdin and output, and shutdown ending every session.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { ContainerProcess, type ProcessSpec } from "../../../src/kubelet/container-process.ts";
import { type ExecSession, MAX_SESSIONS_PER_NODE, PodExecRouter } from "../../../src/kubelet/exec.ts";
import type { LogWriter } from "../../../src/kubelet/logs.ts";

const log = { write: () => undefined } as unknown as LogWriter;
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", GREETING: "from the spec" };
const spawnContainer = (argv: string[], extra: Partial<ProcessSpec> = {}) =>
  new ContainerProcess({ argv, env, cwd: "/tmp", ...extra }, log);

const main = spawnContainer(["sleep", "60"]);
const reader = spawnContainer(["sh", "-c", "while read l; do echo got:$l; done"], { stdin: { once: true } });
const containers = new Map([
  ["main", main],
  ["reader", reader],
]);
const router = new PodExecRouter();
let allowHostCommands = true;
const unregister = router.register("node-a", {
  container: (uid, name) => {
    const process = uid === "uid-1" ? containers.get(name) : undefined;
    return process?.running && process.pid ? { process, pid: process.pid } : undefined;
  },
  get allowHostCommands() {
    return allowHostCommands;
  },
  mountNamespace: false,
});
after(async () => {
  unregister();
  await Promise.all([main.terminate(0), reader.terminate(0)]);
});

const target = (container: string, node = "node-a") => ({
  node,
  namespace: "ns",
  pod: "p",
  uid: "uid-1",
  container,
});
const streams = { stdin: false, stdout: true, stderr: true, tty: false };
const read = async (stream: NodeJS.ReadableStream | undefined) => {
  let text = "";
  for await (const chunk of stream ?? []) text += chunk;
  return text;
};
const run = async (command: string[]) => {
  const session = (await router.exec(target("main"), command, streams)).start();
  const [stdout, stderr] = await Promise.all([read(session.stdout), read(session.stderr)]);
  return { stdout, stderr, end: await session.done };
};

test("a command runs with the container's environment and working directory; its exit code is kept", async () => {
  assert.deepEqual(await run(["sh", "-c", 'echo "$GREETING in $(pwd)"; echo oops >&2; exit 4']), {
    stdout: "from the spec in /tmp\n",
    stderr: "oops\n",
    end: { exitCode: 4 },
  });
});

test("refusals carry the kubelet's HTTP code and text", async () => {
  const refused = (promise: Promise<unknown>, code: number, message: string) =>
    assert.rejects(promise, (e: Error & { code: number }) => e.code === code && e.message === message);
  await refused(router.exec(target("gone"), ["true"], streams), 500, 'container not found ("gone")');
  await refused(
    router.exec(target("main", "node-b"), ["true"], streams),
    500,
    'no runtime serves node "node-b"',
  );
  await refused(router.exec(target("main"), [], streams), 400, "command must not be empty");
  allowHostCommands = false;
  try {
    await refused(
      router.exec(target("main"), ["true"], streams),
      403,
      "exec runs commands on the host for this container (it is not sandboxed); start the runtime with --allow-host-commands to use it",
    );
  } finally {
    allowHostCommands = true;
  }
});

test(`at most ${MAX_SESSIONS_PER_NODE} sessions per node; closing one frees its place and kills its command`, async () => {
  const sessions: ExecSession[] = [];
  for (let i = 0; i < MAX_SESSIONS_PER_NODE; i++)
    sessions.push((await router.exec(target("main"), ["sleep", "30"], streams)).start());
  await assert.rejects(
    router.exec(target("main"), ["true"], streams),
    (e: Error & { code: number }) => e.code === 429,
  );
  sessions[0].close();
  assert.deepEqual(await sessions[0].done, { exitCode: 137 }, "SIGKILL");
  const next = (await router.exec(target("main"), ["true"], streams)).start();
  assert.deepEqual(await next.done, { exitCode: 0 });
  for (const s of sessions.slice(1)) s.close();
  await Promise.all(sessions.map((s) => s.done));
});

test("attach feeds the main process's stdin and streams its live output; stdinOnce ends its input", async () => {
  const session = (await router.attach(target("reader"), { ...streams, stdin: true })).start();
  const output = read(session.stdout);
  session.stdin?.write("one\n");
  session.stdin?.end("two\n");
  assert.deepEqual(await session.done, { exitCode: 0 }, "the container ended: its stdin was closed");
  assert.equal(await output, "got:one\ngot:two\n");
  assert.equal(reader.running, false);
});

test("a runtime that stops ends its sessions", async () => {
  const other = new PodExecRouter();
  const stop = other.register("node-a", {
    container: () => ({ process: main, pid: main.pid! }),
    allowHostCommands: true,
    mountNamespace: false,
  });
  const session = (await other.exec(target("main"), ["sleep", "30"], streams)).start();
  stop();
  assert.deepEqual(await session.done, { exitCode: 137 });
  await assert.rejects(other.exec(target("main"), ["true"], streams), /no runtime serves node "node-a"/);
});
