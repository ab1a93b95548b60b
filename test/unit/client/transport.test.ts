import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import type { CaProvider, ClusterConfig, CredentialProvider } from "../../../src/client/config.ts";
import { type ApiError, ConnectionError, isNotFound, UnauthorizedError } from "../../../src/client/errors.ts";
import { TokenBucket } from "../../../src/client/rate-limit.ts";
import { parseRetryAfter, type RequestMetrics, Transport } from "../../../src/client/transport.ts";
import { parseWarningHeader } from "../../../src/client/warnings.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function selfSigned(dir: string, name: string): { cert: string; key: string } {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ],
    { stdio: "ignore" },
  );
  return { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
}

class MutableCa implements CaProvider {
  pem: string;
  readonly #listeners = new Set<() => void>();
  constructor(pem: string) {
    this.pem = pem;
  }
  current(): string {
    return this.pem;
  }
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  set(pem: string): void {
    this.pem = pem;
    for (const l of this.#listeners) l();
  }
  describe(): string {
    return "test CA bundle";
  }
  close(): void {}
}

let dir: string;
let serverPem: { cert: string; key: string };
let otherPem: { cert: string; key: string };
let server: Server;
let url: string;
let handler: Handler;
let connections = 0;
let requests: IncomingMessage[] = [];

function configFor(overrides: Partial<ClusterConfig> = {}): ClusterConfig {
  return {
    server: url,
    namespace: "default",
    source: "explicit",
    ca: new MutableCa(serverPem.cert),
    insecureSkipTLSVerify: false,
    warnings: [],
    close() {},
    ...overrides,
  };
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

const ok: Handler = (_req, res) => json(res, 200, { kind: "PodList", items: [] });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "incluster-transport-"));
  serverPem = selfSigned(dir, "server");
  otherPem = selfSigned(dir, "other");
  server = createServer({ cert: serverPem.cert, key: serverPem.key }, (req, res) => {
    requests.push(req);
    handler(req, res);
  });
  server.on("secureConnection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  server.closeAllConnections();
  connections = 0;
  requests = [];
  handler = ok;
});

