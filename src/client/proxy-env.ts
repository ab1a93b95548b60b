// Which proxy a URL goes through according to HTTPS_PROXY / HTTP_PROXY / NO_PROXY: Go's
// http.ProxyFromEnvironment, ported from golang.org/x/net/http/httpproxy (proxy.go), which client-go uses when
// the kubeconfig has no proxy-url (and for in-cluster configuration too).
import { BlockList, isIP } from "node:net";
import { domainToASCII } from "node:url";

export interface ProxyEnvironment {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
  /** REQUEST_METHOD is set: HTTP_PROXY may be attacker-controlled (golang.org/s/cgihttpproxy). */
  cgi: boolean;
}

/** FromEnvironment: the upper-case variable wins over the lower-case one when both are non-empty. */
export function proxyEnvironment(env: NodeJS.ProcessEnv): ProxyEnvironment {
  const any = (...names: string[]) => names.map((name) => env[name]).find((value) => value) ?? "";
  return {
    httpProxy: any("HTTP_PROXY", "http_proxy"),
    httpsProxy: any("HTTPS_PROXY", "https_proxy"),
    noProxy: any("NO_PROXY", "no_proxy"),
    cgi: Boolean(env.REQUEST_METHOD),
  };
}

/** ProxyFunc: the proxy for a request URL, or undefined for a direct connection. Throws only for CGI. */
export function proxyFunc(environment: ProxyEnvironment): (target: URL) => URL | undefined {
  const httpProxy = parseProxy(environment.httpProxy);
  const httpsProxy = parseProxy(environment.httpsProxy);
  const noProxy = parseNoProxy(environment.noProxy);
  return (target) => {
    let proxy: URL | undefined;
    if (target.protocol === "https:") proxy = httpsProxy;
    else if (target.protocol === "http:") {
      proxy = httpProxy;
      if (proxy && environment.cgi)
        throw new Error("refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy");
    }
    if (!proxy || !noProxy.useProxy(canonicalAddr(target))) return undefined;
    return proxy;
  };
}

const PROXY_SCHEMES = new Set(["http:", "https:", "socks5:"]);

/** A complete URL, or "host[:port]" meaning http://host[:port]; undefined when empty or unusable. */
export function parseProxy(value: string): URL | undefined {
  if (!value) return undefined;
  const parsed = tryUrl(value);
  // Not a URL of a known scheme: try it as host[:port], as Go does. A value with its own "scheme://" is kept
  // (Go cannot parse "http://foo://host"; the dial then names the unsupported scheme).
  if (!parsed || (!PROXY_SCHEMES.has(parsed.protocol) && !value.includes("://"))) {
    const withScheme = tryUrl(`http://${value}`);
    if (withScheme) return withScheme;
  }
  return parsed;
}

function tryUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

const DEFAULT_PORTS: Record<string, string> = { "http:": "80", "https:": "443", "socks5:": "1080" };

/** url.Host with a port always: the scheme's default when absent. */
function canonicalAddr(url: URL): { host: string; port: string } {
  return { host: unbracket(url.hostname), port: url.port || DEFAULT_PORTS[url.protocol] || "" };
}

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

type Matcher = (host: string, port: string, ip: string | undefined) => boolean;

export interface NoProxy {
  /** Whether a request to host:port should use the proxy. */
  useProxy(addr: { host: string; port: string }): boolean;
}

/**
 * NO_PROXY: comma-separated IPs (optionally with :port), CIDRs, domains (matching the name and its
 * subdomains; a leading "." or "*." matches subdomains only; optionally with :port), or "*" for everything.
 * Malformed entries are ignored, as in Go.
 */
export function parseNoProxy(value: string): NoProxy {
  const ipMatchers: Matcher[] = [];
  const domainMatchers: Matcher[] = [];
  let all = false;
  for (const raw of value.split(",")) {
    const entry = raw.trim().toLowerCase();
    if (entry === "") continue;
    if (entry === "*") {
      all = true;
      break;
    }
    const cidr = parseCidr(entry);
    if (cidr) {
      ipMatchers.push((_host, _port, ip) => ip !== undefined && cidr.check(ip, ipFamily(ip)));
      continue;
    }
    const split = splitHostPort(entry);
    if (split && split.host === "") continue;
    let host = split ? split.host : entry;
    const entryPort = split?.port ?? "";
    if (isIP(host)) {
      const wanted = normalizeIp(host);
      ipMatchers.push(
        (_host, port, ip) =>
          ip !== undefined && normalizeIp(ip) === wanted && (entryPort === "" || entryPort === port),
      );
      continue;
    }
    if (host === "") continue;
    if (host.startsWith("*.")) host = host.slice(1);
    const matchHost = !host.startsWith(".");
    if (matchHost) host = `.${host}`;
    host = idnaAscii(host);
    const suffix = host;
    domainMatchers.push(
      (name, port) =>
        (name.endsWith(suffix) || (matchHost && name === suffix.slice(1))) &&
        (entryPort === "" || entryPort === port),
    );
  }
  return {
    useProxy({ host, port }) {
      if (host === "localhost") return false;
      const ip = isIP(host) ? host : undefined;
      if (ip && isLoopback(ip)) return false;
      if (all) return false;
      const name = host.trim().toLowerCase();
      if (ip && ipMatchers.some((match) => match(name, port, ip))) return false;
      return !domainMatchers.some((match) => match(name, port, ip));
    },
  };
}

/** net.SplitHostPort: "host:port" or "[v6]:port"; undefined when there is no port (or too many colons). */
function splitHostPort(value: string): { host: string; port: string } | undefined {
  if (value.startsWith("[")) {
    const end = value.indexOf("]");
    if (end < 0 || value[end + 1] !== ":") return undefined;
    return { host: value.slice(1, end), port: value.slice(end + 2) };
  }
  const colon = value.lastIndexOf(":");
  if (colon < 0 || value.slice(0, colon).includes(":")) return undefined;
  return { host: value.slice(0, colon), port: value.slice(colon + 1) };
}

function parseCidr(value: string): BlockList | undefined {
  const slash = value.indexOf("/");
  if (slash < 0) return undefined;
  const address = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  const family = isIP(address);
  if (!family || !/^\d+$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)) return undefined;
  const list = new BlockList();
  list.addSubnet(address, Number(bits), family === 4 ? "ipv4" : "ipv6");
  return list;
}

function ipFamily(ip: string): "ipv4" | "ipv6" {
  return isIP(ip) === 4 ? "ipv4" : "ipv6";
}

/** One spelling per address, so that 2001:db8::1 and 2001:0db8:0::1 compare equal. */
function normalizeIp(ip: string): string {
  if (isIP(ip) === 4) return ip;
  return new URL(`http://[${ip}]/`).hostname;
}

/** net.IP.IsLoopback: 127.0.0.0/8 and ::1 (also IPv4-mapped). */
function isLoopback(ip: string): boolean {
  const v4 = isIP(ip) === 4 ? ip : /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (v4) return v4.startsWith("127.");
  return normalizeIp(ip) === "[::1]";
}

/** IDNA ToASCII of a domain (a leading "." kept): NO_PROXY entries may be written in Unicode. */
function idnaAscii(host: string): string {
  if (/^[\x00-\x7f]*$/.test(host)) return host;
  const dot = host.startsWith(".") ? "." : "";
  const ascii = domainToASCII(host.slice(dot.length));
  return ascii ? `${dot}${ascii}` : host;
}
