// The CNI side of Pod networking, as a container runtime drives it (libcni, github.com/containernetworking/
// cni/libcni/api.go): a CNI 1.0 network configuration list, each plugin invoked as an executable found on
// CNI_PATH with CNI_COMMAND/CNI_CONTAINERID/CNI_NETNS/CNI_IFNAME/CNI_ARGS/CNI_PATH in its environment and
// its configuration (name, cniVersion, prevResult, runtimeConfig) on stdin. ADD runs the list in order,
// each plugin getting the previous result; DEL runs it in reverse and CHECK in order, both with the
// cached ADD result (the caller records it).
import { spawn } from "node:child_process";

export const CNI_VERSION = "1.0.0";
/** Debian's containernetworking-plugins. */
export const DEFAULT_CNI_PATH = "/usr/lib/cni";
/** The Pod's interface name, as the kubelet asks for it. */
export const POD_IFNAME = "eth0";

export type CniPluginConf = Record<string, unknown> & {
  type: string;
  capabilities?: Record<string, boolean>;
};

export interface CniNetworkList {
  cniVersion: string;
  name: string;
  plugins: CniPluginConf[];
}

/** A CNI 1.0 result (spec "Success"), the fields the runtime reads. */
export interface CniResult {
  cniVersion: string;
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: { interface?: number; address: string; gateway?: string }[];
  routes?: { dst: string; gw?: string }[];
  dns?: Record<string, unknown>;
}

export interface BridgeNetwork {
  /** The CNI network name (host-local keeps its leases per name). */
  name: string;
  bridge: string;
  /** The node's Pod CIDR, e.g. 10.244.0.0/24. */
  subnet: string;
  /** host-local's lease directory. */
  ipamDataDir: string;
}

/** bridge (gateway + masquerade) → host-local IPAM → loopback → portmap, as a kubelet's node would have. */
export function bridgeNetworkList(n: BridgeNetwork): CniNetworkList {
  return {
    cniVersion: CNI_VERSION,
    name: n.name,
    plugins: [
      {
        type: "bridge",
        bridge: n.bridge,
        isGateway: true,
        ipMasq: true,
        // A Pod reaching itself through a Service address comes back over its own port.
        hairpinMode: true,
        ipam: {
          type: "host-local",
          ranges: [[{ subnet: n.subnet }]],
          routes: [{ dst: "0.0.0.0/0" }],
          dataDir: n.ipamDataDir,
        },
      },
      { type: "loopback" },
      { type: "portmap", capabilities: { portMappings: true }, snat: true },
    ],
  };
}

export interface CniRuntimeConf {
  containerId: string;
  netns: string;
  ifName: string;
  /** CNI_ARGS pairs (the kubelet passes K8S_POD_NAMESPACE, K8S_POD_NAME, K8S_POD_UID…). */
  args?: [string, string][];
  /** Runtime configuration, given to plugins that declare the capability (portMappings). */
  capabilityArgs?: Record<string, unknown>;
}

export type CniCommand = "ADD" | "DEL" | "CHECK";

/** A plugin's failure: its spec error (code, msg, details) or what went wrong running it. */
export class CniError extends Error {
  readonly plugin: string;
  readonly command: CniCommand;
  readonly code?: number;
  constructor(plugin: string, command: CniCommand, message: string, code?: number) {
    super(`CNI plugin ${plugin} ${command} failed: ${message}`);
    this.name = "CniError";
    this.plugin = plugin;
    this.command = command;
    this.code = code;
  }
}

/** The stdin configuration of one plugin of the list (libcni buildOneConfig + injectRuntimeConfig). */
export function pluginConfig(
  list: CniNetworkList,
  plugin: CniPluginConf,
  rt: CniRuntimeConf,
  prevResult: CniResult | undefined,
): Record<string, unknown> {
  const conf: Record<string, unknown> = { ...plugin, cniVersion: list.cniVersion, name: list.name };
  if (prevResult) conf.prevResult = prevResult;
  const runtimeConfig: Record<string, unknown> = {};
  for (const [capability, enabled] of Object.entries(plugin.capabilities ?? {})) {
    if (enabled && rt.capabilityArgs && capability in rt.capabilityArgs)
      runtimeConfig[capability] = rt.capabilityArgs[capability];
  }
  if (Object.keys(runtimeConfig).length > 0) conf.runtimeConfig = runtimeConfig;
  return conf;
}

