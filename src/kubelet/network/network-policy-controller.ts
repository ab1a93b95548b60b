// NetworkPolicy enforcement for the node's Pod network, as a CNI network-policy plugin does it: follows
// NetworkPolicies, Pods and Namespaces, evaluates them (network-policy.ts) and programs the result
// (network-policy-rules.ts) with one iptables-restore, whole set at once, after each change (batched).
// A Pod's rules are in place before its containers start (the Pod network's ADD awaits them) and leave
// with its network. Bridged Pod-to-Pod traffic reaches iptables only with br_netfilter's
// bridge-nf-call-iptables, which is turned on (as kubeadm and policy plugins require) once a Pod is isolated.
import { existsSync, readFileSync } from "node:fs";
import { isIPv4 } from "node:net";
import type { Namespace, Pod } from "kubernetes-types/core/v1.d.ts";
import type { NetworkPolicy } from "kubernetes-types/networking/v1.d.ts";
import type { Logger } from "pino";
import type { Informer, KubeClient } from "../../client/index.ts";
import { chainsInDump } from "../proxy/rules.ts";
import type { NodeNetworkNames } from "./claim.ts";
import { mustRun, run, setSysctl } from "./host.ts";
import { type PolicyPod, type Protocol, podFirewalls } from "./network-policy.ts";
import {
  type PolicyChainNames,
  policyChainNames,
  policyJumps,
  renderPolicyRules,
  restorePayload,
} from "./network-policy-rules.ts";
import { SerialSync } from "./serial-sync.ts";

const SYNC_DELAY_MS = 50;
const BRIDGE_NF = "/proc/sys/net/bridge/bridge-nf-call-iptables";

/** The cluster DNS on the gateway answers for kube-system's CoreDNS Pods (their labels and named ports). */
export function clusterDnsPeer(gateway: string): PolicyPod {
  return {
    uid: "cluster-dns",
    namespace: "kube-system",
    name: "cluster-dns",
    labels: { "k8s-app": "kube-dns" },
    ip: gateway,
    ports: [
      { name: "dns", port: 53, protocol: "UDP" },
      { name: "dns-tcp", port: 53, protocol: "TCP" },
    ],
    declaredPortsOnly: true,
  };
}

export function policyPodOf(pod: Pod, ip: string): PolicyPod {
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  return {
    uid: pod.metadata?.uid ?? "",
    namespace: pod.metadata?.namespace ?? "",
    name: pod.metadata?.name ?? "",
    labels: pod.metadata?.labels ?? {},
    ip,
    ports: containers.flatMap((c) =>
      (c.ports ?? [])
        .filter((p) => p.name)
        .map((p) => ({
          name: p.name ?? "",
          port: p.containerPort,
          protocol: (p.protocol ?? "TCP") as Protocol,
        })),
    ),
  };
}

export class NetworkPolicyController {
  readonly #chains: PolicyChainNames;
  readonly #bridge: string;
  readonly #gateway: () => string | undefined;
  readonly #log: Logger;
  readonly #policies: Informer<NetworkPolicy>;
  readonly #pods: Informer<Pod>;
  readonly #namespaces: Informer<Namespace>;
  /** Pods whose network this node set up: uid → the Pod as set up and its address. */
  readonly #local = new Map<string, { pod: Pod; ip: string }>();
  readonly #loop: SerialSync;
  #last = "";
  /** The chains this run has written (undefined: not yet, so iptables-save tells). */
  #written: string[] | undefined;
  #bridgeFiltering = false;
  /** Why the last sync could not program the rules (undefined: it did). */
  #failure: string | undefined;
  /** The Pods the last sync's policies isolate (in either direction). */
  #isolated = new Set<string>();

