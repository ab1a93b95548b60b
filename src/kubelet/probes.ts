// One probe attempt (pkg/kubelet/prober): exec, httpGet, tcpSocket and grpc (grpc-probe.ts), with upstream's
// result messages.
import { spawn } from "node:child_process";
import dns from "node:dns";
import http, { type ClientRequest } from "node:http";
import https from "node:https";
import net from "node:net";
import type { ContainerPort, Probe } from "kubernetes-types/core/v1.d.ts";
import { grpcProbe } from "./grpc-probe.ts";

export interface ProbeResult {
  ok: boolean;
  /** Why it failed (shown in the Unhealthy event), or the exec output. */
  message: string;
}

export interface ProbeTarget {
  podIP: string;
  ports: readonly ContainerPort[];
  /** Builds the argv/env/cwd of an exec probe inside the container's context, or explains why it cannot. */
  exec(command: readonly string[]): { argv: string[]; env: NodeJS.ProcessEnv; cwd: string } | Error;
  /** The Pod has a network namespace of its own: the host's loopback is out of its reach (podConnect). */
  isolated?: boolean;
}

export async function runProbe(probe: Probe, target: ProbeTarget): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.exec) return execProbe(probe.exec.command ?? [], target, timeoutMs);
  if (probe.httpGet) {
    const port = resolvePort(probe.httpGet.port, target.ports);
    if (port instanceof Error) return { ok: false, message: port.message };
    const host = probe.httpGet.host || target.podIP;
    return httpProbe(
      {
        scheme: probe.httpGet.scheme === "HTTPS" ? "https" : "http",
        host,
        connect: podConnect(host, target.isolated),
        port,
        path: probe.httpGet.path || "/",
        headers: Object.fromEntries((probe.httpGet.httpHeaders ?? []).map((h) => [h.name, h.value])),
      },
      timeoutMs,
    );
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, target.ports);
    if (port instanceof Error) return { ok: false, message: port.message };
    const host = probe.tcpSocket.host || target.podIP;
    return tcpProbe(host, port, timeoutMs, podConnect(host, target.isolated));
  }
  if (probe.grpc) {
    // The kubelet probes gRPC at the Pod IP only (the API has no host field).
    const connect = podConnect(target.podIP, target.isolated);
    if ("refused" in connect) return { ok: false, message: connect.refused.message };
    return grpcProbe(
      { host: target.podIP, port: probe.grpc.port, service: probe.grpc.service ?? "" },
      timeoutMs,
    );
  }
  return { ok: false, message: "missing probe handler" };
}

/** A number, a numeric string, or the name of one of the container's ports. */
export function resolvePort(port: number | string, ports: readonly ContainerPort[]): number | Error {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = ports.find((p) => p.name === port);
  return named ? named.containerPort : new Error(`couldn't find port: ${port} in container ports`);
}

function execProbe(command: readonly string[], target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  const plan = target.exec(command);
  if (plan instanceof Error) return Promise.resolve({ ok: false, message: plan.message });
  return new Promise((resolve) => {
    const child = spawn(plan.argv[0], plan.argv.slice(1), {
      env: plan.env,
      cwd: plan.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const collect = (chunk: Buffer) => {
      if (output.length < 10_240) output += chunk.toString();
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve({ ok: false, message: `command ${JSON.stringify(command)} timed out` });
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ ok: false, message: error.message });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, message: output.trim() });
    });
  });
}

interface HttpTarget {
  scheme: "http" | "https";
  host: string;
  connect: PodConnect;
  port: number;
  path: string;
  headers: Record<string, string>;
}

