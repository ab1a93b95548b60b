// `endpoints watch --probe`: connects to each ready endpoint and says which answered. Without a path a TCP
// connect (the kubelet's tcpSocket probe); with one an HTTP GET that succeeds on 200–399 as the kubelet's
// httpGet probe does (pkg/probe/http/http.go). Redirects are not followed: an answer is an answer.
import http from "node:http";
import net from "node:net";
import type { ServicePort } from "./ready-endpoints.ts";

export interface ProbeSpec {
  /** A port number, or the name of one of the EndpointSlice ports (the Service's targetPort). */
  port: string;
  /** HTTP GET this path; a TCP connect when unset. */
  path?: string;
  timeoutMs: number;
}

export interface ProbeResult {
  address: string;
  answered: boolean;
  /** "HTTP 200", "connected", or why not ("connect ECONNREFUSED", "no answer within 1000ms"). */
  detail: string;
}

export interface ProbeReport {
  port?: number;
  path?: string;
  results: ProbeResult[];
}

/** A numeric spec as is, a name through the slices' ports (case-sensitive, as Service port names are). */
export function resolveProbePort(spec: string, ports: readonly ServicePort[]): number | undefined {
  if (/^\d+$/.test(spec)) return Number(spec);
  return ports.find((p) => p.name === spec && p.protocol === "TCP")?.port;
}

export async function probeEndpoints(
  addresses: readonly string[],
  ports: readonly ServicePort[],
  spec: ProbeSpec,
): Promise<ProbeReport> {
  const port = resolveProbePort(spec.port, ports);
  if (port === undefined || port < 1 || port > 65535) {
    const known = ports.map((p) => p.name || String(p.port)).join(", ") || "none";
    const detail = `no TCP port ${JSON.stringify(spec.port)} on the Service's endpoints (ports: ${known})`;
    return { path: spec.path, results: addresses.map((address) => ({ address, answered: false, detail })) };
  }
  const probe = spec.path === undefined ? tcpConnect : httpGet(spec.path);
  const results = await Promise.all(addresses.map((address) => probe(address, port, spec.timeoutMs)));
  return { port, path: spec.path, results };
}

type Probe = (address: string, port: number, timeoutMs: number) => Promise<ProbeResult>;

const tcpConnect: Probe = (address, port, timeoutMs) =>
  new Promise((resolve) => {
    const socket = net.connect({ host: address, port, timeout: timeoutMs });
    const done = (answered: boolean, detail: string) => {
      socket.destroy();
      resolve({ address, answered, detail });
    };
    socket.once("connect", () => done(true, "connected"));
    socket.once("timeout", () => done(false, `no answer within ${timeoutMs}ms`));
    socket.once("error", (error: NodeJS.ErrnoException) =>
      done(false, `connect ${error.code ?? error.message}`),
    );
  });

const httpGet =
  (path: string): Probe =>
  (address, port, timeoutMs) =>
    new Promise((resolve) => {
      const failed = (detail: string) => resolve({ address, answered: false, detail });
      let request: http.ClientRequest;
      try {
        request = http.get({ host: address, port, path, timeout: timeoutMs, agent: false }, (response) => {
          response.resume();
          const status = response.statusCode ?? 0;
          resolve({ address, answered: status >= 200 && status < 400, detail: `HTTP ${status}` });
        });
      } catch (error) {
        // A path Node refuses to send (the CLI checks paths; other callers of this module may not).
        return failed((error as Error).message);
      }
      request.once("timeout", () => {
        request.destroy();
        failed(`no answer within ${timeoutMs}ms`);
      });
      request.once("error", (error: NodeJS.ErrnoException) =>
        failed(`connect ${error.code ?? error.message}`),
      );
    });
