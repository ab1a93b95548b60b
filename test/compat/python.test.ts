// Debian's python3-kubernetes (the official Python client, under /usr/bin/python3) against the local
// API server: token auth, lists with selectors, watch streams, ApiException bodies, kubeconfig loading and
// in-cluster configuration (the ServiceAccount files bind-mounted in a private mount namespace).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, realpath, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";
import { bindClusterRole, createNamespace, serviceAccountToken, spawnLines } from "./support.ts";

const PYTHON = "/usr/bin/python3";
const NS = "py";

let c: TestCluster;
let token: string;
let caFile: string;

/** Connection settings every script reads from the environment. */
const PRELUDE = `
import json, os, sys
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

def token_client():
    cfg = client.Configuration()
    cfg.host = os.environ["K8S_HOST"]
    cfg.ssl_ca_cert = os.environ["K8S_CA"]
    cfg.api_key = {"authorization": os.environ["K8S_TOKEN"]}
    cfg.api_key_prefix = {"authorization": "Bearer"}
    return client.ApiClient(cfg)

def out(value):
    print(json.dumps(value), flush=True)
`;

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: c.dir,
    K8S_HOST: c.server.url,
    K8S_CA: caFile,
    K8S_TOKEN: token,
    PYTHONDONTWRITEBYTECODE: "1",
    ...extra,
  };
}

async function script(name: string, body: string): Promise<string> {
  const file = path.join(c.dir, `${name}.py`);
  await writeFile(file, PRELUDE + body);
  return file;
}

function run(
  command: string,
  args: string[],
  e: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { env: e, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err
        ? typeof (err as { code?: unknown }).code === "number"
          ? (err as { code: number }).code
          : 1
        : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a script to completion and parses each stdout line as JSON. */
async function python(name: string, body: string, extraEnv: Record<string, string> = {}): Promise<any[]> {
  const file = await script(name, body);
  const r = await run(PYTHON, [file], env(extraEnv));
  assert.equal(r.code, 0, `python ${name} exited ${r.code}\n${r.stderr}`);
  return r.stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

const pod = (name: string, labels: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, labels },
  spec: { containers: [{ name: "main", image: "busybox:1.36" }] },
});

before(async () => {
  c = await startTestCluster();
  caFile = path.join(c.dir, "ca.crt");
  await writeFile(caFile, c.server.caPem);
  await createNamespace(c, NS);
  await createNamespace(c, `${NS}-other`);
  token = await serviceAccountToken(c, NS, "reader");
  await bindClusterRole(c, {
    name: "py-reader-view",
    clusterRole: "view",
    sa: { namespace: NS, name: "reader" },
  });
  for (const [ns, name, app] of [
    [NS, "alpha", "web"],
    [NS, "beta", "web"],
    [NS, "gamma", "db"],
    [`${NS}-other`, "delta", "web"],
  ]) {
    const r = await c.admin("POST", `/api/v1/namespaces/${ns}/pods`, pod(name, { app }));
    assert.equal(r.status, 201, r.text);
  }
});
after(() => c.stop());

test("the Debian Python client is installed for /usr/bin/python3", async () => {
  const r = await run(PYTHON, ["-c", "import kubernetes; print(kubernetes.__version__)"], env());
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+$/);
});

