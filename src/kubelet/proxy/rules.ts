// Service rules in kube-proxy's iptables mode (pkg/proxy/iptables/proxier.go), for one node network:
// nat SERVICES matches ClusterIP:port and jumps to the Service port's SVC chain, which picks one ready
// endpoint at random (statistic mode, probability 1/(n-i) for the i-th of n) and jumps to its SEP chain,
// which DNATs to it. Every Service connection is marked for masquerade (kube-proxy's masqueradeAll), so
// replies always come back through the host whether or not br_netfilter sees bridged traffic. Services
// without ready endpoints are rejected in filter, as upstream does. All chains carry this node network's
// prefix (INCL<N>-), so two local clusters, and kube-proxy itself, never touch each other's rules.
import { createHash } from "node:crypto";

/** kube-proxy's masquerade bit. */
export const MASQ_MARK = "0x4000";

export interface ServicePortRule {
  /** "namespace/name:portName", as kube-proxy's ServicePortName prints. */
  name: string;
  clusterIP: string;
  port: number;
  protocol: "TCP" | "UDP" | "SCTP";
  /** Ready endpoints, sorted by the caller for stable output. */
  endpoints: { ip: string; port: number }[];
}

export interface ChainNames {
  services: string;
  markMasq: string;
  postrouting: string;
  forward: string;
  firewall: string;
}

export function chainNames(prefix: string): ChainNames {
  return {
    services: `${prefix}SERVICES`,
    markMasq: `${prefix}MARK-MASQ`,
    postrouting: `${prefix}POSTROUTING`,
    forward: `${prefix}FORWARD`,
    firewall: `${prefix}FIREWALL`,
  };
}

/** kube-proxy's portProtoHash: base32 of the SHA-256, first 16 characters. */
export function portProtoHash(key: string): string {
  const digest = createHash("sha256").update(key).digest();
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= 16) break;
  }
  return out;
}

export const svcChain = (prefix: string, s: ServicePortRule) =>
  `${prefix}SVC-${portProtoHash(`${s.name}${s.protocol.toLowerCase()}`)}`;
export const sepChain = (prefix: string, s: ServicePortRule, ep: { ip: string; port: number }) =>
  `${prefix}SEP-${portProtoHash(`${s.name}${s.protocol.toLowerCase()}${ep.ip}:${ep.port}`)}`;

const comment = (text: string) => `-m comment --comment "${text.replaceAll('"', "")}"`;

/** The built-in-chain jumps into this network's chains, as iptables argument lists (table first). */
export function jumpRules(
  prefix: string,
  bridge: string,
): { table: string; chain: string; rule: string[] }[] {
  const c = chainNames(prefix);
  const tag = ["-m", "comment", "--comment", `incluster ${bridge}`];
  return [
    { table: "nat", chain: "PREROUTING", rule: ["-i", bridge, ...tag, "-j", c.services] },
    { table: "nat", chain: "POSTROUTING", rule: [...tag, "-j", c.postrouting] },
    { table: "filter", chain: "FORWARD", rule: [...tag, "-j", c.forward] },
    { table: "filter", chain: "INPUT", rule: ["-i", bridge, ...tag, "-j", c.firewall] },
  ];
}

/** One iptables-restore payload (use --noflush) for nat and filter; `stale` chains are emptied and deleted. */
export function renderRules(
  prefix: string,
  bridge: string,
  services: readonly ServicePortRule[],
  stale: { nat: readonly string[]; filter: readonly string[] } = { nat: [], filter: [] },
): string {
  const c = chainNames(prefix);
  const natChains = [c.services, c.markMasq, c.postrouting];
  const nat: string[] = [
    `-A ${c.markMasq} -j MARK --or-mark ${MASQ_MARK}`,
    `-A ${c.postrouting} -m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`,
    `-A ${c.postrouting} -j MARK --xor-mark ${MASQ_MARK}`,
    `-A ${c.postrouting} ${comment("incluster service traffic requiring SNAT")} -j MASQUERADE`,
  ];
  const filterChains = [c.services, c.forward, c.firewall];
  const filter: string[] = [
    // Pods reach each other and the outside through the bridge even under a FORWARD policy of DROP;
    // from other interfaces only replies and hostPort (DNAT) traffic get in: routing this host's Pod CIDR
    // from elsewhere on the network reaches no Pod.
    `-A ${c.forward} -m conntrack --ctstate INVALID -j DROP`,
    `-A ${c.forward} -i ${bridge} -j ${c.services}`,
    `-A ${c.forward} -i ${bridge} -j ACCEPT`,
    `-A ${c.forward} -o ${bridge} -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT`,
    `-A ${c.forward} -o ${bridge} ${comment("Pods are not exposed beyond this host")} -j DROP`,
    // route_localnet lets DNAT reach the API server on 127.0.0.1; nothing else from Pods may
    // (kube-proxy's KUBE-FIREWALL rule against CVE-2020-8558).
    `-A ${c.firewall} -d 127.0.0.0/8 ${comment("block incoming localnet connections")} -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
    `-A ${c.firewall} -j ${c.services}`,
  ];
  const usedNat = new Set(natChains);
  for (const s of services) {
    const proto = s.protocol.toLowerCase();
    const match = `-d ${s.clusterIP}/32 -p ${proto} -m ${proto} --dport ${s.port}`;
    if (s.endpoints.length === 0) {
      filter.push(
        `-A ${c.services} ${comment(`${s.name} has no endpoints`)} ${match} -j REJECT --reject-with icmp-port-unreachable`,
      );
      continue;
    }
    const svc = svcChain(prefix, s);
    usedNat.add(svc);
    nat.push(`-A ${c.services} ${comment(`${s.name} cluster IP`)} ${match} -j ${svc}`);
    nat.push(`-A ${svc} ${comment(`${s.name} cluster IP`)} -j ${c.markMasq}`);
    s.endpoints.forEach((ep, i) => {
      const sep = sepChain(prefix, s, ep);
      usedNat.add(sep);
      const left = s.endpoints.length - i;
      const pick = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(10)}` : "";
      nat.push(`-A ${svc} ${comment(`${s.name} -> ${ep.ip}:${ep.port}`)}${pick} -j ${sep}`);
      nat.push(
        `-A ${sep} ${comment(s.name)} -p ${proto} -m ${proto} -j DNAT --to-destination ${ep.ip}:${ep.port}`,
      );
    });
  }
  const staleNat = stale.nat.filter((n) => !usedNat.has(n));
  const staleFilter = stale.filter.filter((n) => !filterChains.includes(n));
  const declare = (names: Iterable<string>) => [...names].map((n) => `:${n} - [0:0]`);
  return [
    "*nat",
    ...declare(new Set([...usedNat, ...staleNat])),
    ...nat,
    ...staleNat.map((n) => `-X ${n}`),
    "COMMIT",
    "*filter",
    ...declare(new Set([...filterChains, ...staleFilter])),
    ...filter,
    ...staleFilter.map((n) => `-X ${n}`),
    "COMMIT",
    "",
  ].join("\n");
}

/** The chain names with this prefix in an `iptables-save` dump of one table. */
export function chainsInDump(dump: string, prefix: string): string[] {
  return dump
    .split("\n")
    .filter((line) => line.startsWith(`:${prefix}`))
    .map((line) => line.slice(1).split(" ")[0]);
}
