// NetworkPolicies the API server accepts (it limits neither ipBlock excepts nor peers × ports) but whose
// rules would be huge: the runtime must neither hang on them nor open the Pod; the affected Pod's direction
// fails closed (isolated, nothing allowed) and the reason names the policy.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { NetworkPolicy } from "kubernetes-types/networking/v1.d.ts";
import {
  MAX_NODE_ALLOWS,
  MAX_POLICY_ALLOWS,
  type PolicyPod,
  podFirewalls,
  subtractCidrs,
} from "../../src/kubelet/network/network-policy.ts";
import { policyChainNames, renderPolicyRules } from "../../src/kubelet/network/network-policy-rules.ts";

const target: PolicyPod = {
  uid: "t",
  namespace: "ns",
  name: "web",
  labels: { app: "web" },
  ip: "10.9.0.5",
  ports: [],
};

const exceptsOf = (n: number) => Array.from({ length: n }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.1/32`);

test("an ipBlock with 20,000 excepts is subtracted in linear time (it took minutes: quadratic)", () => {
  const started = process.cpuUsage();
  const parts = subtractCidrs("10.0.0.0/8", exceptsOf(20_000));
  const cpuMs = (process.cpuUsage(started).user + process.cpuUsage(started).system) / 1000;
  // Every hole splits the block at most 32 times; the parts cover exactly the block minus the holes.
  const size = parts.reduce((n, c) => n + 2 ** (32 - Number(c.split("/")[1])), 0);
  assert.equal(size, 2 ** 24 - 20_000);
  assert.ok(cpuMs < 20_000, `took ${cpuMs} ms of CPU`);
});

test("a policy whose allows exceed the budget isolates its Pods with nothing allowed, naming the policy", () => {
  const policy: NetworkPolicy = {
    metadata: { namespace: "ns", name: "huge" },
    spec: {
      podSelector: { matchLabels: { app: "web" } },
      ingress: [
        {
          from: exceptsOf(2000).map((e) => ({ ipBlock: { cidr: e } })),
          ports: Array.from({ length: 2000 }, (_, i) => ({ protocol: "TCP", port: i + 1 })),
        },
      ],
    },
  };
  const [fw] = podFirewalls([policy], [target], []);
  assert.deepEqual(fw.ingress, []);
  assert.equal(fw.egress, undefined);
  assert.match(fw.errors?.[0] ?? "", /NetworkPolicy ns\/huge.*more than 10000 .*ingress/);
  assert.equal(MAX_POLICY_ALLOWS, 10_000);
});

test("excepts splitting a block into more parts than the budget fail closed too", () => {
  const policy: NetworkPolicy = {
    metadata: { namespace: "ns", name: "holes" },
    spec: {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8", except: exceptsOf(5000) } }] }],
    },
  };
  const [fw] = podFirewalls([policy], [target], []);
  assert.deepEqual(fw.egress, []);
  assert.match(fw.errors?.[0] ?? "", /NetworkPolicy ns\/holes/);
});

test("a policy within the budget is unaffected by another over it", () => {
  const small: NetworkPolicy = {
    metadata: { namespace: "ns", name: "a-small" },
    spec: { podSelector: {}, ingress: [{ ports: [{ protocol: "TCP", port: 80 }] }] },
  };
  const huge: NetworkPolicy = {
    metadata: { namespace: "other", name: "huge" },
    spec: {
      podSelector: {},
      ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8", except: exceptsOf(5000) } }] }],
    },
  };
  const other: PolicyPod = { ...target, uid: "o", namespace: "other", ip: "10.9.0.6" };
  const fws = podFirewalls([small, huge], [target, other], []);
  const mine = fws.find((f) => f.pod === target);
  assert.deepEqual(mine?.ingress, [{ cidr: "0.0.0.0/0", protocol: "TCP", port: 80 }]);
  assert.equal(mine?.errors, undefined);
  assert.deepEqual(fws.find((f) => f.pod === other)?.ingress, []);
});

test("a later policy's allows do not reopen a direction that failed closed", () => {
  const huge: NetworkPolicy = {
    metadata: { namespace: "ns", name: "a-huge" },
    spec: {
      podSelector: {},
      ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8", except: exceptsOf(5000) } }] }],
    },
  };
  const open: NetworkPolicy = {
    metadata: { namespace: "ns", name: "b-open" },
    spec: { podSelector: {}, ingress: [{}] },
  };
  const [fw] = podFirewalls([huge, open], [target], []);
  assert.deepEqual(fw.ingress, []);
  assert.equal(fw.errors?.length, 1);
});

test("a Pod with a 253-character name gets rule comments within iptables' 256-byte limit", () => {
  // xt_comment (XT_MAX_COMMENT_LEN): iptables-legacy refuses a longer one, failing the one restore that
  // programs every Pod's rules.
  const name = `${"a".repeat(62)}.${"b".repeat(62)}.${"c".repeat(62)}.${"d".repeat(63)}`;
  const long: PolicyPod = { ...target, namespace: "n".repeat(63), name };
  const { rules } = renderPolicyRules(policyChainNames({ chainPrefix: "INCL4-" }), "cni-incluster4", [
    { pod: long, ingress: [] },
  ]);
  const comments = rules.flatMap((r) => [...r.matchAll(/--comment "([^"]*)"/g)].map((m) => m[1]));
  assert.equal(comments.length, 2);
  for (const text of comments) assert.ok(Buffer.byteLength(text) < 256, `${Buffer.byteLength(text)} bytes`);
  assert.match(comments[0], /^n{63}\/aaa.* ingress$/);
});

test("one namespace's Pods cannot push the node past its rule budget: its largest chains fail closed", () => {
  // Each Pod resolves the named port "http" to its own number, so no two share a chain: 20 × 9,000 rules
  // would be one 180,000-rule restore on every change (and minutes of iptables time at larger counts).
  const pods: PolicyPod[] = Array.from({ length: 20 }, (_, i) => ({
    ...target,
    uid: `p${i}`,
    name: `p${i}`,
    ip: `10.9.1.${i + 1}`,
    ports: [{ name: "http", port: 1000 + i, protocol: "TCP" }],
  }));
  const policy: NetworkPolicy = {
    metadata: { namespace: "ns", name: "many" },
    spec: {
      podSelector: {},
      ingress: [{ from: exceptsOf(9000).map((e) => ({ ipBlock: { cidr: e } })), ports: [{ port: "http" }] }],
    },
  };
  const victim: PolicyPod = { ...target, uid: "v", namespace: "other", ip: "10.9.2.1" };
  const small: NetworkPolicy = {
    metadata: { namespace: "other", name: "web" },
    spec: { podSelector: {}, ingress: [{ ports: [{ protocol: "TCP", port: 80 }] }] },
  };
  const fws = podFirewalls([policy, small], [...pods, victim], []);
  const total = fws.reduce((n, f) => n + (f.ingress?.length ?? 0) + (f.egress?.length ?? 0), 0);
  assert.ok(total <= MAX_NODE_ALLOWS, `${total} rules`);
  const closed = fws.filter((f) => f.errors);
  assert.equal(closed.length, 9, "just enough of the largest to fit");
  for (const f of closed) {
    assert.deepEqual(f.ingress, []);
    assert.match(f.errors?.[0] ?? "", /node's NetworkPolicy rules would exceed 100000/);
  }
  assert.deepEqual(fws.find((f) => f.pod === victim)?.ingress, [
    { cidr: "0.0.0.0/0", protocol: "TCP", port: 80 },
  ]);
});
