// Folding EndpointSlices into a Service's ready address set, and how it is printed.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.d.ts";
import { endpointsRecord, endpointsSentence } from "../../../src/apps/endpoints/format.ts";
import { readyEndpoints, sameEndpoints } from "../../../src/apps/endpoints/ready-endpoints.ts";

const slice = (endpoints: EndpointSlice["endpoints"], ports: EndpointSlice["ports"] = []): EndpointSlice => ({
  addressType: "IPv4",
  endpoints,
  ports,
});

test("ready endpoints across slices: ready unset counts as ready, not-ready and terminating do not", () => {
  const ready = readyEndpoints([
    slice(
      [
        { addresses: ["10.0.0.10"], conditions: { ready: true } },
        { addresses: ["10.0.0.9"] },
        { addresses: ["10.0.0.8"], conditions: { ready: false, serving: true, terminating: true } },
      ],
      [{ name: "http", port: 8080, protocol: "TCP" }],
    ),
    slice(
      [{ addresses: ["10.0.0.10"], conditions: { ready: true } }],
      [{ name: "http", port: 8080 }, { port: 9090 }],
    ),
  ]);
  assert.deepEqual(ready, {
    addresses: ["10.0.0.9", "10.0.0.10"],
    ports: [
      { name: "http", port: 8080, protocol: "TCP" },
      { name: "", port: 9090, protocol: "TCP" },
    ],
  });
  assert.ok(
    sameEndpoints(
      ready,
      readyEndpoints([
        slice(
          [{ addresses: ["10.0.0.10"] }, { addresses: ["10.0.0.9"] }],
          [{ name: "http", port: 8080 }, { port: 9090 }],
        ),
      ]),
    ),
  );
  assert.ok(!sameEndpoints(undefined, ready));
});

test("sentences and records", () => {
  const service = { namespace: "shop", name: "web" };
  const two = { addresses: ["10.0.0.1", "10.0.0.2"], ports: [{ name: "http", port: 8080, protocol: "TCP" }] };
  assert.equal(
    endpointsSentence(service, two),
    "Service shop/web: 2 ready endpoints: 10.0.0.1, 10.0.0.2 (ports: http 8080/TCP)",
  );
  assert.equal(
    endpointsSentence(service, { addresses: ["10.0.0.1"], ports: [{ name: "", port: 53, protocol: "UDP" }] }),
    "Service shop/web: 1 ready endpoint: 10.0.0.1 (ports: 53/UDP)",
  );
  assert.equal(
    endpointsSentence(service, { addresses: [], ports: [] }),
    "Service shop/web: no ready endpoints",
  );
  assert.deepEqual(endpointsRecord(service, two), { namespace: "shop", service: "web", ready: 2, ...two });
});

test("addresses sort numerically per dotted part, then as text, like a per-comparison split would", () => {
  const addresses = [
    "10.0.0.10",
    "10.0.0.9",
    "fe80::1",
    "01.2.3.4",
    "1.2.3.5",
    "300.1.1.1",
    "2.0.0.0",
    "255.255.255.255",
    "0.0.0.0",
    "a.b.c.d",
    "host.example",
    "10.0.0.9.1",
    "192.168.1.1",
  ];
  // The reference: split both addresses at every comparison.
  const reference = [...new Set(addresses)].sort((a, b) => {
    const pa = a.split(".").map(Number);
    const pb = b.split(".").map(Number);
    if (pa.length === 4 && pb.length === 4 && [...pa, ...pb].every(Number.isInteger)) {
      for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
      return 0;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const slices: EndpointSlice[] = [
    { addressType: "IPv4", endpoints: addresses.map((a) => ({ addresses: [a] })), metadata: { name: "s" } },
  ];
  assert.deepEqual(readyEndpoints(slices).addresses, reference);
  assert.equal(readyEndpoints(slices).addresses[0], "0.0.0.0");
});
