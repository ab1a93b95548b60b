// The server's limits and error boundary (issue #14 "Harden"): oversized bodies, connection and inflight limits,
// request and watch timeouts, slow watchers. Each test drives the real server over loopback HTTPS.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
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

  test("on a kept-alive connection, a later request's slow headers are cut off too", async () => {
    const socket = await connect(c);
    assert.equal((await exchange(socket, get("/version"))).status, 200);
    const head = get("/version");
    let i = 0;
    const drip = setInterval(() => {
      if (i < head.length - 2 && socket.writable) socket.write(head[i++]);
    }, 100);
    try {
      const ms = await closedWithin(socket, 4000);
      assert.ok(ms < 3500, `closed after ${ms} ms`);
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

/** Opens a watch as the admin and collects its lines; `paused` leaves the socket unread. */
function openWatch(c: TestCluster, query: string, paused = false) {
  const lines: string[] = [];
  let ended = false;
  let response: IncomingMessage | undefined;
  const req = https.request(`${c.server.url}/api/v1/namespaces/default/configmaps?watch=true&${query}`, {
    ca: c.server.caPem,
    cert: c.server.pki.adminCertPem,
    key: c.server.pki.adminKeyPem,
    agent: false,
  });
  const done = new Promise<void>((resolve) => {
    req.on("response", (res) => {
      let buf = "";
      response = res;
      if (paused) res.pause();
      res.on("data", (d) => {
        buf += d;
        for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
          lines.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
      res.on("end", () => resolve());
      res.on("error", () => resolve());
      res.on("close", () => resolve());
    });
    req.on("error", () => resolve());
  });
  req.end();
  void done.then(() => {
    ended = true;
  });
  return {
    lines,
    done,
    get ended() {
      return ended;
    },
    resume: () => response?.resume(),
    close: () => req.destroy(),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("watch limits", () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster({ limits: { minRequestTimeoutSeconds: 1, watchBufferBytes: 256 * 1024 } });
  });
  after(() => c.stop());

  test("timeoutSeconds=0 means the server's default (min-request-timeout ×[1,2)), not an instant close", async () => {
    const started = Date.now();
    const w = openWatch(c, "timeoutSeconds=0");
    await sleep(700);
    assert.equal(w.ended, false, "closed before min-request-timeout");
    await w.done;
    const ms = Date.now() - started;
    assert.ok(ms >= 1000 && ms < 3000, `closed after ${ms} ms`);
  });

  test("timeoutSeconds beyond Node's 32-bit timer range keeps the watch open", async () => {
    for (const t of ["2147484", "99999999999"]) {
      const w = openWatch(c, `timeoutSeconds=${t}`);
      await sleep(1500);
      assert.equal(w.ended, false, `timeoutSeconds=${t} closed at once`);
      w.close();
    }
  });

  test("a watcher that does not read is terminated once its buffer bound is exceeded", async () => {
    const slow = openWatch(c, "resourceVersion=0&timeoutSeconds=60", true);
    const fast = openWatch(c, "resourceVersion=0&timeoutSeconds=60");
    await sleep(300);
    const data = { blob: "x".repeat(100 * 1024) };
    const total = 200; // 20 MB of events: well past the bound plus the kernel's socket buffers
    for (let i = 0; i < total; i++) {
      const r = await c.admin("POST", "/api/v1/namespaces/default/configmaps", {
        metadata: { name: `big-${i}` },
        data,
      });
      assert.equal(r.status, 201);
    }
    await sleep(300);
    slow.resume();
    await Promise.race([slow.done, sleep(10_000)]);
    assert.ok(slow.ended, "the slow watch is still open");
    const bigAdded = (lines: string[]) =>
      lines.filter((l) => l.startsWith('{"type":"ADDED"') && l.includes('"name":"big-')).length;
    const slowEvents = bigAdded(slow.lines);
    assert.ok(slowEvents < total, `the slow watcher got all ${slowEvents} events`);
    // The reading watcher is unaffected.
    const fastEvents = () => bigAdded(fast.lines);
    for (let i = 0; i < 100 && fastEvents() < total; i++) await sleep(50);
    assert.equal(fastEvents(), total);
    assert.equal(fast.ended, false);
    fast.close();
  });
});

describe("request limits", () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster({
      staticTokens: [nobody],
      limits: { requestTimeoutMs: 1000, maxMutatingRequestsInflight: 1, maxRequestsInflight: 1 },
    });
  });
  after(() => c.stop());

  /**
   * An admin create whose body arrives only when finish() is called: it holds a mutating slot until then
   * (system:masters requests take a slot when one is free; they are only exempt from the 429).
   */
  function slowCreate() {
    const req = https.request(`${c.server.url}/api/v1/namespaces/default/configmaps`, {
      method: "POST",
      ca: c.server.caPem,
      cert: c.server.pki.adminCertPem,
      key: c.server.pki.adminKeyPem,
      agent: false,
      headers: { "Content-Type": "application/json" },
    });
    const reply = new Promise<Raw>((resolve) => {
      req.on("response", (res) => {
        const got: Buffer[] = [];
        res.on("data", (d) => got.push(d));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(got).toString() }),
        );
      });
      req.on("error", (e) => resolve({ status: 0, headers: {}, text: e.message }));
    });
    req.write('{"metadata":');
    return { reply, finish: () => req.end('{"name":"slow"}}') };
  }

  test("over --max-mutating-requests-inflight: 429 TooManyRequests, Retry-After: 1; system:masters exempt", async () => {
    const held = slowCreate();
    await sleep(200);
    const rejected = await c.request("POST", "/api/v1/namespaces/default/configmaps", {
      token: TOKEN,
      body: { metadata: { name: "second" } },
    });
    assert.equal(rejected.status, 429);
    assert.equal(rejected.headers["retry-after"], "1");
    assert.equal(rejected.json.kind, "Status");
    assert.equal(rejected.json.reason, "TooManyRequests");
    assert.equal(rejected.json.message, "Too many requests, please try again later.");
    assert.equal(rejected.json.details.retryAfterSeconds, 1);
    const admin = await c.admin("POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: "admin" },
    });
    assert.equal(admin.status, 201);
    held.finish();
    await held.reply;
    // The slot is free again.
    const after = await c.request("POST", "/api/v1/namespaces/default/configmaps", {
      token: TOKEN,
      body: { metadata: { name: "third" } },
    });
    assert.equal(after.status, 403); // admitted, then refused by RBAC: nobody has no role
  });

  test("watches do not count against --max-requests-inflight", async () => {
    const watches = [openWatch(c, "timeoutSeconds=30"), openWatch(c, "timeoutSeconds=30")];
    await sleep(200);
    const list = await c.request("GET", "/api/v1/namespaces/default/configmaps", { token: TOKEN });
    assert.equal(list.status, 403); // admitted (not 429), then refused by RBAC
    for (const w of watches) w.close();
  });

  test("a request that outlives --request-timeout gets a 504 Timeout Status and frees its slot", async () => {
    const held = slowCreate();
    const started = Date.now();
    const reply = await held.reply;
    const ms = Date.now() - started;
    assert.equal(reply.status, 504);
    const status = JSON.parse(reply.text);
    assert.equal(status.reason, "Timeout");
    assert.equal(status.message, "Timeout: request did not complete within the allotted timeout");
    assert.ok(ms >= 900 && ms < 3000, `answered after ${ms} ms`);
    held.finish();
    await sleep(100);
    const healthy = await c.admin("GET", "/version");
    assert.equal(healthy.status, 200);
  });
});