describe("connection reuse", () => {
  test("50 sequential calls use one TLS connection", async () => {
    const transport = new Transport(configFor(), { qps: 0 });
    for (let i = 0; i < 50; i++) await transport.request({ path: "/api/v1/pods" });
    assert.equal(requests.length, 50);
    assert.equal(connections, 1);
    assert.equal(transport.agentsCreated, 1);
    transport.close();
  });

  test("a CA change builds a new agent for new requests; a stream on the old one keeps flowing", async () => {
    let streamRes: ServerResponse | undefined;
    handler = (req, res) => {
      if (req.url?.includes("watch=true")) {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.write('{"type":"ADDED","object":{}}\n');
        streamRes = res;
        return;
      }
      ok(req, res);
    };
    const ca = new MutableCa(serverPem.cert);
    const transport = new Transport(configFor({ ca }), { qps: 0 });
    const stream = await transport.stream({ path: "/api/v1/pods", query: { watch: "true" } });
    const chunks: string[] = [];
    stream.body.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
    await transport.request({ path: "/api/v1/pods" });
    const before = connections;

    ca.set(`${serverPem.cert}\n`); // same bundle, new bytes: a rotation as the pool sees it
    await transport.request({ path: "/api/v1/pods" });
    assert.equal(transport.agentsCreated, 2);
    assert.equal(connections, before + 1, "new agent → new connection");

    streamRes?.write('{"type":"MODIFIED","object":{}}\n');
    await waitFor(() => chunks.join("").includes("MODIFIED"));
    streamRes?.end();
    stream.close();
    transport.close();
  });

  test("the User-Agent names incluster and its version", async () => {
    const transport = new Transport(configFor(), { qps: 0 });
    await transport.request({ path: "/version" });
    assert.match(String(requests[0].headers["user-agent"]), /^incluster\/\d+\.\d+\.\d+ \(node /);
    transport.close();
  });

  test("a server URL with a path prefix is kept", async () => {
    const transport = new Transport(configFor({ server: `${url}/k8s/clusters/c-1` }), { qps: 0 });
    await transport.request({ path: "/api/v1/pods", query: { limit: 5, skip: undefined } });
    assert.equal(requests[0].url, "/k8s/clusters/c-1/api/v1/pods?limit=5");
    transport.close();
  });
});

describe("retries", () => {
  test("503 then 200: retried with metrics reporting the retries", async () => {
    let calls = 0;
    handler = (req, res) =>
      ++calls <= 2 ? json(res, 503, { kind: "Status", code: 503, status: "Failure" }) : ok(req, res);
    const metrics: RequestMetrics[] = [];
    const transport = new Transport(configFor(), {
      qps: 0,
      retryBaseMs: 1,
      onRequest: (m) => metrics.push(m),
    });
    const response = await transport.request({ path: "/api/v1/pods" });
    assert.equal(response.status, 200);
    assert.equal(calls, 3);
    assert.equal(metrics.length, 1);
    assert.equal(metrics[0].retries, 2);
    assert.equal(metrics[0].status, 200);
    assert.equal(metrics[0].method, "GET");
    assert.equal(metrics[0].path, "/api/v1/pods");
    transport.close();
  });

  test("collectBody reads 2xx bodies, one collector per attempt; error bodies stay whole", async () => {
    let calls = 0;
    handler = (req, res) =>
      ++calls === 1
        ? json(res, 503, { kind: "Status", code: 503, status: "Failure" })
        : calls === 2
          ? ok(req, res)
          : json(res, 404, { kind: "Status", code: 404, status: "Failure", message: "no such thing" });
    const collected: string[] = [];
    const collectBody = () => {
      const chunks: Buffer[] = [];
      return {
        write: (chunk: Buffer) => chunks.push(chunk),
        end: () => {
          const text = Buffer.concat(chunks).toString();
          collected.push(text);
          return `collected ${text.length} bytes`;
        },
      };
    };
    const transport = new Transport(configFor(), { qps: 0, retryBaseMs: 1 });
    const response = await transport.request({ path: "/api/v1/pods", collectBody });
    assert.equal(calls, 2);
    assert.deepEqual(collected, ['{"kind":"PodList","items":[]}']);
    assert.equal(response.body, "collected 29 bytes");
    await assert.rejects(transport.request({ path: "/api/v1/pods", collectBody }), /no such thing/);
    assert.equal(collected.length, 1);
    transport.close();
  });

  test("500 is not retried", async () => {
    handler = (_req, res) =>
      json(res, 500, {
        kind: "Status",
        code: 500,
        status: "Failure",
        message: "boom",
        reason: "InternalError",
      });
    const transport = new Transport(configFor(), { qps: 0, retryBaseMs: 1 });
    await assert.rejects(
      transport.request({ path: "/x" }),
      (error: ApiError) => error.code === 500 && error.message === "boom",
    );
    assert.equal(requests.length, 1);
    transport.close();
  });

  test("Retry-After is honoured", async () => {
    let calls = 0;
    handler = (req, res) =>
      ++calls === 1 ? json(res, 429, { kind: "Status", code: 429 }, { "Retry-After": "1" }) : ok(req, res);
    const transport = new Transport(configFor(), { qps: 0 });
    const started = Date.now();
    await transport.request({ path: "/x" });
    assert.ok(Date.now() - started >= 950, `waited ${Date.now() - started} ms`);
    transport.close();
  });

  test("Retry-After is capped", async () => {
    let calls = 0;
    handler = (req, res) =>
      ++calls === 1 ? json(res, 429, { kind: "Status", code: 429 }, { "Retry-After": "3600" }) : ok(req, res);
    const transport = new Transport(configFor(), { qps: 0, maxRetryAfterSeconds: 0.1 });
    const started = Date.now();
    await transport.request({ path: "/x" });
    assert.ok(Date.now() - started < 2000);
    assert.equal(calls, 2);
    transport.close();
  });

  test("the last 429 surfaces with retryAfterSeconds", async () => {
    handler = (_req, res) =>
      json(
        res,
        429,
        { kind: "Status", code: 429, reason: "TooManyRequests", message: "slow down" },
        { "Retry-After": "0" },
      );
    const transport = new Transport(configFor(), { qps: 0, retries: 2, retryBaseMs: 1 });
    await assert.rejects(transport.request({ path: "/x" }), (error: ApiError) => {
      assert.equal(error.code, 429);
      assert.equal(error.retryAfterSeconds, 0);
      return true;
    });
    assert.equal(requests.length, 3);
    transport.close();
  });

  test("POST is not retried on 503", async () => {
    handler = (_req, res) => json(res, 503, { kind: "Status", code: 503 });
    const transport = new Transport(configFor(), { qps: 0, retryBaseMs: 1 });
    await assert.rejects(transport.request({ method: "POST", path: "/x", body: {} }), { code: 503 });
    assert.equal(requests.length, 1);
    transport.close();
  });

  test("idempotent: true lets a POST retry", async () => {
    let calls = 0;
    handler = (req, res) => (++calls === 1 ? json(res, 503, { kind: "Status", code: 503 }) : ok(req, res));
    const transport = new Transport(configFor(), { qps: 0, retryBaseMs: 1 });
    await transport.request({ method: "POST", path: "/x", body: {}, idempotent: true });
    assert.equal(calls, 2);
    transport.close();
  });

  test("GET is retried after a connection reset; POST is not", async () => {
    let calls = 0;
    handler = (req, res) => (++calls === 1 ? req.socket.destroy() : ok(req, res));
    const transport = new Transport(configFor(), { qps: 0, retryBaseMs: 1 });
    await transport.request({ path: "/x" });
    assert.equal(calls, 2);

    calls = 0;
    await assert.rejects(
      transport.request({ method: "POST", path: "/x", body: {} }),
      (error: ConnectionError) => {
        assert.ok(error instanceof ConnectionError);
        assert.equal(error.code, "ECONNRESET");
        return true;
      },
    );
    assert.equal(calls, 1);
    transport.close();
  });

  test("a body cut off halfway is retried for GET", async () => {
    let calls = 0;
    handler = (req, res) => {
      if (++calls > 1) return ok(req, res);
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": "100" });
      res.write('{"kind":"PodL');
      setTimeout(() => req.socket.destroy(), 5);
    };
    const transport = new Transport(configFor(), { qps: 0, retryBaseMs: 1 });
    const response = await transport.requestJson<{ kind: string }>({ path: "/api/v1/pods" });
    assert.equal(response.kind, "PodList");
    assert.equal(calls, 2);
    transport.close();
  });

  test("connection refused is retried even for POST (nothing was sent), then surfaces", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const metrics: RequestMetrics[] = [];
    const transport = new Transport(configFor({ server: `https://127.0.0.1:${port}` }), {
      qps: 0,
      retries: 2,
      retryBaseMs: 1,
      onRequest: (m) => metrics.push(m),
    });
    await assert.rejects(
      transport.request({ method: "POST", path: "/x", body: {} }),
      (error: ConnectionError) => {
        assert.equal(error.code, "ECONNREFUSED");
        assert.match(error.explain(), /Nothing is listening/);
        return true;
      },
    );
    assert.equal(metrics[0].retries, 2);
    assert.equal(metrics[0].status, 0);
    assert.equal(metrics[0].error, "ECONNREFUSED");
    transport.close();
  });
});

