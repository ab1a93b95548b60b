// NetworkPolicy evaluation against upstream's e2e truth tables (test/e2e/network/netpol/network_policy.go):
// the model of model.go — namespaces x, y, z labelled ns=<name>, Pods a, b, c labelled pod=<name>, each
// serving ports 80 and 81 over TCP, UDP and SCTP as named ports serve-<port>-<proto> — and each case's
// expected reachability matrix (default allowed, then ExpectPeer/ExpectAllIngress/ExpectAllEgress/Expect).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { NetworkPolicy, NetworkPolicySpec } from "kubernetes-types/networking/v1.d.ts";
import {
  connectionAllowed,
  type PolicyPod,
  type Protocol,
  podFirewalls,
  policyTypesOf,
  subtractCidrs,
} from "../../../src/kubelet/network/network-policy.ts";
import { clusterDnsPeer } from "../../../src/kubelet/network/network-policy-controller.ts";

const NAMESPACES = ["x", "y", "z"];
const PODS = ["a", "b", "c"];
const PROTOCOLS: Protocol[] = ["TCP", "UDP", "SCTP"];

const MODEL: PolicyPod[] = NAMESPACES.flatMap((ns, i) =>
  PODS.map((name, j) => ({
    uid: `${ns}-${name}`,
    namespace: ns,
    name,
    labels: { pod: name },
    ip: `10.244.${i + 1}.${j + 1}`,
    ports: [80, 81].flatMap((port) =>
      PROTOCOLS.map((protocol) => ({ name: `serve-${port}-${protocol.toLowerCase()}`, port, protocol })),
    ),
  })),
);
const NS_OBJECTS = NAMESPACES.map((name) => ({
  name,
  labels: { ns: name, "kubernetes.io/metadata.name": name },
}));
const podOf = (s: string) => MODEL.find((p) => `${p.namespace}/${p.name}` === s) as PolicyPod;

/** GenNetworkPolicyWithNameAndPodMatchLabel / ...PodSelector in namespace `ns`. */
function policy(ns: string, name: string, spec: NetworkPolicySpec): NetworkPolicy {
  return { metadata: { namespace: ns, name }, spec };
}

interface Peer {
  ns?: string;
  pod?: string;
}

class Reachability {
  readonly expected = new Map<string, boolean>();
  constructor() {
    for (const from of MODEL) for (const to of MODEL) this.expected.set(key(from, to), true);
  }
  expectPeer(from: Peer, to: Peer, allowed: boolean): this {
    const is = (p: PolicyPod, peer: Peer) =>
      (!peer.ns || p.namespace === peer.ns) && (!peer.pod || p.name === peer.pod);
    for (const f of MODEL)
      for (const t of MODEL) if (is(f, from) && is(t, to)) this.expected.set(key(f, t), allowed);
    return this;
  }
  expectAllIngress(to: string, allowed: boolean): this {
    const [ns, pod] = to.split("/");
    return this.expectPeer({}, { ns, pod }, allowed);
  }
  expectAllEgress(from: string, allowed: boolean): this {
    const [ns, pod] = from.split("/");
    return this.expectPeer({ ns, pod }, {}, allowed);
  }
  expect(from: string, to: string, allowed: boolean): this {
    this.expected.set(key(podOf(from), podOf(to)), allowed);
    return this;
  }
}

const key = (from: PolicyPod, to: PolicyPod) =>
  `${from.namespace}/${from.name} -> ${to.namespace}/${to.name}`;

/** Compares the whole matrix; the message lists only the wrong cells. */
function validate(policies: NetworkPolicy[], port: number, protocol: Protocol, want: Reachability) {
  const firewalls = podFirewalls(policies, MODEL, NS_OBJECTS);
  const wrong: string[] = [];
  for (const from of MODEL)
    for (const to of MODEL) {
      const got = connectionAllowed(firewalls, from.ip, to.ip, protocol, port);
      if (got !== want.expected.get(key(from, to)))
        wrong.push(`${key(from, to)} ${port}/${protocol}: got ${got ? "allowed" : "blocked"}`);
    }
  assert.deepEqual(wrong, []);
}

const denyIngress = policy("x", "deny-ingress", { podSelector: {}, policyTypes: ["Ingress"] });
const podA = { matchLabels: { pod: "a" } };

