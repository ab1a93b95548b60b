// `npm start` must not fail because its API server port (6443 by default) is taken: the demo cluster is
// ephemeral, so it takes a free port and says which. The test occupies the port it asks for first.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { runCli } from "./apps-harness.ts";

const cleanups: (() => Promise<unknown>)[] = [];
after(() => Promise.all(cleanups.map((cleanup) => cleanup())));

async function occupyPort(): Promise<number> {
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => blocker.close(resolve)));
  return (blocker.address() as { port: number }).port;
}

test("npm start with its API port taken: serves on a free port and says which", async () => {
  const taken = await occupyPort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "incluster-demo-port-"));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const demo = runCli(["demo", "--api-port", String(taken), "--data-dir", dataDir]);
  try {
    const notice = await demo.line("stdout", /^Port \d+ is taken, so the API server listens on /, 30_000);
    const match =
      /^Port (\d+) is taken, so the API server listens on https:\/\/127\.0\.0\.1:(\d+) instead\.$/.exec(
        notice,
      );
    assert.ok(match, notice);
    assert.equal(Number(match[1]), taken);
    const port = Number(match[2]);
    assert.notEqual(port, taken);
    await demo.line(
      "stdout",
      new RegExp(
        `^incluster demo: a local Kubernetes API server at https://127\\.0\\.0\\.1:${port} \\(port ${taken} was taken\\)`,
      ),
      30_000,
    );
    const kubeconfig = await readFile(path.join(dataDir, "kubeconfig"), "utf8");
    assert.match(kubeconfig, new RegExp(`server: https://127\\.0\\.0\\.1:${port}\\n`));
  } finally {
    demo.kill("SIGINT");
  }
  assert.equal(await demo.exited, 0, demo.stderr.join("\n"));
});

test("npm start with a port that is not one: exit 2 and what a port must be", async () => {
  const demo = runCli([
    "demo",
    "--api-port",
    "65536",
    "--data-dir",
    path.join(os.tmpdir(), "incluster-unused"),
  ]);
  assert.equal(await demo.exited, 2);
  assert.match(
    demo.stderr.join("\n"),
    /option '--api-port <port>' argument '65536' is invalid\. expected a port number from 0 to 65535/,
  );
});
