// NetworkPolicy semantics (networking.k8s.io/v1, pkg/apis/networking/types.go; the truth tables of
// test/e2e/network/netpol/network_policy.go), as pure data: for each Pod, whether it is isolated for
// ingress and for egress, and if so the exact (peer CIDR, protocol, port range) pairs allowed. A Pod
// selected by any policy with Ingress in policyTypes is isolated for ingress, and what it may receive is the
// union of all ingress rules of all policies selecting it; likewise for egress. A connection passes when
// the source's egress allows it and the destination's ingress allows it. Rendering (network-policy-rules.ts)
// and applying (network-policy-controller.ts) are separate.
import { isIPv4 } from "node:net";
import type { LabelSelector } from "kubernetes-types/meta/v1.d.ts";
import type {
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
} from "kubernetes-types/networking/v1.d.ts";
import { labelSelectorFromObject, matchesLabels } from "../../meta/labels.ts";

export type Protocol = "TCP" | "UDP" | "SCTP";

export interface NamedPort {
  name: string;
  port: number;
  protocol: Protocol;
}

/** What policy evaluation needs of a Pod (or of the cluster DNS, which answers as a Pod would). */
export interface PolicyPod {
  uid: string;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ip: string;
  /** Container ports: named ports resolve against them. */
  ports: NamedPort[];
  /**
   * Reachable only on its declared ports, and never selected as a target: the cluster DNS on the node's
   * gateway, standing in for kube-system's CoreDNS Pods (a policy allowing "kube-system" must not open
   * every port of the node).
   */
  declaredPortsOnly?: boolean;
}

export interface PolicyNamespace {
  name: string;
  labels: Record<string, string>;
}

/** One allowed peer and port set: no protocol = every protocol and port; no port = every port. */
export interface Allow {
  cidr: string;
  protocol?: Protocol;
  port?: number;
  endPort?: number;
}

/** A Pod's firewall: `ingress`/`egress` undefined = not isolated in that direction (all allowed). */
export interface PodFirewall {
  pod: PolicyPod;
  ingress?: Allow[];
  egress?: Allow[];
  /** Why a direction fails closed (isolated, nothing allowed): its policies need too many rules. */
  errors?: string[];
}

type Direction = "Ingress" | "Egress";

/** SetDefaults_NetworkPolicy: Ingress always, Egress when there are egress rules. */
export function policyTypesOf(policy: NetworkPolicy): Direction[] {
  const types = policy.spec?.policyTypes ?? [];
  if (types.length > 0) return types.filter((t): t is Direction => t === "Ingress" || t === "Egress");
  return (policy.spec?.egress ?? []).length > 0 ? ["Ingress", "Egress"] : ["Ingress"];
}

function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  try {
    return matchesLabels(labelSelectorFromObject(selector ?? {}), labels);
  } catch {
    return false; // validation keeps bad operators out; a selector that cannot parse selects nothing
  }
}

// --- IPv4 CIDR arithmetic (ipBlock with except) ---

const toInt = (ip: string) => ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);
const toIP = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");

interface Range {
  base: number;
  bits: number;
}

