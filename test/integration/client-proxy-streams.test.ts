// Websocket upgrades (exec) go through the same proxy tunnel as requests, with the impersonation headers:
// pods.exec through tinyproxy (HTTP CONNECT) and microsocks (SOCKS5) against the real server and runtime.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createClient, type KubeClient } from "../../src/client/index.ts";
import { eventually } from "../helpers/cluster.ts";
import { type RunningProxy, startConnectProxy, startSocksProxy } from "../helpers/proxies.ts";
import {
  containerState,
  createNamespace,
  createPod,
  type RuntimeCluster,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "proxied-streams";
let c: RuntimeCluster;
let connect: RunningProxy;
let socks: RunningProxy;
const clients: KubeClient[] = [];

before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true, network: false });
  await createNamespace(c, NS);
  await createPod(c, NS, {
    metadata: { name: "box" },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "sleep 600"] }],
    },
  });
  [connect, socks] = await Promise.all([startConnectProxy(), startSocksProxy()]);
  await eventually(
    async () => {
      const pod = (await c.admin("GET", `/api/v1/namespaces/${NS}/pods/box`)).json;
      return Boolean(containerState(pod)?.state?.running);
    },
    60_000,
    "box running",
  );
});
after(async () => {
  for (const client of clients) client.close();
  await Promise.all([connect?.stop(), socks?.stop()]);
  await c.stop();
});

test("pods.exec through an HTTP CONNECT proxy and a SOCKS5 proxy", async () => {
  for (const proxyUrl of [`http://127.0.0.1:${connect.port}`, `socks5://127.0.0.1:${socks.port}`]) {
    const client = await createClient({ kubeconfig: c.kubeconfigPath, namespace: NS, proxyUrl });
    clients.push(client);
    const result = await client.pods.exec("box", ["sh", "-c", "echo through the proxy"]);
    assert.equal(result.exitCode, 0, proxyUrl);
    assert.equal(result.stdout.toString(), "through the proxy\n");
  }
  assert.match(connect.output(), /CONNECT 127\.0\.0\.1:\d+ HTTP\/1\.1/);
});

test("an impersonated user's exec is authorized as that user", async () => {
  const client = await createClient({
    kubeconfig: c.kubeconfigPath,
    namespace: NS,
    proxyUrl: `socks5://127.0.0.1:${socks.port}`,
    impersonate: { user: "nobody-in-particular" },
  });
  clients.push(client);
  // A websocket exec is a GET: 1.33 authorizes it as `get` (the extra `create` check is a 1.35 gate).
  await assert.rejects(client.pods.exec("box", ["true"]), (error: unknown) => {
    assert.match(String(error), /User "nobody-in-particular" cannot get resource "pods\/exec"/);
    return true;
  });
});
