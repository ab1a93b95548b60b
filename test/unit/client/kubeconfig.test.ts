import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { type ClusterConfig, ConfigError, loadConfig } from "../../../src/client/config.ts";
import { parseKubeconfig, selectContext } from "../../../src/client/kubeconfig.ts";
import { removeDir, selfSignedCertificate, tempDir } from "../token/fixtures.ts";

const caPem = selfSignedCertificate("cluster-ca").cert;
const client = selfSignedCertificate("alice");
const b64 = (text: string) => Buffer.from(text).toString("base64");

let root: string;
const opened: ClusterConfig[] = [];
before(async () => {
  root = await tempDir("incluster-kubeconfig-");
});
after(() => removeDir(root));
afterEach(() => {
  for (const config of opened.splice(0)) config.close();
});

let fileCount = 0;
async function kubeconfigFile(yaml: string, subdir = ""): Promise<string> {
  const dir = join(root, subdir);
  await mkdir(dir, { recursive: true });
  const path = join(dir, `config-${fileCount++}.yaml`);
  await writeFile(path, yaml);
  return path;
}

/** Loads with KUBECONFIG set to the given files and no in-cluster environment. */
async function loadWith(
  files: string[],
  options: Parameters<typeof loadConfig>[0] = {},
): Promise<ClusterConfig> {
  const config = await loadConfig({ env: { HOME: root, KUBECONFIG: files.join(delimiter) }, ...options });
  opened.push(config);
  return config;
}

describe("kubeconfig merging (kubectl rules)", () => {
  test("first file to define a name wins, first current-context wins, relative paths follow their file", async () => {
    await mkdir(join(root, "team"), { recursive: true });
    await writeFile(join(root, "team", "ca.crt"), caPem);
    await writeFile(join(root, "team", "dev-token"), "team-token\n");
    const first = await kubeconfigFile(`
apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: dev
  context: { cluster: dev-cluster, user: dev-user, namespace: payments }
users:
- name: dev-user
  user: { token: first-file-token }
`);
    const second = await kubeconfigFile(
      `
current-context: prod
clusters:
- name: dev-cluster
  cluster:
    server: https://dev.example:6443
    certificate-authority: ca.crt
- name: prod-cluster
  cluster: { server: "https://prod.example" }
users:
- name: dev-user
  user: { token: second-file-token }
- name: prod-user
  user: { tokenFile: dev-token }
contexts:
- name: dev
  context: { cluster: prod-cluster, user: prod-user }
- name: prod
  context: { cluster: prod-cluster, user: prod-user }
`,
      "team",
    );
    const third = await kubeconfigFile(`
clusters:
- name: dev-cluster
  cluster: { server: "https://ignored.example" }
`);
    const config = await loadWith([first, second, third]);
    assert.equal(config.source, "kubeconfig");
    assert.equal(config.contextName, "dev", "current-context of the first file");
    assert.equal(config.server, "https://dev.example:6443", "cluster from the first file that defines it");
    assert.equal(config.namespace, "payments");
    assert.equal(await config.credentials?.header(), "Bearer first-file-token", "user from the first file");
    assert.match(
      config.ca?.describe() ?? "",
      new RegExp(`CA file ${join(root, "team", "ca.crt")} .*CN=cluster-ca`),
    );

    const prod = await loadWith([first, second, third], { context: "prod" });
    assert.equal(prod.server, "https://prod.example");
    assert.equal(prod.namespace, "default");
    assert.equal(
      await prod.credentials?.header(),
      "Bearer team-token",
      "tokenFile relative to the second file",
    );
  });

  test("missing KUBECONFIG entries are skipped", async () => {
    const only = await kubeconfigFile(minimal("https://only.example"));
    const config = await loadWith([join(root, "nope.yaml"), only]);
    assert.equal(config.server, "https://only.example");
  });

  test("parseKubeconfig keeps each entry's origin and resolves relative exec commands", async () => {
    const parsed = await parseKubeconfig(
      `users:
- name: u
  user:
    exec: { command: ./bin/login, apiVersion: client.authentication.k8s.io/v1 }
- name: v
  user:
    exec: { command: aws, apiVersion: client.authentication.k8s.io/v1 }
`,
      "/etc/kube/config",
    );
    assert.equal(parsed.users.get("u")?.exec?.command, "/etc/kube/bin/login");
    assert.equal(parsed.users.get("v")?.exec?.command, "aws", "PATH lookups stay bare");
    assert.equal(parsed.users.get("u")?.origin, "/etc/kube/config");
  });
});