describe("401, warnings, limits, timeouts", () => {
  function tokens(initial: string, next: string | undefined): CredentialProvider & { refreshes: number } {
    let current = initial;
    return {
      refreshes: 0,
      async header() {
        return `Bearer ${current}`;
      },
      async refresh() {
        this.refreshes++;
        if (next === undefined || next === current) return false;
        current = next;
        return true;
      },
      describe: () => "test token",
      currentToken: () => current,
      close() {},
    };
  }

  test("401 → credentials.refresh() → one retry with the new token", async () => {
    handler = (req, res) =>
      req.headers.authorization === "Bearer new"
        ? ok(req, res)
        : json(res, 401, { kind: "Status", code: 401, message: "Unauthorized", reason: "Unauthorized" });
    const credentials = tokens("old", "new");
    const transport = new Transport(configFor({ credentials }), { qps: 0 });
    await transport.request({ path: "/x" });
    assert.equal(credentials.refreshes, 1);
    assert.deepEqual(
      requests.map((r) => r.headers.authorization),
      ["Bearer old", "Bearer new"],
    );
    transport.close();
  });

  test("401 with unchanged credentials → UnauthorizedError, no retry", async () => {
    handler = (_req, res) =>
      json(res, 401, { kind: "Status", code: 401, message: "Unauthorized", reason: "Unauthorized" });
    const credentials = tokens("same", undefined);
    const transport = new Transport(configFor({ credentials }), { qps: 0 });
    await assert.rejects(transport.request({ path: "/x" }), (error: UnauthorizedError) => {
      assert.ok(error instanceof UnauthorizedError);
      assert.equal(error.credentialsRefreshed, false);
      assert.equal(error.tokenDiagnosis.sent, true);
      assert.match(error.explain(), /had not changed/);
      return true;
    });
    assert.equal(requests.length, 1);
    assert.equal(credentials.refreshes, 1);
    transport.close();
  });

  test("each distinct Warning header is surfaced once", async () => {
    handler = (_req, res) => {
      res.setHeader("Warning", [
        '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"',
        '299 - "second \\"quoted\\" warning"',
      ]);
      json(res, 200, {});
    };
    const seen: string[] = [];
    const transport = new Transport(configFor(), { qps: 0, onWarning: (text) => seen.push(text) });
    for (let i = 0; i < 3; i++) await transport.request({ path: "/api/v1/endpoints" });
    assert.deepEqual(seen, [
      "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice",
      'second "quoted" warning',
    ]);
    transport.close();
  });

  test("the rate limiter spaces requests beyond the burst", async () => {
    const transport = new Transport(configFor(), { qps: 20, burst: 1 });
    const started = Date.now();
    for (let i = 0; i < 5; i++) await transport.request({ path: "/x" });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 180, `5 requests at 20 qps with burst 1 took only ${elapsed} ms`);
    transport.close();
  });

  test("a request that gets no answer times out", async () => {
    handler = () => {}; // never answers
    const transport = new Transport(configFor(), { qps: 0, retries: 0, timeoutMs: 150 });
    await assert.rejects(transport.request({ path: "/slow" }), (error: ConnectionError) => {
      assert.equal(error.code, "REQUEST_TIMEOUT");
      return true;
    });
    transport.close();
  });

  test("an AbortSignal cancels a request in flight", async () => {
    handler = () => {};
    const transport = new Transport(configFor(), { qps: 0 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(transport.request({ path: "/slow", signal: controller.signal }), {
      name: "AbortError",
    });
    transport.close();
  });
});

describe("errors from responses", () => {
  test("a Status body becomes a typed error whose message is the Status message", async () => {
    handler = (_req, res) =>
      json(res, 404, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: 'pods "web" not found',
        reason: "NotFound",
        details: { name: "web", kind: "pods" },
        code: 404,
      });
    const transport = new Transport(configFor(), { qps: 0 });
    await assert.rejects(
      transport.request({ path: "/api/v1/namespaces/default/pods/web" }),
      (error: ApiError) => {
        assert.ok(isNotFound(error));
        assert.equal(error.message, 'pods "web" not found');
        assert.equal(error.details?.name, "web");
        assert.equal(error.method, "GET");
        assert.equal(error.path, "/api/v1/namespaces/default/pods/web");
        return true;
      },
    );
    transport.close();
  });

  test("an HTML error page is summarised, not dumped", async () => {
    handler = (_req, res) => {
      res.writeHead(502, { "Content-Type": "text/html" });
      res.end(`<html><body>${"Bad Gateway ".repeat(500)}</body></html>`);
    };
    const transport = new Transport(configFor(), { qps: 0 });
    await assert.rejects(transport.request({ path: "/x" }), (error: ApiError) => {
      assert.equal(error.code, 502);
      assert.doesNotMatch(error.message, /<html>/);
      assert.ok(error.rawBody && error.rawBody.length < 2100);
      return true;
    });
    transport.close();
  });

  test("a certificate from the wrong CA is a ConnectionError that names the CA source", async () => {
    const transport = new Transport(configFor({ ca: new MutableCa(otherPem.cert) }), { qps: 0, retries: 0 });
    await assert.rejects(transport.request({ path: "/x" }), (error: ConnectionError) => {
      assert.ok(error instanceof ConnectionError);
      assert.match(error.message, /test CA bundle/);
      assert.match(error.explain(), /not signed by the configured CA/);
      return true;
    });
    transport.close();
  });
});

