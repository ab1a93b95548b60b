import assert from "node:assert/strict";
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import {
  AtomicWriter,
  PayloadError,
  timestampDirPrefix,
  validatePayloadPath,
} from "../../../src/kubelet/atomic-writer.ts";

let root: string;
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "atomic-writer-"));
});
after(() => rm(root, { recursive: true, force: true }));

const payload = (entries: Record<string, string>, mode = 0o644) =>
  new Map(Object.entries(entries).map(([k, v]) => [k, { data: v, mode }]));

async function freshDir(name: string): Promise<string> {
  const dir = path.join(root, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}

test("the kubelet layout: a timestamped dir, ..data, and per-file symlinks into ..data", async () => {
  const dir = await freshDir("layout");
  const now = new Date("2025-01-31T12:00:00.123Z");
  const result = await new AtomicWriter(dir, { now: () => now }).write(
    payload({ token: "jwt", "ca.crt": "pem", namespace: "default" }),
  );
  assert.equal(result.changed, true);
  assert.match(result.dataDir, /^\.\.2025_01_31_12_00_00\.\d+$/);
  assert.deepEqual(
    (await readdir(dir)).sort(),
    ["..data", result.dataDir, "ca.crt", "namespace", "token"].sort(),
  );
  assert.equal(await readlink(path.join(dir, "..data")), result.dataDir);
  for (const name of ["token", "ca.crt", "namespace"]) {
    assert.equal(await readlink(path.join(dir, name)), `..data/${name}`);
    assert.equal((await stat(path.join(dir, result.dataDir, name))).mode & 0o7777, 0o644);
  }
  assert.equal((await stat(path.join(dir, result.dataDir))).mode & 0o777, 0o755);
  assert.equal(await readFile(path.join(dir, "token"), "utf8"), "jwt");
});

test("an unchanged payload is not rewritten; a change swaps ..data and removes the old directory", async () => {
  const dir = await freshDir("swap");
  const writer = new AtomicWriter(dir);
  const first = await writer.write(payload({ token: "one", namespace: "ns" }));
  const same = await writer.write(payload({ token: "one", namespace: "ns" }));
  assert.deepEqual(same, { changed: false, dataDir: first.dataDir });
  const second = await writer.write(payload({ token: "two", namespace: "ns" }));
  assert.equal(second.changed, true);
  assert.notEqual(second.dataDir, first.dataDir);
  assert.equal(await readFile(path.join(dir, "token"), "utf8"), "two");
  assert.equal(await lstat(path.join(dir, first.dataDir)).catch(() => "gone"), "gone");
  assert.equal(await lstat(path.join(dir, "..data_tmp")).catch(() => "gone"), "gone");
});

test("a mode change alone is a change", async () => {
  const dir = await freshDir("mode");
  const writer = new AtomicWriter(dir);
  await writer.write(payload({ key: "v" }, 0o644));
  const changed = await writer.write(payload({ key: "v" }, 0o400));
  assert.equal(changed.changed, true);
  assert.equal((await stat(path.join(dir, "key"))).mode & 0o777, 0o400);
});

test("keys that disappear lose their symlink; nested paths get one top-level symlink", async () => {
  const dir = await freshDir("remove");
  const writer = new AtomicWriter(dir);
  await writer.write(payload({ a: "1", b: "2", "sub/dir/c": "3" }));
  assert.equal(await readlink(path.join(dir, "sub")), "..data/sub");
  assert.equal(await readFile(path.join(dir, "sub/dir/c"), "utf8"), "3");
  const result = await writer.write(payload({ a: "1" }));
  assert.deepEqual((await readdir(dir)).sort(), ["..data", result.dataDir, "a"].sort());
});

test("paths are validated like upstream", async () => {
  assert.equal(validatePayloadPath("token"), undefined);
  assert.equal(validatePayloadPath("a/b"), undefined);
  assert.match(validatePayloadPath("/etc/passwd") ?? "", /must be relative path/);
  assert.match(validatePayloadPath("a/../b") ?? "", /must not contain '\.\.'/);
  assert.match(validatePayloadPath("..data") ?? "", /must not start with '\.\.'/);
  assert.match(validatePayloadPath("x".repeat(256)) ?? "", /filenames must be less than or equal to 255/);
  const dir = await freshDir("invalid");
  await assert.rejects(new AtomicWriter(dir).write(payload({ "../escape": "x" })), PayloadError);
  assert.deepEqual(await readdir(dir), []);
});

test("timestamp prefix is Go's ..2006_01_02_15_04_05. in UTC", () => {
  assert.equal(timestampDirPrefix(new Date("2024-02-29T23:59:58.999Z")), "..2024_02_29_23_59_58.");
});

test("readers never see a partial or missing file while the writer swaps", async () => {
  const dir = await freshDir("readers");
  const writer = new AtomicWriter(dir);
  const versions = Array.from({ length: 60 }, (_, i) => `token-${i}-${"x".repeat(64 * 1024)}`);
  await writer.write(payload({ token: versions[0] }));
  let writing = true;
  let reads = 0;
  const reader = (async () => {
    while (writing) {
      const text = await readFile(path.join(dir, "token"), "utf8");
      assert.ok(versions.includes(text), `read a partial token of ${text.length} bytes`);
      reads++;
    }
  })();
  for (const version of versions.slice(1)) await writer.write(payload({ token: version }));
  writing = false;
  await reader;
  assert.ok(reads > 0);
  assert.equal(await readFile(path.join(dir, "token"), "utf8"), versions.at(-1));
});
