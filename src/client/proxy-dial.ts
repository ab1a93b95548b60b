// Opening the TCP stream to the API server, directly or through a proxy, as Go's http.Transport does for
// client-go: an http(s) proxy gets an HTTP CONNECT (with Proxy-Authorization from the proxy URL's userinfo; an
// https proxy is reached over TLS first, verified with the cluster's TLS settings, as Go uses the transport's
// TLS config for it), a socks5 proxy the RFC 1928 handshake (no authentication, or RFC 1929
// username/password). The host name is passed to the proxy unresolved, as Go does. Everything that connects to
// the API server (requests, watches, websocket upgrades) dials through dialApiServer().
import net from "node:net";
import tls from "node:tls";

export interface DialTarget {
  host: string;
  port: number;
}

export interface ProxyTls {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

/** Proxy handshakes that take longer than this fail (Go's dialer default in client-go is 30 s). */
export const PROXY_DIAL_TIMEOUT_MS = 30_000;

/** A proxy failed or refused; the message names the proxy (never its credentials) and what to check. */
export class ProxyError extends Error {
  override name = "ProxyError";
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.code = code;
  }
}

/** The proxy URL without its userinfo, for messages. */
export function describeProxy(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`;
}

/**
 * A plain TCP stream to `target`: direct, or tunnelled through `proxy`. The caller layers TLS to the API server
 * on top (an Agent's createConnection; a websocket client can do the same).
 */
export async function dialApiServer(
  target: DialTarget,
  proxy: URL | undefined,
  proxyTls: ProxyTls,
  timeoutMs = PROXY_DIAL_TIMEOUT_MS,
): Promise<net.Socket> {
  if (!proxy) return connectTcp(target.host, target.port, timeoutMs);
  const port = Number(
    proxy.port || (proxy.protocol === "https:" ? 443 : proxy.protocol === "socks5:" ? 1080 : 80),
  );
  const host = unbracket(proxy.hostname);
  const where = describeProxy(proxy);
  let socket: net.Socket;
  try {
    socket = await connectTcp(host, port, timeoutMs);
  } catch (error) {
    throw new ProxyError(
      `cannot connect to the proxy ${where}: ${(error as Error).message}; check proxy-url or HTTPS_PROXY (and NO_PROXY)`,
      (error as NodeJS.ErrnoException).code ?? "ECONNREFUSED",
    );
  }
  const timer = setTimeout(
    () =>
      socket.destroy(
        new ProxyError(
          `the proxy ${where} did not complete its handshake within ${timeoutMs} ms`,
          "ETIMEDOUT",
        ),
      ),
    timeoutMs,
  );
  try {
    switch (proxy.protocol) {
      case "http:":
        return await httpConnect(socket, target, proxy);
      case "https:": {
        const secure = await startTls(socket, host, proxyTls, where);
        return await httpConnect(secure, target, proxy);
      }
      case "socks5:":
        return await socks5Connect(socket, target, proxy);
      default:
        throw new ProxyError(
          `proxy ${where} has the unsupported scheme ${proxy.protocol.replace(/:$/, "")}: use http, https or socks5`,
          "UNSUPPORTED_PROXY",
        );
    }
  } catch (error) {
    socket.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function connectTcp(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.once("connect", () => {
      socket.off("error", fail);
      socket.setTimeout(0);
      resolve(socket);
    });
    socket.once("timeout", () =>
      fail(Object.assign(new Error(`connect to ${host}:${port} timed out`), { code: "ETIMEDOUT" })),
    );
    socket.once("error", fail);
  });
}

function startTls(
  socket: net.Socket,
  servername: string,
  options: ProxyTls,
  where: string,
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({
      socket,
      servername: net.isIP(servername) ? undefined : servername,
      host: servername,
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      rejectUnauthorized: options.rejectUnauthorized,
    });
    secure.once("secureConnect", () => {
      secure.off("error", fail);
      resolve(secure);
    });
    const fail = (error: Error) =>
      reject(
        new ProxyError(
          `TLS to the proxy ${where} failed: ${error.message}`,
          (error as NodeJS.ErrnoException).code ?? "EPROTO",
        ),
      );
    secure.once("error", fail);
  });
}

/** Reads exactly what a handshake needs from a socket, leaving anything after it unread. */
class HandshakeReader {
  #buffer = Buffer.alloc(0);
  #wanted: (() => void) | undefined;
  #failure: Error | undefined;
  readonly #socket: net.Socket;
  readonly #onData = (chunk: Buffer) => {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    this.#wanted?.();
  };
  readonly #onEnd = () => this.#fail(new Error("the proxy closed the connection during the handshake"));
  readonly #onError = (error: Error) => this.#fail(error);

  constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("error", this.#onError);
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#wanted?.();
  }

  /** Resolves once `ready(buffer)` returns a byte count; consumes and returns those bytes. */
  read(ready: (buffer: Buffer) => number | undefined, limit = 16 * 1024): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const size = ready(this.#buffer);
        if (size !== undefined) {
          this.#wanted = undefined;
          const out = this.#buffer.subarray(0, size);
          this.#buffer = this.#buffer.subarray(size);
          resolve(out);
        } else if (this.#failure) {
          this.#wanted = undefined;
          reject(this.#failure);
        } else if (this.#buffer.length > limit) {
          this.#wanted = undefined;
          reject(new Error(`the proxy's handshake answer is longer than ${limit} bytes`));
        }
      };
      this.#wanted = check;
      check();
    });
  }

  exactly(size: number): Promise<Buffer> {
    return this.read((buffer) => (buffer.length >= size ? size : undefined));
  }

  /** Bytes received beyond what was read. */
  get pending(): number {
    return this.#buffer.length;
  }

  /**
   * Stops reading. The socket stays flowing (a paused one would stall Node's HTTP client, which only adds a
   * 'data' listener): the handshake ends with the proxy's reply, and neither HTTP nor TLS lets the server
   * speak before the client, so nothing arrives before the next reader attaches.
   */
  release(): void {
    this.#socket.off("data", this.#onData);
    this.#socket.off("end", this.#onEnd);
    this.#socket.off("error", this.#onError);
  }
}

