import assert from "node:assert/strict";
import { appendFile, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { ContainerStatus } from "kubernetes-types/core/v1.d.ts";
import { PodLogStore } from "../../../src/kubelet/logs.ts";

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "pod-log-rotation-"));
});
after(() => rm(dir, { recursive: true, force: true }));

const opts = { previous: false, follow: false, timestamps: false, signal: new AbortController().signal };

async function text(logs: Promise<AsyncIterable<Buffer>>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await logs) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

const running = (containerID: string): ContainerStatus => ({
  name: "c",
  image: "",
  imageID: "",
  restartCount: 0,
  ready: true,
  containerID,
  state: { running: {} },
});

/** A store with one running instance of container c in pod ns/<pod>. */
function instance(store: PodLogStore, pod: string) {
  const writer = store.openInstance({
    namespace: "ns",
    pod,
    uid: `uid-${pod}`,
    container: "c",
    containerID: `id-${pod}`,
    restartCount: 0,
  });
  store.setStatuses("ns", pod, `uid-${pod}`, [running(`id-${pod}`)]);
  return { writer, file: path.join(store.dir, `ns_${pod}_uid-${pod}`, "c", "0.log") };
}

test("--tail of a 600 MB log returns its last lines without reading the file into memory", async () => {
  const store = new PodLogStore(dir);
  const { writer, file } = instance(store, "big");
  writer.write("stdout", Buffer.from("first\n"));
  await new Promise((r) => setTimeout(r, 50));
  // Written directly: the writer would rotate long before (the logs predate rotation).
  const line = `2025-01-01T00:00:00.000000000Z stdout F ${"x".repeat(1000)}\n`;
  const block = Buffer.from(line.repeat(1024)); // ~1 MB
  for (let i = 0; i < 600; i++) await appendFile(file, block);
  await appendFile(file, "2025-01-01T00:00:01.000000000Z stdout F second to last\n");
  await appendFile(file, "2025-01-01T00:00:01.000000000Z stderr F the end\n");
  assert.ok((await stat(file)).size > 600 * 1024 * 1024);

  const before = process.memoryUsage().rss;
  assert.equal(
    await text(store.read("ns", "big", "c", { ...opts, tailLines: 2 })),
    "second to last\nthe end\n",
  );
  assert.equal(await text(store.read("ns", "big", "c", { ...opts, tailLines: 1 })), "the end\n");
  assert.equal(
    await text(store.read("ns", "big", "c", { ...opts, limitBytes: 10 })),
    "first\nxxxx",
    "limitBytes cuts the output at exactly that many bytes",
  );
  const grown = (process.memoryUsage().rss - before) / 1024 / 1024;
  assert.ok(grown < 64, `reading the tail grew the process by ${grown.toFixed(0)} MB`);
  await writer.close();
  await rm(file);
});

test("logs rotate at containerLogMaxSize and keep containerLogMaxFiles files; reads see the current file", async () => {
  const store = new PodLogStore(dir, { maxBytes: 1000, maxFiles: 3 });
  const { writer, file } = instance(store, "rotating");
  for (let i = 0; i < 200; i++) writer.write("stdout", Buffer.from(`line ${i}\n`));
  await writer.close();
  const files = (await readdir(path.dirname(file))).sort();
  assert.equal(files.length, 3, files.join(" "));
  assert.equal(files[0], "0.log");
  for (const name of files.slice(1)) assert.match(name, /^0\.log\.\d{8}-\d{6}(\.\d+)?$/);
  assert.ok((await stat(file)).size < 1000);
  const shown = await text(store.read("ns", "rotating", "c", opts));
  assert.match(shown, /line 199\n$/);
  assert.doesNotMatch(shown, /^line 0\n/, "only the current file is read, as the kubelet does");
  assert.equal(
    await text(store.read("ns", "rotating", "c", { ...opts, tailLines: 2 })),
    "line 198\nline 199\n",
  );
});

test("a follower keeps reading across rotations", async () => {
  const store = new PodLogStore(dir, { maxBytes: 300, maxFiles: 2 });
  const { writer } = instance(store, "follow");
  const followed = await store.read("ns", "follow", "c", { ...opts, follow: true });
  const chunks: string[] = [];
  const reading = (async () => {
    for await (const chunk of followed) chunks.push(chunk.toString());
  })();
  for (let i = 0; i < 60; i++) {
    writer.write("stdout", Buffer.from(`event ${i}\n`));
    await new Promise((r) => setTimeout(r, 5));
  }
  await writer.close();
  await reading;
  const expected = Array.from({ length: 60 }, (_, i) => `event ${i}\n`).join("");
  assert.equal(chunks.join(""), expected);
});

test("sinceTime keeps records at or after it; timestamps prefix them", async () => {
  const store = new PodLogStore(dir);
  const { writer, file } = instance(store, "since");
  await writer.close();
  await writeFile(
    file,
    [
      "2025-01-01T00:00:00.000000000Z stdout F early\n",
      "2025-01-01T00:00:05.000000000Z stdout F on time\n",
      "2025-01-01T00:00:09.500000000Z stderr F late\n",
    ].join(""),
  );
  const sinceTime = new Date("2025-01-01T00:00:05Z");
  assert.equal(await text(store.read("ns", "since", "c", { ...opts, sinceTime })), "on time\nlate\n");
  assert.equal(
    await text(store.read("ns", "since", "c", { ...opts, sinceTime, timestamps: true, tailLines: 1 })),
    "2025-01-01T00:00:09.500000000Z late\n",
  );
  assert.throws(() => new PodLogStore(dir, { maxFiles: 1 }), /at least 2/);
});
