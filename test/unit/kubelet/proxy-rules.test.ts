// Service rules as kube-proxy's iptables mode writes them: ClusterIP match → SVC chain → random pick with
// probabilities 1/(n-i) → SEP chain → DNAT; no ready endpoints → REJECT; stale chains emptied and deleted;
// and the rules' input from Services and EndpointSlices (ready endpoints, named ports, headless skipped).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Service } from "kubernetes-types/core/v1.d.ts";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.d.ts";
import {
  chainsInDump,
  portProtoHash,
  renderRules,
  sepChain,
  svcChain,
} from "../../../src/kubelet/proxy/rules.ts";
import { servicePortRules } from "../../../src/kubelet/proxy/service-proxy.ts";

const web = {
  name: "default/web:http",
  clusterIP: "10.96.0.20",
  port: 80,
  protocol: "TCP" as const,
  endpoints: [
    { ip: "10.244.0.2", port: 9090 },
    { ip: "10.244.0.3", port: 9090 },
    { ip: "10.244.0.4", port: 9090 },
  ],
};

test("kube-proxy's chain hash: 16 base32 characters of the SHA-256", () => {
  assert.match(portProtoHash("default/web:httptcp"), /^[A-Z2-7]{16}$/);
  assert.notEqual(portProtoHash("a"), portProtoHash("b"));
  assert.ok(svcChain("INCL99-", web).length <= 28, "iptables chain names are at most 28 bytes");
});

test("a Service port: match its ClusterIP, mark for masquerade, pick at random, DNAT", () => {
  const text = renderRules("INCL3-", "cni-incluster3", [web]);
  const svc = svcChain("INCL3-", web);
  const lines = text.split("\n");
  assert.ok(
    lines.includes(
      `-A INCL3-SERVICES -m comment --comment "default/web:http cluster IP" -d 10.96.0.20/32 -p tcp -m tcp --dport 80 -j ${svc}`,
    ),
  );
  assert.ok(
    lines.includes(`-A ${svc} -m comment --comment "default/web:http cluster IP" -j INCL3-MARK-MASQ`),
  );
  const picks = lines.filter((l) => l.startsWith(`-A ${svc} `) && l.includes("SEP-"));
  assert.deepEqual(
    picks.map((l) => /--probability (\S+)/.exec(l)?.[1] ?? "last"),
    ["0.3333333333", "0.5000000000", "last"],
  );
  for (const ep of web.endpoints) {
    const sep = sepChain("INCL3-", web, ep);
    assert.ok(lines.includes(`:${sep} - [0:0]`));
    assert.ok(
      lines.includes(
        `-A ${sep} -m comment --comment "default/web:http" -p tcp -m tcp -j DNAT --to-destination ${ep.ip}:${ep.port}`,
      ),
    );
  }
  assert.ok(lines.includes("-A INCL3-POSTROUTING -j MASQUERADE") === false);
  assert.ok(lines.some((l) => l.startsWith("-A INCL3-POSTROUTING") && l.endsWith("-j MASQUERADE")));
  assert.ok(lines.some((l) => l.startsWith("-A INCL3-FIREWALL -d 127.0.0.0/8") && l.endsWith("-j DROP")));
  assert.equal(lines.filter((l) => l === "COMMIT").length, 2);
});

test("no ready endpoints: REJECT in filter, no nat chain", () => {
  const text = renderRules("INCL3-", "cni-incluster3", [{ ...web, endpoints: [] }]);
  assert.match(
    text,
    /-A INCL3-SERVICES -m comment --comment "default\/web:http has no endpoints" -d 10\.96\.0\.20\/32 -p tcp -m tcp --dport 80 -j REJECT/,
  );
  assert.doesNotMatch(text, /SVC-/);
});