  constructor(
    client: KubeClient,
    names: Pick<NodeNetworkNames, "chainPrefix" | "bridge">,
    gateway: () => string | undefined,
    log: Logger,
  ) {
    this.#chains = policyChainNames(names);
    this.#bridge = names.bridge;
    this.#gateway = gateway;
    this.#log = log.child({ component: "network-policy" });
    this.#loop = new SerialSync(
      () => this.#program(),
      (error) => {
        this.#failure = error.message;
        this.#log.error({ err: error.message }, "cannot program the NetworkPolicy rules; retrying");
      },
      SYNC_DELAY_MS,
    );
    const all = { allNamespaces: true, autoStart: false } as const;
    this.#policies = client.resource<NetworkPolicy>("networkpolicies.networking.k8s.io").informer(all);
    this.#pods = client.resource<Pod>("pods").informer(all);
    this.#namespaces = client.resource<Namespace>("namespaces").informer({ autoStart: false });
  }

  async start(): Promise<void> {
    const informers = [this.#policies, this.#pods, this.#namespaces] as Informer<
      NetworkPolicy | Pod | Namespace
    >[];
    for (const informer of informers) {
      for (const event of ["add", "update", "delete"] as const) informer.on(event, () => this.#loop.soon());
      informer.on("error", (error) => this.#log.warn({ err: error.message }, "watch failed; retrying"));
      informer.start();
    }
    await Promise.all(informers.map((i) => i.synced));
    await this.sync();
    // First in FORWARD and INPUT: the Service proxy's chains ACCEPT Pod traffic.
    for (const jump of policyJumps(this.#chains, this.#bridge)) {
      const base = ["iptables", "-w", "5", "-t", "filter"];
      while ((await run([...base, "-D", jump.chain, ...jump.rule])).code === 0) {
        // one jump, at the top
      }
      await mustRun([...base, "-I", jump.chain, "1", ...jump.rule]);
    }
  }

  /**
   * After a Pod's CNI ADD, before its containers start: its rules (and its peers') are in place. Fails closed:
   * a Pod that policies isolate does not start while the rules cannot be programmed.
   */
  async podAdded(pod: Pod, podIPs: readonly string[]): Promise<void> {
    const ip = podIPs.find((a) => isIPv4(a));
    const uid = pod.metadata?.uid;
    if (!ip || !uid) return;
    this.#local.set(uid, { pod, ip });
    await this.sync();
    if (this.#failure !== undefined && this.#isolated.has(uid)) {
      this.#local.delete(uid);
      throw new Error(
        `the NetworkPolicy rules that isolate this Pod cannot be programmed (${this.#failure}); ` +
          "it starts once they can (see the runtime's log)",
      );
    }
  }

  /** After a Pod's network is gone: its rules go too (its address may be handed out again). */
  async podRemoved(uid: string): Promise<void> {
    if (!this.#local.delete(uid)) return;
    await this.sync();
  }

  #inputs(): { pods: PolicyPod[]; extra: PolicyPod[] } {
    const current = new Map(this.#pods.store.list().map((p) => [p.metadata?.uid ?? "", p]));
    const pods = [...this.#local].map(([uid, { pod, ip }]) => policyPodOf(current.get(uid) ?? pod, ip));
    const gateway = this.#gateway();
    return { pods, extra: gateway ? [clusterDnsPeer(gateway)] : [] };
  }

  /** Programs the current state now (Pod setup and start call it; changes through the loop's soon()). */
  sync(): Promise<void> {
    return this.#loop.now();
  }

  async #program(): Promise<void> {
    const { pods, extra } = this.#inputs();
    const namespaces = this.#namespaces.store
      .list()
      .map((n) => ({ name: n.metadata?.name ?? "", labels: n.metadata?.labels ?? {} }));
    const firewalls = podFirewalls(this.#policies.store.list(), pods, namespaces, extra);
    this.#isolated = new Set(firewalls.filter((f) => f.ingress || f.egress).map((f) => f.pod.uid));
    const rules = renderPolicyRules(this.#chains, this.#bridge, firewalls);
    const key = rules.rules.join("\n");
    if (key === this.#last) return;
    for (const fw of firewalls) for (const err of fw.errors ?? []) this.#log.error(err);
    if (firewalls.length > 0) await this.#ensureBridgeFiltering();
    // What an earlier run left, the first time; after that, what this one wrote.
    this.#written ??= chainsInDump(
      (await run(["iptables-save", "-t", "filter"])).stdout,
      this.#chains.prefix,
    );
    await mustRun(["iptables-restore", "-w", "5", "--noflush"], restorePayload(rules, this.#written));
    this.#written = rules.chains;
    this.#last = key;
    this.#failure = undefined;
  }

  /** Pods on one bridge talk through it, past iptables unless br_netfilter hands bridged IPv4 to it. */
  async #ensureBridgeFiltering(): Promise<void> {
    if (this.#bridgeFiltering) return;
    if (!existsSync(BRIDGE_NF)) await run(["modprobe", "br_netfilter"]);
    if (!existsSync(BRIDGE_NF)) {
      this.#log.error(
        "br_netfilter is not available (modprobe br_netfilter failed): NetworkPolicy is not enforced " +
          "between Pods on this node's bridge, only for traffic through the node",
      );
      this.#bridgeFiltering = true;
      return;
    }
    if (readFileSync(BRIDGE_NF, "utf8").trim() !== "1") {
      await setSysctl("net.bridge.bridge-nf-call-iptables", "1");
      this.#log.info(
        "set net.bridge.bridge-nf-call-iptables=1 so that NetworkPolicy sees traffic between Pods",
      );
    }
    this.#bridgeFiltering = true;
  }

  async stop(): Promise<void> {
    const stopped = this.#loop.stop(); // no run starts after this
    this.#policies.stop();
    this.#pods.stop();
    this.#namespaces.stop();
    await stopped;
    await removePolicyRules(this.#chains, this.#bridge);
  }
}

/** Removes this network's policy jumps and chains (shutdown). */
export async function removePolicyRules(chains: PolicyChainNames, bridge: string): Promise<void> {
  for (const jump of policyJumps(chains, bridge)) {
    while ((await run(["iptables", "-w", "5", "-t", "filter", "-D", jump.chain, ...jump.rule])).code === 0) {
      // a crashed run may have added it more than once
    }
  }
  const names = chainsInDump((await run(["iptables-save", "-t", "filter"])).stdout, chains.prefix);
  if (names.length === 0) return;
  const text = [
    "*filter",
    ...names.map((n) => `:${n} - [0:0]`),
    ...names.map((n) => `-X ${n}`),
    "COMMIT",
    "",
  ];
  await mustRun(["iptables-restore", "-w", "5", "--noflush"], text.join("\n"));
}
