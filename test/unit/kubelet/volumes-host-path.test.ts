import assert from "node:assert/strict";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { setUpHostPath } from "../../../src/kubelet/volumes-host-path.ts";

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "host-path-"));
});
after(() => rm(dir, { recursive: true, force: true }));

const message = (result: string | Error) => (result instanceof Error ? result.message : `ok ${result}`);

test("checkType: each type against what is there, with host_path.go's messages", async () => {
  const file = path.join(dir, "file");
  await writeFile(file, "x");
  assert.equal(message(await setUpHostPath({ path: dir, type: "Directory" })), `ok ${dir}`);
  assert.equal(message(await setUpHostPath({ path: file, type: "File" })), `ok ${file}`);
  assert.equal(
    message(await setUpHostPath({ path: file, type: "Directory" })),
    `hostPath type check failed: ${file} is not a directory, it's a File`,
  );
  assert.equal(
    message(await setUpHostPath({ path: dir, type: "Socket" })),
    `hostPath type check failed: ${dir} is not a socket file, it's a Directory`,
  );
  assert.equal(
    message(await setUpHostPath({ path: "/dev/null", type: "BlockDevice" })),
    "hostPath type check failed: /dev/null is not a block device, it's a CharDevice",
  );
  assert.equal(
    message(await setUpHostPath({ path: path.join(dir, "nope"), type: "File" })),
    `hostPath ${path.join(dir, "nope")} doesn't exist`,
  );
  assert.equal(message(await setUpHostPath({ path: dir, type: "Weird" })), "Weird is an invalid volume type");
  assert.equal(
    message(await setUpHostPath({ path: "/a/../b" })),
    "invalid HostPath `/a/../b`: must not contain '..'",
  );
});

test("the OrCreate types create, an existing file of the other kind is a type error, links are followed", async () => {
  const made = path.join(dir, "a", "b");
  assert.equal(message(await setUpHostPath({ path: made, type: "DirectoryOrCreate" })), `ok ${made}`);
  assert.ok(statSync(made).isDirectory());
  const log = path.join(dir, "a", "app.log");
  assert.equal(message(await setUpHostPath({ path: log, type: "FileOrCreate" })), `ok ${log}`);
  assert.ok(statSync(log).isFile());
  assert.equal(
    message(await setUpHostPath({ path: made, type: "FileOrCreate" })),
    `hostPath type check failed: ${made} is not a file, it's a Directory`,
  );
  assert.equal(
    message(await setUpHostPath({ path: path.join(log, "x"), type: "DirectoryOrCreate" })),
    `mkdir ${path.join(log, "x")}: not a directory`,
  );
  // The kubelet stats through symbolic links (os.Stat), and the bind mount follows them too.
  const link = path.join(dir, "link");
  await symlink(made, link);
  assert.equal(message(await setUpHostPath({ path: link, type: "Directory" })), `ok ${link}`);
  // An unset type checks nothing; a missing path is created as a directory (containerd's bind mount).
  const unset = path.join(dir, "unset");
  assert.equal(message(await setUpHostPath({ path: unset })), `ok ${unset}`);
  assert.ok(existsSync(unset));
});