test("stale chains of this prefix are emptied and deleted; used ones are kept", () => {
  const used = svcChain("INCL3-", web);
  const text = renderRules("INCL3-", "cni-incluster3", [web], {
    nat: ["INCL3-SVC-OLDOLDOLDOLDOLD1", used, "INCL3-SERVICES"],
    filter: ["INCL3-OLD"],
  });
  assert.match(text, /:INCL3-SVC-OLDOLDOLDOLDOLD1 - \[0:0\]\n/);
  assert.match(text, /-X INCL3-SVC-OLDOLDOLDOLDOLD1\n/);
  assert.doesNotMatch(text, new RegExp(`-X ${used}`));
  assert.doesNotMatch(text, /-X INCL3-SERVICES/);
  assert.match(text, /-X INCL3-OLD\n/);
  assert.deepEqual(
    chainsInDump(":INCL3-SERVICES - [0:0]\n:KUBE-SERVICES - [0:0]\n:INCL3-X - [0:0]", "INCL3-"),
    ["INCL3-SERVICES", "INCL3-X"],
  );
});

test("rules come from Services and their EndpointSlices: ready endpoints of the matching port only", () => {
  const services: Service[] = [
    {
      metadata: { namespace: "ns", name: "web" },
      spec: { clusterIP: "10.96.0.20", ports: [{ name: "http", port: 80, protocol: "TCP" }] },
    },
    { metadata: { namespace: "ns", name: "headless" }, spec: { clusterIP: "None", ports: [{ port: 80 }] } },
  ];
  const slices: EndpointSlice[] = [
    {
      metadata: { namespace: "ns", name: "web-x", labels: { "kubernetes.io/service-name": "web" } },
      addressType: "IPv4",
      ports: [
        { name: "http", port: 9090, protocol: "TCP" },
        { name: "other", port: 1, protocol: "TCP" },
      ],
      endpoints: [
        { addresses: ["10.244.0.3"], conditions: { ready: true } },
        { addresses: ["10.244.0.2"], conditions: { ready: true } },
        { addresses: ["10.244.0.9"], conditions: { ready: false } },
        // Never reaches the root-run iptables-restore payload, even if stored without validation.
        { addresses: ["10.244.0.5 -j ACCEPT\n-A INPUT"], conditions: { ready: true } },
        // Never a DNAT target (ValidateEndpointIP's ranges): the host's loopback (a host-network Pod's
        // address, or anyone's slice), unspecified, link-local (the cloud metadata service), multicast.
        { addresses: ["127.0.1.4"], conditions: { ready: true } },
        { addresses: ["127.0.0.1"], conditions: { ready: true } },
        { addresses: ["0.0.0.0"], conditions: { ready: true } },
        { addresses: ["169.254.169.254"], conditions: { ready: true } },
        { addresses: ["224.0.0.1"], conditions: { ready: true } },
      ],
    },
    {
      metadata: { namespace: "other", name: "web", labels: { "kubernetes.io/service-name": "web" } },
      addressType: "IPv4",
      ports: [{ name: "http", port: 9090, protocol: "TCP" }],
      endpoints: [{ addresses: ["10.244.0.7"], conditions: { ready: true } }],
    },
  ];
  assert.deepEqual(servicePortRules(services, slices), [
    {
      name: "ns/web:http",
      clusterIP: "10.96.0.20",
      port: 80,
      protocol: "TCP",
      endpoints: [
        { ip: "10.244.0.2", port: 9090 },
        { ip: "10.244.0.3", port: 9090 },
      ],
    },
  ]);
});

test("only the API server's own Service may lead to the host's loopback", () => {
  const service = (namespace: string, name: string): Service => ({
    metadata: { namespace, name },
    spec: { clusterIP: "10.96.0.1", ports: [{ name: "https", port: 443, protocol: "TCP" }] },
  });
  const slice = (namespace: string, name: string): EndpointSlice => ({
    metadata: { namespace, name, labels: { "kubernetes.io/service-name": name } },
    addressType: "IPv4",
    ports: [{ name: "https", port: 6443, protocol: "TCP" }],
    endpoints: [{ addresses: ["127.0.0.1"], conditions: { ready: true } }],
  });
  const [api, impostor] = servicePortRules(
    [service("default", "kubernetes"), service("shop", "kubernetes")],
    [slice("default", "kubernetes"), slice("shop", "kubernetes")],
  );
  assert.deepEqual(api.endpoints, [{ ip: "127.0.0.1", port: 6443 }]);
  assert.equal(impostor.name, "shop/kubernetes:https");
  assert.deepEqual(impostor.endpoints, [], "REJECTed, not DNATed to loopback");
});
