// The node's Service proxy (kube-proxy, iptables mode): follows Services and EndpointSlices and programs
// this node network's chains (rules.ts) with iptables-restore, the whole set at once after each change
// (batched). At start it replaces whatever a crashed run left in its chains; at stop it removes its jumps
// and chains. Other chains (kube-proxy's, Docker's, the CNI plugins') are never flushed.
import { isIPv4 } from "node:net";
import type { Service } from "kubernetes-types/core/v1.d.ts";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.d.ts";
import type { Logger } from "pino";
import type { Informer, KubeClient } from "../../client/index.ts";
import { mustRun, run } from "../network/host.ts";
import { SerialSync } from "../network/serial-sync.ts";
import { chainsInDump, jumpRules, renderRules, type ServicePortRule } from "./rules.ts";

const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
const SYNC_DELAY_MS = 50;

/** The API server's own Service: its endpoint is the server's listen address, loopback by default. */
const API_SERVICE = "default/kubernetes";

/**
 * Whether an endpoint address may be a DNAT target. ValidateEndpointIP (pkg/apis/core/validation) keeps
 * unspecified, loopback ("may not be in the loopback range (127.0.0.0/8, ::1/128)"), link-local and
 * link-local multicast addresses out of EndpointSlices upstream, so kube-proxy never sees them. Here Pods in
 * host-network mode do have loopback IPs, and their slices carry them (clients on this host use them); but
 * a Service must not turn into a path from a Pod's namespace to the host's loopback (route_localnet is on
 * for the API server's DNAT, and the firewall lets DNAT'd traffic through): only the API server's own
 * Service may lead there.
 */
export function isServiceTarget(ip: string, service: string): boolean {
  if (!isIPv4(ip)) return false; // only IPv4 addresses reach the root-run iptables-restore payload
  const [a, b, c] = ip.split(".").map(Number);
  if (a === 127) return service === API_SERVICE;
  if (ip === "0.0.0.0") return false;
  if (a === 169 && b === 254) return false;
  if (a === 224 && b === 0 && c === 0) return false;
  return true;
}

/** The rules' input from Services and their slices: ready endpoints per ClusterIP port. */
export function servicePortRules(services: Service[], slices: EndpointSlice[]): ServicePortRule[] {
  const rules: ServicePortRule[] = [];
  for (const svc of services) {
    const ip = svc.spec?.clusterIP;
    if (!ip || ip === "None" || svc.spec?.type === "ExternalName" || ip.includes(":")) continue;
    const ns = svc.metadata?.namespace ?? "";
    const own = slices.filter(
      (s) =>
        s.metadata?.namespace === ns &&
        s.metadata?.labels?.[SERVICE_NAME_LABEL] === svc.metadata?.name &&
        s.addressType === "IPv4",
    );
    for (const port of svc.spec?.ports ?? []) {
      const protocol = (port.protocol ?? "TCP") as ServicePortRule["protocol"];
      const endpoints = new Map<string, { ip: string; port: number }>();
      for (const slice of own) {
        const target = slice.ports?.find(
          (p) => (p.name ?? "") === (port.name ?? "") && (p.protocol ?? "TCP") === protocol,
        );
        if (!target?.port) continue;
        for (const ep of slice.endpoints ?? []) {
          if (
            ep.conditions?.ready === false ||
            !isServiceTarget(ep.addresses?.[0] ?? "", `${ns}/${svc.metadata?.name}`)
          )
            continue;
          const key = `${ep.addresses[0]}:${target.port}`;
          endpoints.set(key, { ip: ep.addresses[0], port: target.port });
        }
      }
      rules.push({
        name: `${ns}/${svc.metadata?.name}${port.name ? `:${port.name}` : ""}`,
        clusterIP: ip,
        port: port.port,
        protocol,
        endpoints: [...endpoints.values()].sort((a, b) =>
          `${a.ip}:${a.port}`.localeCompare(`${b.ip}:${b.port}`),
        ),
      });
    }
  }
  return rules.sort((a, b) => a.name.localeCompare(b.name));
}