describe("kubeconfig credentials and TLS", () => {
  test("inline CA and client certificate data, tls-server-name", async () => {
    const path = await kubeconfigFile(`
current-context: c
clusters:
- name: k
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: ${b64(caPem)}
    tls-server-name: kubernetes.default
contexts:
- name: c
  context: { cluster: k, user: u }
users:
- name: u
  user:
    client-certificate-data: ${b64(client.cert)}
    client-key-data: ${b64(client.key)}
`);
    const config = await loadWith([], { kubeconfig: path });
    assert.match(config.ca?.describe() ?? "", /certificate-authority-data of cluster "k" .*CN=cluster-ca/);
    assert.equal(config.tlsServerName, "kubernetes.default");
    assert.deepEqual(config.clientCertificate, { cert: client.cert, key: client.key });
    assert.equal(config.credentials, undefined);
  });

  test("client certificate files are resolved and read; a mismatched key is rejected", async () => {
    await writeFile(join(root, "alice.crt"), client.cert);
    await writeFile(join(root, "alice.key"), client.key);
    await writeFile(join(root, "other.key"), selfSignedCertificate("other").key);
    const user = (key: string) => `
current-context: c
clusters: [{ name: k, cluster: { server: "https://k.example" } }]
contexts: [{ name: c, context: { cluster: k, user: u } }]
users: [{ name: u, user: { client-certificate: alice.crt, client-key: ${key} } }]
`;
    const good = await loadWith([], { kubeconfig: await kubeconfigFile(user("alice.key")) });
    assert.deepEqual(good.clientCertificate, { cert: client.cert, key: client.key });
    await assert.rejects(
      loadWith([], { kubeconfig: await kubeconfigFile(user("other.key")) }),
      /does not match its certificate/,
    );
  });

  test("insecure-skip-tls-verify is never silent", async () => {
    const path = await kubeconfigFile(`
current-context: c
clusters: [{ name: lab, cluster: { server: "https://lab:6443", insecure-skip-tls-verify: true } }]
contexts: [{ name: c, context: { cluster: lab } }]
`);
    const config = await loadWith([path]);
    assert.equal(config.insecureSkipTLSVerify, true);
    assert.equal(config.ca, undefined);
    assert.deepEqual(config.warnings, [
      'WARNING: TLS verification is disabled for cluster "lab" (insecure-skip-tls-verify); anyone on the network path can impersonate the API server',
    ]);
  });

  test("proxy-url, disable-compression and tls-server-name are the cluster's", async () => {
    const path = await kubeconfigFile(`
current-context: c
clusters:
- name: k
  cluster: { server: "https://k:6443", proxy-url: "socks5://u:p@proxy:1080", disable-compression: true, tls-server-name: api.internal }
contexts: [{ name: c, context: { cluster: k } }]
`);
    // The environment's proxy does not apply when the kubeconfig names one.
    const config = await loadConfig({
      env: { HOME: root, KUBECONFIG: path, HTTPS_PROXY: "http://other:3128" },
    });
    opened.push(config);
    assert.equal(config.proxy?.href, "socks5://u:p@proxy:1080");
    assert.equal(config.disableCompression, true);
    assert.equal(config.tlsServerName, "api.internal");
    assert.deepEqual(config.warnings, []);
  });

  test("without proxy-url, HTTPS_PROXY applies unless NO_PROXY exempts the server", async () => {
    const path = await kubeconfigFile(`
current-context: c
clusters: [{ name: k, cluster: { server: "https://k.example:6443" } }]
contexts: [{ name: c, context: { cluster: k } }]
`);
    const load = async (env: Record<string, string>) => {
      const config = await loadConfig({ env: { HOME: root, KUBECONFIG: path, ...env } });
      opened.push(config);
      return config.proxy?.href;
    };
    assert.equal(await load({ https_proxy: "proxy.corp:3128" }), "http://proxy.corp:3128/");
    assert.equal(await load({ HTTPS_PROXY: "http://proxy.corp:3128", NO_PROXY: ".example" }), undefined);
    assert.equal(
      await load({ HTTPS_PROXY: "http://proxy.corp:3128", NO_PROXY: "k.example:443" }),
      "http://proxy.corp:3128/",
    );
    assert.equal(await load({ HTTP_PROXY: "http://proxy.corp:3128" }), undefined); // https server: HTTPS_PROXY only
    assert.equal(await load({}), undefined);
    // The proxyUrl option wins over both.
    const config = await loadConfig({
      env: { HOME: root, KUBECONFIG: path, HTTPS_PROXY: "http://other:1" },
      proxyUrl: "http://chosen:8080",
    });
    opened.push(config);
    assert.equal(config.proxy?.href, "http://chosen:8080/");
  });

  test("a proxy-url of another scheme is refused, as client-go's validation does", async () => {
    const path = await kubeconfigFile(`
current-context: c
clusters: [{ name: k, cluster: { server: "https://k", proxy-url: "ftp://proxy:21" } }]
contexts: [{ name: c, context: { cluster: k } }]
`);
    await assert.rejects(
      loadWith([path]),
      /proxy-url of cluster "k" .* has the unsupported scheme "ftp"\nFix: use http, https or socks5/,
    );
  });

  test("as, as-uid, as-groups and as-user-extra become the impersonation; the option replaces them", async () => {
    const path = await kubeconfigFile(`
current-context: c
clusters: [{ name: k, cluster: { server: "https://k" } }]
contexts: [{ name: c, context: { cluster: k, user: u } }]
users:
- name: u
  user:
    token: t
    as: jane
    as-uid: "1234"
    as-groups: [dev, ops]
    as-user-extra: { scopes: [view, edit], "example.com/team": [a] }
`);
    const config = await loadWith([path]);
    assert.deepEqual(config.impersonate, {
      user: "jane",
      uid: "1234",
      groups: ["dev", "ops"],
      extra: { scopes: ["view", "edit"], "example.com/team": ["a"] },
    });
    const replaced = await loadWith([path], { impersonate: { user: "bob" } });
    assert.deepEqual(replaced.impersonate, { user: "bob" });
  });

  test("malformed impersonation fields name the field", async () => {
    const path = await kubeconfigFile(`
current-context: c
clusters: [{ name: k, cluster: { server: "https://k" } }]
contexts: [{ name: c, context: { cluster: k, user: u } }]
users: [{ name: u, user: { token: t, as-groups: dev } }]
`);
    await assert.rejects(loadWith([path]), /users\["u"\]\.user\.as-groups must be a list of strings/);
  });

  const unsupported: [string, string, RegExp][] = [
    [
      "auth-provider",
      "auth-provider: { name: oidc }",
      /auth-provider "oidc", which incluster does not support.*\nFix: use an exec credential plugin/s,
    ],
    ["basic auth", "{ username: admin, password: secret }", /username\/password \(basic authentication\)/],
    [
      "exec without interactiveMode",
      "exec: { command: x, apiVersion: client.authentication.k8s.io/v1 }",
      /interactiveMode must be specified/,
    ],
  ];
  for (const [name, userYaml, message] of unsupported) {
    test(`unsupported user setting: ${name}`, async () => {
      const path = await kubeconfigFile(`
current-context: c
clusters: [{ name: k, cluster: { server: "https://k" } }]
contexts: [{ name: c, context: { cluster: k, user: u } }]
users:
- name: u
  user:
    ${userYaml}
`);
      await assert.rejects(loadWith([path]), (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, message);
        assert.ok(error.places.includes(path), "names the file");
        assert.ok(!error.message.includes("secret"), "never echoes a password");
        return true;
      });
    });
  }
});