test("should support a 'default-deny-ingress' policy", () => {
  validate([denyIngress], 80, "TCP", new Reachability().expectPeer({}, { ns: "x" }, false));
});

test("should support a 'default-deny-all' policy", () => {
  const p = policy("x", "deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  const want = new Reachability().expectPeer({}, { ns: "x" }, false).expectPeer({ ns: "x" }, {}, false);
  validate([p], 80, "TCP", want);
});

test("should enforce policy to allow traffic from pods within server namespace based on PodSelector", () => {
  const p = policy("x", "x-a-allows-x-b", {
    podSelector: podA,
    ingress: [{ from: [{ podSelector: { matchLabels: { pod: "b" } } }] }],
  });
  validate([p], 80, "TCP", new Reachability().expectAllIngress("x/a", false).expect("x/b", "x/a", true));
});

test("should enforce policy to allow ingress traffic for a target", () => {
  const allowAllToA = policy("x", "allow-all-to-a", {
    podSelector: podA,
    ingress: [{ from: [{ podSelector: {}, namespaceSelector: {} }] }],
  });
  const want = new Reachability().expectAllIngress("x/a", true).expectAllIngress("x/b", false);
  want.expectAllIngress("x/c", false);
  validate([denyIngress, allowAllToA], 80, "TCP", want);
});

test("should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector", () => {
  const p = policy("x", "allow-client-a-via-ns-selector", {
    podSelector: podA,
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "y" } } }] }],
  });
  const want = new Reachability()
    .expectPeer({ ns: "x" }, { ns: "x", pod: "a" }, false)
    .expectPeer({ ns: "z" }, { ns: "x", pod: "a" }, false);
  validate([p], 80, "TCP", want);
});

test("should enforce policy based on PodSelector or NamespaceSelector", () => {
  const p = policy("x", "allow-ns-y-match-selector", {
    podSelector: podA,
    ingress: [
      {
        from: [
          { namespaceSelector: { matchExpressions: [{ key: "ns", operator: "NotIn", values: ["x"] }] } },
          { podSelector: { matchLabels: { pod: "b" } } },
        ],
      },
    ],
  });
  validate([p], 80, "TCP", new Reachability().expect("x/a", "x/a", false).expect("x/c", "x/a", false));
});

test("should enforce policy based on PodSelector and NamespaceSelector", () => {
  const p = policy("x", "allow-ns-y-podselector-and-nsselector", {
    podSelector: podA,
    ingress: [
      {
        from: [
          {
            namespaceSelector: { matchExpressions: [{ key: "ns", operator: "NotIn", values: ["x"] }] },
            podSelector: { matchLabels: { pod: "b" } },
          },
        ],
      },
    ],
  });
  const want = new Reachability()
    .expectAllIngress("x/a", false)
    .expect("y/b", "x/a", true)
    .expect("z/b", "x/a", true);
  validate([p], 80, "TCP", want);
});

test("should allow ingress access on one named port", () => {
  const p = policy("x", "allow-all", {
    podSelector: {},
    ingress: [{ ports: [{ port: "serve-81-tcp" }] }],
  });
  validate([p], 81, "TCP", new Reachability());
  validate([p], 80, "TCP", new Reachability().expectPeer({}, { ns: "x" }, false));
});

test("should allow egress access on one named port (resolved on each destination Pod)", () => {
  const p = policy("x", "allow-egress", {
    podSelector: {},
    egress: [{ ports: [{ port: "serve-80-tcp" }] }],
  });
  assert.deepEqual(policyTypesOf(p), ["Ingress", "Egress"]); // defaulted: egress rules exist
  // Ingress is isolated too (policyTypes defaulting) with no ingress rules.
  const want80 = new Reachability().expectPeer({}, { ns: "x" }, false);
  validate([p], 80, "TCP", want80);
  const want81 = new Reachability().expectPeer({}, { ns: "x" }, false).expectPeer({ ns: "x" }, {}, false);
  validate([p], 81, "TCP", want81);
});

