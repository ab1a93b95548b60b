// The runtime without the Pod sandbox: a real `cluster up` started as an unprivileged user (nobody). The
// incluster image still runs, as that user, and what would turn it into a host command is refused.
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chown, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { eventually } from "../helpers/cluster.ts";
import { CLI, NODE, stablePort } from "./kubelet-harness.ts";

const NOBODY = 65_534;
let dataDir: string;
let up: ChildProcess | undefined;
let output = "";

before(async () => {
  assert.equal(process.getuid?.(), 0, "this test starts `cluster up` as another user, so it runs as root");
  dataDir = await mkdtemp(path.join(os.tmpdir(), "incluster-unsandboxed-"));
  await chown(dataDir, NOBODY, NOBODY);
  up = spawn(
    "setpriv",
    [
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      "--clear-groups",
      "--",
      NODE,
      CLI,
      "cluster",
      "up",
      "--data-dir",
      dataDir,
      "--port",
      String(stablePort()),
      "--log-level",
      "warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, HOME: dataDir } },
  );
  up.stdout?.on("data", (d) => (output += d));
  up.stderr?.on("data", (d) => (output += d));
  await eventually(
    async () => {
      if (up?.exitCode !== null) throw new Error(`cluster up exited:\n${output}`);
      return output.includes("Press Ctrl-C") || undefined;
    },
    30_000,
    "cluster up (as nobody) to be ready",
  );
});

after(async () => {
  if (up?.exitCode === null) {
    up.kill("SIGTERM");
    await new Promise((r) => up!.once("exit", r));
  }
  await rm(dataDir, { recursive: true, force: true });
});

function kubectl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "kubectl",
      ["--kubeconfig", path.join(dataDir, "admin.kubeconfig"), ...args],
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

const jsonpath = (pod: string, expr: string) => kubectl(["get", "pod", pod, "-o", `jsonpath=${expr}`]);

test("without a sandbox the start-up log says what is missing; the image still runs", async () => {
  assert.match(output, /no Pod sandbox \(not running as root\)/);
  assert.match(output, /NO Pod sandbox/);
  await kubectl(["run", "plain", "--image=ghcr.io/incluster/incluster", "--restart=Never", "--", "--help"]);
  await eventually(
    async () => (await jsonpath("plain", "{.status.phase}")) === "Succeeded" || undefined,
    30_000,
    "plain to succeed",
  );
});

test("`run` and NODE_OPTIONS are refused without a sandbox", async () => {
  await kubectl([
    "run",
    "runner",
    "--image=ghcr.io/incluster/incluster",
    "--restart=Never",
    "--",
    "run",
    "--serviceaccount",
    "default/default",
    "--",
    "id",
  ]);
  await kubectl([
    "run",
    "injector",
    "--image=ghcr.io/incluster/incluster",
    "--restart=Never",
    "--env=NODE_OPTIONS=--require=/x",
    "--",
    "--help",
  ]);
  const waiting = (pod: string) =>
    eventually(
      async () => (await jsonpath(pod, "{.status.containerStatuses[0].state.waiting.message}")) || undefined,
      30_000,
      `${pod} to wait`,
    );
  assert.match(
    await waiting("runner"),
    /"run" is refused: without a sandbox it would run a command on the host/,
  );
  assert.match(await waiting("injector"), /environment variables NODE_OPTIONS are refused/);
});
