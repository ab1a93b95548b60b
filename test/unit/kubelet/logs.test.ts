import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { ContainerStatus } from "kubernetes-types/core/v1.d.ts";
import {
  criTimestamp,
  LineSplitter,
  MAX_RECORD_BYTES,
  parseRecords,
  renderRecord,
} from "../../../src/kubelet/cri-log.ts";
import { chooseContainer, PodLogError, PodLogStore } from "../../../src/kubelet/logs.ts";

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "pod-logs-"));
});
after(() => rm(dir, { recursive: true, force: true }));

const TS = "2025-01-01T00:00:00.000000000Z";
const opts = { previous: false, follow: false, timestamps: false, signal: new AbortController().signal };

async function text(logs: AsyncIterable<Buffer> | Promise<AsyncIterable<Buffer>>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await logs) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

test("CRI timestamps always have nine fraction digits", () => {
  assert.equal(criTimestamp(Date.parse("2025-01-31T12:00:00.123Z") + 0.5), "2025-01-31T12:00:00.123500000Z");
  assert.equal(criTimestamp(Date.parse("2025-01-31T12:00:00Z")), "2025-01-31T12:00:00.000000000Z");
});

test("lines become F records; an unfinished line waits, then is flushed as P; long lines are split", () => {
  const splitter = new LineSplitter("stdout");
  assert.deepEqual(splitter.push("one\ntw", TS), [
    { timestamp: TS, stream: "stdout", full: true, content: "one" },
  ]);
  assert.deepEqual(splitter.push("o\n", TS), [
    { timestamp: TS, stream: "stdout", full: true, content: "two" },
  ]);
  splitter.push("tail", TS);
  assert.deepEqual(splitter.flush(TS), [{ timestamp: TS, stream: "stdout", full: false, content: "tail" }]);
  const long = splitter.push(`${"x".repeat(MAX_RECORD_BYTES + 5)}\n`, TS);
  assert.deepEqual(
    long.map((r) => [r.full, r.content.length]),
    [
      [false, MAX_RECORD_BYTES],
      [true, 5],
    ],
  );
});

test("records round-trip through the file format and render as kubectl shows them", () => {
  const text = `${TS} stdout F hello world\n${TS} stderr P no newline\ngarbage\n`;
  const records = parseRecords(text);
  assert.equal(records.length, 2);
  assert.equal(records.map((r) => renderRecord(r, false)).join(""), "hello world\nno newline");
  assert.equal(renderRecord(records[0], true), `${TS} hello world\n`);
});

const status = (s: Partial<ContainerStatus>): ContainerStatus => ({
  name: "c",
  image: "",
  imageID: "",
  restartCount: 0,
  ready: false,
  ...s,
});

test("which instance `kubectl logs [--previous]` means (validateContainerLogStatus)", () => {
  const running = status({
    containerID: "id-2",
    state: { running: {} },
    lastState: { terminated: { exitCode: 1, containerID: "id-1" } },
  });
  assert.equal(chooseContainer(running, "p", false), "id-2");
  assert.equal(chooseContainer(running, "p", true), "id-1");
  const looping = status({
    state: { waiting: { reason: "CrashLoopBackOff" } },
    lastState: { terminated: { exitCode: 2, containerID: "id-3" } },
  });
  assert.equal(chooseContainer(looping, "p", false), "id-3");
  assert.equal(chooseContainer(looping, "p", true), "id-3");
  const pulling = status({ state: { waiting: { reason: "ErrImageNeverPull" } } });
  assert.throws(() => chooseContainer(pulling, "p", false), {
    name: "PodLogError",
    message: 'container "c" in pod "p" is waiting to start: ErrImageNeverPull',
  });
  assert.throws(() => chooseContainer(pulling, "p", true), {
    message: 'previous terminated container "c" in pod "p" not found',
  });
  const error = new PodLogError("x");
  assert.equal(error.status.code, 400);
  assert.equal(error.status.reason, "BadRequest");
});

test("the store writes per-instance files and serves current, previous, tail and timestamps", async () => {
  const store = new PodLogStore(dir);
  const ref = { namespace: "ns", pod: "p", uid: "u1", container: "c" };
  const first = store.openInstance({ ...ref, containerID: "id-1", restartCount: 0 });
  first.write("stdout", Buffer.from("first run\n"));
  first.write("stderr", Buffer.from("it failed\n"));
  await first.close();
  const second = store.openInstance({ ...ref, containerID: "id-2", restartCount: 1 });
  second.write("stdout", Buffer.from("a\nb\nc\n"));
  store.setStatuses("ns", "p", "u1", [
    status({
      containerID: "id-2",
      state: { running: {} },
      lastState: { terminated: { exitCode: 1, containerID: "id-1" } },
    }),
  ]);
  assert.equal(await text(store.read("ns", "p", "c", { ...opts, previous: true })), "first run\nit failed\n");
  const raw = await readFile(path.join(dir, "ns_p_u1", "c", "0.log"), "utf8");
  assert.match(raw, /^\S+Z stdout F first run\n\S+Z stderr F it failed\n$/);

  // follow: existing lines, then new ones, ending when the instance ends
  const followed = await store.read("ns", "p", undefined, { ...opts, follow: true, tailLines: 1 });
  const chunks: string[] = [];
  const reading = (async () => {
    for await (const chunk of followed) chunks.push(chunk.toString());
  })();
  await new Promise((r) => setTimeout(r, 50));
  second.write("stdout", Buffer.from("d\n"));
  await new Promise((r) => setTimeout(r, 50));
  await second.close();
  await reading;
  assert.equal(chunks.join(""), "c\nd\n");
  assert.equal(await text(store.read("ns", "p", "c", { ...opts, tailLines: 2 })), "c\nd\n");
  assert.match(
    await text(store.read("ns", "p", "c", { ...opts, timestamps: true, tailLines: 1 })),
    /^\d{4}-\S+\.\d{9}Z d\n$/,
  );
  assert.deepEqual(second.lastLines(), ["a", "b", "c", "d"]);

  await store.removePod("ns", "p", "u1");
  await assert.rejects(store.read("ns", "p", "c", opts), {
    message: 'pod "p" cannot be found - no logs available',
  });
  await assert.rejects(readFile(path.join(dir, "ns_p_u1", "c", "0.log")), { code: "ENOENT" });
});