/** The plugin's environment: nothing of the runtime's (a plugin needs PATH for iptables, nothing else). */
export function pluginEnv(command: CniCommand, rt: CniRuntimeConf, cniPath: string): NodeJS.ProcessEnv {
  return {
    PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
    CNI_COMMAND: command,
    CNI_CONTAINERID: rt.containerId,
    CNI_NETNS: rt.netns,
    CNI_IFNAME: rt.ifName,
    CNI_ARGS: ["IgnoreUnknown=1", ...(rt.args ?? []).map(([k, v]) => `${k}=${v}`)].join(";"),
    CNI_PATH: cniPath,
  };
}

/** Parses a plugin's stdout; a spec error object (code + msg) becomes a CniError. */
export function parseResult(
  plugin: string,
  command: CniCommand,
  stdout: string,
  exitCode: number,
): CniResult {
  let parsed: unknown;
  try {
    parsed = stdout.trim() ? JSON.parse(stdout) : {};
  } catch {
    throw new CniError(plugin, command, `its output is not JSON: ${stdout.slice(0, 200)}`);
  }
  const body = parsed as { code?: number; msg?: string; details?: string };
  if (exitCode !== 0 || typeof body.code === "number") {
    const message = [body.msg, body.details].filter(Boolean).join("; ") || `exit code ${exitCode}`;
    throw new CniError(plugin, command, message, body.code);
  }
  return parsed as CniResult;
}

export type PluginRunner = (
  file: string,
  env: NodeJS.ProcessEnv,
  stdin: string,
) => Promise<{ code: number; stdout: string; stderr: string }>;

const PLUGIN_TIMEOUT_MS = 30_000;

const execPlugin: PluginRunner = (file, env, stdin) =>
  new Promise((resolve) => {
    const child = spawn(file, [], { env, stdio: ["pipe", "pipe", "pipe"], timeout: PLUGIN_TIMEOUT_MS });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", (error) => resolve({ code: 127, stdout: "", stderr: error.message }));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(stdin);
  });

export class CniNetwork {
  readonly list: CniNetworkList;
  readonly #path: string;
  readonly #run: PluginRunner;

  constructor(list: CniNetworkList, cniPath = DEFAULT_CNI_PATH, run: PluginRunner = execPlugin) {
    this.list = list;
    this.#path = cniPath;
    this.#run = run;
  }

  async #invoke(
    command: CniCommand,
    plugin: CniPluginConf,
    rt: CniRuntimeConf,
    prev: CniResult | undefined,
  ): Promise<CniResult> {
    const file = `${this.#path.split(":")[0]}/${plugin.type}`;
    const stdin = JSON.stringify(pluginConfig(this.list, plugin, rt, prev));
    const out = await this.#run(file, pluginEnv(command, rt, this.#path), stdin);
    if (out.code === 127 && !out.stdout)
      throw new CniError(plugin.type, command, `cannot run ${file}: ${out.stderr.trim()}`);
    if (out.code !== 0 && !out.stdout.trim())
      throw new CniError(plugin.type, command, out.stderr.trim() || `exit code ${out.code}`);
    return parseResult(plugin.type, command, out.stdout, out.code);
  }

  /** AddNetworkList: each plugin in order, chaining results; the last result is the network's. */
  async add(rt: CniRuntimeConf): Promise<CniResult> {
    let result: CniResult | undefined;
    for (const plugin of this.list.plugins) result = await this.#invoke("ADD", plugin, rt, result);
    return result ?? { cniVersion: this.list.cniVersion };
  }

  /** CheckNetworkList: each plugin in order with the cached ADD result. */
  async check(rt: CniRuntimeConf, cached: CniResult): Promise<void> {
    for (const plugin of this.list.plugins) await this.#invoke("CHECK", plugin, rt, cached);
  }

  /**
   * DelNetworkList: in reverse order with the cached result. Every plugin runs even when one fails (the
   * first failure is rethrown), so a broken netns still frees the IPAM lease and the NAT rules.
   */
  async del(rt: CniRuntimeConf, cached: CniResult | undefined): Promise<void> {
    let first: unknown;
    for (const plugin of [...this.list.plugins].reverse()) {
      await this.#invoke("DEL", plugin, rt, cached).catch((error) => {
        first ??= error;
      });
    }
    if (first) throw first;
  }
}

/** The Pod's IPv4 address from a result: the address on the interface inside the netns (ifName). */
export function podIPsOf(result: CniResult, ifName = POD_IFNAME): string[] {
  const inside = (result.interfaces ?? []).findIndex((i) => i.name === ifName && i.sandbox);
  return (result.ips ?? [])
    .filter((ip) => inside < 0 || ip.interface === undefined || ip.interface === inside)
    .map((ip) => ip.address.split("/")[0]);
}
