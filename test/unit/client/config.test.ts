import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ConfigError, joinHostPort, loadConfig } from "../../../src/client/config.ts";
import { removeDir, selfSignedCertificate, serviceAccountDir, tempDir } from "../token/fixtures.ts";

let home: string;
let emptySa: string;
before(async () => {
  home = await tempDir("incluster-home-");
  emptySa = await tempDir("incluster-sa-none-");
});
after(async () => {
  await removeDir(home);
  await removeDir(emptySa);
});

describe("nothing found", () => {
  test("one ConfigError lists every place looked and how to fix it", async () => {
    const a = join(home, "a.yaml");
    const b = join(home, "b.yaml");
    await assert.rejects(
      loadConfig({ env: { HOME: home, KUBECONFIG: [a, b].join(delimiter) }, serviceAccountDir: emptySa }),
      (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.places, [
          "in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT not set (not running in a Pod?)",
          `in-cluster: ServiceAccount token ${join(emptySa, "token")} does not exist (directory from the serviceAccountDir option)`,
          `KUBECONFIG entry ${a}: does not exist`,
          `KUBECONFIG entry ${b}: does not exist`,
          `~/.kube/config (${join(home, ".kube", "config")}): not consulted because KUBECONFIG is set`,
        ]);
        assert.match(error.message, /^no Kubernetes configuration found\nLooked at:\n {2}- in-cluster/);
        assert.match(error.message, /\nFix: run inside a Pod .*KUBECONFIG.*~\/\.kube\/config/);
        return true;
      },
    );
  });

  test("without KUBECONFIG, ~/.kube/config is the place looked; inCluster: false skips the Pod checks", async () => {
    await assert.rejects(loadConfig({ env: { HOME: home }, inCluster: false }), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.places, [
        "in-cluster: skipped (inCluster: false)",
        `~/.kube/config (${join(home, ".kube", "config")}): does not exist`,
      ]);
      return true;
    });
  });

  test("inCluster: false uses the kubeconfig even in a Pod", async () => {
    const sa = await serviceAccountDir({ token: "sa-token" });
    const path = join(home, "config.yaml");
    await writeFile(
      path,
      `current-context: c
clusters: [{ name: k, cluster: { server: "https://from-kubeconfig" } }]
contexts: [{ name: c, context: { cluster: k } }]
`,
    );
    try {
      const env = {
        HOME: home,
        KUBECONFIG: path,
        KUBERNETES_SERVICE_HOST: "10.0.0.1",
        KUBERNETES_SERVICE_PORT: "443",
      };
      const inPod = await loadConfig({ env, serviceAccountDir: sa });
      assert.equal(inPod.source, "in-cluster", "in-cluster comes before kubeconfig");
      inPod.close();
      const forced = await loadConfig({ env, serviceAccountDir: sa, inCluster: false });
      assert.equal(forced.source, "kubeconfig");
      assert.equal(forced.server, "https://from-kubeconfig");
      forced.close();
    } finally {
      await removeDir(sa);
    }
  });
});

describe("explicit options", () => {
  test("server and token are used as given, before any in-cluster or kubeconfig", async () => {
    const config = await loadConfig({
      server: "https://api.example:6443/",
      token: "explicit",
      env: { KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" },
    });
    assert.equal(config.source, "explicit");
    assert.equal(config.server, "https://api.example:6443");
    assert.equal(config.namespace, "default");
    assert.equal(await config.credentials?.header(), "Bearer explicit");
    assert.deepEqual(config.warnings, []);
    config.close();
  });

  test("caData (PEM or base64) and a token file", async () => {
    const pem = selfSignedCertificate("explicit-ca").cert;
    const tokenFile = join(home, "token");
    await writeFile(tokenFile, "from-file\n");
    const config = await loadConfig({
      server: "https://x",
      caData: Buffer.from(pem).toString("base64"),
      tokenFile,
    });
    assert.match(config.ca?.describe() ?? "", /caData option \(1 certificate: CN=explicit-ca/);
    assert.equal(await config.credentials?.header(), "Bearer from-file");
    config.close();
  });

  test("plain-HTTP servers with credentials get a warning; anonymous config has no credentials", async () => {
    const withToken = await loadConfig({ server: "http://127.0.0.1:8080", token: "t" });
    assert.match(withToken.warnings.join("\n"), /plain HTTP; credentials are sent unencrypted/);
    const anonymous = await loadConfig({ server: "https://127.0.0.1:6443" });
    assert.equal(anonymous.credentials, undefined);
    assert.deepEqual(anonymous.warnings, []);
  });

  test("conflicting or invalid options are rejected", async () => {
    await assert.rejects(
      loadConfig({ server: "https://x", token: "a", tokenFile: "/b" }),
      /either token or tokenFile/,
    );
    await assert.rejects(
      loadConfig({ server: "https://x", caData: "x", caFile: "/y" }),
      /either caFile or caData/,
    );
    await assert.rejects(
      loadConfig({ server: "https://x", caFile: "/y", insecureSkipTLSVerify: true }),
      /cannot be combined/,
    );
    await assert.rejects(loadConfig({ server: "10.0.0.1:443" }), /must be an http\(s\) URL|is not a URL/);
    await assert.rejects(
      loadConfig({ server: "https://x", caFile: join(emptySa, "nope.crt") }),
      (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /CA file .*nope\.crt: does not exist/);
        return true;
      },
    );
    await assert.rejects(
      loadConfig({ inCluster: true, context: "x" }),
      /cannot be combined with a kubeconfig/,
    );
  });
});

describe("joinHostPort", () => {
  test("brackets IPv6 literals only", () => {
    assert.equal(joinHostPort("10.0.0.1", "443"), "10.0.0.1:443");
    assert.equal(joinHostPort("::1", "6443"), "[::1]:6443");
    assert.equal(joinHostPort("[::1]", "6443"), "[::1]:6443");
    assert.equal(joinHostPort("kubernetes.default.svc", "443"), "kubernetes.default.svc:443");
  });
});
