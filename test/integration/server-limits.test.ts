// The server's limits and error boundary (issue #14 "Harden"): oversized bodies, connection and inflight limits,
// request and watch timeouts, slow watchers. Each test drives the real server over loopback HTTPS.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import tls from "node:tls";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

const TOKEN = "limits-test-token";
const nobody = { token: TOKEN, user: { username: "nobody", groups: ["system:authenticated"] } };

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A request with a chunked body written in pieces (no Content-Length), as a streaming client sends it. */
function chunkedRequest(c: TestCluster, method: string, urlPath: string, chunks: Buffer[]): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${c.server.url}${urlPath}`, {
      method,
      ca: c.server.caPem,
      headers: {
        Authorization: `Bearer ${TOKEN}`,
        "Content-Type": "application/json",
        Accept: "application/json",
      },
    });
    req.on("response", (res) => {
      const got: Buffer[] = [];
      res.on("data", (d) => got.push(d));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(got).toString() }),
      );
    });
    req.on("error", reject);
    const pump = (i: number) => {
      if (i >= chunks.length) return void req.end();
      if (req.destroyed) return;
      if (req.write(chunks[i])) setImmediate(() => pump(i + 1));
      else req.once("drain", () => pump(i + 1));
    };
    pump(0);
  });
}

describe("error boundary", () => {
  let c: TestCluster;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "incluster-limits-"));
    c = await startTestCluster({ dataDir, staticTokens: [nobody] });
  });
  after(async () => {
    await c.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test("a 4 MB chunked body is a 413 Status, audited, and the server keeps serving", async () => {
    const chunk = Buffer.alloc(64 * 1024, "a");
    const res = await chunkedRequest(
      c,
      "POST",
      "/apis/authentication.k8s.io/v1/selfsubjectreviews",
      Array.from({ length: 64 }, () => chunk),
    ).catch((e: Error) => ({ status: 0, headers: {}, text: e.message }));
    // The server may close the connection before the client finished sending; either way it must survive.
    if (res.status !== 0) {
      assert.equal(res.status, 413);
      const status = JSON.parse(res.text);
      assert.equal(status.reason, "RequestEntityTooLarge");
      assert.equal(status.message, "Request entity too large: limit is 3145728");
    }
    await new Promise((r) => setTimeout(r, 200));
    const healthy = await c.request("GET", "/healthz", { token: TOKEN });
    assert.equal(healthy.status, 200);
    const audit = await readFile(path.join(dataDir, "audit.log"), "utf8");
    assert.match(audit, /"code":413/);
  });
});

/** A TLS connection to the server (admin client certificate unless anonymous), not yet sending anything. */
function connect(c: TestCluster, asAdmin = true): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port: c.server.port,
      ca: c.server.caPem,
      servername: "localhost",
      ...(asAdmin ? { cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem } : {}),
    });
    socket.once("secureConnect", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Resolves with how long the server took to close the socket. */
function closedWithin(socket: net.Socket, ms: number): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms);
    socket.on("error", () => undefined);
    socket.once("close", () => {
      clearTimeout(t);
      resolve(Date.now() - started);
    });
    socket.resume();
  });
}

/** Sends one HTTP/1.1 request on an open socket and reads the head and (Content-Length) body of the reply. */
function exchange(socket: tls.TLSSocket, head: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let got = "";
    const onData = (d: Buffer) => {
      got += d.toString("latin1");
      const end = got.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(got.slice(0, end))?.[1] ?? 0);
      if (got.length < end + 4 + length) return;
      socket.off("data", onData);
      resolve({ status: Number(got.slice(9, 12)), body: got.slice(end + 4, end + 4 + length) });
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.write(head);
  });
}

const get = (p: string) => `GET ${p} HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\r\n`;

describe("connection limits", () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster({ limits: { headerTimeoutMs: 1000, maxConnections: 4 } });
  });
  after(() => c.stop());

  test("a TCP connection that never starts TLS is closed after the header timeout", async () => {
    const socket = net.connect(c.server.port, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    const ms = await closedWithin(socket, 4000);
    assert.ok(ms >= 800, `closed after ${ms} ms`);
  });

  test("an idle TLS connection that sends no request is closed after the header timeout", async () => {
    const ms = await closedWithin(await connect(c), 4000);
    assert.ok(ms >= 800, `closed after ${ms} ms`);
  });

  test("headers sent a byte at a time are cut off at the header timeout", async () => {
    const socket = await connect(c);
    const head = get("/version");
    let i = 0;
    const drip = setInterval(() => {
      if (i < head.length - 2 && socket.writable) socket.write(head[i++]);
    }, 100);
    try {
      await closedWithin(socket, 4000);
    } finally {
      clearInterval(drip);
    }
  });

  test("a connection over the limit gets a 503 Status naming the limit; below it, service resumes", async () => {
    const held = await Promise.all(Array.from({ length: 4 }, () => connect(c)));
    const extra = await connect(c);
    const reply = await exchange(extra, get("/version"));
    assert.equal(reply.status, 503);
    const status = JSON.parse(reply.body);
    assert.equal(status.kind, "Status");
    assert.equal(status.reason, "ServiceUnavailable");
    assert.match(status.message, /too many open connections \(limit 4\)/);
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const fresh = await connect(c);
    assert.equal((await exchange(fresh, get("/version"))).status, 200);
    fresh.destroy();
    extra.destroy();
  });

  test("far over the limit, connections are closed unanswered and the server keeps serving", async () => {
    const sockets: net.Socket[] = [];
    const closed: Promise<unknown>[] = [];
    for (let i = 0; i < 4 + 16 + 5; i++) {
      const s = net.connect(c.server.port, "127.0.0.1");
      s.on("error", () => undefined);
      closed.push(new Promise((r) => s.once("close", r)));
      sockets.push(s);
    }
    // The last five exceed the margin: they close at once, long before the 1 s header timeout.
    const early = await Promise.race([
      Promise.all(closed.slice(-5)).then(() => "closed"),
      new Promise((r) => setTimeout(() => r("timeout"), 700)),
    ]);
    assert.equal(early, "closed");
    for (const s of sockets) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await c.admin("GET", "/version")).status, 200);
  });

  test("headers up to 1 MiB are accepted; larger ones get a 431", async () => {
    const big = await c.request("GET", "/version", {
      cert: { cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
      headers: { "X-Padding": "a".repeat(100_000) },
    });
    assert.equal(big.status, 200);
    const socket = await connect(c);
    const reply = await exchange(
      socket,
      `GET /version HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${"a".repeat(1100 * 1024)}\r\n\r\n`,
    ).catch(() => ({ status: 0, body: "" }));
    assert.equal(reply.status, 431);
    socket.destroy();
  });
});