async function ourChains(prefix: string): Promise<{ nat: string[]; filter: string[] }> {
  const dump = async (table: string) =>
    chainsInDump((await run(["iptables-save", "-t", table])).stdout, prefix);
  return { nat: await dump("nat"), filter: await dump("filter") };
}

/** Removes this prefix's jumps and chains (shutdown, and reconcile of a network that is gone). */
export async function removeServiceRules(prefix: string, bridge: string): Promise<void> {
  for (const jump of jumpRules(prefix, bridge)) {
    while (
      (await run(["iptables", "-w", "5", "-t", jump.table, "-D", jump.chain, ...jump.rule])).code === 0
    ) {
      // a crashed run may have added it more than once
    }
  }
  const chains = await ourChains(prefix);
  const payload = (table: string, names: string[]) =>
    names.length === 0
      ? []
      : [`*${table}`, ...names.map((n) => `:${n} - [0:0]`), ...names.map((n) => `-X ${n}`), "COMMIT"];
  const text = [...payload("nat", chains.nat), ...payload("filter", chains.filter), ""].join("\n");
  if (text.trim()) await mustRun(["iptables-restore", "-w", "5", "--noflush"], text);
}

export class ServiceProxy {
  readonly #prefix: string;
  readonly #bridge: string;
  readonly #log: Logger;
  readonly #services: Informer<Service>;
  readonly #slices: Informer<EndpointSlice>;
  readonly #loop: SerialSync;
  #last = "";

  constructor(client: KubeClient, names: { chainPrefix: string; bridge: string }, log: Logger) {
    this.#prefix = names.chainPrefix;
    this.#bridge = names.bridge;
    this.#log = log.child({ component: "proxy" });
    this.#loop = new SerialSync(
      () => this.#program(),
      (error) => this.#log.error({ err: error.message }, "cannot program the Service rules; retrying"),
      SYNC_DELAY_MS,
    );
    this.#services = client.resource<Service>("services").informer({ allNamespaces: true, autoStart: false });
    this.#slices = client
      .resource<EndpointSlice>("endpointslices.discovery.k8s.io")
      .informer({ allNamespaces: true, autoStart: false });
  }

  /** What the cluster DNS answers from: the same Service and EndpointSlice caches. */
  get records(): { services(): Service[]; slices(): EndpointSlice[] } {
    return { services: () => this.#services.store.list(), slices: () => this.#slices.store.list() };
  }

  async start(): Promise<void> {
    for (const informer of [this.#services, this.#slices] as Informer<Service | EndpointSlice>[]) {
      for (const event of ["add", "update", "delete"] as const) informer.on(event, () => this.#loop.soon());
      informer.on("error", (error) => this.#log.warn({ err: error.message }, "watch failed; retrying"));
      informer.start();
    }
    await Promise.all([this.#services.synced, this.#slices.synced]);
    await this.sync();
    for (const jump of jumpRules(this.#prefix, this.#bridge)) {
      const base = ["iptables", "-w", "5", "-t", jump.table];
      if ((await run([...base, "-C", jump.chain, ...jump.rule])).code !== 0)
        await mustRun([...base, "-I", jump.chain, "1", ...jump.rule]);
    }
  }

  /** Programs the current state now (tests and start call it; changes through the loop's soon()). */
  sync(): Promise<void> {
    return this.#loop.now();
  }

  async #program(): Promise<void> {
    const rules = servicePortRules(this.#services.store.list(), this.#slices.store.list());
    const key = JSON.stringify(rules);
    if (key === this.#last) return;
    const text = renderRules(this.#prefix, this.#bridge, rules, await ourChains(this.#prefix));
    await mustRun(["iptables-restore", "-w", "5", "--noflush"], text);
    this.#last = key;
  }

  async stop(): Promise<void> {
    const stopped = this.#loop.stop(); // no run starts after this
    this.#services.stop();
    this.#slices.stop();
    await stopped;
    await removeServiceRules(this.#prefix, this.#bridge);
  }
}