describe("CoreV1Api with a ServiceAccount token", () => {
  test("list_pod_for_all_namespaces and list_namespaced_pod(label_selector=…)", async () => {
    const [all, web, db] = await python(
      "lists",
      `
api = client.CoreV1Api(token_client())
pods = api.list_pod_for_all_namespaces()
out(sorted([p.metadata.namespace + "/" + p.metadata.name for p in pods.items]) + [pods.metadata.resource_version])
out(sorted(p.metadata.name for p in api.list_namespaced_pod("${NS}", label_selector="app=web").items))
pods = api.list_namespaced_pod("${NS}", label_selector="app in (db),app!=web", field_selector="metadata.name=gamma")
out([[p.metadata.name, p.spec.service_account_name, p.status.phase] for p in pods.items])
`,
    );
    const rv = all.pop();
    assert.deepEqual(all, [`${NS}-other/delta`, `${NS}/alpha`, `${NS}/beta`, `${NS}/gamma`]);
    assert.match(rv, /^\d+$/);
    assert.deepEqual(web, ["alpha", "beta"]);
    assert.deepEqual(db, [["gamma", "default", "Pending"]]);
  });

  test("a 403 is ApiException(status=403) whose body is the Status JSON the server wrote", async () => {
    const [e] = await python(
      "forbidden",
      `
api = client.CoreV1Api(token_client())
try:
    api.delete_namespaced_pod("alpha", "${NS}")
    out("no exception")
except ApiException as e:
    out({"status": e.status, "reason": e.reason, "body": e.body if isinstance(e.body, str) else e.body.decode()})
`,
    );
    assert.equal(e.status, 403);
    assert.equal(e.reason, "Forbidden");
    const expected = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: `pods "alpha" is forbidden: User "system:serviceaccount:${NS}:reader" cannot delete resource "pods" in API group "" in the namespace "${NS}"`,
      reason: "Forbidden",
      details: { name: "alpha", kind: "pods" },
      code: 403,
    };
    assert.deepEqual(JSON.parse(e.body), expected);
    const raw = await c.request("DELETE", `/api/v1/namespaces/${NS}/pods/alpha`, { token });
    assert.equal(e.body, raw.text);
    assert.equal((await c.admin("GET", `/api/v1/namespaces/${NS}/pods/alpha`)).status, 200);
  });

  test("watch.Watch().stream(list_namespaced_pod) sees ADDED, MODIFIED and DELETED", async () => {
    const file = await script(
      "watch_pods",
      `
w = watch.Watch()
api = client.CoreV1Api(token_client())
for ev in w.stream(api.list_namespaced_pod, "${NS}", label_selector="app=watched", timeout_seconds=30):
    o = ev["object"]
    out([ev["type"], o.metadata.name, o.metadata.labels.get("step", ""), o.metadata.resource_version])
    if ev["type"] == "DELETED":
        w.stop()
out(["END"])
`,
    );
    const r = await c.admin("POST", `/api/v1/namespaces/${NS}/pods`, pod("seed", { app: "watched" }));
    assert.equal(r.status, 201);
    const p = spawnLines(PYTHON, [file], env());
    try {
      await p.waitFor((l) => l.startsWith('["ADDED", "seed"'));
      await c.admin("POST", `/api/v1/namespaces/${NS}/pods`, pod("w1", { app: "watched" }));
      await c.admin(
        "PATCH",
        `/api/v1/namespaces/${NS}/pods/w1`,
        { metadata: { labels: { step: "two" } } },
        "application/merge-patch+json",
      );
      await c.admin("DELETE", `/api/v1/namespaces/${NS}/pods/w1`);
      await p.waitFor(/^\["END"\]$/);
      assert.equal(await p.exited, 0, p.stderr());
      const events = p.lines.filter(Boolean).map((l) => JSON.parse(l));
      assert.deepEqual(
        events.map((e) => e.slice(0, 3)),
        [
          ["ADDED", "seed", ""],
          ["ADDED", "w1", ""],
          ["MODIFIED", "w1", "two"],
          ["DELETED", "w1", "two"],
          ["END"],
        ],
      );
      const rvs = events.slice(1, 4).map((e) => Number(e[3]));
      assert.ok(rvs[0] < rvs[1] && rvs[1] < rvs[2], `resourceVersions increase: ${rvs}`);
    } finally {
      await p.stop();
    }
  });

  test("watch.Watch().stream(list_namespace) follows a namespace through deletion; timeout_seconds ends it", async () => {
    const file = await script(
      "watch_namespaces",
      `
w = watch.Watch()
api = client.CoreV1Api(token_client())
for ev in w.stream(api.list_namespace, timeout_seconds=30):
    o = ev["object"]
    out([ev["type"], o.metadata.name, o.status.phase, (o.metadata.labels or {}).get("team", "")])
    if ev["type"] == "DELETED" and o.metadata.name == "py-watched":
        w.stop()
out(["END"])
`,
    );
    const p = spawnLines(PYTHON, [file], env());
    try {
      await p.waitFor((l) => l.startsWith('["ADDED", "kube-system"'));
      await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "py-watched" } });
      await c.admin(
        "PATCH",
        "/api/v1/namespaces/py-watched",
        { metadata: { labels: { team: "a" } } },
        "application/merge-patch+json",
      );
      await c.admin("DELETE", "/api/v1/namespaces/py-watched");
      await p.waitFor(/^\["END"\]$/);
      assert.equal(await p.exited, 0, p.stderr());
      const events = p.lines
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .filter((e) => e[1] === "py-watched");
      assert.deepEqual(events[0], ["ADDED", "py-watched", "Active", ""]);
      assert.ok(
        events.some((e) => e[0] === "MODIFIED" && e[2] === "Active" && e[3] === "a"),
        JSON.stringify(events),
      );
      assert.ok(
        events.some((e) => e[0] === "MODIFIED" && e[2] === "Terminating"),
        JSON.stringify(events),
      );
      assert.equal(events.at(-1)[0], "DELETED");
    } finally {
      await p.stop();
    }

    // With nothing changing, the server ends the watch after timeout_seconds and stream() returns.
    const started = Date.now();
    const [count] = await python(
      "watch_timeout",
      `
n = 0
for ev in watch.Watch().stream(client.CoreV1Api(token_client()).list_namespace, timeout_seconds=1):
    n += 1
out(n)
`,
    );
    assert.ok(count >= 5, `initial ADDED events: ${count}`);
    assert.ok(Date.now() - started < 15_000, "the watch ended by itself");
  });
});

