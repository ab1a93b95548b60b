// HTTPS_PROXY / HTTP_PROXY / NO_PROXY: the tables of golang.org/x/net/http/httpproxy proxy_test.go.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type ProxyEnvironment,
  parseNoProxy,
  proxyEnvironment,
  proxyFunc,
} from "../../../src/client/proxy-env.ts";

type Case = { cfg: Partial<ProxyEnvironment>; req?: string; want: string; wanterr?: string };

const proxyForURLTests: Case[] = [
  { cfg: { httpProxy: "127.0.0.1:8080" }, want: "http://127.0.0.1:8080" },
  { cfg: { httpProxy: "cache.corp.example.com:1234" }, want: "http://cache.corp.example.com:1234" },
  { cfg: { httpProxy: "cache.corp.example.com" }, want: "http://cache.corp.example.com" },
  // single label domain is recognized as scheme by url.Parse
  { cfg: { httpProxy: "localhost" }, want: "http://localhost" },
  { cfg: { httpProxy: "https://cache.corp.example.com" }, want: "https://cache.corp.example.com" },
  { cfg: { httpProxy: "http://127.0.0.1:8080" }, want: "http://127.0.0.1:8080" },
  { cfg: { httpProxy: "https://127.0.0.1:8080" }, want: "https://127.0.0.1:8080" },
  { cfg: { httpProxy: "socks5://127.0.0.1" }, want: "socks5://127.0.0.1" },
  // Preserve unknown schemes.
  { cfg: { httpProxy: "foo://host" }, want: "foo://host" },
  // Don't use secure for http
  {
    cfg: { httpProxy: "http.proxy.tld", httpsProxy: "secure.proxy.tld" },
    req: "http://insecure.tld/",
    want: "http://http.proxy.tld",
  },
  // Use secure for https.
  {
    cfg: { httpProxy: "http.proxy.tld", httpsProxy: "secure.proxy.tld" },
    req: "https://secure.tld/",
    want: "http://secure.proxy.tld",
  },
  {
    cfg: { httpProxy: "http.proxy.tld", httpsProxy: "https://secure.proxy.tld" },
    req: "https://secure.tld/",
    want: "https://secure.proxy.tld",
  },
  { cfg: { httpProxy: "http.proxy.tld" }, req: "https://secure.tld/", want: "<nil>" },
  { cfg: { httpProxy: "http.proxy.tld" }, req: "ftp://insecure.tld/", want: "<nil>" },
  // Issue 16405: don't use HTTP_PROXY in a CGI environment, where HTTP_PROXY can be attacker-controlled.
  {
    cfg: { httpProxy: "http://10.1.2.3:8080", cgi: true },
    want: "<nil>",
    wanterr: "refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy",
  },
  // HTTPS proxy is still used even in CGI environment. (perhaps dubious but it's the historical behaviour).
  {
    cfg: { httpsProxy: "https://secure.proxy.tld", cgi: true },
    req: "https://secure.tld/",
    want: "https://secure.proxy.tld",
  },
  { cfg: {}, want: "<nil>" },
  { cfg: { noProxy: "example.com", httpProxy: "proxy" }, req: "http://example.com/", want: "<nil>" },
  { cfg: { noProxy: ".example.com", httpProxy: "proxy" }, req: "http://example.com/", want: "http://proxy" },
  { cfg: { noProxy: "ample.com", httpProxy: "proxy" }, req: "http://example.com/", want: "http://proxy" },
  { cfg: { noProxy: "example.com", httpProxy: "proxy" }, req: "http://foo.example.com/", want: "<nil>" },
  { cfg: { noProxy: ".foo.com", httpProxy: "proxy" }, req: "http://example.com/", want: "http://proxy" },
  { cfg: { noProxy: ".示例.com", httpProxy: "proxy" }, req: "http://www.示例.com", want: "<nil>" },
  { cfg: { noProxy: "xn--fsq092h.com", httpProxy: "proxy" }, req: "http://www.示例.com", want: "<nil>" },
  { cfg: { noProxy: "示例.com", httpProxy: "proxy" }, req: "http://www.xn--fsq092h.com", want: "<nil>" },
  // Go's last case ("http://[1000::%25.example.com]:123") is left out: WHATWG URLs reject IPv6 zone IDs.
];

/** Go's %s of a *url.URL: scheme://host, no trailing slash for an empty path. */
function show(url: URL | undefined): string {
  return url ? `${url.protocol}//${url.host}` : "<nil>";
}

describe("proxyForURL (Go's TestProxyForURL)", () => {
  for (const c of proxyForURLTests) {
    const req = c.req ?? "http://example.com";
    test(`${JSON.stringify(c.cfg)} req=${req}`, () => {
      const fn = proxyFunc({ httpProxy: "", httpsProxy: "", noProxy: "", cgi: false, ...c.cfg });
      let got: URL | undefined;
      let error: string | undefined;
      try {
        got = fn(new URL(req));
      } catch (e) {
        error = (e as Error).message;
      }
      assert.equal(error, c.wanterr);
      assert.equal(show(got), c.want);
    });
  }
});

