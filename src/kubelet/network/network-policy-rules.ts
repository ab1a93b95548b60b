// NetworkPolicy firewalls (network-policy.ts) as iptables filter rules, one iptables-restore payload
// (use --noflush) that replaces all of them at once. They run in the host, where every Pod packet is seen
// with its real source (before the Service proxy's masquerade in POSTROUTING) and its real destination
// (after its DNAT in PREROUTING): FORWARD for traffic between Pods (bridged, through br_netfilter) and
// beyond the node, INPUT for traffic to the node (the cluster DNS on the gateway, the API server). The
// POLICY chain passes replies (conntrack), then sends a packet from an egress-isolated Pod through its
// E- chain and one to an ingress-isolated Pod through its I- chain (Pods with equal allows share one);
// each RETURNs what a rule allows and DROPs the rest, as most CNI policy plugins drop. Chains are INCLNP<N>-*, apart from the Service
// proxy's INCL<N>-* ones (it deletes every chain of its own prefix it did not write).

import { portProtoHash } from "../proxy/rules.ts";
import type { NodeNetworkNames } from "./claim.ts";
import type { Allow, PodFirewall } from "./network-policy.ts";

export interface PolicyChainNames {
  prefix: string;
  policy: string;
}

/** INCL3- → INCLNP3-: a prefix the Service proxy's never matches. */
export function policyChainNames(names: Pick<NodeNetworkNames, "chainPrefix">): PolicyChainNames {
  const prefix = names.chainPrefix.replace(/^INCL/, "INCLNP");
  return { prefix, policy: `${prefix}POLICY` };
}

/** xt_comment's XT_MAX_COMMENT_LEN (with its NUL): iptables-legacy refuses longer, failing the whole restore. */
const MAX_COMMENT_BYTES = 255;

/** A rule comment; a long one (a 253-character Pod name) keeps its start and end (names are ASCII). */
function comment(text: string): string {
  let t = text.replaceAll('"', "");
  if (t.length > MAX_COMMENT_BYTES) t = `${t.slice(0, 200)}...${t.slice(-(MAX_COMMENT_BYTES - 203))}`;
  return `-m comment --comment "${t}"`;
}

/** The built-in-chain jumps into the POLICY chain, as iptables argument lists (filter table). */
export function policyJumps(chains: PolicyChainNames, bridge: string): { chain: string; rule: string[] }[] {
  const tag = ["-m", "comment", "--comment", `incluster ${bridge} network policy`];
  return [
    { chain: "FORWARD", rule: [...tag, "-j", chains.policy] },
    { chain: "INPUT", rule: ["-i", bridge, ...tag, "-j", chains.policy] },
  ];
}

function match(a: Allow, peer: "-s" | "-d"): string {
  const parts = [`${peer} ${a.cidr}`];
  if (a.protocol) {
    const proto = a.protocol.toLowerCase();
    parts.push(`-p ${proto}`);
    if (a.port !== undefined)
      parts.push(`-m ${proto} --dport ${a.port}${a.endPort !== undefined ? `:${a.endPort}` : ""}`);
  }
  return parts.join(" ");
}

export interface PolicyRules {
  /** The chains, POLICY first. */
  chains: string[];
  /** Their rules (`-A …`). */
  rules: string[];
}

/** The chains and rules for these firewalls. */
export function renderPolicyRules(
  chains: PolicyChainNames,
  bridge: string,
  firewalls: readonly PodFirewall[],
): PolicyRules {
  const used = new Set([chains.policy]);
  const rules = [`-A ${chains.policy} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN`];
  const chainRules: string[] = [];
  const sorted = [...firewalls].sort((a, b) => a.pod.ip.localeCompare(b.pod.ip));
  for (const fw of sorted) {
    const who = `${fw.pod.namespace}/${fw.pod.name}`;
    for (const [kind, allows, dispatch, peer] of [
      ["E", fw.egress, `-i ${bridge} -s ${fw.pod.ip}/32`, "-d"],
      ["I", fw.ingress, `-d ${fw.pod.ip}/32`, "-s"],
    ] as const) {
      if (!allows) continue;
      const direction = kind === "E" ? "egress" : "ingress";
      // Pods with the same allows share one chain: n Pods allowed from the same n peers cost n rules, not n².
      const body = allows.map((a) => `${match(a, peer)} -j RETURN`);
      const chain = `${chains.prefix}${kind}-${portProtoHash(body.join("\n"))}`;
      rules.push(`-A ${chains.policy} ${comment(`${who} ${direction}`)} ${dispatch} -j ${chain}`);
      if (used.has(chain)) continue;
      used.add(chain);
      chainRules.push(...body.map((r) => `-A ${chain} ${r}`));
      chainRules.push(`-A ${chain} ${comment(`${direction} not allowed by any NetworkPolicy`)} -j DROP`);
    }
  }
  return { chains: [...used], rules: [...rules, ...chainRules] };
}

/**
 * One iptables-restore payload (use --noflush) that replaces the chains' contents at once; `stale` chains of
 * this prefix that are no longer used are emptied and deleted.
 */
export function restorePayload(rules: PolicyRules, stale: readonly string[] = []): string {
  const gone = stale.filter((n) => !rules.chains.includes(n));
  return [
    "*filter",
    ...[...rules.chains, ...gone].map((n) => `:${n} - [0:0]`),
    ...rules.rules,
    ...gone.map((n) => `-X ${n}`),
    "COMMIT",
    "",
  ].join("\n");
}
