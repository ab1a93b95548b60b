// The client's transport against the real server: gzip (asked for, decoded as it arrives, limits on decoded
// bytes), real proxies (tinyproxy for HTTP CONNECT, microsocks for SOCKS5, with and without credentials) for
// requests and watches, impersonation from the kubeconfig, and tls-server-name.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import https from "node:https";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { createClient, type KubeClient } from "../../src/client/api.ts";
import { ConnectionError, ResponseError } from "../../src/client/errors.ts";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";
import { type RunningProxy, startConnectProxy, startSocksProxy } from "../helpers/proxies.ts";

const NS = "transport";
const COUNT = 60; // ≈ 250 KB of ConfigMaps: above the server's 128 KiB gzip threshold
const CREDENTIALS = { user: "alice", password: "pr0xy-s3cret" };

let c: TestCluster;
let port: string;
let connect: RunningProxy;
let connectAuth: RunningProxy;
let socks: RunningProxy;
let socksAuth: RunningProxy;
const clients: KubeClient[] = [];
let files = 0;

before(async () => {
  c = await startTestCluster();
  port = new URL(c.server.url).port;
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: NS } });
  for (let i = 0; i < COUNT; i += 20)
    await Promise.all(
      Array.from({ length: 20 }, (_, j) =>
        c.admin("POST", `/api/v1/namespaces/${NS}/configmaps`, {
          metadata: { name: `cm-${i + j}` },
          data: { filler: "f".repeat(4000) },
        }),
      ),
    );
  [connect, connectAuth, socks, socksAuth] = await Promise.all([
    startConnectProxy(),
    startConnectProxy(CREDENTIALS),
    startSocksProxy(),
    startSocksProxy(CREDENTIALS),
  ]);
});
after(async () => {
  for (const client of clients) client.close();
  await Promise.all([connect, connectAuth, socks, socksAuth].map((p) => p?.stop()));
  await c.stop();
});

/** A client from a kubeconfig for the admin, with extra cluster and user fields. */
async function client(
  o: { server?: string; cluster?: Record<string, unknown>; user?: Record<string, unknown> } = {},
  options: Parameters<typeof createClient>[0] = {},
): Promise<KubeClient> {
  const file = path.join(c.dir, `transport-${files++}.kubeconfig`);
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "local",
        cluster: {
          server: o.server ?? `https://localhost:${port}`,
          "certificate-authority-data": Buffer.from(c.server.caPem).toString("base64"),
          ...o.cluster,
        },
      },
    ],
    users: [
      {
        name: "admin",
        user: {
          "client-certificate-data": Buffer.from(c.server.pki.adminCertPem).toString("base64"),
          "client-key-data": Buffer.from(c.server.pki.adminKeyPem).toString("base64"),
          ...o.user,
        },
      },
    ],
    contexts: [{ name: "local", context: { cluster: "local", user: "admin", namespace: NS } }],
    "current-context": "local",
  };
  await writeFile(file, JSON.stringify(config), { mode: 0o600 });
  const made = await createClient({ kubeconfig: file, env: {}, qps: 0, retries: 0, ...options });
  clients.push(made);
  return made;
}

const LIST = `/api/v1/namespaces/${NS}/configmaps`;

describe("gzip", () => {
  test("the client asks for gzip by default and decodes it; lists, counts and cut lists see the same items", async () => {
    const k = await client();
    assert.equal(k.transport.compression, true);
    const raw = await k.transport.request({ path: LIST });
    assert.equal(raw.headers["content-encoding"], "gzip");
    assert.equal(JSON.parse(raw.body).items.length, COUNT + 1); // + kube-root-ca.crt
    const configMaps = k.resource("configmaps");
    const list = await configMaps.list({ namespace: NS });
    assert.equal(list.items.filter((i) => i.metadata?.name?.startsWith("cm-")).length, COUNT);
    assert.equal(await configMaps.count({ namespace: NS }), COUNT + 1);
  });

  test("compression: false and kubeconfig disable-compression ask for plain bodies", async () => {
    const off = await client({}, { compression: false });
    assert.equal((await off.transport.request({ path: LIST })).headers["content-encoding"], undefined);
    const disabled = await client({ cluster: { "disable-compression": true } });
    assert.equal(disabled.transport.compression, false);
    const plain = await disabled.transport.request({ path: LIST });
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.equal(JSON.parse(plain.body).items.length, COUNT + 1);
  });

  test("maxResponseBytes counts decoded bytes: a small gzip body that inflates past it is refused", async () => {
    const k = await client({}, { maxResponseBytes: 100_000 });
    await assert.rejects(k.transport.request({ path: LIST }), (error: unknown) => {
      assert.ok(error instanceof ResponseError);
      assert.equal(error.code, "RESPONSE_TOO_LARGE");
      return true;
    });
  });
});

