// gzip from peers other than our server (a proxy or server that compresses what ours never does): a bomb
// stops at maxResponseBytes as it inflates, a gzipped watch is decoded event by event, a corrupt body is a
// clear error. The peer is a real HTTPS server on loopback (test/helpers/https-peer.ts).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { constants, createGzip, gzipSync } from "node:zlib";
import { ResponseError } from "../../../src/client/errors.ts";
import { Transport } from "../../../src/client/transport.ts";
import { openWatchStream } from "../../../src/client/watch-stream.ts";
import { type HttpsPeer, startHttpsPeer } from "../../helpers/https-peer.ts";

const MiB = 1024 * 1024;
let peer: HttpsPeer;
let bomb: Buffer;

before(async () => {
  peer = await startHttpsPeer((_req, res) => res.end());
  // 512 MiB of zeros in about half a megabyte.
  const gzip = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gzip.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve) => gzip.on("end", resolve));
  const zeros = Buffer.alloc(MiB);
  for (let i = 0; i < 512; i++) if (!gzip.write(zeros)) await new Promise((r) => gzip.once("drain", r));
  gzip.end();
  await done;
  bomb = Buffer.concat(chunks);
});
after(() => peer.close());

test("requests ask for gzip unless compression is off", async () => {
  peer.handler = (_req, res) => res.end("{}");
  const on = new Transport(peer.config(), { qps: 0 });
  await on.request({ path: "/version" });
  assert.equal(peer.requests.at(-1)?.headers["accept-encoding"], "gzip");
  on.close();
  const off = new Transport(peer.config(), { qps: 0, compression: false });
  await off.request({ path: "/version" });
  assert.equal(peer.requests.at(-1)?.headers["accept-encoding"], undefined);
  off.close();
  const disabled = new Transport(peer.config({ disableCompression: true }), { qps: 0 });
  await disabled.request({ path: "/version" });
  assert.equal(peer.requests.at(-1)?.headers["accept-encoding"], undefined);
  disabled.close();
});

test("a gzip bomb stops at maxResponseBytes while inflating, without holding it in memory", async () => {
  assert.ok(bomb.length < 2 * MiB, `${bomb.length} bytes`);
  peer.handler = (_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json", "Content-Encoding": "gzip" });
    res.end(bomb);
  };
  const transport = new Transport(peer.config(), { qps: 0 });
  const before = process.memoryUsage().arrayBuffers;
  await assert.rejects(transport.request({ path: "/api/v1/pods" }), (error: unknown) => {
    assert.ok(error instanceof ResponseError, String(error));
    assert.equal(error.code, "RESPONSE_TOO_LARGE");
    assert.match(error.message, /larger than the 128 MiB limit/);
    return true;
  });
  // The 128 MiB already inflated are in the collector until the rejection; none of the other 384 MiB are.
  assert.ok(process.memoryUsage().arrayBuffers - before < 200 * MiB);
  transport.close();
});

test("a gzipped watch is decoded event by event", async () => {
  peer.handler = (_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json", "Content-Encoding": "gzip" });
    const gzip = createGzip();
    gzip.pipe(res);
    let n = 0;
    const send = () => {
      const event = {
        type: "ADDED",
        object: { kind: "Pod", metadata: { name: `p${n}`, resourceVersion: String(n) } },
      };
      gzip.write(`${JSON.stringify(event)}\n`);
      gzip.flush(constants.Z_SYNC_FLUSH);
      if (++n < 3) setTimeout(send, 20);
    };
    send();
    res.on("close", () => gzip.destroy());
  };
  const transport = new Transport(peer.config(), { qps: 0 });
  const watch = await openWatchStream(transport, { path: "/api/v1/pods", query: {} });
  const names: string[] = [];
  for await (const event of watch.events) {
    names.push((event.object as { metadata: { name: string } }).metadata.name);
    if (names.length === 3) break;
  }
  watch.close();
  assert.deepEqual(names, ["p0", "p1", "p2"]);
  transport.close();
});

test("a body that says gzip but is not is a clear error", async () => {
  peer.handler = (_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json", "Content-Encoding": "gzip" });
    res.end('{"kind":"PodList","items":[]}');
  };
  const transport = new Transport(peer.config(), { qps: 0, retries: 0 });
  await assert.rejects(transport.request({ path: "/api/v1/pods" }), (error: unknown) => {
    assert.ok(error instanceof ResponseError, String(error));
    assert.equal(error.code, "INVALID_RESPONSE");
    assert.match(error.message, /cannot be decoded .*compression: false/);
    return true;
  });
  // A gzipped error Status is decoded too.
  peer.handler = (_req, res) => {
    res.writeHead(404, { "Content-Type": "application/json", "Content-Encoding": "gzip" });
    res.end(
      gzipSync(
        JSON.stringify({
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          reason: "NotFound",
          code: 404,
          message: 'pods "x" not found',
        }),
      ),
    );
  };
  await assert.rejects(transport.request({ path: "/api/v1/namespaces/default/pods/x" }), {
    code: 404,
    reason: "NotFound",
  });
  transport.close();
});
