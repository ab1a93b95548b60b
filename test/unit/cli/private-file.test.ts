// writePrivateFile: the admin kubeconfig (cluster-admin's client key) written by `cluster up` and `demo`.
import assert from "node:assert/strict";
import { chmod, lstat, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { writePrivateFile } from "../../../src/cli/output.ts";

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "incluster-private-"));
  dirs.push(dir);
  return dir;
}

describe("writePrivateFile", () => {
  test("an existing world-readable file is replaced by an owner-only one", async () => {
    const file = path.join(await tempDir(), "incluster-6443.kubeconfig");
    await writeFile(file, "old");
    await chmod(file, 0o666);
    await writePrivateFile(file, "client-key-data: secret");
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal(await readFile(file, "utf8"), "client-key-data: secret");
  });

  test("a symlink planted at the path is not written through", async () => {
    const dir = await tempDir();
    const target = path.join(dir, "attacker-readable");
    await writeFile(target, "");
    await chmod(target, 0o666);
    const file = path.join(dir, "incluster-6443.kubeconfig");
    await symlink(target, file);
    await writePrivateFile(file, "client-key-data: secret");
    assert.equal(await readFile(target, "utf8"), "", "the symlink's target was not written");
    assert.ok((await lstat(file)).isFile());
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  test("a path it cannot write says which and what to do", async () => {
    await assert.rejects(
      writePrivateFile(path.join(await tempDir(), "missing-dir", "kubeconfig"), "x"),
      /cannot write .*missing-dir.*ENOENT/,
    );
  });
});
