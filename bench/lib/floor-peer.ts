// The floor for the watch fan-out (bench/server-scale.ts --peer bare-tls): a bare Node TLS server that does
// only what a watch server cannot avoid — it answers each watch request with a chunked HTTP/1.1 response and
// writes pre-encoded event frames of a real Pod's size to every connection, batched like the API server's
// (one shared chunk per flush, one socket write per watcher, the same flush interval), with no storage,
// no PATCH handling and no http layer. Like the server's writer it slows down when its watchers fall behind
// (see BACKLOG_BYTES). What it reaches on the same machine is the best to expect there.
//   argv[2] = JSON { pkiDir, object }   (object: a stored Pod's JSON, the frames' template)
//   → { type: "ready", url, caPem }
//   ← { type: "produce", total, perSec } → { type: "produced", acks: [[rv, ms]...] }  (ms: timeOrigin-based)
//   ← { type: "cpu" } → { type: "cpu", micros };  ← { type: "stop" }
import tls from "node:tls";
import { WATCH_FLUSH_INTERVAL_MS } from "../../src/server/handlers/watch-frames.ts";
import { loadOrCreatePki } from "../../src/server/pki/index.ts";

interface Options {
  pkiDir: string;
  object: string;
}

const o = JSON.parse(process.argv[2] ?? "{}") as Options;
const pki = await loadOrCreatePki({ dataDir: o.pkiDir });
const HEAD =
  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-cache, private\r\n" +
  "Transfer-Encoding: chunked\r\n\r\n";
const now = () => performance.timeOrigin + performance.now();
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

const watchers = new Set<tls.TLSSocket>();
const server = tls.createServer(
  { key: pki.servingKeyPem, cert: pki.servingCertPem, minVersion: "TLSv1.2" },
  (socket) => {
    socket.on("error", () => socket.destroy());
    socket.on("close", () => watchers.delete(socket));
    let request = "";
    const onData = (d: Buffer) => {
      request += d.toString("latin1");
      if (!request.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      socket.write(HEAD);
      watchers.add(socket);
    };
    socket.on("data", onData);
  },
);
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as { port: number };

// Frames of the events not yet written, and the flush schedule (as src/server/handlers/watch-frames.ts).
let pending: Buffer[] = [];
let scheduled = false;
let lastFlush = Number.NEGATIVE_INFINITY;

function flush(): void {
  scheduled = false;
  lastFlush = performance.now();
  const frames = pending;
  pending = [];
  let size = 0;
  for (const f of frames) size += f.length;
  const chunk = Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), ...frames, Buffer.from("\r\n")]);
  for (const socket of watchers) socket.write(chunk);
}

function send(frame: Buffer): void {
  pending.push(frame);
  if (scheduled) return;
  scheduled = true;
  const wait = lastFlush + WATCH_FLUSH_INTERVAL_MS - performance.now();
  if (wait <= 0) setImmediate(flush);
  else setTimeout(flush, wait);
}

const RV = '"resourceVersion":"';
const at = o.object.indexOf(RV) + RV.length;
const before = `{"type":"MODIFIED","object":${o.object.slice(0, at)}`;
const after = `${o.object.slice(o.object.indexOf('"', at))}}\n`;
let nextRV = 1_000_000_000;

/**
 * A watcher holding more than this not yet taken by its socket holds the next event back (the API server's
 * writer is slowed the same way, by the thread it shares): the floor reaches the rate the watchers can take
 * instead of queueing without bound.
 */
const BACKLOG_BYTES = 256 * 1024;

function drained(socket: tls.TLSSocket): Promise<void> {
  return new Promise((resume) => {
    const done = () => {
      socket.off("drain", done);
      socket.off("close", done);
      resume();
    };
    socket.on("drain", done);
    socket.on("close", done);
  });
}

async function produce(total: number, perSec: number): Promise<[string, number][]> {
  const acks: [string, number][] = [];
  const began = now();
  for (let i = 0; i < total; i++) {
    const wait = began + (i * 1000) / perSec - now();
    if (wait > 0) await sleep(wait);
    for (const socket of watchers) if (socket.writableLength > BACKLOG_BYTES) await drained(socket);
    const rv = String(nextRV++);
    send(Buffer.from(before + rv + after)); // encoded once, as the server does
    acks.push([rv, now()]);
  }
  return acks;
}

process.on("message", async (msg: { type: string; total?: number; perSec?: number }) => {
  if (msg.type === "produce") {
    process.send?.({ type: "produced", acks: await produce(msg.total ?? 0, msg.perSec ?? 1) });
  } else if (msg.type === "cpu") {
    const usage = process.cpuUsage();
    process.send?.({ type: "cpu", micros: usage.user + usage.system });
  } else if (msg.type === "stop") {
    for (const socket of watchers) socket.destroy();
    server.close();
    process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0)); // the parent is gone: nobody will ask
process.send?.({ type: "ready", url: `https://127.0.0.1:${port}`, caPem: pki.caCertPem });
