import assert from "node:assert/strict";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { LogSink } from "../../../src/server/log-sink.ts";

const settle = () => new Promise((r) => setTimeout(r, 50));

test("lines reach the file in order, written asynchronously", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "incluster-sink-"));
  const fd = openSync(path.join(dir, "log"), "w");
  try {
    const sink = new LogSink(fd);
    for (let i = 0; i < 100; i++) sink.write(`line ${i}\n`);
    await settle();
    const lines = readFileSync(path.join(dir, "log"), "utf8").trim().split("\n");
    assert.deepEqual(
      lines,
      Array.from({ length: 100 }, (_, i) => `line ${i}`),
    );
    assert.equal(sink.dropped, 0);
    assert.equal(sink.health(), undefined);
  } finally {
    closeSync(fd);
    await rm(dir, { recursive: true, force: true });
  }
});

test("a failing destination drops lines (counted) instead of throwing or blocking", async () => {
  const sink = new LogSink(987_654); // not an open descriptor: every write fails with EBADF
  for (let i = 0; i < 10; i++) assert.doesNotThrow(() => sink.write("x\n"));
  await settle();
  assert.equal(sink.dropped, 10);
  assert.equal(sink.lastError?.code, "EBADF");
});

test("past the queue bound, new lines are dropped", () => {
  const sink = new LogSink(987_654, 100);
  let accepted = 0;
  for (let i = 0; i < 20; i++) if (sink.write(`${"y".repeat(19)}\n`)) accepted++;
  assert.ok(accepted < 20, "nothing was dropped");
  assert.ok(sink.dropped >= 20 - accepted);
});

test("a write stuck for over two minutes reports 'logging blocked'", () => {
  const sink = new LogSink(987_654);
  sink.write("z\n"); // a write is now in flight
  assert.equal(sink.health(Date.now() + 3 * 60_000), "logging blocked");
});
