// The client against servers that misbehave (issue #14 point 8): an endless body, a server that hangs at
// each stage of the exchange, an endless watch line, a negative count. Each peer is a real HTTPS server on
// loopback (test/helpers/https-peer.ts); the client must fail fast, bounded, and say why.
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, beforeEach, describe, test } from "node:test";
import { KubeClient } from "../../../src/client/api.ts";
import { ConnectionError, ResponseError } from "../../../src/client/errors.ts";
import { DEFAULT_MAX_RESPONSE_BYTES, Transport } from "../../../src/client/transport.ts";
import { type HttpsPeer, startHttpsPeer } from "../../helpers/https-peer.ts";
import { runCli } from "../cli/run-cli.ts";

let peer: HttpsPeer;
const MiB = 1024 * 1024;

before(async () => {
  peer = await startHttpsPeer((_req, res) => res.end());
});
after(() => peer.close());
beforeEach(() => {
  peer.requests.length = 0;
});

/** Writes 64 KiB chunks of JSON-ish text until the client goes away; returns the bytes written. */
function endless(res: import("node:http").ServerResponse, sent: { bytes: number }, headers = {}): void {
  res.writeHead(200, { "Content-Type": "application/json", ...headers });
  res.write('{"kind":"PodList","items":[');
  const chunk = Buffer.alloc(64 * 1024, "x");
  const pump = () => {
    while (!res.destroyed && res.write(chunk)) sent.bytes += chunk.length;
    if (!res.destroyed) res.once("drain", pump);
  };
  res.on("close", () => res.removeAllListeners("drain"));
  pump();
}

describe("response size limits", () => {
  test("an endless body stops at maxResponseBytes with an error naming the limit and the fix", async () => {
    const sent = { bytes: 0 };
    peer.handler = (_req, res) => endless(res, sent);
    const transport = new Transport(peer.config(), { qps: 0, maxResponseBytes: 4 * MiB });
    const heapBefore = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    await assert.rejects(transport.request({ path: "/api/v1/pods" }), (error: unknown) => {
      assert.ok(error instanceof ResponseError, String(error));
      assert.equal(error.code, "RESPONSE_TOO_LARGE");
      assert.match(error.message, /GET \/api\/v1\/pods is larger than the 4 MiB limit/);
      assert.match(error.message, /maxResponseBytes/);
      return true;
    });
    assert.ok(performance.now() - started < 10_000);
    assert.equal(peer.requests.length, 1, "a size limit is not retried");
    assert.ok(process.memoryUsage().arrayBuffers - heapBefore < 64 * MiB);
    transport.close();
  });

  test("the default limit holds too, and a Content-Length above it fails before reading", async () => {
    const sent = { bytes: 0 };
    peer.handler = (_req, res) => endless(res, sent);
    const transport = new Transport(peer.config(), { qps: 0 });
    await assert.rejects(transport.request({ path: "/api/v1/pods" }), /larger than the 128 MiB limit/);
    assert.ok(sent.bytes < DEFAULT_MAX_RESPONSE_BYTES + 32 * MiB, `${sent.bytes} bytes were sent`);

    peer.handler = (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": String(200 * MiB) });
      res.write("{");
    };
    await assert.rejects(
      transport.request({ path: "/api/v1/secrets", maxResponseBytes: 8 * MiB }),
      /larger than the 8 MiB limit \(Content-Length 209715200\)/,
    );
    transport.close();
  });

  test("a watch event line over maxWatchEventBytes is an error for the caller, not resumed", async () => {
    const sent = { bytes: 0 };
    peer.handler = (req, res) => {
      if (req.url.searchParams.get("watch") === "true") return endless(res, sent);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(
        JSON.stringify({ kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "7" }, items: [] }),
      );
    };
    const client = new KubeClient(peer.config(), { qps: 0, maxWatchEventBytes: 2 * MiB });
    const events: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const event of client.resource("pods").watch()) events.push(event.type);
      })(),
      (error: unknown) => {
        assert.ok(error instanceof ResponseError, String(error));
        assert.equal(error.code, "RESPONSE_TOO_LARGE");
        assert.match(
          error.message,
          /a watch event on \/api\/v1\/namespaces\/default\/pods is larger than the 2 MiB limit/,
        );
        assert.match(error.message, /maxWatchEventBytes/);
        return true;
      },
    );
    assert.deepEqual(events, ["SYNCED"]);
    assert.equal(peer.requests.filter((r) => r.url.searchParams.get("watch")).length, 1);
    client.close();
  });
});

