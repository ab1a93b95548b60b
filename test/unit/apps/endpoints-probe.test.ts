// `endpoints watch --probe`: TCP connect and HTTP GET against real sockets on loopback, port resolution,
// and how a probe report is printed.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { probeRecord, probeSentence } from "../../../src/apps/endpoints/format.ts";
import { probeEndpoints, resolveProbePort } from "../../../src/apps/endpoints/probe.ts";

let server: http.Server;
let port: number;
before(async () => {
  server = http.createServer((req, res) => {
    res.statusCode = req.url === "/metrics" ? 200 : 404;
    res.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => server.close());

const ports = () => [{ name: "metrics", port, protocol: "TCP" }];

test("resolves a port number as is and a name through the endpoints' TCP ports", () => {
  assert.equal(resolveProbePort("9090", []), 9090);
  assert.equal(resolveProbePort("metrics", [{ name: "metrics", port: 9090, protocol: "TCP" }]), 9090);
  assert.equal(resolveProbePort("dns", [{ name: "dns", port: 53, protocol: "UDP" }]), undefined);
  assert.equal(resolveProbePort("http", [{ name: "metrics", port: 9090, protocol: "TCP" }]), undefined);
});

test("TCP: the listening address answers, a closed one is refused", async () => {
  // 127.0.0.2 is loopback on Linux too, with nothing listening on the port.
  const report = await probeEndpoints(["127.0.0.1", "127.0.0.2"], ports(), {
    port: "metrics",
    timeoutMs: 1000,
  });
  assert.equal(report.port, port);
  assert.deepEqual(report.results, [
    { address: "127.0.0.1", answered: true, detail: "connected" },
    { address: "127.0.0.2", answered: false, detail: "connect ECONNREFUSED" },
  ]);
});

test("HTTP: 200-399 answers, other statuses do not", async () => {
  const ok = await probeEndpoints(["127.0.0.1"], ports(), {
    port: String(port),
    path: "/metrics",
    timeoutMs: 1000,
  });
  assert.deepEqual(ok.results, [{ address: "127.0.0.1", answered: true, detail: "HTTP 200" }]);
  const missing = await probeEndpoints(["127.0.0.1"], ports(), {
    port: "metrics",
    path: "/nope",
    timeoutMs: 1000,
  });
  assert.deepEqual(missing.results, [{ address: "127.0.0.1", answered: false, detail: "HTTP 404" }]);
});

test("a path Node refuses to send fails the endpoint instead of throwing", async () => {
  const report = await probeEndpoints(["127.0.0.1"], ports(), {
    port: "metrics",
    path: "/a b",
    timeoutMs: 500,
  });
  assert.equal(report.results[0].answered, false);
  assert.match(report.results[0].detail, /unescaped characters/i);
});

test("a silent endpoint fails after the timeout instead of hanging", async () => {
  const silent = http.createServer(() => {}); // accepts, never responds
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  try {
    const silentPort = (silent.address() as AddressInfo).port;
    const started = Date.now();
    const report = await probeEndpoints([], [], { port: "x", timeoutMs: 100 });
    assert.deepEqual(report.results, []);
    const slow = await probeEndpoints(["127.0.0.1"], [], {
      port: String(silentPort),
      path: "/",
      timeoutMs: 200,
    });
    assert.deepEqual(slow.results, [
      { address: "127.0.0.1", answered: false, detail: "no answer within 200ms" },
    ]);
    assert.ok(Date.now() - started < 2000);
  } finally {
    silent.closeAllConnections();
    silent.close();
  }
});

test("an unknown port name fails every endpoint and names the ports there are", async () => {
  const report = await probeEndpoints(["10.0.0.1"], ports(), { port: "http", timeoutMs: 100 });
  assert.equal(report.port, undefined);
  assert.deepEqual(report.results, [
    {
      address: "10.0.0.1",
      answered: false,
      detail: 'no TCP port "http" on the Service\'s endpoints (ports: metrics)',
    },
  ]);
});

test("the sentence and the record of a probe", () => {
  const report = {
    port: 9090,
    path: "/metrics",
    results: [
      { address: "10.244.0.5", answered: true, detail: "HTTP 200" },
      { address: "10.244.0.6", answered: false, detail: "connect ECONNREFUSED" },
    ],
  };
  assert.equal(
    probeSentence(report),
    "GET :9090/metrics answered by 10.244.0.5; not by 10.244.0.6 (connect ECONNREFUSED)",
  );
  assert.deepEqual(probeRecord(report), {
    port: 9090,
    path: "/metrics",
    answered: 1,
    results: report.results,
  });
  assert.equal(
    probeSentence({
      port: 53,
      results: [{ address: "10.0.0.1", answered: false, detail: "connect ECONNREFUSED" }],
    }),
    "TCP :53 answered by none; not by 10.0.0.1 (connect ECONNREFUSED)",
  );
});
