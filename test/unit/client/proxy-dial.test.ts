// proxy-dial.ts against real proxies (tinyproxy, microsocks) and a plain HTTP peer: an http:// server through
// CONNECT and SOCKS5, an https:// proxy (TLS to the proxy, verified with the cluster CA, then CONNECT inside),
// and proxies that answer nonsense.
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { after, before, test } from "node:test";
import tls from "node:tls";
import type { ClusterConfig } from "../../../src/client/config.ts";
import { ConnectionError } from "../../../src/client/errors.ts";
import { Transport } from "../../../src/client/transport.ts";
import { testPki } from "../../helpers/cluster.ts";
import { type RunningProxy, startConnectProxy, startSocksProxy } from "../../helpers/proxies.ts";

let peer: http.Server;
let peerPort: number;
let connect: RunningProxy;
let socks: RunningProxy;
const servers: net.Server[] = [];

before(async () => {
  peer = http.createServer((req, res) => res.end(JSON.stringify({ path: req.url })));
  await new Promise<void>((resolve) => peer.listen(0, "127.0.0.1", resolve));
  peerPort = (peer.address() as net.AddressInfo).port;
  [connect, socks] = await Promise.all([startConnectProxy(), startSocksProxy()]);
});
after(async () => {
  peer.closeAllConnections(); // kept-alive tunnels' connections would keep the file's process alive
  peer.close();
  for (const server of servers) server.close();
  await Promise.all([connect.stop(), socks.stop()]);
});

function config(server: string, proxy: string, extra: Partial<ClusterConfig> = {}): ClusterConfig {
  return {
    server,
    namespace: "default",
    source: "explicit",
    insecureSkipTLSVerify: false,
    warnings: [],
    close: () => undefined,
    proxy: new URL(proxy),
    ...extra,
  };
}

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as net.AddressInfo).port;
}

test("an http:// server through CONNECT and through SOCKS5, on kept-alive tunnels", async () => {
  for (const proxy of [`http://127.0.0.1:${connect.port}`, `socks5://127.0.0.1:${socks.port}`]) {
    const transport = new Transport(config(`http://localhost:${peerPort}`, proxy), { qps: 0, retries: 0 });
    assert.equal((await transport.request({ path: "/a" })).body, '{"path":"/a"}');
    assert.equal((await transport.request({ path: "/b" })).body, '{"path":"/b"}');
    transport.close();
  }
  assert.match(connect.output(), new RegExp(`CONNECT localhost:${peerPort} HTTP/1.1`));
});

test("an https:// proxy is reached over TLS, verified with the cluster's CA", async () => {
  const pki = await testPki();
  // TLS in front of tinyproxy: an https proxy as far as the client can tell.
  const port = await listen(
    tls.createServer({ cert: pki.servingCertPem, key: pki.servingKeyPem }, (socket) => {
      const upstream = net.connect(connect.port, "127.0.0.1");
      socket.pipe(upstream).pipe(socket);
      socket.on("error", () => upstream.destroy());
      upstream.on("error", () => socket.destroy());
    }),
  );
  const ca = { current: () => pki.caCertPem, describe: () => "test CA", onChange: () => () => undefined };
  const good = new Transport(
    config(`http://localhost:${peerPort}`, `https://localhost:${port}`, { ca: ca as never }),
    { qps: 0, retries: 0 },
  );
  assert.equal((await good.request({ path: "/tls" })).body, '{"path":"/tls"}');
  good.close();
  // Without the CA, the proxy's certificate is not trusted.
  const untrusted = new Transport(config(`http://localhost:${peerPort}`, `https://localhost:${port}`), {
    qps: 0,
    retries: 0,
  });
  await assert.rejects(untrusted.request({ path: "/tls" }), (error: unknown) => {
    assert.ok(error instanceof ConnectionError, String(error));
    assert.match(error.message, /TLS to the proxy https:\/\/localhost:\d+ failed/);
    return true;
  });
  untrusted.close();
});

test("a proxy that answers nonsense, or closes: a clear error naming it", async () => {
  const garbage = await listen(net.createServer((socket) => socket.end("SSH-2.0-OpenSSH_9.2\r\n\r\n")));
  const closes = await listen(net.createServer((socket) => socket.destroy()));
  const cases: [string, RegExp][] = [
    [`http://127.0.0.1:${garbage}`, /answered CONNECT with "SSH-2.0-OpenSSH_9.2", not HTTP/],
    [`socks5://127.0.0.1:${garbage}`, /is not a SOCKS5 proxy \(version byte 83\)/],
    [`http://127.0.0.1:${closes}`, /CONNECT through the proxy http:\/\/127\.0\.0\.1:\d+ failed/],
    [`socks5://127.0.0.1:${closes}`, /the SOCKS5 handshake with socks5:\/\/127\.0\.0\.1:\d+ failed/],
  ];
  for (const [proxy, message] of cases) {
    const transport = new Transport(config(`http://localhost:${peerPort}`, proxy), { qps: 0, retries: 0 });
    await assert.rejects(transport.request({ path: "/" }), message);
    transport.close();
  }
});

test("a proxy URL whose password has a bad %-escape: a clear error that shows neither credential", async () => {
  for (const scheme of ["http", "socks5"]) {
    const port = scheme === "http" ? connect.port : socks.port;
    const transport = new Transport(
      config(`http://localhost:${peerPort}`, `${scheme}://alice:s3cret%zz@127.0.0.1:${port}`),
      { qps: 0, retries: 0 },
    );
    await assert.rejects(transport.request({ path: "/x" }), (error: Error) => {
      assert.match(
        error.message,
        new RegExp(
          `user name or password in the proxy URL ${scheme}://127\\.0\\.0\\.1:\\d+ has an invalid %-escape`,
        ),
      );
      assert.ok(!error.message.includes("s3cret") && !error.message.includes("alice"), error.message);
      return true;
    });
    transport.close();
  }
});