describe("answers that are not the API's", () => {
  test("a 200 that is not JSON (a proxy's login page) is a clear error, not a SyntaxError", async () => {
    peer.handler = (_req, res) => {
      res.writeHead(200, { "Content-Type": "text/html" });
      res.end("<!doctype html><title>Sign in</title>");
    };
    const transport = new Transport(peer.config(), { qps: 0 });
    await assert.rejects(transport.requestJson({ path: "/api/v1/pods" }), (error: unknown) => {
      assert.ok(error instanceof ResponseError, String(error));
      assert.equal(error.code, "INVALID_RESPONSE");
      assert.match(error.message, /GET \/api\/v1\/pods is not JSON \(text\/html, starting "<!doctype html>/);
      return true;
    });
    transport.close();
  });
});

describe("timeouts are one deadline for the whole request", () => {
  test("a server that never answers: the stated figure is the real one, retries included", async () => {
    peer.handler = () => {}; // headers never come
    const transport = new Transport(peer.config(), { qps: 0, timeoutMs: 800, retryBaseMs: 10 });
    const started = performance.now();
    await assert.rejects(transport.request({ path: "/api/v1/pods" }), (error: unknown) => {
      assert.ok(error instanceof ConnectionError, String(error));
      assert.equal(error.code, "REQUEST_TIMEOUT");
      assert.match(error.message, /no complete response from the API server within 800 ms/);
      return true;
    });
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 780 && elapsed < 1500, `failed after ${Math.round(elapsed)} ms`);
    transport.close();
  });

  test("a body that trickles forever counts against the same deadline", async () => {
    peer.handler = (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write("{");
      const timer = setInterval(() => res.write(" "), 50);
      res.on("close", () => clearInterval(timer));
    };
    const transport = new Transport(peer.config(), { qps: 0, timeoutMs: 800 });
    const started = performance.now();
    await assert.rejects(transport.request({ path: "/api/v1/pods" }), /within 800 ms/);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 1500, `failed after ${Math.round(elapsed)} ms`);
    transport.close();
  });

  test("a TLS handshake that never completes is inside the deadline", async () => {
    const silent = net.createServer(() => {}); // accepts TCP, never speaks TLS
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const transport = new Transport(peer.config({ server: `https://127.0.0.1:${port}` }), {
      qps: 0,
      timeoutMs: 600,
    });
    const started = performance.now();
    await assert.rejects(transport.request({ path: "/version" }), /within 600 ms/);
    assert.ok(performance.now() - started < 1300);
    transport.close();
    silent.close();
  });

  test("a Retry-After beyond the deadline is not slept through: the 429 surfaces at once", async () => {
    peer.handler = (_req, res) => {
      res.writeHead(429, { "Content-Type": "application/json", "Retry-After": "20" });
      res.end(
        JSON.stringify({
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          reason: "TooManyRequests",
          code: 429,
          message: "slow down",
        }),
      );
    };
    const transport = new Transport(peer.config(), { qps: 0, timeoutMs: 2000 });
    const started = performance.now();
    await assert.rejects(transport.request({ path: "/api/v1/pods" }), { code: 429, retryAfterSeconds: 20 });
    assert.ok(performance.now() - started < 1000);
    assert.equal(peer.requests.length, 1);
    transport.close();
  });
});

describe("counts", () => {
  test("`incluster pods count` never prints a negative count: a negative remainingItemCount is a clear error", async () => {
    peer.handler = (req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(
        JSON.stringify({
          kind: "PodList",
          apiVersion: "v1",
          metadata: { resourceVersion: "9", continue: "x", remainingItemCount: -6 },
          items: [{ metadata: { name: "a", namespace: "default" } }],
        }),
      );
      void req;
    };
    const result = await runCli(["pods", "count", "--once"], { env: await peer.podEnv({ token: "t" }) });
    assert.equal(result.code, 6, "exit code 6: the API server answered with something unusable");
    assert.doesNotMatch(result.stdout + result.stderr, /There are -?\d+ pods/);
    assert.match(result.stderr, /remainingItemCount is -6, not a non-negative integer/);
  });
});