function httpProbe(target: HttpTarget, timeoutMs: number): Promise<ProbeResult> {
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  const url = `${target.scheme}://${host}:${target.port}${target.path.startsWith("/") ? "" : "/"}${target.path}`;
  const client = target.scheme === "https" ? https : http;
  const connect = target.connect;
  if ("refused" in connect)
    return Promise.resolve({
      ok: false,
      message: dialMessage(connect.refused, `Get "${url}"`, host, target.port),
    });
  return new Promise((resolve) => {
    // A host or header value the API accepts (as upstream does) but Node refuses throws synchronously.
    const req = requestOrError(
      () =>
        client.get(
          url,
          {
            lookup: connect.lookup,
            headers: { "User-Agent": "kube-probe/1.33", Accept: "*/*", ...target.headers },
            timeout: timeoutMs,
            rejectUnauthorized: false, // the kubelet does not verify probe certificates either
          },
          (res) => {
            const code = res.statusCode ?? 0;
            res.resume();
            if (code >= 200 && code < 400) resolve({ ok: true, message: "" });
            else resolve({ ok: false, message: `HTTP probe failed with statuscode: ${code}` });
          },
        ),
      url,
    );
    if (typeof req === "string") return resolve({ ok: false, message: req });
    req.on("timeout", () =>
      req.destroy(new Error("context deadline exceeded (Client.Timeout exceeded while awaiting headers)")),
    );
    req.on("error", (error) =>
      resolve({ ok: false, message: dialMessage(error, `Get "${url}"`, host, target.port) }),
    );
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number, connect: PodConnect): Promise<ProbeResult> {
  if ("refused" in connect)
    return Promise.resolve({ ok: false, message: dialMessage(connect.refused, "", host, port) });
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs, lookup: connect.lookup });
    socket.once("connect", () => {
      socket.destroy();
      resolve({ ok: true, message: "" });
    });
    socket.once("timeout", () => socket.destroy(new Error(`dial tcp ${host}:${port}: i/o timeout`)));
    socket.once("error", (error) => resolve({ ok: false, message: dialMessage(error, "", host, port) }));
  });
}

/**
 * The request, or Go's message for one that cannot be made: Node's http.get throws for a URL it cannot
 * parse (a host with spaces) and for a header value with control characters, where Go's client fails the
 * request instead.
 */
export function requestOrError(start: () => ClientRequest, url: string): ClientRequest | string {
  try {
    return start();
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === "ERR_INVALID_URL") return `parse ${JSON.stringify(url)}: invalid URL`;
    const header = /\["(.*)"\]/.exec(message)?.[1];
    const why =
      code === "ERR_INVALID_CHAR" && header !== undefined
        ? `net/http: invalid header field value for ${JSON.stringify(header)}`
        : message;
    return `Get ${JSON.stringify(url)}: ${why}`;
  }
}

const LOOPBACK_REFUSED = "ELOOPBACKREFUSED";

/** The host's own addresses (loopback, unspecified), which a Pod with a network namespace cannot reach. */
export function isHostOnlyAddress(address: string): boolean {
  const ip = address.toLowerCase().startsWith("::ffff:") ? address.slice(7) : address;
  if (net.isIPv4(ip)) return ip.startsWith("127.") || ip.startsWith("0.");
  return ip === "::1" || ip === "::";
}

function loopbackRefused(address: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(
    `${address} is the host's loopback, out of reach of a Pod with a network namespace of its own (use the Pod's IP or a Service)`,
  );
  error.code = LOOPBACK_REFUSED;
  return error;
}

/** A name lookup that fails for names resolving to the host's own addresses (DNS, /etc/hosts' localhost). */
const podLookup: net.LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, "", 0);
    const hostOnly = addresses.find((a) => isHostOnlyAddress(a.address));
    if (hostOnly) return callback(loopbackRefused(hostOnly.address), "", 0);
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0]?.address ?? "", addresses[0]?.family ?? 4);
  });
};

export type PodConnect = { refused: Error } | { lookup?: net.LookupFunction };

/**
 * How a probe or hook connects to host for a Pod. The runtime connects from the host's network namespace
 * (as the kubelet does); a Pod with one of its own cannot reach the host's loopback, and neither may its
 * probes and hooks (docs/security.md): a loopback address is refused, a name is checked once resolved.
 */
export function podConnect(host: string, isolated: boolean | undefined): PodConnect {
  if (!isolated) return {};
  if (net.isIP(host) && isHostOnlyAddress(host)) return { refused: loopbackRefused(host) };
  return { lookup: podLookup };
}

/** Go's net error texts ("dial tcp 127.0.1.1:8080: connect: connection refused"), which users search for. */
export function dialMessage(error: Error, prefix: string, host: string, port: number): string {
  const code = (error as NodeJS.ErrnoException).code;
  const dial =
    code === "ECONNREFUSED"
      ? `dial tcp ${host}:${port}: connect: connection refused`
      : code === "EHOSTUNREACH"
        ? `dial tcp ${host}:${port}: connect: no route to host`
        : code === LOOPBACK_REFUSED
          ? `dial tcp ${host}:${port}: ${error.message}`
          : error.message;
  return prefix ? `${prefix}: ${dial}` : dial;
}
