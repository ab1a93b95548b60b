// Descriptors the runtime inherited (review finding): Node's spawn passes every descriptor without
// close-on-exec on to its children, so whatever the process that started `cluster up` left open (a log
// file, a socket of a process manager) reached the sandboxed command, which could read or write it past
// the sandbox's filesystem. sandbox-exec, the last step before the command (and before the terminal
// relay's), closes them, and so does the runtime at start (exec probes run without sandbox-exec).
// Launched as the runtime launches a container (sandboxArgv), then through a real `cluster up`.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { inclusterEntrypoint } from "../../src/kubelet/images.ts";
import { appDirsFor, baseSteps, SETUP_ENV, sandboxArgv } from "../../src/kubelet/sandbox.ts";
import { eventually } from "../helpers/cluster.ts";
import { CLI, dataDirKubectl, NODE, sandboxSkipReason, stablePort } from "../integration/kubelet-harness.ts";

const skip = await sandboxSkipReason();
const INHERITED_FD = 200;
let dir: string;
let secretFd: number;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "incluster-fds-"));
  await writeFile(path.join(dir, "operator-secret"), "operator secret\n", { mode: 0o600 });
  secretFd = openSync(path.join(dir, "operator-secret"), "r");
});
after(async () => {
  closeSync(secretFd);
  await rm(dir, { recursive: true, force: true });
});

async function runSandboxed(name: string, tty: boolean, script: string) {
  const stateDir = path.join(dir, name);
  await mkdir(stateDir, { mode: 0o700 });
  const envFile = path.join(dir, `${name}.json`);
  await writeFile(envFile, JSON.stringify({ PATH: SETUP_ENV.PATH }), { mode: 0o600 });
  const entrypoint = inclusterEntrypoint();
  const argv = sandboxArgv({
    stateDir,
    uid: 65532,
    gid: 65532,
    cwd: "/",
    maxProcesses: 4096,
    readOnlyRootFilesystem: false,
    envFile,
    node: entrypoint[0],
    steps: [...baseSteps(appDirsFor(entrypoint), []), { kind: "env" }],
    argv: ["/bin/sh", "-c", script],
    tty,
  });
  // The inherited descriptor sits at INHERITED_FD in the runtime's children, as the operator's would.
  const stdio: ("ignore" | "pipe" | number)[] = ["pipe", "pipe", "pipe"];
  while (stdio.length < INHERITED_FD) stdio.push("ignore");
  stdio.push(secretFd);
  const child = spawn(argv[0], argv.slice(1), { env: SETUP_ENV, stdio });
  let out = "";
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { code, out };
}

/** Lists the command's descriptors, then reads the inherited one as the command could (node is in the sandbox). */
const probe = `ls /proc/self/fd | tr '\\n' ' '; echo; ${inclusterEntrypoint()[0]} -e 'try { process.stdout.write(require("fs").readFileSync(${INHERITED_FD})) } catch (e) { console.log(e.code) }'`;

test("a sandboxed container does not get the runtime's inherited descriptors", { skip }, async () => {
  const r = await runSandboxed("plain", false, probe);
  assert.equal(r.code, 0, r.out);
  assert.doesNotMatch(r.out, /operator secret/);
  assert.doesNotMatch(r.out.split("\n")[0], new RegExp(`\\b${INHERITED_FD}\\b`), r.out);
  assert.match(r.out, /EBADF/, r.out);
});

test("nor does a sandboxed container under a terminal (the relay's command)", { skip }, async () => {
  const r = await runSandboxed("tty", true, probe);
  assert.doesNotMatch(r.out, /operator secret/);
  assert.match(r.out, /EBADF/, r.out);
});

test("`cluster up` started with an open descriptor: a sandboxed Pod's exec probe does not get it", {
  skip,
}, async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "incluster-fds-up-"));
  const stdio: ("ignore" | "pipe" | number)[] = ["ignore", "pipe", "pipe"];
  while (stdio.length < INHERITED_FD) stdio.push("ignore");
  stdio.push(secretFd);
  const port = stablePort();
  const up = spawn(NODE, [CLI, "cluster", "up", "--data-dir", dataDir, "--port", String(port)], { stdio });
  let output = "";
  up.stdout?.on("data", (d) => (output += d));
  up.stderr?.on("data", (d) => (output += d));
  try {
    await eventually(
      async () => output.includes("Press Ctrl-C") || undefined,
      30_000,
      `cluster up: ${output}`,
    );
    const sleeper = encodeURIComponent(
      `process.getBuiltinModule("node:child_process").execSync("sleep 600")`,
    );
    await dataDirKubectl(
      dataDir,
      ["apply", "-f", "-"],
      JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "fds", namespace: "default" },
        spec: {
          terminationGracePeriodSeconds: 0,
          automountServiceAccountToken: false,
          containers: [
            {
              name: "main",
              image: "ghcr.io/incluster/incluster",
              args: ["--help"],
              env: [{ name: "NODE_OPTIONS", value: `--import=data:text/javascript,${sleeper}` }],
              readinessProbe: {
                exec: { command: ["sh", "-c", "echo fds: $(ls /proc/self/fd); exit 1"] },
                periodSeconds: 1,
              },
            },
          ],
        },
      }),
    );
    const message = await eventually(
      async () => {
        const events = JSON.parse(
          await dataDirKubectl(dataDir, ["get", "events", "-n", "default", "-o", "json"]),
        ) as { items: { reason: string; message: string }[] };
        return events.items.find((e) => e.reason === "Unhealthy" && e.message.includes("fds:"))?.message;
      },
      30_000,
      "the exec probe's Unhealthy event",
    );
    assert.match(message, /fds: 0 1 2 3\b/);
    assert.doesNotMatch(message, new RegExp(`\\b${INHERITED_FD}\\b`), message);
  } finally {
    up.kill("SIGINT");
    await new Promise((resolve) => up.once("exit", resolve));
    await rm(dataDir, { recursive: true, force: true });
  }
});