describe("kubeconfig errors", () => {
  test("garbage YAML names the file and how to fix it", async () => {
    const path = await kubeconfigFile("clusters: [unterminated\n  - {{{\n");
    await assert.rejects(loadWith([path]), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, new RegExp(`kubeconfig ${path}: is not valid YAML`));
      assert.match(error.message, /Fix: fix the YAML syntax/);
      assert.deepEqual(error.places, [path]);
      return true;
    });
  });

  test("a document that is not a mapping is rejected", async () => {
    const path = await kubeconfigFile("just a string\n");
    await assert.rejects(loadWith([path]), /is not a kubeconfig \(the top level is a string/);
  });

  test("an unknown --context lists the available ones", async () => {
    const path = await kubeconfigFile(minimal("https://k"));
    await assert.rejects(loadWith([path], { context: "staging" }), (error: Error) => {
      assert.match(error.message, /requested context "staging" is not defined in/);
      assert.match(error.message, /available contexts: main/);
      return true;
    });
  });

  test("no current-context, dangling cluster, cluster without server", async () => {
    const noCurrent = await kubeconfigFile(minimal("https://k").replace("current-context: main\n", ""));
    await assert.rejects(loadWith([noCurrent]), /no current-context is set.*\nFix: pass a context/s);
    const dangling = await parseKubeconfig(
      "current-context: a\ncontexts: [{ name: a, context: { cluster: gone } }]\n",
      "/k",
    );
    assert.throws(
      () => selectContext(dangling),
      /refers to cluster "gone", which no kubeconfig file defines/,
    );
    const serverless = await parseKubeconfig(
      "current-context: a\nclusters: [{ name: k, cluster: {} }]\ncontexts: [{ name: a, context: { cluster: k } }]\n",
      "/k",
    );
    assert.throws(() => selectContext(serverless), /cluster "k" \(in \/k\) has no server/);
  });

  test("an explicit kubeconfig path that does not exist is an error, even in a Pod", async () => {
    const missing = join(root, "missing-config");
    await assert.rejects(
      loadConfig({
        kubeconfig: missing,
        env: { KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" },
      }),
      (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.places, [
          `kubeconfig ${missing} (from the kubeconfig option): does not exist`,
        ]);
        return true;
      },
    );
  });
});

function minimal(server: string): string {
  return `current-context: main
clusters: [{ name: k, cluster: { server: "${server}" } }]
contexts: [{ name: main, context: { cluster: k } }]
`;
}