function parseCidr(cidr: string): Range | undefined {
  const [ip, len] = cidr.split("/");
  const bits = len === undefined ? 32 : Number(len);
  if (!isIPv4(ip) || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  const size = 2 ** (32 - bits);
  return { base: Math.floor(toInt(ip) / size) * size, bits };
}

const sizeOf = (r: Range) => 2 ** (32 - r.bits);
const within = (inner: Range, outer: Range) =>
  inner.bits >= outer.bits && inner.base >= outer.base && inner.base < outer.base + sizeOf(outer);
const formatCidr = (r: Range) => `${toIP(r.base)}/${r.bits}`;

export function cidrContains(cidr: string, ip: string): boolean {
  const range = parseCidr(cidr);
  return range !== undefined && isIPv4(ip) && within({ base: toInt(ip), bits: 32 }, range);
}

/**
 * Allowed (peer, protocol, port) pairs per Pod and direction beyond which its firewall fails closed: each is
 * an iptables rule, and the API server bounds neither ipBlock excepts nor peers × ports (a 1 MB policy could
 * ask for a billion rules).
 */
export const MAX_POLICY_ALLOWS = 10_000;

/** All Pods' allows together (each an iptables rule; 100,000 take iptables-restore ~2 s on every change). */
export const MAX_NODE_ALLOWS = 100_000;

class TooManyAllows extends Error {}

const overlaps = (a: Range, b: Range) => within(a, b) || within(b, a);

/**
 * `cidr` minus every `except` block, as disjoint CIDRs (at most 32 per except); IPv6 blocks give none. Splits
 * the block only where holes are, handing each half just its own holes: linear in the excepts. Throws
 * TooManyAllows past `limit` parts.
 */
export function subtractCidrs(cidr: string, except: readonly string[] = [], limit = Infinity): string[] {
  const block = parseCidr(cidr);
  if (!block) return [];
  const out: Range[] = [];
  const without = (r: Range, holes: Range[]): void => {
    if (holes.some((h) => within(r, h))) return;
    if (holes.length === 0) {
      if (out.push(r) > limit) throw new TooManyAllows();
      return;
    }
    const half = sizeOf(r) / 2;
    for (const base of [r.base, r.base + half]) {
      const part = { base, bits: r.bits + 1 };
      without(
        part,
        holes.filter((h) => overlaps(h, part)),
      );
    }
  };
  const holes = except.map(parseCidr).filter((h): h is Range => h !== undefined && overlaps(h, block));
  without(block, holes);
  return out.map(formatCidr);
}

// --- peers and ports ---

const covered = (ranges: readonly Range[], ip: string) =>
  isIPv4(ip) && ranges.some((r) => within({ base: toInt(ip), bits: 32 }, r));

/** The Pods and address blocks a rule's peers cover (no peers: every Pod and every address). */
interface Peers {
  pods: PolicyPod[];
  cidrs: string[];
}

function peersOf(
  list: NetworkPolicyPeer[] | undefined,
  policyNamespace: string,
  pods: readonly PolicyPod[],
  namespaces: ReadonlyMap<string, PolicyNamespace>,
): Peers {
  if (!list || list.length === 0) return { pods: [...pods], cidrs: ["0.0.0.0/0"] };
  const matched = new Set<PolicyPod>();
  const cidrs: string[] = [];
  const nsLabels = (name: string) => ({
    ...namespaces.get(name)?.labels,
    "kubernetes.io/metadata.name": name,
  });
  for (const peer of list) {
    if (peer.ipBlock) {
      const parts = subtractCidrs(peer.ipBlock.cidr, peer.ipBlock.except, MAX_POLICY_ALLOWS - cidrs.length);
      cidrs.push(...parts);
      const ranges = parts.map((c) => parseCidr(c) as Range);
      for (const pod of pods) if (covered(ranges, pod.ip)) matched.add(pod);
      continue;
    }
    if (!peer.podSelector && !peer.namespaceSelector) continue;
    for (const pod of pods) {
      const inNamespace = peer.namespaceSelector
        ? selects(peer.namespaceSelector, nsLabels(pod.namespace))
        : pod.namespace === policyNamespace;
      if (inNamespace && (!peer.podSelector || selects(peer.podSelector, pod.labels))) matched.add(pod);
    }
  }
  // A matched Pod without a block covering it is reached on its own address.
  const blocks = cidrs.map((c) => parseCidr(c) as Range);
  for (const pod of matched)
    if (!pod.declaredPortsOnly && !covered(blocks, pod.ip)) cidrs.push(`${pod.ip}/32`);
  if (cidrs.length > MAX_POLICY_ALLOWS) throw new TooManyAllows();
  return { pods: [...matched], cidrs };
}

interface PortMatch {
  protocol: Protocol;
  port?: number | string;
  endPort?: number;
}

function portMatches(ports: NetworkPolicyPort[] | undefined): (PortMatch | undefined)[] {
  if (!ports || ports.length === 0) return [undefined]; // every port of every protocol
  return ports.map((p) => ({
    protocol: (p.protocol ?? "TCP") as Protocol,
    ...(p.port !== undefined ? { port: p.port } : {}),
    ...(p.endPort !== undefined ? { endPort: p.endPort } : {}),
  }));
}

/** The container port a named port means on `pod` (name and protocol must both match). */
const resolveNamed = (pod: PolicyPod, name: string, protocol: Protocol) =>
  pod.ports.find((p) => p.name === name && p.protocol === protocol)?.port;

/** Whether `match` admits one declared port of the cluster DNS. */
function admits(match: PortMatch | undefined, port: NamedPort): boolean {
  if (!match) return true;
  if (match.protocol !== port.protocol) return false;
  if (match.port === undefined) return true;
  if (typeof match.port === "string") return match.port === port.name;
  return port.port >= match.port && port.port <= (match.endPort ?? match.port);
}

/**
 * The allows of one rule for `target`. Named ports resolve against the destination: the target itself for
 * ingress, each peer Pod for egress (an address that is no Pod has no named ports).
 */
function ruleAllows(
  direction: Direction,
  target: PolicyPod,
  peers: Peers,
  matches: (PortMatch | undefined)[],
) {
  if (peers.cidrs.length * matches.length > MAX_POLICY_ALLOWS) throw new TooManyAllows();
  const out: Allow[] = [];
  for (const match of matches) {
    if (direction === "Egress") {
      for (const dns of peers.pods.filter((p) => p.declaredPortsOnly))
        for (const port of dns.ports.filter((p) => admits(match, p)))
          out.push({ cidr: `${dns.ip}/32`, protocol: port.protocol, port: port.port });
    }
    if (!match || match.port === undefined) {
      for (const cidr of peers.cidrs) out.push({ cidr, ...(match ? { protocol: match.protocol } : {}) });
    } else if (typeof match.port === "number") {
      const range = match.endPort !== undefined ? { endPort: match.endPort } : {};
      for (const cidr of peers.cidrs)
        out.push({ cidr, protocol: match.protocol, port: match.port, ...range });
    } else if (direction === "Ingress") {
      const port = resolveNamed(target, match.port, match.protocol);
      if (port !== undefined)
        for (const cidr of peers.cidrs) out.push({ cidr, protocol: match.protocol, port });
    } else {
      for (const pod of peers.pods.filter((p) => !p.declaredPortsOnly)) {
        const port = resolveNamed(pod, match.port, match.protocol);
        if (port !== undefined) out.push({ cidr: `${pod.ip}/32`, protocol: match.protocol, port });
      }
    }
    if (out.length > MAX_POLICY_ALLOWS) throw new TooManyAllows();
  }
  return out;
}

const allowKey = (a: Allow) => `${a.cidr} ${a.protocol ?? ""} ${a.port ?? ""} ${a.endPort ?? ""}`;

/**
 * Every Pod selected by at least one policy, with what it may receive and send. `pods` are the Pods with
 * an address (targets and peers); `extraPeers` can be reached but are never targets (the cluster DNS).
 */
export function podFirewalls(
  policies: readonly NetworkPolicy[],
  pods: readonly PolicyPod[],
  namespaces: readonly PolicyNamespace[],
  extraPeers: readonly PolicyPod[] = [],
): PodFirewall[] {
  const nsByName = new Map(namespaces.map((n) => [n.name, n]));
  const peers = [...pods, ...extraPeers];
  type Key = "ingress" | "egress";
  type Building = {
    ingress?: Map<string, Allow>;
    egress?: Map<string, Allow>;
    closed?: Set<Key>;
    errors?: string[];
  };
  const firewalls = new Map<PolicyPod, Building>();
  const sorted = [...policies].sort((a, b) =>
    `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(
      `${b.metadata?.namespace}/${b.metadata?.name}`,
    ),
  );
  /** Fails `target`'s direction closed for good: no allows, whatever other policies add. */
  const failClosed = (fw: Building, key: Key, policy: NetworkPolicy, target: PolicyPod) => {
    fw[key] = new Map();
    fw.closed = new Set([...(fw.closed ?? []), key]);
    const who = `${policy.metadata?.namespace}/${policy.metadata?.name}`;
    fw.errors = [
      ...(fw.errors ?? []),
      `NetworkPolicy ${who} needs more than ${MAX_POLICY_ALLOWS} firewall rules for Pod ` +
        `${target.namespace}/${target.name}'s ${key}: the Pod is isolated for ${key} with nothing allowed ` +
        "until the policy has fewer peers × ports or fewer ipBlock excepts",
    ];
  };
  for (const policy of sorted) {
    const namespace = policy.metadata?.namespace ?? "";
    const targets = pods.filter(
      (p) => p.namespace === namespace && selects(policy.spec?.podSelector ?? {}, p.labels),
    );
    if (targets.length === 0) continue;
    const types = policyTypesOf(policy);
    // Peers are evaluated once per rule; so are its allows, unless an ingress named port must be resolved
    // on each target.
    const rules = (direction: Direction) =>
      (direction === "Ingress" ? (policy.spec?.ingress ?? []) : (policy.spec?.egress ?? [])).map((rule) => {
        const list = "from" in rule ? rule.from : "to" in rule ? rule.to : undefined;
        const peerSet = peersOf(list, namespace, peers, nsByName);
        const matches = portMatches(rule.ports);
        const perTarget = direction === "Ingress" && matches.some((m) => typeof m?.port === "string");
        const shared = perTarget ? undefined : ruleAllows(direction, targets[0], peerSet, matches);
        return (target: PolicyPod) => shared ?? ruleAllows(direction, target, peerSet, matches);
      });
    for (const direction of types) {
      const key = direction === "Ingress" ? "ingress" : "egress";
      let allowsOf: ((target: PolicyPod) => Allow[])[] | undefined;
      try {
        allowsOf = rules(direction);
      } catch (error) {
        if (!(error instanceof TooManyAllows)) throw error;
      }
      for (const target of targets) {
        const fw = firewalls.get(target) ?? {};
        firewalls.set(target, fw);
        fw[key] ??= new Map<string, Allow>();
        if (fw.closed?.has(key)) continue;
        const allows = fw[key];
        try {
          if (!allowsOf) throw new TooManyAllows();
          for (const allowsFor of allowsOf)
            for (const a of allowsFor(target)) {
              allows.set(allowKey(a), a);
              if (allows.size > MAX_POLICY_ALLOWS) throw new TooManyAllows();
            }
        } catch (error) {
          if (!(error instanceof TooManyAllows)) throw error;
          failClosed(fw, key, policy, target);
        }
      }
    }
  }
  return withinNodeBudget(
    [...firewalls].map(([pod, fw]) => ({
      pod,
      ...(fw.ingress ? { ingress: [...fw.ingress.values()] } : {}),
      ...(fw.egress ? { egress: [...fw.egress.values()] } : {}),
      ...(fw.errors ? { errors: fw.errors } : {}),
    })),
  );
}

