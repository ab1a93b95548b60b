// The Service allocators over a real in-memory Store: reservations keep writes in flight apart, storage
// ends them, and a failed write's reservation expires.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Service } from "kubernetes-types/core/v1.d.ts";
import { ApiStatusError } from "../../../src/server/http/errors.ts";
import { ServiceAllocators } from "../../../src/server/registry/service-allocators.ts";
import { Store } from "../../../src/server/storage/index.ts";

const openStore = () =>
  Store.open({
    resources: {
      services: {
        namespaced: true,
        fields: (o) => ({
          "metadata.name": o.metadata.name,
          "metadata.namespace": o.metadata.namespace ?? "",
        }),
      },
    },
  });

const svc = (name: string, spec: Service["spec"] = {}): Service => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "ns" },
  // As the strategy hands it over: clusterIPs mirrors clusterIP.
  spec: {
    type: "ClusterIP",
    ports: [{ port: 80, protocol: "TCP" }],
    ...spec,
    ...(spec?.clusterIP ? { clusterIPs: [spec.clusterIP] } : {}),
  },
});

function message(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiStatusError) return e.status.message ?? "";
    throw e;
  }
  return "";
}

test("a value handed to a write not yet stored is not handed out again, until it expires", async () => {
  const store = await openStore();
  let now = 0;
  const alloc = new ServiceAllocators(store, () => now);
  const a = svc("a", { clusterIP: "10.96.3.3" });
  alloc.allocate(a);
  assert.match(
    message(() => alloc.allocate(svc("b", { clusterIP: "10.96.3.3" }))),
    /failed to allocate IP 10\.96\.3\.3: provided IP is already allocated/,
  );
  // The same owner may retry its own write.
  assert.equal(
    message(() => alloc.allocate(svc("a", { clusterIP: "10.96.3.3" }))),
    "",
  );
  now += 30_001; // a's write never reached storage
  assert.equal(
    message(() => alloc.allocate(svc("b", { clusterIP: "10.96.3.3" }))),
    "",
  );
});

test("once storage shows the owner's write, storage decides: a delete frees the value", async () => {
  const store = await openStore();
  const alloc = new ServiceAllocators(store);
  const a = svc("a", { type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 30500 }] });
  alloc.allocate(a);
  await store.create("services", a as never);
  assert.match(
    message(() =>
      alloc.allocate(svc("b", { type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 30500 }] })),
    ),
    /spec\.ports\[0\]\.nodePort: Invalid value: 30500: provided port is already allocated/,
  );
  await store.delete("services", "ns", "a", {});
  assert.equal(
    message(() =>
      alloc.allocate(svc("b", { type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 30500 }] })),
    ),
    "",
  );
});

test("dynamic values are distinct and in range; ports sharing a number share a node port", async () => {
  const store = await openStore();
  const alloc = new ServiceAllocators(store);
  const ips = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const s = svc(`s${i}`);
    alloc.allocate(s);
    ips.add(s.spec?.clusterIP ?? "");
  }
  assert.equal(ips.size, 50);
  const np = svc("np", {
    type: "NodePort",
    ports: [
      { name: "tcp", port: 53, protocol: "TCP" },
      { name: "udp", port: 53, protocol: "UDP" },
    ],
  });
  alloc.allocate(np);
  const [tcp, udp] = np.spec?.ports ?? [];
  assert.ok(tcp.nodePort && tcp.nodePort >= 30000 && tcp.nodePort <= 32767);
  assert.equal(udp.nodePort, tcp.nodePort);
});