test("should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)", () => {
  const xa = {
    namespaceSelector: { matchLabels: { ns: "x" } },
    podSelector: { matchLabels: { pod: "a" } },
  };
  const egress = policy("x", "allow-to-ns-y-pod-a", {
    podSelector: podA,
    policyTypes: ["Egress"],
    egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: "y" } }, podSelector: podA }] }],
  });
  const ingressA = policy("y", "allow-from-xa-on-ya", { podSelector: podA, ingress: [{ from: [xa] }] });
  const ingressB = policy("y", "allow-from-xa-on-yb", {
    podSelector: { matchLabels: { pod: "b" } },
    ingress: [{ from: [xa] }],
  });
  const want = new Reachability()
    .expectPeer({ ns: "x", pod: "a" }, {}, false)
    .expectPeer({}, { ns: "y", pod: "a" }, false)
    .expectPeer({ ns: "x", pod: "a" }, { ns: "y", pod: "a" }, true)
    .expectPeer({}, { ns: "y", pod: "b" }, false);
  validate([egress, ingressA, ingressB], 80, "TCP", want);
});

test("should work with Ingress, Egress specified together", () => {
  const p = policy("x", "allow-client-a-via-pod-selector", {
    podSelector: podA,
    policyTypes: ["Egress", "Ingress"],
    ingress: [{ from: [{ podSelector: { matchLabels: { pod: "b" } } }] }],
    egress: [{ ports: [{ port: 80 }] }],
  });
  validate([p], 80, "TCP", new Reachability().expectAllIngress("x/a", false).expect("x/b", "x/a", true));
  const want81 = new Reachability()
    .expectAllIngress("x/a", false)
    .expectAllEgress("x/a", false)
    .expect("x/b", "x/a", true);
  validate([p], 81, "TCP", want81);
});

test("should enforce ingress policy allowing any port traffic to a server on a specific protocol", () => {
  const p = policy("x", "allow-ingress-by-proto", {
    podSelector: podA,
    ingress: [{ ports: [{ protocol: "TCP" }] }],
  });
  validate([p], 80, "TCP", new Reachability());
  validate([p], 80, "UDP", new Reachability().expectPeer({}, { ns: "x", pod: "a" }, false));
});

test("should enforce multiple ingress policies with ingress allow-all policy taking precedence", () => {
  const only80 = policy("x", "allow-ingress-port-80", {
    podSelector: {},
    ingress: [{ ports: [{ port: 80 }] }],
  });
  validate([only80], 81, "TCP", new Reachability().expectPeer({}, { ns: "x" }, false));
  const allowAll = policy("x", "allow-ingress", { podSelector: {}, ingress: [{}] });
  validate([only80, allowAll], 81, "TCP", new Reachability());
});

test("should enforce multiple egress policies with egress allow-all policy taking precedence", () => {
  const only80 = policy("x", "allow-egress-port-80", {
    podSelector: {},
    policyTypes: ["Egress"],
    egress: [{ ports: [{ port: 80 }] }],
  });
  validate([only80], 81, "TCP", new Reachability().expectPeer({ ns: "x" }, {}, false));
  const allowAll = policy("x", "allow-egress", { podSelector: {}, policyTypes: ["Egress"], egress: [{}] });
  validate([only80, allowAll], 81, "TCP", new Reachability());
});

test("should allow egress access to server in CIDR block", () => {
  const p = policy("x", "allow-client-a-via-cidr-egress-rule", {
    podSelector: podA,
    policyTypes: ["Egress"],
    egress: [{ to: [{ ipBlock: { cidr: `${podOf("y/b").ip}/32` } }] }],
  });
  validate([p], 80, "TCP", new Reachability().expectAllEgress("x/a", false).expect("x/a", "y/b", true));
});

test("should enforce except clause while egress access to server in CIDR block", () => {
  const p = policy("x", "deny-client-a-via-except-cidr-egress-rule", {
    podSelector: podA,
    policyTypes: ["Egress"],
    egress: [{ to: [{ ipBlock: { cidr: "10.244.0.0/16", except: [`${podOf("x/b").ip}/32`] } }] }],
  });
  validate([p], 80, "TCP", new Reachability().expect("x/a", "x/b", false));
});

test("should allow ingress access from a specific ip block with except (the block of namespace y minus y/c)", () => {
  const p = policy("x", "allow-ingress-from-y-block", {
    podSelector: podA,
    ingress: [{ from: [{ ipBlock: { cidr: "10.244.2.0/24", except: [`${podOf("y/c").ip}/32`] } }] }],
  });
  const want = new Reachability().expectAllIngress("x/a", false).expect("y/a", "x/a", true);
  validate([p], 80, "TCP", want.expect("y/b", "x/a", true));
});

