// Runtime crash recovery with a real `incluster cluster up` process: after SIGKILL and a restart on the same
// data dir, each container runs exactly once (sandboxed, host command, and a host command's background
// child that outlives its parent), and deleting the Pods leaves nothing behind.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { randomInt } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { eventually } from "../helpers/cluster.ts";
import { clusterUp, dataDirKubectl, sandboxSkipReason, stablePort } from "./kubelet-harness.ts";

let dataDir: string;
let up: ChildProcess | undefined;
const port = stablePort();
const seconds = {
  sandboxed: 7000 + randomInt(0, 1000),
  host: 8000 + randomInt(0, 1000),
  orphan: 9000 + randomInt(0, 1000),
};

after(async () => {
  if (up?.exitCode === null) up.kill("SIGKILL");
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const kubectl = (args: string[], input?: string) => dataDirKubectl(dataDir, args, input);

/** PIDs of `sleep <n>` processes on this host. */
async function sleeps(n: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    const argv = cmdline.split("\0").filter(Boolean);
    if (argv.length === 2 && path.basename(argv[0]) === "sleep" && argv[1] === String(n))
      pids.push(Number(entry));
  }
  return pids;
}

const counts = async () => ({
  sandboxed: (await sleeps(seconds.sandboxed)).length,
  host: (await sleeps(seconds.host)).length,
  orphan: (await sleeps(seconds.orphan)).length,
});

const ONE_EACH = { sandboxed: 1, host: 1, orphan: 1 };
const NONE = { sandboxed: 0, host: 0, orphan: 0 };

async function expectCounts(want: typeof ONE_EACH, what: string): Promise<void> {
  let last = NONE;
  await eventually(
    async () => {
      last = await counts();
      return JSON.stringify(last) === JSON.stringify(want) || undefined;
    },
    20_000,
    what,
  ).catch((error: Error) => {
    throw new Error(`${error.message}: ${JSON.stringify(last)}`);
  });
  // and it stays that way (no late second copy)
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(await counts(), want, what);
}

test("after SIGKILL of `cluster up` and a restart, each container runs exactly once", {
  skip: await sandboxSkipReason(),
}, async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "incluster-crash-"));
  up = await clusterUp(dataDir, port);
  const sleeper = (n: number) =>
    encodeURIComponent(`process.getBuiltinModule("node:child_process").execSync("sleep ${n}")`);
  await kubectl(
    ["apply", "-f", "-"],
    JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "sandboxed" },
          spec: {
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: "main",
                image: "ghcr.io/incluster/incluster",
                args: ["--help"],
                env: [
                  {
                    name: "NODE_OPTIONS",
                    value: `--import=data:text/javascript,${sleeper(seconds.sandboxed)}`,
                  },
                ],
              },
            ],
          },
        },
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "host" },
          spec: {
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: "main",
                image: "busybox",
                command: ["sh", "-c", `sleep ${seconds.orphan} & sleep ${seconds.host}`],
              },
            ],
          },
        },
      ],
    }),
  );
  await expectCounts(ONE_EACH, "both Pods running");

  for (const round of [1, 2]) {
    up.kill("SIGKILL");
    await new Promise((r) => up!.once("exit", r));
    up = await clusterUp(dataDir, port);
    await expectCounts(ONE_EACH, `one copy of each container after crash ${round}`);
  }

  await kubectl(["delete", "pod", "sandboxed", "host", "--wait=true"]);
  await expectCounts(NONE, "nothing left after kubectl delete");
  up.kill("SIGTERM");
  await new Promise((r) => up!.once("exit", r));
});