/**
 * Fails closed, largest first, the allow lists that take the node's rules past MAX_NODE_ALLOWS. Lists equal
 * in order share one chain when rendered (network-policy-rules.ts), so they count, and fail, together.
 */
function withinNodeBudget(firewalls: PodFirewall[]): PodFirewall[] {
  const chains = new Map<string, { size: number; users: [PodFirewall, "ingress" | "egress"][] }>();
  for (const fw of firewalls)
    for (const key of ["ingress", "egress"] as const) {
      const list = fw[key];
      if (!list || list.length === 0) continue;
      const id = `${key}\n${list.map(allowKey).join("\n")}`;
      const chain = chains.get(id) ?? { size: list.length, users: [] };
      chain.users.push([fw, key]);
      chains.set(id, chain);
    }
  let total = [...chains.values()].reduce((n, c) => n + c.size, 0);
  for (const chain of [...chains.values()].sort((a, b) => b.size - a.size)) {
    if (total <= MAX_NODE_ALLOWS) break;
    total -= chain.size;
    for (const [fw, key] of chain.users) {
      fw[key] = [];
      fw.errors = [
        ...(fw.errors ?? []),
        `the node's NetworkPolicy rules would exceed ${MAX_NODE_ALLOWS}, and Pod ${fw.pod.namespace}/` +
          `${fw.pod.name}'s ${key} needs ${chain.size} of them (among the most): the Pod is isolated for ` +
          `${key} with nothing allowed until the policies selecting it need fewer rules`,
      ];
    }
  }
  return firewalls;
}

function allowed(list: Allow[] | undefined, peerIP: string, protocol: Protocol, port: number): boolean {
  if (!list) return true;
  return list.some(
    (a) =>
      cidrContains(a.cidr, peerIP) &&
      (a.protocol === undefined || a.protocol === protocol) &&
      (a.port === undefined || (port >= a.port && port <= (a.endPort ?? a.port))),
  );
}

/** Whether a new connection from `fromIP` to `toIP`:`port` passes both ends' firewalls (as the rules do). */
export function connectionAllowed(
  firewalls: readonly PodFirewall[],
  fromIP: string,
  toIP: string,
  protocol: Protocol,
  port: number,
): boolean {
  const from = firewalls.find((f) => f.pod.ip === fromIP);
  const to = firewalls.find((f) => f.pod.ip === toIP);
  return allowed(from?.egress, toIP, protocol, port) && allowed(to?.ingress, fromIP, protocol, port);
}
