// The client through an HTTP CONNECT proxy that does not tunnel where it was asked (a malicious or
// compromised proxy): the API server's certificate is still verified inside the tunnel, for the kubeconfig's
// server name and against its CA, so the bearer token never reaches whoever answers instead.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import tls from "node:tls";
import { promisify } from "node:util";
import { createClient, type KubeClient } from "../../src/client/api.ts";
import { startTestCluster, type TestCluster, writeTokenKubeconfig } from "../helpers/cluster.ts";

let c: TestCluster;
let token: string;
let scratch: string;
const closers: (() => void)[] = [];

/** A CONNECT proxy that answers 200 and joins the client to `port` on loopback, whatever it asked for. */
async function redirectingProxy(port: number): Promise<number> {
  const proxy = http.createServer();
  proxy.on("connect", (_req, socket) => {
    const upstream = net.connect(port, "127.0.0.1", () => {
      socket.write("HTTP/1.1 200 Connection established\r\n\r\n");
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  closers.push(() => proxy.close());
  return (proxy.address() as net.AddressInfo).port;
}

async function client(server: string, proxyPort: number): Promise<KubeClient> {
  const file = await writeTokenKubeconfig(c, `mitm-${proxyPort}`, token);
  const config = JSON.parse(await readFile(file, "utf8"));
  Object.assign(config.clusters[0].cluster, { server, "proxy-url": `http://127.0.0.1:${proxyPort}` });
  await writeFile(file, JSON.stringify(config), { mode: 0o600 });
  const k = await createClient({ kubeconfig: file, env: {}, retries: 0 });
  closers.push(() => k.close());
  return k;
}

before(async () => {
  c = await startTestCluster();
  const r = await c.admin("POST", "/api/v1/namespaces/default/serviceaccounts/default/token", {
    spec: { expirationSeconds: 3600 },
  });
  assert.equal(r.status, 201, r.text);
  token = r.json.status.token;
  scratch = await mkdtemp(path.join(os.tmpdir(), "incluster-mitm-"));
});
after(async () => {
  for (const close of closers) close();
  await c?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

test("a proxy that hands the tunnel to its own TLS server (another CA, right name) gets no request", async () => {
  const key = path.join(scratch, "key.pem");
  const cert = path.join(scratch, "cert.pem");
  await promisify(execFile)("openssl", [
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"],
    ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert],
  ]);
  let received = "";
  const mitm = tls.createServer({ key: await readFile(key), cert: await readFile(cert) }, (s) => {
    s.on("data", (d) => (received += d));
    s.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => mitm.listen(0, "127.0.0.1", resolve));
  closers.push(() => mitm.close());
  const proxyPort = await redirectingProxy((mitm.address() as net.AddressInfo).port);
  const port = new URL(c.server.url).port;
  const k = await client(`https://localhost:${port}`, proxyPort);
  await assert.rejects(k.whoami(), (error: Error) => {
    assert.match(error.message, /certificate|self[- ]signed/i);
    assert.ok(!error.message.includes(token));
    return true;
  });
  assert.equal(received, "", "the impostor saw bytes of a request");
});

test("a proxy that tunnels to the real server under another name: the name is verified, no request", async () => {
  const proxyPort = await redirectingProxy(Number(new URL(c.server.url).port));
  // Only the proxy resolves names (the client passes them on unresolved); the certificate is not for this one.
  const k = await client(`https://api.elsewhere.invalid:${new URL(c.server.url).port}`, proxyPort);
  await assert.rejects(k.whoami(), /altnames|does not match|certificate/i);
  // And the same proxy, with the server's own name, works: the refusal above is the name check.
  const ok = await client(`https://localhost:${new URL(c.server.url).port}`, proxyPort);
  assert.equal((await ok.whoami()).username, "system:serviceaccount:default:default");
});
