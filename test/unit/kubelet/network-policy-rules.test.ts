// NetworkPolicy firewalls as iptables rules: dispatch from the POLICY chain by Pod address, one chain per
// distinct allow list (shared by Pods with equal allows), RETURN for what is allowed and DROP for the rest,
// and a restore payload that replaces everything at once and deletes chains no longer used.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { PodFirewall, PolicyPod } from "../../../src/kubelet/network/network-policy.ts";
import {
  policyChainNames,
  policyJumps,
  renderPolicyRules,
  restorePayload,
} from "../../../src/kubelet/network/network-policy-rules.ts";

const chains = policyChainNames({ chainPrefix: "INCL4-" });
const BRIDGE = "cni-incluster4";
const pod = (name: string, ip: string): PolicyPod => ({
  uid: `uid-${name}`,
  namespace: "web",
  name,
  labels: {},
  ip,
  ports: [],
});

test("chains carry a prefix the Service proxy's INCL<N>- never matches", () => {
  assert.deepEqual(chains, { prefix: "INCLNP4-", policy: "INCLNP4-POLICY" });
  assert.deepEqual(
    policyJumps(chains, BRIDGE).map((j) => [j.chain, j.rule.join(" ")]),
    [
      ["FORWARD", `-m comment --comment incluster ${BRIDGE} network policy -j INCLNP4-POLICY`],
      ["INPUT", `-i ${BRIDGE} -m comment --comment incluster ${BRIDGE} network policy -j INCLNP4-POLICY`],
    ],
  );
});

test("each isolated direction dispatches to a chain that returns what is allowed and drops the rest", () => {
  const firewalls: PodFirewall[] = [
    {
      pod: pod("a", "10.244.4.2"),
      ingress: [
        { cidr: "10.244.4.3/32", protocol: "TCP", port: 8080 },
        { cidr: "192.168.0.0/16", protocol: "SCTP", port: 7000, endPort: 7100 },
        { cidr: "0.0.0.0/0", protocol: "UDP" },
      ],
      egress: [],
    },
  ];
  const { chains: names, rules } = renderPolicyRules(chains, BRIDGE, firewalls);
  assert.equal(names.length, 3);
  const [, egress, ingress] = names;
  assert.match(egress, /^INCLNP4-E-[A-Z2-7]{16}$/);
  assert.match(ingress, /^INCLNP4-I-[A-Z2-7]{16}$/);
  assert.ok(
    names.every((n) => n.length <= 28),
    "iptables chain names are at most 28 bytes",
  );
  assert.deepEqual(rules, [
    "-A INCLNP4-POLICY -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN",
    `-A INCLNP4-POLICY -m comment --comment "web/a egress" -i ${BRIDGE} -s 10.244.4.2/32 -j ${egress}`,
    `-A INCLNP4-POLICY -m comment --comment "web/a ingress" -d 10.244.4.2/32 -j ${ingress}`,
    `-A ${egress} -m comment --comment "egress not allowed by any NetworkPolicy" -j DROP`,
    `-A ${ingress} -s 10.244.4.3/32 -p tcp -m tcp --dport 8080 -j RETURN`,
    `-A ${ingress} -s 192.168.0.0/16 -p sctp -m sctp --dport 7000:7100 -j RETURN`,
    `-A ${ingress} -s 0.0.0.0/0 -p udp -j RETURN`,
    `-A ${ingress} -m comment --comment "ingress not allowed by any NetworkPolicy" -j DROP`,
  ]);
});

test("Pods with equal allows share one chain; a Pod isolated for ingress only has no egress dispatch", () => {
  const allows = [{ cidr: "10.244.4.9/32" }];
  const firewalls: PodFirewall[] = ["2", "3", "4"].map((n) => ({
    pod: pod(`p${n}`, `10.244.4.${n}`),
    ingress: allows,
  }));
  const { chains: names, rules } = renderPolicyRules(chains, BRIDGE, firewalls);
  assert.equal(names.length, 2, "POLICY and one shared ingress chain");
  assert.equal(rules.filter((r) => r.startsWith("-A INCLNP4-POLICY") && r.includes(names[1])).length, 3);
  assert.equal(rules.filter((r) => r.startsWith(`-A ${names[1]} `)).length, 2);
  assert.ok(!rules.some((r) => r.includes(" -s 10.244.4.2/32 -j")), "no egress dispatch");
});

test("the restore payload declares (empties) every chain, then deletes stale ones not used any more", () => {
  const rendered = renderPolicyRules(chains, BRIDGE, [{ pod: pod("a", "10.244.4.2"), ingress: [] }]);
  const payload = restorePayload(rendered, ["INCLNP4-POLICY", "INCLNP4-I-OLDOLDOLDOLDOLDO"]);
  const lines = payload.split("\n");
  assert.equal(lines[0], "*filter");
  assert.deepEqual(
    lines.filter((l) => l.startsWith(":")),
    [...rendered.chains, "INCLNP4-I-OLDOLDOLDOLDOLDO"].map((n) => `:${n} - [0:0]`),
  );
  assert.deepEqual(
    lines.filter((l) => l.startsWith("-X")),
    ["-X INCLNP4-I-OLDOLDOLDOLDOLDO"],
  );
  assert.equal(lines.at(-2), "COMMIT");
});