test("should enforce ingress policy allowing a port range (endPort)", () => {
  const p = policy("x", "allow-port-range", {
    podSelector: podA,
    ingress: [{ ports: [{ protocol: "TCP", port: 79, endPort: 80 }] }],
  });
  validate([p], 80, "TCP", new Reachability());
  validate([p], 81, "TCP", new Reachability().expectAllIngress("x/a", false));
});

test("should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP'", () => {
  const p = policy("x", "allow-only-sctp-ingress-on-port-81", {
    podSelector: podA,
    ingress: [{ ports: [{ port: 81, protocol: "SCTP" }] }],
  });
  validate([p], 81, "TCP", new Reachability().expectAllIngress("x/a", false));
  validate([p], 81, "SCTP", new Reachability());
});

test("should not allow access by TCP when a policy specifies only UDP", () => {
  const p = policy("x", "allow-only-udp-ingress-on-port-81", {
    podSelector: podA,
    ingress: [{ ports: [{ port: 81, protocol: "UDP" }] }],
  });
  validate([p], 81, "TCP", new Reachability().expectAllIngress("x/a", false));
  validate([p], 81, "UDP", new Reachability());
});

test("an empty ingress list isolates; policyTypes Egress alone leaves ingress open", () => {
  const egressOnly = policy("x", "deny-egress", { podSelector: {}, policyTypes: ["Egress"] });
  validate([egressOnly], 80, "TCP", new Reachability().expectPeer({ ns: "x" }, {}, false));
  assert.deepEqual(policyTypesOf(policy("x", "p", { podSelector: {} })), ["Ingress"]);
});

test("a policy selecting no Pod changes nothing", () => {
  const p = policy("x", "nobody", { podSelector: { matchLabels: { pod: "nobody" } }, ingress: [] });
  validate([p], 80, "TCP", new Reachability());
});

test("the cluster DNS is reached as kube-system's kube-dns Pods, on its DNS ports only", () => {
  const dns = clusterDnsPeer("10.244.0.1");
  const ns = [
    ...NS_OBJECTS,
    { name: "kube-system", labels: { "kubernetes.io/metadata.name": "kube-system" } },
  ];
  const verdict = (p: NetworkPolicy, protocol: Protocol, port: number) =>
    connectionAllowed(podFirewalls([p], MODEL, ns, [dns]), podOf("x/a").ip, dns.ip, protocol, port);
  const denyEgress = policy("x", "deny-egress", { podSelector: {}, policyTypes: ["Egress"] });
  assert.equal(verdict(denyEgress, "UDP", 53), false, "egress isolation blocks DNS");
  const toKubeDns = policy("x", "allow-dns", {
    podSelector: {},
    policyTypes: ["Egress"],
    egress: [
      {
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
          },
        ],
      },
    ],
  });
  assert.equal(verdict(toKubeDns, "UDP", 53), true);
  assert.equal(verdict(toKubeDns, "TCP", 53), true);
  assert.equal(verdict(toKubeDns, "TCP", 22), false, "the node's other ports stay closed");
  const port53 = policy("x", "allow-53", {
    podSelector: {},
    policyTypes: ["Egress"],
    egress: [{ ports: [{ protocol: "UDP", port: 53 }] }],
  });
  assert.equal(verdict(port53, "UDP", 53), true);
  assert.equal(verdict(port53, "TCP", 53), false);
  const named = policy("x", "allow-named-dns", {
    podSelector: {},
    policyTypes: ["Egress"],
    egress: [{ ports: [{ protocol: "UDP", port: "dns" }] }],
  });
  assert.equal(verdict(named, "UDP", 53), true, "kube-dns's named port dns");
});

test("subtractCidrs splits a block around its excepts", () => {
  assert.deepEqual(subtractCidrs("10.0.0.0/30", ["10.0.0.1/32"]), ["10.0.0.0/32", "10.0.0.2/31"]);
  assert.deepEqual(subtractCidrs("10.0.0.0/8", ["10.0.0.0/8"]), []);
  assert.deepEqual(subtractCidrs("10.0.0.0/24", ["192.168.0.0/16"]), ["10.0.0.0/24"]);
  assert.equal(subtractCidrs("0.0.0.0/0", ["10.244.1.2/32"]).length, 32);
  assert.deepEqual(subtractCidrs("fd00::/8"), [], "IPv6 blocks match no IPv4 traffic");
});
