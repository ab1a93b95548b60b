// A Pod's /etc/resolv.conf, ported from the kubelet's DNS configurer (pkg/kubelet/network/dns/dns.go:
// getPodDNSType, GetPodDNS, generateSearchesForDNSClusterFirst, appendDNSConfig, mergeDNSOptions,
// formDNSConfigFitsLimits) and written as containerd's CRI plugin writes it (search, nameserver, options).
import { readFileSync } from "node:fs";
import type { Pod } from "kubernetes-types/core/v1.d.ts";

export const CLUSTER_DOMAIN = "cluster.local";
/** Limits of the libc resolver (dns.go). */
const MAX_NAMESERVERS = 3;
const MAX_SEARCH_PATHS = 32;
const MAX_SEARCH_CHARS = 2048;
const DEFAULT_OPTIONS = ["ndots:5"];

export interface DnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

/** nameserver, search/domain and options lines of a resolv.conf. */
export function parseResolvConf(text: string): DnsConfig {
  const config: DnsConfig = { servers: [], searches: [], options: [] };
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[#;].*$/, "").trim();
    const [key, ...values] = line.split(/\s+/);
    if (key === "nameserver" && values[0]) config.servers.push(values[0]);
    else if (key === "search" || key === "domain") config.searches = values.filter((v) => v !== ".");
    else if (key === "options") config.options.push(...values);
  }
  return config;
}

const isLoopback = (ip: string) => ip.startsWith("127.") || ip === "::1";

/**
 * The host's resolver settings as Pods with dnsPolicy Default see them. Like a kubelet on a systemd-resolved
 * host (--resolv-conf=/run/systemd/resolve/resolv.conf), a loopback stub is replaced by the real upstreams:
 * a loopback address means nothing inside a Pod's network namespace.
 */
export function hostDnsConfig(file = "/etc/resolv.conf"): DnsConfig {
  const read = (f: string) => {
    try {
      return parseResolvConf(readFileSync(f, "utf8"));
    } catch {
      return { servers: [], searches: [], options: [] };
    }
  };
  const config = read(file);
  if (config.servers.length > 0 && config.servers.every(isLoopback)) {
    const upstream = read("/run/systemd/resolve/resolv.conf");
    if (upstream.servers.length > 0) return upstream;
  }
  return config;
}

type DnsType = "none" | "cluster" | "host";

/** getPodDNSType: ClusterFirst on the host network falls back to Default, as upstream. */
function podDnsType(pod: Pod): DnsType {
  switch (pod.spec?.dnsPolicy ?? "ClusterFirst") {
    case "None":
      return "none";
    case "ClusterFirstWithHostNet":
      return "cluster";
    case "Default":
      return "host";
    default:
      return pod.spec?.hostNetwork ? "host" : "cluster";
  }
}

const unique = (values: string[]) => [...new Set(values)];

/** mergeDNSOptions: the Pod's options override the base ones by name (kept in first-seen order). */
function mergeOptions(base: string[], extra: { name?: string; value?: string }[]): string[] {
  const options = new Map<string, string>();
  for (const op of base) {
    const i = op.indexOf(":");
    if (i >= 0) options.set(op.slice(0, i), op.slice(i + 1));
    else options.set(op, "");
  }
  for (const op of extra) if (op.name) options.set(op.name, op.value ?? "");
  return [...options].map(([name, value]) => (value ? `${name}:${value}` : name));
}

/** GetPodDNS + formDNSConfigFitsLimits for one Pod; `clusterDNS` is the cluster DNS server's address. */
export function podDnsConfig(pod: Pod, clusterDNS: string | undefined, host: DnsConfig): DnsConfig {
  let config: DnsConfig = {
    servers: [...host.servers],
    searches: [...host.searches],
    options: [...host.options],
  };
  const type = podDnsType(pod);
  if (type === "none") config = { servers: [], searches: [], options: [] };
  else if (type === "cluster" && clusterDNS) {
    const ns = pod.metadata?.namespace ?? "default";
    config = {
      servers: [clusterDNS],
      searches: unique([
        `${ns}.svc.${CLUSTER_DOMAIN}`,
        `svc.${CLUSTER_DOMAIN}`,
        CLUSTER_DOMAIN,
        ...host.searches,
      ]),
      options: [...DEFAULT_OPTIONS],
    };
  }
  const extra = pod.spec?.dnsConfig;
  if (extra) {
    config = {
      servers: unique([...config.servers, ...(extra.nameservers ?? [])]),
      searches: unique([...config.searches, ...(extra.searches ?? [])]),
      options: mergeOptions(config.options, extra.options ?? []),
    };
  }
  return fitsLimits(config);
}

/** formDNSConfigFitsLimits: at most 3 nameservers, 32 search paths, 2048 characters of search list. */
function fitsLimits(config: DnsConfig): DnsConfig {
  const searches = config.searches.slice(0, MAX_SEARCH_PATHS);
  while (searches.length > 0 && searches.join(" ").length > MAX_SEARCH_CHARS) searches.pop();
  return { servers: config.servers.slice(0, MAX_NAMESERVERS), searches, options: config.options };
}

/** The file's text, as containerd writes a sandbox's resolv.conf. */
export function renderResolvConf(config: DnsConfig): string {
  let text = "";
  if (config.searches.length > 0) text += `search ${config.searches.join(" ")}\n`;
  for (const server of config.servers) text += `nameserver ${server}\n`;
  if (config.options.length > 0) text += `options ${config.options.join(" ")}\n`;
  return text;
}
