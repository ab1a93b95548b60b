// The kubelet's DNS configurer (dnsPolicy, dnsConfig merge, limits, resolv.conf text) and the cluster DNS's
// answers for names under cluster.local.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod, Service } from "kubernetes-types/core/v1.d.ts";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.d.ts";
import { answerClusterName } from "../../../src/kubelet/dns/cluster-dns.ts";
import { parseResolvConf, podDnsConfig, renderResolvConf } from "../../../src/kubelet/dns/resolv-conf.ts";

const host = parseResolvConf(
  "# comment\nnameserver 192.0.2.1\nnameserver 192.0.2.2\nsearch corp.test\noptions rotate\n",
);
const pod = (spec: Pod["spec"]): Pod => ({ metadata: { namespace: "shop", name: "p" }, spec });

test("the host's resolv.conf is parsed (nameserver, search, options; comments skipped)", () => {
  assert.deepEqual(host, {
    servers: ["192.0.2.1", "192.0.2.2"],
    searches: ["corp.test"],
    options: ["rotate"],
  });
});

test("ClusterFirst: the cluster DNS only, the cluster's search domains before the host's, ndots:5", () => {
  const text = renderResolvConf(podDnsConfig(pod({ containers: [] }), "10.244.0.1", host));
  assert.equal(
    text,
    "search shop.svc.cluster.local svc.cluster.local cluster.local corp.test\nnameserver 10.244.0.1\noptions ndots:5\n",
  );
});

test("Default, and ClusterFirst on the host network, use the host's settings", () => {
  for (const spec of [
    { dnsPolicy: "Default", containers: [] },
    { dnsPolicy: "ClusterFirst", hostNetwork: true, containers: [] },
  ]) {
    assert.deepEqual(podDnsConfig(pod(spec), "10.244.0.1", host), host);
  }
  assert.deepEqual(
    podDnsConfig(
      pod({ dnsPolicy: "ClusterFirstWithHostNet", hostNetwork: true, containers: [] }),
      "10.244.0.1",
      host,
    ).servers,
    ["10.244.0.1"],
  );
});

test("None + dnsConfig; dnsConfig appends and overrides options by name; limits", () => {
  const none = podDnsConfig(
    pod({ dnsPolicy: "None", dnsConfig: { nameservers: ["1.1.1.1"], searches: ["a.test"] }, containers: [] }),
    "10.244.0.1",
    host,
  );
  assert.deepEqual(none, { servers: ["1.1.1.1"], searches: ["a.test"], options: [] });
  const merged = podDnsConfig(
    pod({
      dnsConfig: {
        nameservers: ["10.244.0.1", "1.1.1.1", "8.8.8.8", "9.9.9.9"],
        searches: ["svc.cluster.local", "b.test"],
        options: [{ name: "ndots", value: "2" }, { name: "edns0" }],
      },
      containers: [],
    }),
    "10.244.0.1",
    host,
  );
  assert.deepEqual(
    merged.servers,
    ["10.244.0.1", "1.1.1.1", "8.8.8.8"],
    "at most 3 nameservers, no duplicates",
  );
  assert.deepEqual(merged.searches, [
    "shop.svc.cluster.local",
    "svc.cluster.local",
    "cluster.local",
    "corp.test",
    "b.test",
  ]);
  assert.deepEqual(merged.options, ["ndots:2", "edns0"]);
});

const services: Service[] = [
  { metadata: { namespace: "shop", name: "web" }, spec: { clusterIP: "10.96.0.20" } },
  { metadata: { namespace: "shop", name: "db" }, spec: { clusterIP: "None" } },
  {
    metadata: { namespace: "shop", name: "ext" },
    spec: { type: "ExternalName", externalName: "example.test" },
  },
];
const slices: EndpointSlice[] = [
  {
    metadata: { namespace: "shop", name: "db-1", labels: { "kubernetes.io/service-name": "db" } },
    addressType: "IPv4",
    endpoints: [
      { addresses: ["10.244.0.9"], conditions: { ready: true } },
      { addresses: ["10.244.0.5"] },
      { addresses: ["10.244.0.7"], conditions: { ready: false } },
      // Not an IPv4 address: left out (dns-packet would throw encoding it).
      { addresses: ["10.244.0.1.evil"], conditions: { ready: true } },
    ],
  },
];
const records = { services: () => services, slices: () => slices };
const ask = (name: string, type: "A" | "AAAA" = "A") =>
  answerClusterName({ name, type, class: "IN" }, records);
const data = (name: string) => ask(name)?.answers.map((a) => (a as { data: unknown }).data);

test("Service names: ClusterIP, headless → ready endpoints, ExternalName → CNAME, unknown → NXDOMAIN", () => {
  assert.deepEqual(data("web.shop.svc.cluster.local"), ["10.96.0.20"]);
  assert.deepEqual(data("WEB.shop.svc.cluster.local."), ["10.96.0.20"]);
  assert.deepEqual(data("db.shop.svc.cluster.local"), ["10.244.0.5", "10.244.0.9"]);
  const ext = ask("ext.shop.svc.cluster.local");
  assert.equal(ext?.answers[0].type, "CNAME");
  assert.deepEqual(data("ext.shop.svc.cluster.local"), ["example.test"]);
  assert.deepEqual(ask("web.shop.svc.cluster.local", "AAAA"), { rcode: "NOERROR", answers: [] });
  assert.equal(ask("web.other.svc.cluster.local")?.rcode, "NXDOMAIN");
  assert.equal(ask("web.shop.svc.cluster.local.shop.svc.cluster.local")?.rcode, "NXDOMAIN");
  assert.deepEqual(data("10-244-0-9.shop.pod.cluster.local"), ["10.244.0.9"]);
  assert.equal(ask("10-244-0-999.shop.pod.cluster.local")?.rcode, "NXDOMAIN");
  assert.equal(ask("example.com"), undefined, "names outside cluster.local are forwarded");
});
