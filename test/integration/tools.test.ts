// The real CLI (node src/cli/main.ts) against the local API server through kubeconfig files:
// whoami, can-i, token decode/create, rbac explain/generate/check — output and exit codes.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { KubeObject } from "../../src/meta/types.ts";
import { issueBoundToken } from "../../src/server/authn/serviceaccount-tokens.ts";
import { startTestCluster, type TestCluster, writeTokenKubeconfig } from "../helpers/cluster.ts";
import { runCli } from "../unit/cli/run-cli.ts";

let c: TestCluster;
let tmp: string;
let saKubeconfig: string;
let saToken: string;

const SEED_403 =
  'pods is forbidden: User "system:serviceaccount:test-in-cluster:default" cannot list resource "pods" in API group "" at the cluster scope';

before(async () => {
  c = await startTestCluster();
  tmp = await mkdtemp(path.join(os.tmpdir(), "incluster-tools-"));
  for (const ns of ["web", "test-in-cluster"])
    await c.admin("POST", "/api/v1/namespaces", { metadata: { name: ns } });
  await c.admin("POST", "/api/v1/namespaces/web/serviceaccounts", { metadata: { name: "app" } });
  await c.admin("POST", "/api/v1/namespaces/test-in-cluster/serviceaccounts", {
    metadata: { name: "default" },
  });
  await c.server.settle();
  const r = await c.admin("POST", "/api/v1/namespaces/web/serviceaccounts/app/token", {
    spec: { expirationSeconds: 3600 },
  });
  saToken = r.json.status.token;
  saKubeconfig = await writeTokenKubeconfig(c, "app", saToken, "web");
});

after(async () => {
  await c.stop();
  await rm(tmp, { recursive: true, force: true });
});

const cli = (args: string[], input?: string) => runCli(args, { input });
const asAdmin = (args: string[]) => cli([...args, "--kubeconfig", c.kubeconfigPath]);
const asApp = (args: string[]) => cli([...args, "--kubeconfig", saKubeconfig]);

const RESOURCE_PATHS: Record<string, (ns?: string) => string> = {
  Role: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
  RoleBinding: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
  ClusterRole: () => "/apis/rbac.authorization.k8s.io/v1/clusterroles",
  ClusterRoleBinding: () => "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
};

async function apply(objects: KubeObject[]): Promise<void> {
  for (const o of objects) {
    const r = await c.admin("POST", RESOURCE_PATHS[o.kind!](o.metadata?.namespace), o);
    assert.equal(r.status, 201, r.text);
  }
}

