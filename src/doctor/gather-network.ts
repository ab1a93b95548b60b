// I/O at the edge: DNS lookup, a TCP connect and a TLS handshake to the API server, each observed on its
// own so a failure names its layer. The handshake verifies nothing by itself; the checks judge the result.
import { lookup } from "node:dns/promises";
import { isIP, connect as netConnect, type Socket } from "node:net";
import { checkServerIdentity, type PeerCertificate, connect as tlsConnect } from "node:tls";
import type { NetworkFacts } from "./types.ts";

const TIMEOUT_MS = 5000;

function hostAndPort(server: string): { host: string; port: number } {
  const url = new URL(server);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return { host, port: Number(url.port || (url.protocol === "https:" ? 443 : 80)) };
}

function errorCode(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ?? e.message ?? String(error);
}

function tcp(host: string, port: number): Promise<NetworkFacts["tcp"]> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket: Socket = netConnect({ host, port, timeout: TIMEOUT_MS });
    socket.once("connect", () => {
      resolve({ ok: true, ms: Math.round(performance.now() - started) });
      socket.destroy();
    });
    socket.once("timeout", () => {
      resolve({ ok: false, error: "ETIMEDOUT" });
      socket.destroy();
    });
    socket.once("error", (error) => resolve({ ok: false, error: errorCode(error) }));
  });
}

function describePeer(cert: PeerCertificate): {
  peerSubject?: string;
  peerAltNames?: string;
  peerValidTo?: Date;
} {
  const cn = cert.subject?.CN;
  return {
    ...(cn ? { peerSubject: `CN=${Array.isArray(cn) ? cn.join(",") : cn}` } : {}),
    ...(cert.subjectaltname ? { peerAltNames: cert.subjectaltname } : {}),
    ...(cert.valid_to ? { peerValidTo: new Date(cert.valid_to) } : {}),
  };
}

function tls(
  host: string,
  port: number,
  ca: string | undefined,
  servername?: string,
): Promise<NetworkFacts["tls"]> {
  return new Promise((resolve) => {
    const name = servername ?? (isIP(host) ? undefined : host);
    const socket = tlsConnect({
      host,
      port,
      ca,
      servername: name,
      rejectUnauthorized: false, // observe, then judge: an untrusted chain is a finding, not a crash
      timeout: TIMEOUT_MS,
    });
    socket.once("secureConnect", () => {
      const peer = socket.getPeerCertificate();
      const identity = checkServerIdentity(name ?? host, peer);
      resolve({
        ok: true,
        protocol: socket.getProtocol() ?? undefined,
        authorized: socket.authorized,
        ...(socket.authorizationError ? { authorizationError: String(socket.authorizationError) } : {}),
        ...(identity ? { hostnameError: identity.message } : {}),
        ...describePeer(peer),
      });
      socket.destroy();
    });
    socket.once("timeout", () => {
      resolve({ ok: false, error: "ETIMEDOUT" });
      socket.destroy();
    });
    socket.once("error", (error) => resolve({ ok: false, error: errorCode(error) }));
  });
}

export async function networkFacts(
  server: string,
  ca: string | undefined,
  tlsServerName?: string,
): Promise<NetworkFacts> {
  const { host, port } = hostAndPort(server);
  const literal = isIP(host) !== 0;
  const facts: NetworkFacts = { host, port, dns: { literal } };
  if (!literal) {
    try {
      facts.dns.addresses = (await lookup(host, { all: true })).map((a) => a.address);
    } catch (error) {
      facts.dns.error = errorCode(error);
      return facts;
    }
  }
  facts.tcp = await tcp(host, port);
  if (facts.tcp?.ok) facts.tls = await tls(host, port, ca, tlsServerName);
  return facts;
}