describe("streams", () => {
  test("stream() hands over the body before it ends", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"type":"ADDED"}\n');
    };
    const transport = new Transport(configFor(), { qps: 0 });
    const stream = await transport.stream({ path: "/api/v1/pods", query: { watch: "true" } });
    assert.equal(stream.status, 200);
    const first = await new Promise<string>((resolve) =>
      stream.body.once("data", (c: Buffer) => resolve(c.toString())),
    );
    assert.equal(first, '{"type":"ADDED"}\n');
    stream.close();
    transport.close();
  });

  test("a non-2xx stream fails with the typed error", async () => {
    handler = (_req, res) =>
      json(res, 403, {
        kind: "Status",
        code: 403,
        status: "Failure",
        reason: "Forbidden",
        message:
          'pods is forbidden: User "system:serviceaccount:default:web" cannot watch resource "pods" in API group "" in the namespace "default"',
      });
    const transport = new Transport(configFor(), { qps: 0 });
    await assert.rejects(transport.stream({ path: "/api/v1/namespaces/default/pods" }), {
      name: "ForbiddenError",
      code: 403,
    });
    transport.close();
  });
});

describe("helpers", () => {
  test("parseRetryAfter reads seconds and HTTP dates", () => {
    assert.equal(parseRetryAfter("7"), 7);
    assert.equal(
      parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 30)).toUTCString(), Date.UTC(2030, 0, 1)),
      30,
    );
    assert.equal(parseRetryAfter("soon"), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });

  test("parseWarningHeader handles several warnings, escapes and dates", () => {
    assert.deepEqual(parseWarningHeader('299 - "a", 299 - "b \\"c\\"" "Sat, 01 Jan 2000 00:00:00 GMT"'), [
      "a",
      'b "c"',
    ]);
    assert.deepEqual(parseWarningHeader(undefined), []);
  });

  test("TokenBucket: burst is free, then 1/qps apart", async () => {
    let now = 0;
    const bucket = new TokenBucket({ qps: 10, burst: 2, now: () => now });
    assert.equal(bucket.tryAcquire(), true);
    assert.equal(bucket.tryAcquire(), true);
    assert.equal(bucket.tryAcquire(), false);
    now += 100;
    assert.equal(bucket.tryAcquire(), true);
    assert.equal(new TokenBucket({ qps: 0 }).unlimited, true);
    assert.equal(await new TokenBucket({ qps: 0 }).acquire(), 0);
  });

  test("TokenBucket: an aborted wait gives its token back", async () => {
    let now = 0;
    const bucket = new TokenBucket({ qps: 1, burst: 1, now: () => now });
    await bucket.acquire();
    const controller = new AbortController();
    const waiting = bucket.acquire(controller.signal);
    controller.abort();
    await assert.rejects(waiting, { name: "AbortError" });
    now += 1000;
    // Had the aborted wait kept its reservation, the refill would only have paid that debt back.
    assert.equal(bucket.tryAcquire(), true);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