describe("whoami", () => {
  test("table like kubectl auth whoami, sorted attributes", async () => {
    const r = await asAdmin(["whoami"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      "ATTRIBUTE   VALUE\nGroups      [system:masters system:authenticated]\nUsername    kubernetes-admin\n",
    );
  });

  test("-o json is a SelfSubjectReview; a ServiceAccount sees its own identity", async () => {
    const r = await asApp(["whoami", "-o", "json"]);
    assert.equal(r.code, 0, r.stderr);
    const review = JSON.parse(r.stdout);
    assert.equal(review.kind, "SelfSubjectReview");
    assert.equal(review.status.userInfo.username, "system:serviceaccount:web:app");
    assert.deepEqual(review.status.userInfo.groups, [
      "system:serviceaccounts",
      "system:serviceaccounts:web",
      "system:authenticated",
    ]);
    assert.match(r.stdout, /^ {4}"kind"/m, "kubectl's 4-space JSON indentation");
  });

  test("a bad -o is a usage error, exit 2", async () => {
    const r = await asAdmin(["whoami", "-o", "wide"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /allowed formats are: json,yaml/);
  });
});

describe("can-i", () => {
  test("yes/no with exit 0/1; -q prints nothing", async () => {
    const yes = await asApp(["can-i", "create", "selfsubjectaccessreviews"]);
    assert.deepEqual([yes.code, yes.stdout], [0, "yes\n"]);
    const no = await asApp(["can-i", "list", "pods", "-A"]);
    assert.deepEqual([no.code, no.stdout], [1, "no\n"]);
    const quiet = await asApp(["can-i", "list", "secrets", "-q"]);
    assert.deepEqual([quiet.code, quiet.stdout], [1, ""]);
    const url = await asApp(["can-i", "get", "/healthz"]);
    assert.deepEqual([url.code, url.stdout], [0, "yes\n"]);
  });

  test("-n, TYPE/NAME and --subresource reach the review", async () => {
    await apply([
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: "logs", namespace: "web" },
        rules: [{ apiGroups: [""], resources: ["pods/log"], resourceNames: ["web-0"], verbs: ["get"] }],
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "logs", namespace: "web" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "logs" },
        subjects: [{ kind: "ServiceAccount", name: "app", namespace: "web" }],
      },
    ]);
    assert.equal((await asApp(["can-i", "get", "pods/web-0", "--subresource", "log"])).code, 0);
    assert.equal(
      (await asApp(["can-i", "get", "pods", "web-0", "--subresource", "log", "-n", "web"])).code,
      0,
    );
    assert.equal((await asApp(["can-i", "get", "pods", "web-1", "--subresource", "log"])).code, 1);
    assert.equal(
      (await asApp(["can-i", "get", "pods/web-0", "--subresource", "log", "-n", "default"])).code,
      1,
    );
  });

  test("--list prints kubectl's compacted, sorted table", async () => {
    const r = await asApp(["can-i", "--list"]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.match(lines[0], /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
    assert.ok(
      lines.some((l) => /^pods\/log\s+\[\]\s+\[web-0\]\s+\[get\]$/.test(l)),
      r.stdout,
    );
    assert.ok(
      lines.some((l) => /^selfsubjectreviews\.authentication\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/.test(l)),
    );
    assert.ok(lines.some((l) => /^\s+\[\/healthz\]\s+\[\]\s+\[get\]$/.test(l)));
    const verbsColumn = lines.slice(1).map((l) => l.slice(l.lastIndexOf("[")));
    assert.deepEqual(
      verbsColumn,
      [...verbsColumn].sort(),
      "sorted by the rule's Go string, which starts with the verbs",
    );
    const noHeaders = await asApp(["can-i", "--list", "--no-headers"]);
    assert.equal(noHeaders.stdout.split("\n").length, lines.length);
    const bad = await asApp(["can-i", "--list", "-A"]);
    assert.equal(bad.code, 2);
  });
});

describe("token", () => {
  test("create prints only the raw token (no newline off a terminal); decode shows claims, never the token", async () => {
    const created = await asAdmin(["token", "create", "web/app", "--duration", "20m", "--audience", "vault"]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    const decoded = await cli(["token", "decode", "-"], created.stdout);
    assert.equal(decoded.code, 0, decoded.stderr);
    assert.match(decoded.stdout, /^Token: +eyJ…\(redacted, sha256:[0-9a-f]{8}\)$/m);
    assert.match(decoded.stdout, /^Username: +system:serviceaccount:web:app$/m);
    assert.match(decoded.stdout, /^Audiences: +vault$/m);
    assert.match(decoded.stdout, /^Expires at: .*\(in (19m|20m)/m);
    assert.ok(!decoded.stdout.includes(created.stdout.split(".")[2]), "no signature in the output");
    const json = JSON.parse((await cli(["token", "decode", "-", "-o", "json"], created.stdout)).stdout);
    assert.deepEqual(json.audiences, ["vault"]);
    assert.equal(json.expired, false);
  });

  test("--bound-pod binds the token to the Pod", async () => {
    await c.admin("POST", "/api/v1/namespaces/web/pods", {
      metadata: { name: "web-0" },
      spec: { serviceAccountName: "app", containers: [{ name: "c", image: "x" }] },
    });
    const created = await asAdmin(["token", "create", "app", "-n", "web", "--bound-pod", "web-0"]);
    assert.equal(created.code, 0, created.stderr);
    const json = JSON.parse((await cli(["token", "decode", "-", "-o", "json"], created.stdout)).stdout);
    assert.equal(json.boundPod.name, "web-0");
  });

  test("decode: expired → exit 1, not a JWT → exit 2, a file argument works", async () => {
    const sa = await c.admin("GET", "/api/v1/namespaces/web/serviceaccounts/app");
    const { token } = await issueBoundToken(c.server.tokens, {
      serviceAccount: { namespace: "web", name: "app", uid: sa.json.metadata.uid },
      now: new Date(Date.now() - 7200_000),
    });
    const file = path.join(tmp, "expired.token");
    await writeFile(file, token);
    const expired = await cli(["token", "decode", file]);
    assert.equal(expired.code, 1);
    assert.match(expired.stdout, /EXPIRED 1h/);
    const garbage = await cli(["token", "decode", "-"], "not-a-token");
    assert.equal(garbage.code, 2);
    assert.match(garbage.stderr, /not a JWT/);
  });

  test("create: a missing ServiceAccount is an error (exit 2) with the server's message", async () => {
    const r = await asAdmin(["token", "create", "web/nobody"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /serviceaccounts "nobody" not found/);
  });
});

describe("rbac explain", () => {
  test("the seed's 403 → ClusterRole + binding; applying it lets the ServiceAccount list pods", async () => {
    const r = await cli(["rbac", "explain", SEED_403]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Denied: system:serviceaccount:test-in-cluster:default cannot list pods at the cluster scope$/m,
    );
    assert.match(r.stdout, /kind: ClusterRole\n/);
    assert.match(
      r.stdout,
      /kubectl create clusterrolebinding \S+ --clusterrole=\S+ --serviceaccount=test-in-cluster:default/,
    );
    assert.match(r.stdout, /rerun with --informer/);
    const objects = JSON.parse(
      (await cli(["rbac", "explain", "--informer", "-o", "json"], SEED_403)).stdout,
    ).items;
    await apply(objects);
    const sa = await c.admin("POST", "/api/v1/namespaces/test-in-cluster/serviceaccounts/default/token", {
      spec: {},
    });
    const listed = await c.request("GET", "/api/v1/pods", { token: sa.json.status.token });
    assert.equal(listed.status, 200, listed.text);
    const watched = await c.request("GET", "/api/v1/pods?watch=true&timeoutSeconds=1", {
      token: sa.json.status.token,
    });
    assert.equal(watched.status, 200);
    assert.equal((await c.request("GET", "/api/v1/secrets", { token: sa.json.status.token })).status, 403);
  });

  test("a whole log: every distinct denial once; JSON Status bodies are read too", async () => {
    const log = [
      "I0101 starting",
      `E0101 reflector.go:1] Failed to watch *v1.Pod: ${SEED_403}`,
      `E0101 reflector.go:1] Failed to watch *v1.Pod: ${SEED_403}`,
      JSON.stringify({
        kind: "Status",
        code: 403,
        message:
          'configmaps "cfg" is forbidden: User "system:serviceaccount:web:app" cannot get resource "configmaps" in API group "" in the namespace "web"',
      }),
    ].join("\n");
    const r = await cli(["rbac", "explain", "-"], log);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.match(/^Denied:/gm)?.length, 2);
    assert.match(r.stdout, /resourceNames:\n {2}- cfg/);
  });

  test("system:anonymous and admission 403s are not RBAC problems (exit 1); no 403 at all is exit 2", async () => {
    const anonymous = await cli([
      "rbac",
      "explain",
      'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope',
    ]);
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stdout, /without credentials \(system:anonymous\)/);
    const admission = await cli([
      "rbac",
      "explain",
      'pods "redis" is forbidden: error looking up service account default/default: serviceaccount "default" not found',
    ]);
    assert.equal(admission.code, 1);
    assert.match(admission.stdout, /did not come from RBAC/);
    const nothing = await cli(["rbac", "explain", "all good"]);
    assert.equal(nothing.code, 2);
  });
});

describe("rbac generate", () => {
  test("least privilege that works on the server, and nothing more", async () => {
    const r = await cli([
      "rbac",
      "generate",
      "--serviceaccount",
      "web/app",
      "--allow",
      "get,list,watch configmaps",
      "--allow",
      "update deployments.apps:web",
      "--name",
      "app-generated",
      "-o",
      "json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const objects = JSON.parse(r.stdout).items as KubeObject[];
    assert.deepEqual(
      objects.map((o) => o.kind),
      ["Role", "RoleBinding"],
    );
    await apply(objects);
    const can = (args: string[]) => asApp(["can-i", ...args, "-q"]).then((x) => x.code);
    assert.equal(await can(["watch", "configmaps"]), 0);
    assert.equal(await can(["update", "deployments.apps", "web"]), 0);
    assert.equal(await can(["update", "deployments.apps", "api"]), 1);
    assert.equal(await can(["delete", "configmaps"]), 1);
    assert.equal(await can(["list", "configmaps", "-n", "default"]), 1);
  });

  test("refuses what a Role cannot grant instead of emitting dead rules", async () => {
    const nodes = await cli(["rbac", "generate", "--serviceaccount", "web/app", "--allow", "list nodes"]);
    assert.equal(nodes.code, 2);
    assert.match(nodes.stderr, /nodes is cluster-scoped.*add --cluster/);
    const url = await cli(["rbac", "generate", "--serviceaccount", "web/app", "--allow", "get /metrics"]);
    assert.equal(url.code, 2);
    const cluster = await cli([
      "rbac",
      "generate",
      "--serviceaccount",
      "web/app",
      "--allow",
      "list nodes",
      "--allow",
      "get /metrics",
      "--cluster",
    ]);
    assert.equal(cluster.code, 0, cluster.stderr);
    assert.match(cluster.stdout, /kind: ClusterRoleBinding/);
    const named = await cli([
      "rbac",
      "generate",
      "--serviceaccount",
      "web/app",
      "--allow",
      "get,list configmaps:cfg",
    ]);
    assert.match(named.stderr, /list on configmaps cannot be limited to cfg/);
  });
});

describe("rbac check", () => {
  test("offline answers match the seed story; -v names the binding; --who-can lists subjects", async () => {
    const dir = path.join(tmp, "manifests");
    await import("node:fs/promises").then((fs) => fs.mkdir(dir, { recursive: true }));
    await writeFile(
      path.join(dir, "binding.yaml"),
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: default-view}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects:\n- {kind: ServiceAccount, name: default, namespace: test-in-cluster}\n",
    );
    const sa = "system:serviceaccount:test-in-cluster:default";
    const before = await cli([
      "rbac",
      "check",
      "-f",
      path.join(tmp, "nothing.yaml"),
      "--as",
      sa,
      "list",
      "pods",
      "-A",
    ]);
    assert.equal(before.code, 2, "a missing manifest file is an error");
    const yes = await cli(["rbac", "check", "-f", dir, "--as", sa, "list", "pods", "-A", "-v"]);
    assert.equal(yes.code, 0, yes.stderr);
    assert.match(yes.stdout, /^yes\n/);
    assert.match(
      yes.stdout,
      /RBAC: allowed by ClusterRoleBinding "default-view" of ClusterRole "view" to ServiceAccount "default\/test-in-cluster"/,
    );
    const no = await cli(["rbac", "check", "-f", dir, "--as", sa, "list", "secrets", "-n", "web"]);
    assert.deepEqual([no.code, no.stdout], [1, "no\n"]);
    const basic = await cli([
      "rbac",
      "check",
      "-f",
      dir,
      "--as",
      "alice",
      "create",
      "selfsubjectreviews.authentication.k8s.io",
    ]);
    assert.equal(basic.code, 0, "the bootstrap policy is included");
    const who = await cli(["rbac", "check", "-f", dir, "--who-can", "list", "pods", "-n", "web"]);
    assert.equal(who.code, 0);
    assert.match(who.stdout, /default-view\s+default\s+ServiceAccount\s+test-in-cluster/);
    assert.match(who.stdout, /cluster-admin\s+system:masters\s+Group/);
  });
});
