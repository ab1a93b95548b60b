// The gzip threshold and Accept-Encoding negotiation of compress.ts, over real loopback HTTP.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { acceptsGzip, GZIP_THRESHOLD_BYTES, writeEncodedBody } from "../../../src/server/http/compress.ts";

let server: http.Server;
let base: string;
before(async () => {
  server = http.createServer((req, res) => {
    const size = Number(new URL(req.url ?? "/", "http://x").searchParams.get("size"));
    writeEncodedBody(res, 200, { "Content-Type": "application/json" }, "a".repeat(size));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

function get(size: number, acceptEncoding?: string) {
  return new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const headers = acceptEncoding === undefined ? {} : { "Accept-Encoding": acceptEncoding };
    http
      .get(`${base}/?size=${size}`, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on("error", reject);
  });
}

test("the threshold is 128 KiB, exclusive, as defaultGzipThresholdBytes", async () => {
  assert.equal(GZIP_THRESHOLD_BYTES, 131_072);
  const at = await get(GZIP_THRESHOLD_BYTES, "gzip");
  assert.equal(at.headers["content-encoding"], undefined);
  assert.equal(at.headers.vary, undefined);
  assert.equal(at.body.length, GZIP_THRESHOLD_BYTES);

  const above = await get(GZIP_THRESHOLD_BYTES + 1, "gzip");
  assert.equal(above.headers["content-encoding"], "gzip");
  assert.equal(above.headers.vary, "Accept-Encoding");
  assert.equal(above.headers["content-type"], "application/json");
  assert.equal(Number(above.headers["content-length"]), above.body.length);
  assert.ok(above.body.length < 2000, `${above.body.length} bytes`);
  assert.equal(gunzipSync(above.body).toString(), "a".repeat(GZIP_THRESHOLD_BYTES + 1));
});

test("only a client that asks for gzip gets it", async () => {
  const plain = await get(200_000);
  assert.equal(plain.headers["content-encoding"], undefined);
  assert.equal(plain.body.length, 200_000);
  const other = await get(200_000, "br, deflate");
  assert.equal(other.headers["content-encoding"], undefined);
  const listed = await get(200_000, "br, gzip");
  assert.equal(listed.headers["content-encoding"], "gzip");
});

test("Accept-Encoding tokens match exactly, as negotiateContentEncoding", () => {
  const req = (value?: string) => ({ headers: { "accept-encoding": value } }) as never;
  assert.equal(acceptsGzip(req("gzip")), true);
  assert.equal(acceptsGzip(req(" deflate ,  gzip ")), true);
  assert.equal(acceptsGzip(req("gzip;q=1.0")), false); // upstream compares the whole token
  assert.equal(acceptsGzip(req("x-gzip")), false);
  assert.equal(acceptsGzip(req("")), false);
  assert.equal(acceptsGzip(req(undefined)), false);
  assert.equal(acceptsGzip(undefined), false);
});