describe("configuration loading", () => {
  test("config.load_kube_config() with the admin kubeconfig (client certificate)", async () => {
    const [result] = await python(
      "kubeconfig",
      `
config.load_kube_config(config_file=os.environ["KUBECONFIG_FILE"])
api = client.CoreV1Api()
names = sorted(n.metadata.name for n in api.list_namespace().items)
version = client.VersionApi().get_code()
secret = api.create_namespaced_secret("${NS}", client.V1Secret(metadata=client.V1ObjectMeta(name="from-python"), string_data={"k": "v"}))
out({"names": names, "version": [version.major, version.minor, version.git_version], "secret": [secret.type, secret.data]})
`,
      { KUBECONFIG_FILE: c.kubeconfigPath },
    );
    for (const n of ["default", "kube-system", NS]) assert.ok(result.names.includes(n), n);
    assert.deepEqual(result.version.slice(0, 2), ["1", "33"]);
    assert.match(result.version[2], /^v1\.33\./);
    assert.deepEqual(result.secret, ["Opaque", { k: Buffer.from("v").toString("base64") }]);
  });

  test("config.load_incluster_config() with the ServiceAccount files mounted at the standard path", async () => {
    // The client hard-codes /var/run/secrets/kubernetes.io/serviceaccount: give python a private mount
    // namespace where a temp dir is bind-mounted over /var/run (nothing changes outside that process).
    const runDir = path.join(c.dir, "run");
    const saDir = path.join(runDir, "secrets", "kubernetes.io", "serviceaccount");
    await mkdir(saDir, { recursive: true });
    await writeFile(path.join(saDir, "token"), token);
    await writeFile(path.join(saDir, "ca.crt"), c.server.caPem);
    await writeFile(path.join(saDir, "namespace"), NS);
    const file = await script(
      "incluster",
      `
config.load_incluster_config()
cfg = client.Configuration.get_default_copy()
ns = open("/var/run/secrets/kubernetes.io/serviceaccount/namespace").read()
api = client.CoreV1Api()
pods = sorted(p.metadata.name for p in api.list_namespaced_pod(ns, label_selector="app=web").items)
review = client.ApiClient().call_api("/apis/authentication.k8s.io/v1/selfsubjectreviews", "POST",
    body={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
    header_params={"Content-Type": "application/json", "Accept": "application/json"},
    auth_settings=["BearerToken"], response_type="object", _return_http_data_only=True)
out({"host": cfg.host, "pods": pods, "user": review["status"]["userInfo"]})
`,
    );
    const varRun = await realpath("/var/run");
    const { port } = new URL(c.server.url);
    const r = await run(
      "unshare",
      [
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        'mount --bind "$1" "$2" && exec "$3" "$4"',
        "sh",
        runDir,
        varRun,
        PYTHON,
        file,
      ],
      env({ KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: port }),
    );
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim());
    assert.equal(result.host, `https://127.0.0.1:${port}`);
    assert.deepEqual(result.pods, ["alpha", "beta"]);
    assert.equal(result.user.username, `system:serviceaccount:${NS}:reader`);
    assert.deepEqual(result.user.groups, [
      "system:serviceaccounts",
      `system:serviceaccounts:${NS}`,
      "system:authenticated",
    ]);
  });
});
