import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import {
  type ClusterConfig,
  ConfigError,
  loadConfig,
  SERVICE_ACCOUNT_DIR_ENV,
} from "../../../src/client/config.ts";
import {
  boundToken,
  removeDir,
  selfSignedCertificate,
  serviceAccountDir,
  tempDir,
} from "../token/fixtures.ts";

const token = boundToken("app", "shop");
const ca = selfSignedCertificate("kubernetes").cert;
let saDir: string;
let home: string; // empty HOME so that no real ~/.kube/config is ever read
const opened: ClusterConfig[] = [];

before(async () => {
  saDir = await serviceAccountDir({ token, "ca.crt": ca, namespace: "shop\n" });
  home = await tempDir("incluster-home-");
});
after(async () => {
  await removeDir(saDir);
  await removeDir(home);
});
afterEach(() => {
  for (const config of opened.splice(0)) config.close();
});

async function load(
  env: NodeJS.ProcessEnv,
  options: Parameters<typeof loadConfig>[0] = {},
): Promise<ClusterConfig> {
  const config = await loadConfig({ serviceAccountDir: saDir, env: { HOME: home, ...env }, ...options });
  opened.push(config);
  return config;
}

const podEnv = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };

describe("in-cluster configuration", () => {
  test("uses the service env vars, the SA token, CA and namespace file", async () => {
    const config = await load(podEnv);
    assert.equal(config.source, "in-cluster");
    assert.equal(config.server, "https://10.96.0.1:443");
    assert.equal(config.namespace, "shop", "namespace file is trimmed");
    assert.equal(config.insecureSkipTLSVerify, false);
    assert.equal(config.ca?.current(), `${ca.trim()}\n`);
    assert.equal(await config.credentials?.header(), `Bearer ${token}`);
    assert.match(config.credentials?.describe() ?? "", /^token file .*\/token \(eyJ…\(redacted/);
    assert.deepEqual(config.warnings, []);
  });

  test("brackets an IPv6 service host and is always https", async () => {
    const config = await load({ KUBERNETES_SERVICE_HOST: "fd00:10:96::1", KUBERNETES_SERVICE_PORT: "80" });
    assert.equal(config.server, "https://[fd00:10:96::1]:80");
  });

  test("POD_NAMESPACE wins over the namespace file; the namespace option wins over both", async () => {
    assert.equal((await load({ ...podEnv, POD_NAMESPACE: "from-env" })).namespace, "from-env");
    assert.equal(
      (await load({ ...podEnv, POD_NAMESPACE: "from-env" }, { namespace: "opt" })).namespace,
      "opt",
    );
  });

  test("namespace defaults to 'default' without env or file; no ca.crt falls back to system roots with a warning", async () => {
    const bare = await serviceAccountDir({ token });
    try {
      const config = await load(podEnv, { serviceAccountDir: bare });
      assert.equal(config.namespace, "default");
      assert.equal(config.ca, undefined);
      assert.match(
        config.warnings.join("\n"),
        /ca\.crt: does not exist; verifying the API server with the system CA roots/,
      );
    } finally {
      await removeDir(bare);
    }
  });

  test(`the SA directory comes from ${SERVICE_ACCOUNT_DIR_ENV} when no option is given`, async () => {
    const config = await loadConfig({ env: { ...podEnv, HOME: home, [SERVICE_ACCOUNT_DIR_ENV]: saDir } });
    opened.push(config);
    assert.equal(config.source, "in-cluster");
    assert.equal(config.credentials?.currentToken?.(), undefined, "token is read lazily");
    assert.equal(await config.credentials?.header(), `Bearer ${token}`);
  });

  test("options override the token and disable TLS verification loudly", async () => {
    const config = await load(podEnv, { token: "override-token", insecureSkipTLSVerify: true });
    assert.equal(await config.credentials?.header(), "Bearer override-token");
    assert.equal(config.insecureSkipTLSVerify, true);
    assert.equal(config.ca, undefined);
    assert.match(config.warnings[0], /^WARNING: TLS verification is disabled .*impersonate the API server$/);
  });

  test("a missing token file is an error naming the path (no kubeconfig either)", async () => {
    const empty = await tempDir("incluster-sa-empty-");
    try {
      await assert.rejects(load(podEnv, { serviceAccountDir: empty }), (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, new RegExp(`token ${join(empty, "token")} does not exist`));
        assert.match(error.message, /from the serviceAccountDir option/);
        assert.ok(error.places.some((p) => p.includes(join(home, ".kube", "config"))));
        return true;
      });
    } finally {
      await removeDir(empty);
    }
  });

  test("inCluster: true fails with the in-cluster reasons only; a bad port is reported", async () => {
    await assert.rejects(
      load({ KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "https" }, { inCluster: true }),
      (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /in-cluster configuration was requested/);
        assert.deepEqual(error.places, ['in-cluster: KUBERNETES_SERVICE_PORT="https" is not a port number']);
        return true;
      },
    );
  });

  test("the token is re-read after the kubelet removes and recreates it", async () => {
    const dir = await serviceAccountDir({ token: "t1" });
    try {
      const config = await load(podEnv, { serviceAccountDir: dir });
      assert.equal(await config.credentials?.header(), "Bearer t1");
      await rm(join(dir, "token"));
      assert.equal(await config.credentials?.refresh(), false);
      assert.equal(await config.credentials?.header(), "Bearer t1", "last good token kept");
    } finally {
      await removeDir(dir);
    }
  });
});
