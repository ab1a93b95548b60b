// A full disk (a small tmpfs; the tests run as root): storage errors flip /readyz with the reason, writes resume
// once space is back (no restart), and a full stderr never blocks the event loop.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdir, mkdtemp, open, rm, writeFile } from "node:fs/promises";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

async function mountTmpfs(size: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "incluster-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  } catch (e) {
    throw new Error(`these tests need root to mount a small tmpfs (mount -t tmpfs): ${(e as Error).message}`);
  }
  return dir;
}

async function unmount(dir: string): Promise<void> {
  execFileSync("umount", ["-l", dir]);
  await rm(dir, { recursive: true, force: true });
}

/** Writes zeros until the filesystem is full. */
async function fill(file: string): Promise<void> {
  const fh = await open(file, "w");
  const block = Buffer.alloc(64 * 1024);
  try {
    for (;;) await fh.write(block);
  } catch (e) {
    assert.equal((e as NodeJS.ErrnoException).code, "ENOSPC");
  } finally {
    await fh.close();
  }
}

describe("storage on a full disk", () => {
  let mount: string;
  let c: TestCluster;
  before(async () => {
    mount = await mountTmpfs("16m");
    c = await startTestCluster({ dataDir: path.join(mount, "data") });
  });
  after(async () => {
    await c?.stop();
    await unmount(mount);
  });

  test("writes fail with a clear Status, /readyz fails with the reason, and writes resume without a restart", async () => {
    const filler = path.join(mount, "filler");
    await fill(filler);
    const data = { blob: "y".repeat(64 * 1024) };
    const failed = await c.admin("POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: "during" },
      data,
    });
    assert.equal(failed.status, 500);
    assert.equal(failed.json.kind, "Status");
    assert.match(failed.json.message, /storage is unavailable: ENOSPC/);

    const ready = await c.admin("GET", "/readyz?verbose");
    assert.equal(ready.status, 500);
    assert.equal(
      ready.text,
      "[+]ping ok\n[+]log ok\n[-]storage failed: reason withheld\nreadyz check failed\n",
    );
    const storage = await c.admin("GET", "/readyz/storage");
    assert.equal(storage.status, 500);
    assert.match(storage.text, /^internal server error: storage is unavailable: ENOSPC/);
    assert.equal((await c.admin("GET", "/livez")).status, 200, "a restart cannot free space: livez stays up");
    assert.equal((await c.admin("GET", "/api/v1/namespaces/default/configmaps")).status, 200, "reads go on");

    await rm(filler);
    await eventually(
      async () => (await c.admin("GET", "/readyz")).status === 200,
      10_000,
      "readyz to recover",
    );
    const created = await c.admin("POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: "after" },
      data,
    });
    assert.equal(created.status, 201);
    const verbose = await c.admin("GET", "/readyz?verbose");
    assert.equal(verbose.text, "[+]ping ok\n[+]log ok\n[+]storage ok\nreadyz check passed\n");

    // The failed write left no torn record: the data dir reopens with exactly what was acknowledged.
    await c.stop();
    c = await startTestCluster({ dataDir: path.join(mount, "data") });
    assert.equal((await c.admin("GET", "/api/v1/namespaces/default/configmaps/after")).status, 200);
    assert.equal((await c.admin("GET", "/api/v1/namespaces/default/configmaps/during")).status, 404);
  });

  test("health endpoints: exclude, unknown checks, per-check paths", async () => {
    const excluded = await c.admin("GET", "/healthz?verbose&exclude=storage&exclude=nope");
    assert.equal(excluded.status, 200);
    assert.equal(
      excluded.text,
      '[+]ping ok\n[+]log ok\n[+]storage excluded: ok\nwarn: some health checks cannot be excluded: no matches for "nope"\nhealthz check passed\n',
    );
    assert.equal((await c.admin("GET", "/livez/ping")).text, "ok");
    assert.equal((await c.admin("GET", "/readyz/nope")).status, 404);
    assert.equal(
      (await c.admin("GET", "/livez?verbose")).text,
      "[+]ping ok\n[+]log ok\nlivez check passed\n",
    );
  });
});

/** GET over HTTPS without verifying the (test-only, freshly generated) serving certificate. */
function probe(url: string, token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      url,
      {
        rejectUnauthorized: false,
        headers: token ? { Authorization: `Bearer ${token}` } : {},
        timeout: 3000,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url} within 3 s`)));
    req.on("error", reject);
  });
}

describe("logging to a full disk", () => {
  test("a server whose stderr's filesystem is full keeps answering (logs are dropped, not waited for)", async () => {
    const mount = await mountTmpfs("1m");
    const cli = path.resolve(import.meta.dirname, "../../src/cli/main.ts");
    const home = path.join(os.tmpdir(), `incluster-full-home-${process.pid}`);
    await mkdir(home, { recursive: true });
    const stderr = await open(path.join(mount, "stderr.log"), "w");
    let child: ReturnType<typeof spawn> | undefined;
    try {
      await writeFile(path.join(mount, "seed"), "x");
      await fill(path.join(mount, "filler"));
      child = spawn(
        process.execPath,
        [cli, "cluster", "up", "--in-memory", "--no-runtime", "--port", "0", "--log-level", "debug"],
        { stdio: ["ignore", "pipe", stderr.fd], env: { ...process.env, HOME: home } },
      );
      let out = "";
      child.stdout?.on("data", (d) => {
        out += d;
      });
      const url = await eventually(
        async () => /ready at (https:\/\/\S+)/.exec(out)?.[1],
        30_000,
        "the server",
      );
      // Every request with an unknown token logs a line, and every line hits ENOSPC.
      for (let i = 0; i < 50; i++) assert.equal(await probe(`${url}/api/v1/pods`, "not-a-token"), 401);
      for (let i = 0; i < 5; i++) assert.equal(await probe(`${url}/healthz`), 200);
    } finally {
      child?.kill("SIGTERM");
      if (child && child.exitCode === null) await new Promise((r) => child?.once("exit", r));
      await stderr.close();
      await unmount(mount);
      await rm(home, { recursive: true, force: true });
    }
  });
});