test("FromEnvironment: upper case first, lower case otherwise; REQUEST_METHOD means CGI", () => {
  assert.deepEqual(
    proxyEnvironment({
      HTTP_PROXY: "httpproxy",
      HTTPS_PROXY: "httpsproxy",
      NO_PROXY: "noproxy",
      REQUEST_METHOD: "",
    }),
    { httpProxy: "httpproxy", httpsProxy: "httpsproxy", noProxy: "noproxy", cgi: false },
  );
  assert.deepEqual(
    proxyEnvironment({
      HTTP_PROXY: "httpproxy",
      HTTPS_PROXY: "httpsproxy",
      NO_PROXY: "noproxy",
      REQUEST_METHOD: "PUT",
    }),
    { httpProxy: "httpproxy", httpsProxy: "httpsproxy", noProxy: "noproxy", cgi: true },
  );
  assert.deepEqual(
    proxyEnvironment({ http_proxy: "httpproxy", https_proxy: "httpsproxy", no_proxy: "noproxy" }),
    {
      httpProxy: "httpproxy",
      httpsProxy: "httpsproxy",
      noProxy: "noproxy",
      cgi: false,
    },
  );
  assert.equal(proxyEnvironment({ HTTPS_PROXY: "upper", https_proxy: "lower" }).httpsProxy, "upper");
  assert.equal(proxyEnvironment({ HTTPS_PROXY: "", https_proxy: "lower" }).httpsProxy, "lower");
});

const useProxyTests: [string, boolean][] = [
  // Never proxy localhost:
  ["localhost", false],
  ["127.0.0.1", false],
  ["127.0.0.2", false],
  ["[::1]", false],
  ["[::2]", true], // not a loopback address

  ["192.168.1.1", false], // matches exact IPv4
  ["192.168.1.2", true], // ports do not match
  ["192.168.1.3", false], // matches exact IPv4:port
  ["192.168.1.4", true], // no match
  ["10.0.0.2", false], // matches IPv4/CIDR
  ["[2001:db8::52:0:1]", false], // matches exact IPv6
  ["[2001:db8::52:0:2]", true], // no match
  ["[2001:db8::52:0:3]", false], // matches exact [IPv6]:port
  ["[2002:db8:a::123]", false], // matches IPv6/CIDR
  ["[fe80::424b:c8be:1643:a1b6]", true], // no match

  ["barbaz.net", true], // does not match as .barbaz.net
  ["www.barbaz.net", false], // does match as .barbaz.net
  ["foobar.com", false], // does match as foobar.com
  ["www.foobar.com", false], // match because NO_PROXY includes "foobar.com"
  ["foofoobar.com", true], // not match as a part of foobar.com
  ["baz.com", true], // not match as a part of barbaz.com
  ["localhost.net", true], // not match as suffix of address
  ["local.localhost", true], // not match as prefix as address
  ["barbarbaz.net", true], // not match, wrong domain
  ["wildcard.io", true], // does not match as *.wildcard.io
  ["nested.wildcard.io", false], // match as *.wildcard.io
  ["awildcard.io", true], // not a match because of '*'
];

const noProxy =
  "foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, 192.168.1.2:81, 192.168.1.3:80, 10.0.0.0/30, 2001:db8::52:0:1, [2001:db8::52:0:2]:443, [2001:db8::52:0:3]:80, 2002:db8:a::45/64";

/** host as in Go's test ("[v6]" or name), port 80. */
function addr(host: string) {
  return { host: host.replace(/^\[|\]$/g, ""), port: "80" };
}

test("useProxy (Go's TestUseProxy)", () => {
  const matcher = parseNoProxy(noProxy);
  for (const [host, match] of useProxyTests) assert.equal(matcher.useProxy(addr(host)), match, host);
});

test("a malformed entry is ignored (Go's TestInvalidNoProxy)", () => {
  assert.equal(parseNoProxy(":1").useProxy({ host: "example.com", port: "80" }), true);
});

test("* exempts everything (Go's TestAllNoProxy)", () => {
  const matcher = parseNoProxy("*");
  for (const [host] of useProxyTests) assert.equal(matcher.useProxy(addr(host)), false, host);
});

test("the in-cluster service address goes through HTTPS_PROXY unless NO_PROXY lists it, as with client-go", () => {
  const target = new URL("https://10.96.0.1:443");
  const env = { httpsProxy: "http://proxy:3128", httpProxy: "", cgi: false };
  assert.equal(show(proxyFunc({ ...env, noProxy: "" })(target)), "http://proxy:3128");
  assert.equal(show(proxyFunc({ ...env, noProxy: "10.96.0.0/12" })(target)), "<nil>");
  assert.equal(show(proxyFunc({ ...env, noProxy: "10.96.0.1:443" })(target)), "<nil>");
  assert.equal(show(proxyFunc({ ...env, noProxy: "10.96.0.1:6443" })(target)), "http://proxy:3128");
});
