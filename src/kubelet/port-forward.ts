// The runtime's side of pods/portforward (the CRI runtime's PortForward): a connection to a port of a Pod it
// runs. A Pod with its own network namespace is reached at its Pod IP through the node's bridge (the host
// routes the Pod CIDR there); in the host's network at its loopback Pod IP (127.0.1.x, or 127.0.0.1 for
// hostNetwork). So a port is reachable when the container listens on 0.0.0.0 or its Pod IP — not on
// 127.0.0.1 inside its own namespace, which containerd's in-namespace dial would reach.
// The server and the runtime start apart (startServer first), so one router is handed to both, as PodLogStore.
import net from "node:net";
import type { Duplex } from "node:stream";

/** What the runtime knows about a Pod it runs. */
export interface ForwardablePod {
  uid: string;
  /** Undefined until the Pod's sandbox (network) is ready. */
  podIP: string | undefined;
}

export type PodLookup = (namespace: string, name: string) => ForwardablePod | undefined;

/** How long a connection to the Pod may take before it fails (the Pod's network dropping packets). */
const CONNECT_TIMEOUT_MS = 20_000;

export class PodPortForwardRouter {
  #lookup: PodLookup | undefined;

  /** The runtime registers how it finds its Pods; stop() unregisters. */
  serve(lookup: PodLookup): void {
    this.#lookup = lookup;
  }

  stop(lookup: PodLookup): void {
    if (this.#lookup === lookup) this.#lookup = undefined;
  }

  target(namespace: string, name: string, uid: string) {
    const pod = this.#lookup?.(namespace, name);
    if (!pod || (uid && pod.uid !== uid)) return undefined;
    return {
      id: pod.uid,
      connect: (port: number): Promise<Duplex> => {
        // Looked up again: the sandbox may have come up (or been torn down) since the session began.
        const ip = this.#lookup?.(namespace, name)?.podIP;
        if (!ip)
          return Promise.reject(new Error("the Pod's network is not ready (its sandbox is not running)"));
        return dial(ip, port);
      },
    };
  }
}

/** net.Dial("tcp", ip:port) with Go's error texts ("dial tcp 10.244.0.5:80: connect: connection refused"). */
export function dial(host: string, port: number, timeoutMs = CONNECT_TIMEOUT_MS): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true });
    const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`dial tcp ${address}: i/o timeout`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(`dial tcp ${address}: connect: ${GO_ERRNO_TEXT[err.code ?? ""] ?? err.message}`));
    });
  });
}

/** Go's syscall.Errno strings for what a connect can fail with. */
const GO_ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "no route to host",
  ENETUNREACH: "network is unreachable",
  EADDRNOTAVAIL: "cannot assign requested address",
  ECONNRESET: "connection reset by peer",
};
