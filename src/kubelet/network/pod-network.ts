// A network namespace per Pod (root on Linux), set up as a CRI runtime does for the kubelet's
// RunPodSandbox: create the namespace, run the CNI network list (cni.ts) ADD with the Pod's identity in
// CNI_ARGS, record the result in the data dir, and read the Pod IP from it; on removal DEL with the recorded
// result, then delete the namespace. Containers join the namespace with `nsenter --net` (host.ts), so all
// containers of a Pod share it. A restart after a crash first DELs everything its node network still holds
// (records and namespaces by name), then empties host-local's leases: no namespace, veth or lease leaks.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { Logger } from "pino";
import { claimNetwork, type NodeNetworkNames, namesFor, releaseNetwork } from "./claim.ts";
import {
  bridgeNetworkList,
  CniNetwork,
  type CniResult,
  type CniRuntimeConf,
  DEFAULT_CNI_PATH,
  POD_IFNAME,
  podIPsOf,
} from "./cni.ts";
import { removeCniLeftovers } from "./cni-leftovers.ts";
import { createNetns, deleteLink, deleteNetns, listNetns, netnsPath, run, setSysctl } from "./host.ts";

const REQUIRED_PLUGINS = ["bridge", "host-local", "loopback", "portmap"];

export interface PodNetworkOptions {
  /** The runtime's data dir: records and IPAM leases live in <dataDir>/network. */
  dataDir: string;
  /** The node's Pod CIDR; default 10.244.<N>.0/24 for this data dir's network number N. */
  podCIDR?: string;
  cniPath?: string;
  /** Called (and awaited) after each Pod's ADD with the bridge's gateway address: cluster DNS binds it. */
  onGateway?: (gateway: string) => Promise<void>;
  /** Called (and awaited) after each Pod's ADD and after its teardown: NetworkPolicy rules follow. */
  onPodAdded?: (pod: Pod, podIPs: string[]) => Promise<void>;
  onPodRemoved?: (uid: string) => Promise<void>;
  log: Logger;
}

export interface PodSandboxNetwork {
  podIPs: string[];
  netns: string;
}

/** What DEL needs later, as libcni caches it: the result and the runtime configuration of the ADD. */
interface PodRecord {
  containerId: string;
  netns: string;
  result: CniResult;
  args?: CniRuntimeConf["args"];
  capabilityArgs?: CniRuntimeConf["capabilityArgs"];
}

export interface NetworkSupport {
  available: boolean;
  detail: string;
}

/**
 * Root on Linux with the reference plugins, iproute2, util-linux nsenter and iptables, and a kernel (and
 * capabilities) that let it create a network namespace and use iptables' nat table: tried for real.
 */
export async function detectPodNetwork(cniPath = DEFAULT_CNI_PATH): Promise<NetworkSupport> {
  if (process.platform !== "linux") return { available: false, detail: `not Linux (${process.platform})` };
  if (process.getuid?.() !== 0) return { available: false, detail: "not running as root" };
  const missing = REQUIRED_PLUGINS.filter((p) => !existsSync(path.join(cniPath, p)));
  if (missing.length > 0)
    return {
      available: false,
      detail: `CNI plugins ${missing.join(", ")} are missing from ${cniPath} (Debian: apt-get install containernetworking-plugins)`,
    };
  for (const [tool, pkg] of [
    ["ip", "iproute2"],
    ["nsenter", "util-linux"],
    ["iptables-restore", "iptables"],
  ]) {
    if ((await run(["sh", "-c", `command -v ${tool}`])).code !== 0)
      return { available: false, detail: `${tool} is missing (Debian: apt-get install ${pkg})` };
  }
  // A container without CAP_NET_ADMIN, or a kernel without network namespaces, fails here, not per Pod.
  const probe = `incluster-probe-${process.pid}`;
  const made = await run(["ip", "netns", "add", probe]);
  await run(["ip", "netns", "delete", probe]);
  if (made.code !== 0)
    return { available: false, detail: `cannot create a network namespace: ${made.stderr.split("\n")[0]}` };
  const nat = await run(["iptables", "-w", "5", "-t", "nat", "-S", "POSTROUTING"]);
  if (nat.code !== 0)
    return { available: false, detail: `cannot use iptables' nat table: ${nat.stderr.split("\n")[0]}` };
  return { available: true, detail: `CNI bridge + host-local from ${cniPath}` };
}