/** The proxy URL's userinfo, percent-decoded (as Go's url.User); a bad escape is named, never shown. */
function userinfo(proxy: URL): { user: string; password: string } {
  try {
    return { user: decodeURIComponent(proxy.username), password: decodeURIComponent(proxy.password) };
  } catch {
    throw new ProxyError(
      `the user name or password in the proxy URL ${describeProxy(proxy)} has an invalid %-escape: write a literal % as %25`,
      "EINVAL",
    );
  }
}

/** Basic credentials from the proxy URL's userinfo. */
function basicCredentials(proxy: URL): string | undefined {
  if (!proxy.username && !proxy.password) return undefined;
  const { user, password } = userinfo(proxy);
  return Buffer.from(`${user}:${password}`).toString("base64");
}

function hostPort(target: DialTarget): string {
  return net.isIPv6(target.host) ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

async function httpConnect<S extends net.Socket>(socket: S, target: DialTarget, proxy: URL): Promise<S> {
  const authority = hostPort(target);
  const credentials = basicCredentials(proxy);
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
  if (credentials) lines.push(`Proxy-Authorization: Basic ${credentials}`);
  const reader = new HandshakeReader(socket);
  try {
    socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    const head = await reader.read((buffer) => {
      const end = buffer.indexOf("\r\n\r\n");
      return end < 0 ? undefined : end + 4;
    });
    const statusLine = head.toString("latin1").split("\r\n")[0];
    const match = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
    if (!match)
      throw new ProxyError(
        `the proxy ${describeProxy(proxy)} answered CONNECT with ${JSON.stringify(statusLine.slice(0, 80))}, not HTTP`,
        "EPROTO",
      );
    const status = Number(match[1]);
    if (status !== 200) {
      const hint =
        status === 407 || status === 401 // tinyproxy answers 401
          ? credentials
            ? ": the proxy rejected the credentials in the proxy URL"
            : ": the proxy wants credentials (http://user:password@host:port)"
          : status === 403
            ? `: the proxy does not allow tunnels to ${authority}`
            : "";
      throw new ProxyError(
        `the proxy ${describeProxy(proxy)} refused CONNECT ${authority}: ${status} ${match[2] ?? ""}`.trimEnd() +
          hint,
        "PROXY_REFUSED",
      );
    }
    if (reader.pending > 0) throw unexpectedBytes(proxy, reader.pending);
    return socket;
  } catch (error) {
    if (error instanceof ProxyError) throw error;
    throw new ProxyError(
      `CONNECT through the proxy ${describeProxy(proxy)} failed: ${(error as Error).message}`,
      "ECONNRESET",
    );
  } finally {
    reader.release();
  }
}

function unexpectedBytes(proxy: URL, count: number): ProxyError {
  return new ProxyError(
    `the proxy ${describeProxy(proxy)} sent ${count} bytes after its reply, before the tunnel was used`,
    "EPROTO",
  );
}

const SOCKS_REPLIES: Record<number, string> = {
  1: "general SOCKS server failure",
  2: "connection not allowed by ruleset",
  3: "network unreachable",
  4: "host unreachable",
  5: "connection refused",
  6: "TTL expired",
  7: "command not supported",
  8: "address type not supported",
};

async function socks5Connect(socket: net.Socket, target: DialTarget, proxy: URL): Promise<net.Socket> {
  const where = describeProxy(proxy);
  const { user, password } = userinfo(proxy);
  const withAuth = Boolean(user || password);
  const reader = new HandshakeReader(socket);
  try {
    // Methods offered: no authentication, and username/password when the URL has credentials (as Go's socks).
    socket.write(Buffer.from(withAuth ? [5, 2, 0, 2] : [5, 1, 0]));
    const [version, method] = await reader.exactly(2);
    if (version !== 5)
      throw new ProxyError(`${where} is not a SOCKS5 proxy (version byte ${version})`, "EPROTO");
    if (method === 0xff || (method === 2 && !withAuth) || (method !== 0 && method !== 2))
      throw new ProxyError(
        `the SOCKS5 proxy ${where} accepts none of the offered authentication methods${withAuth ? "" : ": it may want a username and password (socks5://user:password@host:port)"}`,
        "PROXY_REFUSED",
      );
    if (method === 2) {
      const u = Buffer.from(user);
      const p = Buffer.from(password);
      if (u.length > 255 || p.length > 255)
        throw new ProxyError(
          `the SOCKS5 username or password for ${where} is longer than 255 bytes`,
          "EINVAL",
        );
      socket.write(Buffer.concat([Buffer.from([1, u.length]), u, Buffer.from([p.length]), p]));
      const [, status] = await reader.exactly(2);
      if (status !== 0)
        throw new ProxyError(`the SOCKS5 proxy ${where} rejected the username and password`, "PROXY_REFUSED");
    }
    socket.write(
      Buffer.concat([
        Buffer.from([5, 1, 0]),
        socksAddress(target.host),
        Buffer.from([target.port >> 8, target.port & 0xff]),
      ]),
    );
    const head = await reader.exactly(4);
    if (head[1] !== 0)
      throw new ProxyError(
        `the SOCKS5 proxy ${where} could not connect to ${hostPort(target)}: ${SOCKS_REPLIES[head[1]] ?? `reply ${head[1]}`}`,
        "PROXY_REFUSED",
      );
    const addressLength = head[3] === 1 ? 4 : head[3] === 4 ? 16 : (await reader.exactly(1))[0];
    await reader.exactly(addressLength + 2); // the bound address and port, unused
    if (reader.pending > 0) throw unexpectedBytes(proxy, reader.pending);
    return socket;
  } catch (error) {
    if (error instanceof ProxyError) throw error;
    throw new ProxyError(
      `the SOCKS5 handshake with ${where} failed: ${(error as Error).message}`,
      "ECONNRESET",
    );
  } finally {
    reader.release();
  }
}

function socksAddress(host: string): Buffer {
  if (net.isIPv4(host)) return Buffer.from([1, ...host.split(".").map(Number)]);
  if (net.isIPv6(host)) return Buffer.concat([Buffer.from([4]), ipv6Bytes(host)]);
  const name = Buffer.from(host);
  if (name.length > 255) throw new ProxyError(`the host name ${host} is too long for SOCKS5`, "EINVAL");
  return Buffer.concat([Buffer.from([3, name.length]), name]);
}

/** The 16 bytes of an IPv6 address (with :: expanded; an IPv4 tail converted). */
function ipv6Bytes(address: string): Buffer {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1].split(".").map(Number);
    text = `${text.slice(0, -v4[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [left, right] = text.includes("::") ? text.split("::") : [text, undefined];
  const head = left ? left.split(":") : [];
  const tail = right ? right.split(":") : [];
  const groups =
    right === undefined ? head : [...head, ...Array(8 - head.length - tail.length).fill("0"), ...tail];
  const out = Buffer.alloc(16);
  for (const [i, group] of groups.entries()) out.writeUInt16BE(Number.parseInt(group || "0", 16), i * 2);
  return out;
}