/** Lists and watches through the client: a ConfigMap created meanwhile arrives on the watch. */
async function listAndWatch(k: KubeClient, name: string): Promise<void> {
  const configMaps = k.resource("configmaps");
  const list = await configMaps.list({ namespace: NS });
  assert.ok(list.items.length > COUNT);
  const controller = new AbortController();
  const seen = (async () => {
    for await (const event of configMaps.watch({
      namespace: NS,
      resourceVersion: list.metadata?.resourceVersion,
      signal: controller.signal,
    })) {
      if (event.type === "ADDED" && event.object.metadata?.name === name) return event.object;
    }
    return undefined;
  })();
  await configMaps.create({ metadata: { name, namespace: NS }, data: { via: "proxy" } }, { namespace: NS });
  const added = (await seen) as { data?: Record<string, string> } | undefined;
  controller.abort();
  assert.equal(added?.data?.via, "proxy");
}

describe("proxies", () => {
  test("HTTP CONNECT (tinyproxy): requests and watches are tunnelled", async () => {
    const k = await client({ cluster: { "proxy-url": `http://127.0.0.1:${connect.port}` } });
    await listAndWatch(k, "via-connect");
    assert.match(connect.output(), new RegExp(`CONNECT localhost:${port} HTTP/1.1`));
  });

  test("HTTP CONNECT with credentials from the proxy URL; wrong ones get 407, never echoed", async () => {
    const { user, password } = CREDENTIALS;
    const good = await client({
      cluster: { "proxy-url": `http://${user}:${password}@127.0.0.1:${connectAuth.port}` },
    });
    assert.equal((await good.whoami()).username, "kubernetes-admin");
    const bad = await client({
      cluster: { "proxy-url": `http://${user}:wrong-guess@127.0.0.1:${connectAuth.port}` },
    });
    await assert.rejects(bad.whoami(), (error: unknown) => {
      assert.ok(error instanceof ConnectionError, String(error));
      assert.match(error.message, /refused CONNECT localhost:\d+: 40[17]/);
      assert.match(error.message, /rejected the credentials/);
      assert.ok(!error.message.includes("wrong-guess") && !error.message.includes(password));
      return true;
    });
    const none = await client({ cluster: { "proxy-url": `http://127.0.0.1:${connectAuth.port}` } });
    await assert.rejects(none.whoami(), /40[17].*the proxy wants credentials/);
  });

  test("SOCKS5 (microsocks): requests and watches, the host name passed to the proxy", async () => {
    const k = await client({ cluster: { "proxy-url": `socks5://127.0.0.1:${socks.port}` } });
    await listAndWatch(k, "via-socks");
    // A name only the proxy could resolve: the failure is the proxy's reply, not a local DNS error.
    const unresolvable = await client({
      server: `https://kubernetes.default.svc:${port}`,
      cluster: { "proxy-url": `socks5://127.0.0.1:${socks.port}` },
    });
    await assert.rejects(
      unresolvable.whoami(),
      /the SOCKS5 proxy socks5:\/\/127\.0\.0\.1:\d+ could not connect to kubernetes\.default\.svc:\d+/,
    );
  });

  test("SOCKS5 with username and password; wrong or missing ones are refused", async () => {
    const { user, password } = CREDENTIALS;
    const good = await client({
      cluster: { "proxy-url": `socks5://${user}:${password}@127.0.0.1:${socksAuth.port}` },
    });
    await listAndWatch(good, "via-socks-auth");
    const bad = await client({
      cluster: { "proxy-url": `socks5://${user}:nope@127.0.0.1:${socksAuth.port}` },
    });
    await assert.rejects(bad.whoami(), (error: unknown) => {
      assert.ok(error instanceof ConnectionError, String(error));
      assert.match(error.message, /rejected the username and password/);
      assert.ok(!error.message.includes("nope"));
      return true;
    });
    const none = await client({ cluster: { "proxy-url": `socks5://127.0.0.1:${socksAuth.port}` } });
    await assert.rejects(none.whoami(), /accepts none of the offered authentication methods/);
  });

  test("HTTPS_PROXY from the environment is used when the kubeconfig names no proxy; NO_PROXY exempts", async () => {
    // Go never proxies localhost or loopback IPs, so the server is named by a name this machine cannot resolve:
    // through the proxy it fails at the proxy (which cannot resolve it either), directly at our own DNS lookup.
    const server = `https://kubernetes.default.svc:${port}`;
    const env = { HTTPS_PROXY: `http://127.0.0.1:${connect.port}` };
    const proxied = await client({ server }, { env });
    assert.equal(proxied.config.proxy?.href, `http://127.0.0.1:${connect.port}/`);
    await assert.rejects(
      proxied.whoami(),
      /the proxy http:\/\/127\.0\.0\.1:\d+ refused CONNECT kubernetes\.default\.svc:\d+: 500/,
    );
    assert.match(connect.output(), /CONNECT kubernetes\.default\.svc:\d+ HTTP\/1\.1/);
    const exempt = await client({ server }, { env: { ...env, NO_PROXY: ".svc" } });
    assert.equal(exempt.config.proxy, undefined);
    await assert.rejects(exempt.whoami(), (error: unknown) => {
      assert.ok(error instanceof ConnectionError);
      assert.match(error.code, /ENOTFOUND|EAI_AGAIN/);
      return true;
    });
  });

  test("transport.prepareConnection(): the agent and headers a websocket client uses, through the same proxy", async () => {
    const k = await client(
      { cluster: { "proxy-url": `socks5://127.0.0.1:${socks.port}` }, user: { as: "jane" } },
      {},
    );
    const prepared = await k.transport.prepareConnection("POST", {
      path: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
    });
    const { headers } = prepared;
    const agent = prepared.lease.agent;
    const release = () => prepared.lease.release();
    assert.equal(headers["Impersonate-User"], "jane");
    const review = await new Promise<any>((resolve, reject) => {
      const body = JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" });
      const req = https.request(
        `https://localhost:${port}/apis/authentication.k8s.io/v1/selfsubjectreviews`,
        { method: "POST", agent, headers: { ...headers, "Content-Type": "application/json" } },
        (res) => {
          let text = "";
          res.on("data", (chunk) => (text += chunk));
          res.on("end", () => resolve(JSON.parse(text)));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    release();
    assert.equal(review.status.userInfo.username, "jane");
  });

  test("a proxy that is not there: the error names it", async () => {
    const stopped = await startConnectProxy();
    await stopped.stop();
    const k = await client({ cluster: { "proxy-url": `http://127.0.0.1:${stopped.port}` } });
    await assert.rejects(k.whoami(), /cannot connect to the proxy http:\/\/127\.0\.0\.1:\d+/);
  });
});

describe("impersonation and tls-server-name", () => {
  test("kubeconfig as, as-groups and as-user-extra: whoami() reports the impersonated user", async () => {
    const k = await client({
      user: {
        as: "jane",
        "as-groups": ["developers", "qa"],
        "as-user-extra": { "example.com/team": ["blue"] },
      },
    });
    const me = await k.whoami();
    assert.equal(me.username, "jane");
    assert.deepEqual(me.groups, ["developers", "qa", "system:authenticated"]);
    assert.deepEqual(me.extra, { "example.com/team": ["blue"] });
  });

  test("the impersonate option; impersonating without permission is Forbidden", async () => {
    const k = await client({}, { impersonate: { user: "system:serviceaccount:default:default" } });
    const me = await k.whoami();
    assert.equal(me.username, "system:serviceaccount:default:default");
    assert.ok(me.groups.includes("system:serviceaccounts:default"));
    // jane may not impersonate anyone.
    const chained = await client({}, { impersonate: { user: "jane" } });
    await assert.rejects(
      chained.transport.request({
        path: "/api/v1/namespaces",
        headers: { "Impersonate-User": "bob" },
      }),
      (error: unknown) => (error as { status?: number }).status === 403 || /forbidden/i.test(String(error)),
    );
  });

  test("tls-server-name is the name the certificate is verified for", async () => {
    const server = `https://127.0.0.1:${port}`;
    const named = await client({ server, cluster: { "tls-server-name": "kubernetes.default.svc" } });
    assert.equal((await named.whoami()).username, "kubernetes-admin");
    const wrong = await client({ server, cluster: { "tls-server-name": "not-the-server.example" } });
    await assert.rejects(wrong.whoami(), (error: unknown) => {
      assert.ok(error instanceof ConnectionError, String(error));
      assert.equal(error.code, "ERR_TLS_CERT_ALTNAME_INVALID");
      assert.match(error.message, /not-the-server\.example/);
      return true;
    });
  });
});