export class PodNetworks {
  readonly names: NodeNetworkNames;
  readonly #cni: CniNetwork;
  readonly #dataDir: string;
  readonly #records: string;
  readonly #ipamDir: string;
  readonly #log: Logger;
  readonly #onGateway: PodNetworkOptions["onGateway"];
  readonly #onPodAdded: PodNetworkOptions["onPodAdded"];
  readonly #onPodRemoved: PodNetworkOptions["onPodRemoved"];
  readonly #pods = new Map<string, Promise<PodSandboxNetwork>>();
  #gateway: string | undefined;

  private constructor(names: NodeNetworkNames, options: PodNetworkOptions) {
    this.names = names;
    this.#dataDir = options.dataDir;
    this.#records = path.join(options.dataDir, "network", "pods");
    this.#ipamDir = path.join(options.dataDir, "network", "ipam");
    this.#log = options.log;
    this.#onGateway = options.onGateway;
    this.#onPodAdded = options.onPodAdded;
    this.#onPodRemoved = options.onPodRemoved;
    this.#cni = new CniNetwork(
      bridgeNetworkList({
        name: names.network,
        bridge: names.bridge,
        subnet: names.subnet,
        ipamDataDir: this.#ipamDir,
      }),
      options.cniPath ?? DEFAULT_CNI_PATH,
    );
  }

  /** Claims this data dir's node network and cleans what an earlier run of it left. */
  static async start(options: PodNetworkOptions): Promise<PodNetworks> {
    const index = await claimNetwork(options.dataDir);
    const networks = new PodNetworks(namesFor(index, options.podCIDR), options);
    await networks.#reconcile();
    return networks;
  }

  /** The bridge's address (the Pods' default gateway), once a Pod has been set up. */
  get gateway(): string | undefined {
    return this.#gateway;
  }

  #runtimeConf(uid: string, netns: string, pod?: Pod): CniRuntimeConf {
    const ports = (pod?.spec?.containers ?? []).flatMap((c) => c.ports ?? []).filter((p) => p.hostPort);
    return {
      containerId: uid,
      netns,
      ifName: POD_IFNAME,
      args: pod
        ? [
            ["K8S_POD_NAMESPACE", pod.metadata?.namespace ?? ""],
            ["K8S_POD_NAME", pod.metadata?.name ?? ""],
            ["K8S_POD_INFRA_CONTAINER_ID", uid],
            ["K8S_POD_UID", uid],
          ]
        : [],
      capabilityArgs: {
        portMappings: ports.map((p) => ({
          hostPort: p.hostPort,
          containerPort: p.containerPort,
          protocol: (p.protocol ?? "TCP").toLowerCase(),
          hostIP: p.hostIP ?? "",
        })),
      },
    };
  }

  /** The Pod's network, set up once (concurrent calls share it). */
  setUp(pod: Pod): Promise<PodSandboxNetwork> {
    const uid = pod.metadata?.uid ?? "";
    let pending = this.#pods.get(uid);
    if (!pending) {
      pending = this.#add(uid, pod);
      this.#pods.set(uid, pending);
      pending.catch(() => this.#pods.delete(uid));
    }
    return pending;
  }

  async #add(uid: string, pod: Pod): Promise<PodSandboxNetwork> {
    const name = `${this.names.netnsPrefix}${uid}`;
    const netns = await createNetns(name);
    const rt = this.#runtimeConf(uid, netns, pod);
    let result: CniResult;
    try {
      result = await this.#cni.add(rt);
    } catch (error) {
      // Undo the half-made network (a lease, a veth) before the caller retries.
      await this.#cni.del(rt, undefined).catch(() => undefined);
      await deleteNetns(name).catch(() => undefined);
      throw error;
    }
    await mkdir(this.#records, { recursive: true, mode: 0o700 });
    const record: PodRecord = {
      containerId: uid,
      netns: name,
      result,
      args: rt.args,
      capabilityArgs: rt.capabilityArgs,
    };
    await writeFile(path.join(this.#records, `${uid}.json`), JSON.stringify(record), { mode: 0o600 });
    this.#gateway ??= result.ips?.find((ip) => ip.gateway)?.gateway;
    // DNAT to the API server on 127.0.0.1 needs route_localnet on the bridge; the FIREWALL chain drops
    // any other 127/8 traffic from Pods (proxy/rules.ts).
    await setSysctl(`net.ipv4.conf.${this.names.bridge}.route_localnet`, "1");
    if (this.#gateway) await this.#onGateway?.(this.#gateway);
    const podIPs = podIPsOf(result);
    if (podIPs.length === 0) throw new Error(`the CNI result has no IP address: ${JSON.stringify(result)}`);
    try {
      await this.#onPodAdded?.(pod, podIPs);
    } catch (error) {
      // Not started (its NetworkPolicy rules are not in place): undo the network before the caller retries.
      await this.#delete(uid, name, record).catch(() => undefined);
      throw error;
    }
    return { podIPs, netns };
  }

  /** CNI CHECK of a Pod's network against its recorded result. */
  async check(uid: string): Promise<void> {
    const record = await this.#readRecord(uid);
    if (!record) throw new Error(`no network recorded for Pod ${uid}`);
    await this.#cni.check(this.#runtimeConf(uid, netnsPath(record.netns)), record.result);
  }

  /** CNI DEL and namespace removal; a Pod without a network is fine. */
  async tearDown(uid: string): Promise<void> {
    const pending = this.#pods.get(uid);
    this.#pods.delete(uid);
    await pending?.catch(() => undefined);
    const record = await this.#readRecord(uid);
    await this.#delete(uid, `${this.names.netnsPrefix}${uid}`, record);
    await this.#onPodRemoved?.(uid);
  }

  async #delete(containerId: string, netnsName: string, record: PodRecord | undefined): Promise<void> {
    const netns = existsSync(netnsPath(netnsName)) ? netnsPath(netnsName) : "";
    const rt: CniRuntimeConf = {
      ...this.#runtimeConf(containerId, netns),
      ...(record?.args ? { args: record.args } : {}),
      ...(record?.capabilityArgs ? { capabilityArgs: record.capabilityArgs } : {}),
    };
    try {
      await this.#cni.del(rt, record?.result);
    } catch (error) {
      this.#log.warn({ err: (error as Error).message, pod: containerId }, "CNI DEL failed");
    }
    await removeCniLeftovers(this.names.network, containerId).catch((error: Error) =>
      this.#log.warn({ err: error.message, pod: containerId }, "cannot remove the Pod's NAT rules"),
    );
    await deleteNetns(netnsName);
    await rm(path.join(this.#records, `${containerId}.json`), { force: true });
  }

  async #readRecord(uid: string): Promise<PodRecord | undefined> {
    return readFile(path.join(this.#records, `${uid}.json`), "utf8").then(
      (text) => JSON.parse(text) as PodRecord,
      () => undefined,
    );
  }

  /** After a crash: DEL every recorded Pod network and every namespace of this network, free all leases. */
  async #reconcile(): Promise<void> {
    let cleaned = 0;
    const files = await readdir(this.#records).catch(() => [] as string[]);
    for (const file of files.filter((f) => f.endsWith(".json"))) {
      const uid = file.slice(0, -".json".length);
      const record = await this.#readRecord(uid);
      await this.#delete(uid, record?.netns ?? `${this.names.netnsPrefix}${uid}`, record);
      cleaned++;
    }
    for (const name of listNetns(this.names.netnsPrefix)) {
      await this.#delete(name.slice(this.names.netnsPrefix.length), name, undefined);
      cleaned++;
    }
    // Rules of Pods whose record and namespace are both gone (a data dir removed under a crashed runtime).
    await removeCniLeftovers(this.names.network);
    // No Pod holds an address now; leases left by a deleted record are void.
    await rm(path.join(this.#ipamDir, this.names.network), { recursive: true, force: true });
    // The bridge is made again by the first ADD, with this run's Pod CIDR.
    await deleteLink(this.names.bridge);
    if (cleaned > 0) this.#log.warn(`removed ${cleaned} Pod network(s) left by an earlier run`);
  }

  /** Runtime shutdown: every Pod network down, the bridge removed, the claim released. */
  async stop(): Promise<void> {
    const uids = new Set([
      ...this.#pods.keys(),
      ...(await readdir(this.#records).catch(() => [] as string[]))
        .filter((f) => f.endsWith(".json"))
        .map((f) => f.slice(0, -5)),
    ]);
    for (const uid of uids) await this.tearDown(uid);
    await deleteLink(this.names.bridge).catch((error: Error) =>
      this.#log.warn({ err: error.message }, "cannot remove the Pod bridge"),
    );
    await releaseNetwork(this.names.index, this.#dataDir);
  }
}
