// The runtime's side of pods/portforward (the CRI runtime's PortForward): a connection to a port of a Pod it
// runs. containerd dials localhost:<port> inside the Pod's network namespace; here:
// - a Pod with its own network namespace is dialled at its Pod IP through the node's bridge (the host routes
//   the Pod CIDR there), and when that is refused, at localhost inside its namespace through a helper
//   (`nsenter --net=… node`), so a container listening on 127.0.0.1 is reached as on a cluster;
// - a Pod in the host's network is dialled at its loopback Pod IP (127.0.1.x; 127.0.0.1 for hostNetwork).
// The server and the runtime start apart (startServer first), so one router is handed to both, as PodLogStore.
import { spawn } from "node:child_process";
import net from "node:net";
import { Duplex } from "node:stream";
import { inNetns } from "./network/host.ts";

/** What the runtime knows about a Pod it runs. */
export interface ForwardablePod {
  uid: string;
  /** Undefined until the Pod's sandbox (network) is ready. */
  podIP: string | undefined;
  /** The Pod's own network namespace (a path), if it has one. */
  netns: string | undefined;
}

export type PodLookup = (namespace: string, name: string) => ForwardablePod | undefined;

/** How long a connection to the Pod may take before it fails (the Pod's network dropping packets). */
const CONNECT_TIMEOUT_MS = 20_000;
/** Connections through an in-namespace helper (a process each) open at once, for all Pods. */
export const MAX_NAMESPACE_CONNECTIONS = 64;

export class PodPortForwardRouter {
  #lookup: PodLookup | undefined;
  #helpers = 0;

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
      connect: async (port: number): Promise<Duplex> => {
        // Looked up again: the sandbox may have come up (or been torn down) since the session began.
        const now = this.#lookup?.(namespace, name);
        if (!now?.podIP || now.uid !== pod.uid)
          throw new Error("the Pod's network is not ready (its sandbox is not running)");
        if (!now.netns) return dial(now.podIP, port);
        try {
          return await dial(now.podIP, port);
        } catch (e) {
          if (!(e as Error).message.endsWith("connection refused")) throw e;
          return await this.#dialInNamespace(now.netns, now.uid, port);
        }
      },
    };
  }

  async #dialInNamespace(netns: string, sandboxId: string, port: number): Promise<Duplex> {
    if (this.#helpers >= MAX_NAMESPACE_CONNECTIONS)
      throw new Error(
        `too many connections into Pod network namespaces (${MAX_NAMESPACE_CONNECTIONS}); close some port-forward connections, or listen on 0.0.0.0 or the Pod IP`,
      );
    this.#helpers++;
    try {
      const connection = await dialInNamespace(netns, sandboxId, port);
      connection.once("close", () => this.#helpers--);
      return connection;
    } catch (e) {
      this.#helpers--;
      throw e;
    }
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
      reject(new Error(`dial tcp ${address}: connect: ${goErrno(err)}`));
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

function goErrno(err: NodeJS.ErrnoException): string {
  return GO_ERRNO_TEXT[err.code ?? ""] ?? err.message;
}

/**
 * The helper run inside the namespace: containerd's dial (tcp4 localhost, then tcp6), one byte (0) once
 * connected, then stdin/stdout are the connection. On failure it prints the two errors and exits 1.
 */
const HELPER = `
const net = require("node:net");
const port = Number(process.argv[1]);
const TEXT = ${JSON.stringify(GO_ERRNO_TEXT)};
const dial = (host) => new Promise((resolve, reject) => {
  const s = net.connect({ host, port });
  s.once("connect", () => resolve(s));
  s.once("error", (e) => reject(new Error("dial tcp" + (host.includes(":") ? "6 [" + host + "]" : "4 " + host) + ":" + port + ": connect: " + (TEXT[e.code] ?? e.message))));
});
(async () => {
  let s;
  try { s = await dial("127.0.0.1"); } catch (e4) {
    try { s = await dial("::1"); } catch (e6) { process.stderr.write("IPv4: " + e4.message + " IPv6 " + e6.message + " "); process.exit(1); }
  }
  process.stdout.write(Buffer.from([0]));
  s.on("error", () => process.exit(0));
  s.on("close", () => process.exit(0));
  process.stdin.pipe(s);
  s.pipe(process.stdout);
})();
`;

/** containerd's portForward: localhost:<port> inside the Pod's network namespace, with its error text. */
export function dialInNamespace(netns: string, sandboxId: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const [command, ...args] = inNetns(netns, [process.execPath, "-e", HELPER, String(port)]);
    const child = spawn(command!, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    let connected = false;
    child.stderr.on("data", (d) => {
      if (stderr.length < 4096) stderr += d;
    });
    const fail = (why: string) =>
      reject(
        new Error(`failed to execute portforward in network namespace ${JSON.stringify(netns)}: ${why}`),
      );
    child.once("error", (err) => fail(err.message));
    child.once("exit", (code) => {
      if (connected) return;
      fail(
        code === 1 && stderr.startsWith("IPv4: ")
          ? `failed to connect to localhost:${port} inside namespace ${JSON.stringify(sandboxId)}, ${stderr}`
          : `the helper exited with ${code}: ${stderr.trim()}`,
      );
    });
    child.stdout.once("readable", function first() {
      const marker = child.stdout.read(1) as Buffer | null;
      if (marker === null) return void child.stdout.once("readable", first);
      connected = true;
      const connection = Duplex.from({ readable: child.stdout, writable: child.stdin });
      // Ending or dropping the connection ends the helper too; the helper's exit (the Pod closed the
      // connection) ends the connection once what it sent has been read.
      connection.once("close", () => child.kill());
      child.once("close", () => {
        if (connection.readableEnded) connection.destroy();
        else connection.once("end", () => connection.destroy());
      });
      resolve(connection);
    });
  });
}
