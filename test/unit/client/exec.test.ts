import assert from "node:assert/strict";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { loadConfig } from "../../../src/client/config.ts";
import {
  createExecCredentialProvider,
  type ExecConfig,
  ExecCredentialError,
  parseExecConfig,
} from "../../../src/client/exec-credential.ts";
import { removeDir, selfSignedCertificate, tempDir } from "../token/fixtures.ts";

// A credential plugin in the client-go protocol. It counts its runs and echoes KUBERNETES_EXEC_INFO to a file;
// PLUGIN_MODE picks the behaviour.
const PLUGIN = `#!${process.execPath}
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
const dir = process.env.PLUGIN_DIR;
appendFileSync(dir + "/calls", "x");
const run = readFileSync(dir + "/calls", "utf8").length;
const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);
writeFileSync(dir + "/exec-info.json", JSON.stringify(info));
const mode = process.env.PLUGIN_MODE ?? "token";
if (mode === "fail") {
  process.stderr.write("boom: cannot reach the identity provider\\n");
  process.exit(3);
}
if (mode === "garbage") {
  process.stdout.write("hello");
  process.exit(0);
}
const status = {};
if (mode === "cert") {
  status.clientCertificateData = readFileSync(dir + "/cert.pem", "utf8");
  status.clientKeyData = readFileSync(dir + "/key.pem", "utf8");
} else {
  status.token = "exec-token-" + run;
}
if (process.env.PLUGIN_EXPIRES) status.expirationTimestamp = process.env.PLUGIN_EXPIRES;
const apiVersion = process.env.PLUGIN_API_VERSION ?? info.apiVersion;
process.stdout.write(JSON.stringify({ kind: "ExecCredential", apiVersion, status }));
`;

let dir: string;
let plugin: string;

before(async () => {
  dir = await tempDir("incluster-exec-");
  plugin = join(dir, "plugin.mjs");
  await writeFile(plugin, PLUGIN);
  await chmod(plugin, 0o755);
});
after(() => removeDir(dir));

const calls = async () => (await readFile(join(dir, "calls"), "utf8").catch(() => "")).length;
const resetCalls = () => writeFile(join(dir, "calls"), "");

function execConfig(env: Record<string, string> = {}, overrides: Partial<ExecConfig> = {}): ExecConfig {
  return {
    apiVersion: "client.authentication.k8s.io/v1",
    command: plugin,
    args: [],
    env: Object.entries({ PLUGIN_DIR: dir, ...env }).map(([name, value]) => ({ name, value })),
    interactiveMode: "Never",
    provideClusterInfo: false,
    ...overrides,
  };
}

const provider = (
  config: ExecConfig,
  extra: Partial<Parameters<typeof createExecCredentialProvider>[1]> = {},
) => createExecCredentialProvider(config, { origin: 'user "dev" in test', ...extra });

