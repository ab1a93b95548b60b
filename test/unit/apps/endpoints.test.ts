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
