// `incluster rbac learn`: a scripted app runs with broad access on one server that writes an audit log;
// the learned RBAC, applied on a fresh server without the broad grant, lets exactly the same requests
// through (no 403) and grants nothing the app did not do.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import type { KubeObject } from "../../src/meta/types.ts";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";
import { runCli } from "../unit/cli/run-cli.ts";

const NS = "shop";
const SA = "cart";
let tmp: string;
const clusters: TestCluster[] = [];
after(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
  await rm(tmp, { recursive: true, force: true });
});

async function setUp(c: TestCluster): Promise<string> {
  for (const ns of [NS, "other"])
    assert.equal((await c.admin("POST", "/api/v1/namespaces", { metadata: { name: ns } })).status, 201);
  assert.equal(
    (await c.admin("POST", `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name: SA } })).status,
    201,
  );
  await c.admin("POST", `/api/v1/namespaces/${NS}/configmaps`, {
    metadata: { name: "settings" },
    data: { a: "1" },
  });
  const r = await c.admin("POST", `/api/v1/namespaces/${NS}/serviceaccounts/${SA}/token`, {
    spec: { expirationSeconds: 3600 },
  });
  return r.json.status.token;
}

/** The app: what it does, as [method, path, body]. Discovery and SelfSubjectReview are free for everyone. */
const APP: [string, string, unknown?][] = [
  ["GET", "/api"],
  ["GET", "/version"],
  [
    "POST",
    "/apis/authentication.k8s.io/v1/selfsubjectreviews",
    { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
  ],
  ["GET", `/api/v1/namespaces/${NS}/pods`],
  ["GET", `/api/v1/namespaces/${NS}/pods?watch=true&timeoutSeconds=1`],
  ["GET", `/api/v1/namespaces/${NS}/configmaps/settings`],
  [
    "POST",
    `/api/v1/namespaces/${NS}/configmaps`,
    { metadata: { generateName: "order-" }, data: { id: "1" } },
  ],
  ["GET", "/apis/discovery.k8s.io/v1/endpointslices"],
  ["GET", "/api/v1/nodes"],
];

async function runApp(c: TestCluster, token: string): Promise<number[]> {
  const codes: number[] = [];
  for (const [method, urlPath, body] of APP)
    codes.push((await c.request(method, urlPath, { token, body })).status);
  return codes;
}

const RESOURCE_PATHS: Record<string, (ns?: string) => string> = {
  Role: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
  RoleBinding: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
  ClusterRole: () => "/apis/rbac.authorization.k8s.io/v1/clusterroles",
  ClusterRoleBinding: () => "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
};

test("learned RBAC replays the app on a fresh server with no 403, and grants nothing else", async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "incluster-learn-"));
  const auditLogPath = path.join(tmp, "audit.log");
  const recording = await startTestCluster({ auditLogPath });
  clusters.push(recording);
  const token = await setUp(recording);
  const broad = await recording.admin("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
    metadata: { name: "temporary-admin" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
    subjects: [{ kind: "ServiceAccount", name: SA, namespace: NS }],
  });
  assert.equal(broad.status, 201);
  const recorded = await runApp(recording, token);
  assert.ok(
    recorded.every((code) => code < 300),
    `with broad access every request works: ${recorded}`,
  );
  await recording.admin("DELETE", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/temporary-admin");

  const learned = await runCli([
    "rbac",
    "learn",
    "--serviceaccount",
    `${NS}/${SA}`,
    "--audit-log",
    auditLogPath,
    "-o",
    "json",
  ]);
  assert.equal(learned.code, 0, learned.stderr);
  assert.match(learned.stderr, /# \d+ requests by system:serviceaccount:shop:cart; 3 already allowed/);
  const objects = JSON.parse(learned.stdout).items as KubeObject[];
  assert.deepEqual(
    objects.map((o) => `${o.kind}/${o.metadata?.namespace ?? ""}`),
    ["ClusterRole/", "ClusterRoleBinding/", "Role/shop", "RoleBinding/shop"],
  );
  const role = objects.find((o) => o.kind === "Role") as {
    rules: { resources: string[]; resourceNames?: string[]; verbs: string[] }[];
  };
  assert.ok(
    role.rules.some(
      (r) =>
        r.resources.includes("configmaps") && r.resourceNames?.[0] === "settings" && r.verbs.join() === "get",
    ),
  );
  assert.ok(
    role.rules.every(
      (r) => !r.resourceNames || !r.verbs.some((v) => ["list", "watch", "create"].includes(v)),
    ),
    "no names on list/watch/create",
  );
  const clusterRole = objects.find((o) => o.kind === "ClusterRole") as {
    rules: { resources?: string[]; verbs: string[] }[];
  };
  assert.deepEqual(
    clusterRole.rules.map((r) => `${r.verbs.join(",")} ${r.resources?.join(",")}`).sort(),
    ["list endpointslices", "list nodes"],
    "cluster-wide requests → ClusterRole; discovery and /version are not repeated",
  );

  // A fresh server, the same namespace and ServiceAccount, no broad grant: only the learned RBAC.
  const fresh = await startTestCluster();
  clusters.push(fresh);
  const freshToken = await setUp(fresh);
  const before = await runApp(fresh, freshToken);
  assert.ok(before.includes(403), "without the learned RBAC the app is denied");
  for (const o of objects) {
    const r = await fresh.admin("POST", RESOURCE_PATHS[o.kind!](o.metadata?.namespace), o);
    assert.equal(r.status, 201, r.text);
  }
  const replay = await runApp(fresh, freshToken);
  assert.deepEqual(
    replay.filter((code) => code === 403),
    [],
    `no 403 on replay: ${replay}`,
  );

  const denied: [string, string][] = [
    ["DELETE", `/api/v1/namespaces/${NS}/configmaps/settings`],
    ["GET", `/api/v1/namespaces/${NS}/configmaps`],
    ["GET", `/api/v1/namespaces/${NS}/secrets`],
    ["GET", "/api/v1/namespaces/other/pods"],
    ["POST", `/api/v1/namespaces/${NS}/pods`],
    ["GET", "/api/v1/pods"],
  ];
  for (const [method, urlPath] of denied) {
    const r = await fresh.request(method, urlPath, {
      token: freshToken,
      body: method === "POST" ? { metadata: { name: "x" } } : undefined,
    });
    assert.equal(r.status, 403, `${method} ${urlPath} must stay forbidden`);
  }
});

test("--namespace-scope never grants cluster-wide and says what it left out; an unknown SA is exit 1", async () => {
  const auditLogPath = path.join(tmp, "audit.log");
  const scoped = await runCli([
    "rbac",
    "learn",
    "--serviceaccount",
    `${NS}/${SA}`,
    "--audit-log",
    auditLogPath,
    "--namespace-scope",
  ]);
  assert.equal(scoped.code, 0, scoped.stderr);
  assert.doesNotMatch(scoped.stdout, /kind: Cluster/);
  assert.match(
    scoped.stderr,
    /not granted \(--namespace-scope\): list nodes: cluster-scoped resources need a ClusterRole/,
  );
  assert.match(scoped.stderr, /list endpointslices.discovery.k8s.io: it was done across all namespaces/);
  const nobody = await runCli([
    "rbac",
    "learn",
    "--serviceaccount",
    "shop/nobody",
    "--audit-log",
    auditLogPath,
  ]);
  assert.equal(nobody.code, 1);
  const missing = await runCli([
    "rbac",
    "learn",
    "--serviceaccount",
    "shop/cart",
    "--audit-log",
    path.join(tmp, "none.log"),
  ]);
  assert.equal(missing.code, 2);
});