describe("exec credential provider", () => {
  test("caches the credential until expirationTimestamp; refresh() re-runs the plugin", async () => {
    await resetCalls();
    const creds = provider(execConfig({ PLUGIN_EXPIRES: new Date(Date.now() + 3600_000).toISOString() }));
    const [a, b] = await Promise.all([creds.header(), creds.header()]);
    assert.equal(a, "Bearer exec-token-1");
    assert.equal(b, "Bearer exec-token-1");
    assert.equal(await creds.header(), "Bearer exec-token-1");
    assert.equal(await calls(), 1, "one run for concurrent and repeated calls");

    assert.equal(await creds.refresh(), true);
    assert.equal(await calls(), 2);
    assert.equal(await creds.header(), "Bearer exec-token-2");
    assert.equal(await calls(), 2);
    assert.match(
      creds.describe(),
      /exec plugin ".*plugin\.mjs" \(user "dev" in test; token …\(redacted, sha256:[0-9a-f]{8}\), expires \d{4}-/,
    );
    assert.ok(!creds.describe().includes("exec-token-2"));
  });

  test("an expired credential runs the plugin again", async () => {
    await resetCalls();
    let now = Date.now();
    const expires = new Date(now + 60_000).toISOString();
    const creds = provider(execConfig({ PLUGIN_EXPIRES: expires }), { now: () => now });
    assert.equal(await creds.header(), "Bearer exec-token-1");
    now += 59_000;
    assert.equal(await creds.header(), "Bearer exec-token-1");
    now += 2_000;
    assert.equal(await creds.header(), "Bearer exec-token-2");
    assert.equal(await calls(), 2);
  });

  test("without expirationTimestamp the credential is kept until refresh()", async () => {
    await resetCalls();
    const creds = provider(execConfig());
    await creds.header();
    await creds.header();
    assert.equal(await calls(), 1);
    assert.equal(creds.currentToken?.(), "exec-token-1");
  });

  test("passes KUBERNETES_EXEC_INFO, with the cluster when provideClusterInfo is set", async () => {
    const creds = provider(execConfig({}, { provideClusterInfo: true }), {
      cluster: { server: "https://10.0.0.1:6443", "tls-server-name": "kubernetes" },
    });
    await creds.header();
    const info = JSON.parse(await readFile(join(dir, "exec-info.json"), "utf8"));
    assert.deepEqual(info, {
      kind: "ExecCredential",
      apiVersion: "client.authentication.k8s.io/v1",
      spec: {
        interactive: false,
        cluster: { server: "https://10.0.0.1:6443", "tls-server-name": "kubernetes" },
      },
    });
  });

  test("a failing plugin gives a clear error with its exit code and stderr", async () => {
    const creds = provider(execConfig({ PLUGIN_MODE: "fail" }));
    await assert.rejects(creds.header(), (error: Error) => {
      assert.ok(error instanceof ExecCredentialError);
      assert.match(
        error.message,
        /exec plugin ".*plugin\.mjs" \(user "dev" in test\) failed with exit code 3: boom: cannot reach/,
      );
      return true;
    });
  });

  test("a missing plugin says so and shows the installHint", async () => {
    const creds = provider(
      execConfig({}, { command: join(dir, "kubectl-login"), installHint: "brew install kubelogin" }),
    );
    await assert.rejects(creds.header(), (error: Error) => {
      assert.match(error.message, /executable .*kubectl-login not found/);
      assert.match(error.message, /client-go-credential-plugins/);
      assert.match(error.message, /brew install kubelogin$/);
      return true;
    });
  });

  test("invalid output and a wrong apiVersion are rejected", async () => {
    await assert.rejects(provider(execConfig({ PLUGIN_MODE: "garbage" })).header(), /output is not JSON/);
    await assert.rejects(
      provider(execConfig({ PLUGIN_API_VERSION: "client.authentication.k8s.io/v1beta1" })).header(),
      /configured to use API version client.authentication.k8s.io\/v1, plugin returned version client.authentication.k8s.io\/v1beta1/,
    );
  });

  test("a plugin may return a client certificate instead of a token", async () => {
    const { cert, key } = selfSignedCertificate("exec-user");
    await writeFile(join(dir, "cert.pem"), cert);
    await writeFile(join(dir, "key.pem"), key);
    const creds = provider(execConfig({ PLUGIN_MODE: "cert" }));
    assert.equal(await creds.header(), undefined);
    assert.deepEqual(await creds.clientCertificate(), { cert, key });
  });

  test("a failing refresh keeps the credential, resolves false and warns", async () => {
    const warnings: string[] = [];
    const env = { PLUGIN_DIR: dir, PLUGIN_MODE: "token" };
    const config = execConfig();
    config.env = [];
    const creds = provider(config, { env, onWarning: (m) => warnings.push(m) });
    const first = await creds.header();
    env.PLUGIN_MODE = "fail";
    assert.equal(await creds.refresh(), false);
    assert.equal(await creds.header(), first);
    assert.match(warnings[0] ?? "", /failed with exit code 3.*keeping the previous credential/s);
  });
});

describe("parseExecConfig", () => {
  const base = { apiVersion: "client.authentication.k8s.io/v1", command: "aws", interactiveMode: "Never" };

  test("applies clientcmd defaults", () => {
    assert.deepEqual(
      parseExecConfig({ ...base, args: ["eks", "get-token"], env: [{ name: "A", value: "1" }] }),
      {
        apiVersion: "client.authentication.k8s.io/v1",
        command: "aws",
        args: ["eks", "get-token"],
        env: [{ name: "A", value: "1" }],
        installHint: undefined,
        interactiveMode: "Never",
        provideClusterInfo: false,
      },
    );
    const beta = parseExecConfig({ apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws" });
    assert.equal(beta.interactiveMode, "IfAvailable");
  });

  test("rejects what clientcmd rejects", () => {
    assert.throws(
      () => parseExecConfig({ ...base, interactiveMode: undefined }),
      /interactiveMode must be specified/,
    );
    assert.throws(() => parseExecConfig({ ...base, interactiveMode: "Always" }), /needs a terminal/);
    assert.throws(
      () => parseExecConfig({ ...base, apiVersion: "client.authentication.k8s.io/v1alpha1" }),
      /not supported/,
    );
    assert.throws(() => parseExecConfig({ ...base, command: "" }), /command must be specified/);
    assert.throws(() => parseExecConfig({ ...base, env: [{ value: "x" }] }), /env entries need a name/);
  });
});

describe("exec plugin through loadConfig", () => {
  test("a relative command resolves against the kubeconfig; env entries reach the plugin", async () => {
    await resetCalls();
    const kubeconfig = join(dir, "config");
    await writeFile(
      kubeconfig,
      `apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c
  cluster: { server: "https://127.0.0.1:6443" }
contexts:
- name: dev
  context: { cluster: c, user: u }
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./plugin.mjs
      interactiveMode: Never
      provideClusterInfo: true
      env:
      - { name: PLUGIN_DIR, value: "${dir}" }
`,
    );
    const config = await loadConfig({ kubeconfig, env: { PATH: process.env.PATH } });
    try {
      assert.equal(await config.credentials?.header(), "Bearer exec-token-1");
      assert.equal(typeof config.clientCertificate, "function");
      assert.match(config.credentials?.describe() ?? "", /user "u" in .*config/);
      const info = JSON.parse(await readFile(join(dir, "exec-info.json"), "utf8"));
      assert.equal(info.spec.cluster.server, "https://127.0.0.1:6443");
    } finally {
      config.close();
    }
  });
});
