// gzip responses as kube-apiserver sends them: encoded objects and lists above 128 KiB for a client that
// sends Accept-Encoding: gzip (buffered and streamed lists, Tables); never smaller bodies, never watches.
import assert from "node:assert/strict";
import https from "node:https";
import { after, before, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

const NS = "gz";
const COUNT = 60; // 60 × 4 KB ≈ 240 KB of ConfigMaps: above the threshold, below the streamed-list size
let c: TestCluster;

before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: NS } });
  for (let i = 0; i < COUNT; i += 20)
    await Promise.all(
      Array.from({ length: 20 }, (_, j) =>
        c.admin("POST", `/api/v1/namespaces/${NS}/configmaps`, {
          metadata: { name: `cm-${i + j}` },
          data: { filler: `${i + j}-${"y".repeat(4000)}` },
        }),
      ),
    );
});
after(() => c.stop());

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw request as the admin; `until` ends a stream early once the body matches it. */
function raw(path: string, headers: Record<string, string>, until?: (body: string) => boolean): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      `${c.server.url}${path}`,
      { headers, ca: c.server.caPem, cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
      (res) => {
        const chunks: Buffer[] = [];
        const done = () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        res.on("data", (chunk: Buffer) => {
          chunks.push(chunk);
          if (until?.(Buffer.concat(chunks).toString())) {
            done();
            req.destroy();
          }
        });
        res.on("end", done);
      },
    );
    req.on("error", (error) => (until ? undefined : reject(error)));
  });
}

test("a list above 128 KiB is gzipped for a client that accepts it, and is the same list", async () => {
  const path = `/api/v1/namespaces/${NS}/configmaps`;
  const plain = await raw(path, { Accept: "application/json" });
  assert.equal(plain.status, 200);
  assert.equal(plain.headers["content-encoding"], undefined);
  assert.ok(plain.body.length > 128 * 1024, `${plain.body.length} bytes`);

  const zipped = await raw(path, { Accept: "application/json", "Accept-Encoding": "gzip" });
  assert.equal(zipped.status, 200);
  assert.equal(zipped.headers["content-encoding"], "gzip");
  assert.equal(zipped.headers.vary, "Accept-Encoding");
  assert.equal(zipped.headers["content-type"], "application/json");
  assert.ok(zipped.body.length < plain.body.length / 10, `${zipped.body.length} of ${plain.body.length}`);
  const list = JSON.parse(gunzipSync(zipped.body).toString());
  assert.equal(list.kind, "ConfigMapList");
  assert.equal(list.items.filter((i: any) => i.metadata.name.startsWith("cm-")).length, COUNT);
  assert.deepEqual(list, JSON.parse(plain.body.toString()));
});

test("small bodies and error Statuses are sent as they are", async () => {
  const one = await raw(`/api/v1/namespaces/${NS}/configmaps/cm-1`, { "Accept-Encoding": "gzip" });
  assert.equal(one.status, 200);
  assert.equal(one.headers["content-encoding"], undefined);
  assert.equal(JSON.parse(one.body.toString()).metadata.name, "cm-1");

  const page = await raw(`/api/v1/namespaces/${NS}/configmaps?limit=5`, { "Accept-Encoding": "gzip" });
  assert.equal(page.headers["content-encoding"], undefined);
  assert.equal(JSON.parse(page.body.toString()).items.length, 5);

  const missing = await raw(`/api/v1/namespaces/${NS}/configmaps/nope`, { "Accept-Encoding": "gzip" });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers["content-encoding"], undefined);
  assert.equal(JSON.parse(missing.body.toString()).reason, "NotFound");
});

test("a Table (kubectl get) above the threshold is gzipped too", async () => {
  const table = await raw(`/api/v1/namespaces/${NS}/configmaps?includeObject=Object`, {
    Accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
    "Accept-Encoding": "gzip",
  });
  assert.equal(table.status, 200);
  assert.equal(table.headers["content-encoding"], "gzip");
  const body = JSON.parse(gunzipSync(table.body).toString());
  assert.equal(body.kind, "Table");
  assert.equal(body.rows.filter((r: any) => String(r.cells[0]).startsWith("cm-")).length, COUNT);
});

test("a watch is never compressed, however large its events", async () => {
  const watch = await raw(
    `/api/v1/namespaces/${NS}/configmaps?watch=true&resourceVersion=0&timeoutSeconds=30`,
    { "Accept-Encoding": "gzip" },
    (body) => body.includes(`"name":"cm-${COUNT - 1}"`) && body.split("\n").length > COUNT,
  );
  assert.equal(watch.status, 200);
  assert.equal(watch.headers["content-encoding"], undefined);
  const first = JSON.parse(watch.body.toString().split("\n")[0]);
  assert.equal(first.type, "ADDED");
  assert.ok(watch.body.length > 128 * 1024);
});

test("a streamed list (above 16 MiB) is gzipped as it is sent", async () => {
  const ns = "gz-big";
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: ns } });
  const filler = "z".repeat(900 * 1024);
  for (let i = 0; i < 20; i += 5)
    await Promise.all(
      Array.from({ length: 5 }, (_, j) =>
        c.admin("POST", `/api/v1/namespaces/${ns}/configmaps`, {
          metadata: { name: `big-${i + j}` },
          data: { filler },
        }),
      ),
    );
  const zipped = await raw(`/api/v1/namespaces/${ns}/configmaps`, { "Accept-Encoding": "gzip" });
  assert.equal(zipped.status, 200);
  assert.equal(zipped.headers["content-encoding"], "gzip");
  assert.equal(zipped.headers["transfer-encoding"], "chunked");
  assert.ok(zipped.body.length < 1024 * 1024, `${zipped.body.length} bytes`);
  const list = JSON.parse(gunzipSync(zipped.body).toString());
  assert.equal(list.items.filter((i: any) => i.metadata.name.startsWith("big-")).length, 20);
  assert.equal(list.items.find((i: any) => i.metadata.name === "big-7").data.filler, filler);
});
