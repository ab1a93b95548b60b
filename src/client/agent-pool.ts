// One keep-alive Agent per (server, CA bundle, client certificate), so connections are reused across calls
// (client-node 2.x opens a TLS connection per call). When the key changes (CA rotated by the kubelet, exec
// plugin issued a new client certificate) new requests get a fresh Agent; the old one is drained: its idle
// sockets close at once, and requests still running on it (a long watch) finish undisturbed. With a proxy, the
// Agent's connections are tunnelled through it (proxy-dial.ts) and TLS to the API server runs inside the tunnel.
import { createHash } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import type { ClientCertificate } from "./config.ts";
import { dialApiServer } from "./proxy-dial.ts";

export interface AgentSettings {
  server: URL;
  ca?: string;
  clientCertificate?: ClientCertificate;
  insecureSkipTLSVerify: boolean;
  tlsServerName?: string;
  /** The proxy to tunnel through (kubeconfig proxy-url, or HTTPS_PROXY/NO_PROXY); undefined: direct. */
  proxy?: URL;
}

/** Idle pooled sockets close after this, below the 90 s IdleTimeout kube-apiserver sets, to avoid reuse races. */
const FREE_SOCKET_TIMEOUT_MS = 60_000;

export interface Lease {
  readonly agent: http.Agent;
  release(): void;
}

interface Entry {
  key: string;
  agent: http.Agent;
  inFlight: number;
  retired: boolean;
}

export class AgentPool {
  #current: Entry | undefined;
  readonly #draining = new Set<Entry>();
  /** Agents created so far; a CA rotation shows up as a new one (and in tests). */
  created = 0;

  /** Borrows the agent for these settings; call release() when the response is fully consumed. */
  lease(settings: AgentSettings): Lease {
    const key = agentKey(settings);
    if (this.#current?.key !== key) {
      if (this.#current) this.#retire(this.#current);
      this.#current = { key, agent: createAgent(settings), inFlight: 0, retired: false };
      this.created++;
    }
    const entry = this.#current;
    entry.inFlight++;
    let released = false;
    return {
      agent: entry.agent,
      release: () => {
        if (released) return;
        released = true;
        entry.inFlight--;
        if (entry.retired && entry.inFlight === 0) {
          entry.agent.destroy();
          this.#draining.delete(entry);
        }
      },
    };
  }

  /** Forget the current agent (CA changed): the next lease builds a new one. */
  invalidate(): void {
    if (this.#current) this.#retire(this.#current);
    this.#current = undefined;
  }

  /** Destroys every connection, including long requests still draining on retired agents. */
  close(): void {
    this.#current?.agent.destroy();
    this.#current = undefined;
    for (const entry of this.#draining) entry.agent.destroy();
    this.#draining.clear();
  }

  #retire(entry: Entry): void {
    entry.retired = true;
    for (const sockets of Object.values(entry.agent.freeSockets))
      for (const socket of sockets ?? []) socket.destroy();
    if (entry.inFlight === 0) entry.agent.destroy();
  }
}

function agentKey(settings: AgentSettings): string {
  const hash = createHash("sha256");
  for (const part of [
    settings.server.origin,
    settings.ca ?? "",
    settings.clientCertificate?.cert ?? "",
    settings.clientCertificate?.key ?? "",
    String(settings.insecureSkipTLSVerify),
    settings.tlsServerName ?? "",
    settings.proxy?.href ?? "",
  ]) {
    hash.update(part).update("\0");
  }
  return hash.digest("hex");
}

function createAgent(settings: AgentSettings): http.Agent {
  const common = {
    keepAlive: true,
    keepAliveMsecs: 30_000,
    timeout: FREE_SOCKET_TIMEOUT_MS,
    scheduling: "lifo" as const,
  };
  const proxy = settings.proxy;
  if (settings.server.protocol === "http:") {
    if (!proxy) return new http.Agent(common);
    return new (class extends http.Agent {
      override createConnection(options: ConnectOptions, callback: ConnectCallback): undefined {
        dialThrough(proxy, settings, options).then(
          (socket) => callback?.(null, socket),
          (error: Error) => callback?.(error, undefined as never),
        );
      }
    })(common);
  }
  const tlsOptions = {
    ca: settings.ca,
    cert: settings.clientCertificate?.cert,
    key: settings.clientCertificate?.key,
    rejectUnauthorized: !settings.insecureSkipTLSVerify,
    servername: settings.tlsServerName,
  };
  if (!proxy) return new https.Agent({ ...common, ...tlsOptions });
  return new (class extends https.Agent {
    // Node's Agent accepts a connection delivered later through the callback.
    override createConnection(options: ConnectOptions, callback: ConnectCallback): undefined {
      dialThrough(proxy, settings, options).then(
        (tunnel) => {
          // The same TLS options Node's https.Agent would use (servername, CA, certificate), over the tunnel.
          const secure = tls.connect({ ...(options as tls.ConnectionOptions), socket: tunnel });
          callback?.(null, secure);
        },
        (error: Error) => callback?.(error, undefined as never),
      );
    }
  })({ ...common, ...tlsOptions });
}

type ConnectOptions = http.ClientRequestArgs;
type ConnectCallback = ((error: Error | null, socket: Duplex) => void) | undefined;

function dialThrough(proxy: URL, settings: AgentSettings, options: ConnectOptions): Promise<Socket> {
  const host = options.host ?? settings.server.hostname;
  return dialApiServer({ host: host.replace(/^\[|\]$/g, ""), port: Number(options.port) }, proxy, {
    ca: settings.ca,
    cert: settings.clientCertificate?.cert,
    key: settings.clientCertificate?.key,
    rejectUnauthorized: !settings.insecureSkipTLSVerify,
  });
}
