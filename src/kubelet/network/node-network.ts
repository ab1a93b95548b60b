// The node's networking as one piece, for the runtime: Pod network namespaces (pod-network.ts), the
// Service proxy (proxy/), NetworkPolicy enforcement (network-policy-controller.ts), and the cluster DNS
// (dns/) on the bridge's gateway, started by the first Pod's ADD (the bridge and its address exist from
// then on). Root on Linux only; otherwise the runtime says once that Pods share the host's network, and
// keeps loopback Pod IPs.
import type { Pod, Service } from "kubernetes-types/core/v1.d.ts";
import type { Logger } from "pino";
import type { KubeClient } from "../../client/index.ts";
import { ClusterDns } from "../dns/cluster-dns.ts";
import { hostDnsConfig, podDnsConfig, renderResolvConf } from "../dns/resolv-conf.ts";
import { ServiceProxy } from "../proxy/service-proxy.ts";
import type { NodeNetworkNames } from "./claim.ts";
import { NetworkPolicyController } from "./network-policy-controller.ts";
import { detectPodNetwork, PodNetworks } from "./pod-network.ts";

export interface NodeNetworkOptions {
  /** "auto" detects; true fails when unavailable; false: the host's network. */
  mode: "auto" | boolean;
  dataDir: string;
  podCIDR?: string;
  cniPath?: string;
  client: KubeClient;
  log: Logger;
}

export interface NodeNetwork {
  names: NodeNetworkNames;
  pods: PodNetworks;
  /** The `kubernetes` Service's ClusterIP and port: KUBERNETES_SERVICE_HOST/PORT of Pods. */
  apiService: { host: string; port: number };
  /** The Pod's /etc/resolv.conf (the kubelet's DNS configurer with this node's cluster DNS). */
  resolvConf(pod: Pod): string;
  /** After the Pods' own teardown: DNS, Service rules, remaining Pod networks, bridge, claim. */
  stop(): Promise<void>;
}

/** The `kubernetes` Service's ClusterIP and port. */
async function kubernetesService(client: KubeClient): Promise<{ host: string; port: number }> {
  const svc = await client.resource<Service>("services").get("kubernetes", { namespace: "default" });
  const ip = svc.spec?.clusterIP;
  const port = svc.spec?.ports?.find((p) => p.name === "https")?.port ?? svc.spec?.ports?.[0]?.port;
  if (!ip || ip === "None" || !port)
    throw new Error("the default/kubernetes Service has no ClusterIP and port");
  return { host: ip, port };
}

export async function startNodeNetwork(options: NodeNetworkOptions): Promise<NodeNetwork | undefined> {
  const { log } = options;
  if (options.mode === false) {
    log.info("Pod networks disabled: Pods share this host's network, each with a loopback Pod IP");
    return undefined;
  }
  const support = await detectPodNetwork(options.cniPath);
  if (!support.available) {
    if (options.mode === true) throw new Error(`Pod networks were required but ${support.detail}`);
    log.warn(
      `Pods share this host's network (${support.detail}): each gets a loopback Pod IP, ` +
        "two Pods listening on the same port collide, and Service ClusterIPs are not routable",
    );
    return undefined;
  }

  const hostDns = hostDnsConfig();
  let dns: ClusterDns | undefined;
  let clusterDNS: string | undefined;
  let dnsStarting: Promise<void> | undefined;
  let proxy: ServiceProxy | undefined;
  let policy: NetworkPolicyController | undefined;
  let podSubnet: string | undefined;
  const startDns = (gateway: string) => {
    dnsStarting ??= (async () => {
      if (!proxy) return;
      const server = new ClusterDns({
        host: gateway,
        clients: [podSubnet ?? `${gateway}/24`],
        records: proxy.records,
        upstreams: hostDns.servers,
        log,
      });
      try {
        await server.start();
        dns = server;
        clusterDNS = gateway;
        log.info(`cluster DNS serves cluster.local on ${gateway}:53`);
      } catch (error) {
        log.error(
          { err: (error as Error).message },
          `cannot serve cluster DNS on ${gateway}:53: Pods get the host's resolvers (dnsPolicy Default)`,
        );
      }
    })();
    return dnsStarting;
  };

  const pods = await PodNetworks.start({
    dataDir: options.dataDir,
    podCIDR: options.podCIDR,
    cniPath: options.cniPath,
    onGateway: startDns,
    onPodAdded: async (pod, podIPs) => policy?.podAdded(pod, podIPs),
    onPodRemoved: async (uid) => policy?.podRemoved(uid),
    log,
  });
  podSubnet = pods.names.subnet;
  try {
    proxy = new ServiceProxy(options.client, pods.names, log);
    await proxy.start();
    policy = new NetworkPolicyController(options.client, pods.names, () => pods.gateway, log);
    await policy.start();
    const apiService = await kubernetesService(options.client);
    log.info(
      `each Pod gets its own network namespace (${support.detail}; bridge ${pods.names.bridge}, Pod CIDR ${pods.names.subnet})`,
    );
    const running = proxy;
    const enforcing = policy;
    return {
      names: pods.names,
      pods,
      apiService,
      resolvConf: (pod) => renderResolvConf(podDnsConfig(pod, clusterDNS, hostDns)),
      stop: async () => {
        await dns?.stop();
        await running
          .stop()
          .catch((error: Error) => log.warn({ err: error.message }, "cannot remove the Service rules"));
        await enforcing
          .stop()
          .catch((error: Error) => log.warn({ err: error.message }, "cannot remove the NetworkPolicy rules"));
        await pods.stop();
      },
    };
  } catch (error) {
    await proxy?.stop().catch(() => undefined);
    await policy?.stop().catch(() => undefined);
    await pods.stop().catch(() => undefined);
    throw error;
  }
}
