// `incluster pods count` run as a Pod would run it (in-cluster config from env + a ServiceAccount
// directory) against the local API server: the seed story end to end, exit codes, JSON, metrics, --watch.

import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../src/meta/types.ts";
import { eventually } from "../helpers/cluster.ts";
import { type AppsCluster, metricValue, pod, probe, runCli, startAppsCluster } from "./apps-harness.ts";

const NS = "test-in-cluster";
const OTHER = "other";
const TOTAL_SERIES = 'incluster_pods{scope="cluster",namespace="",phase=""}';

let c: AppsCluster;
/** A ServiceAccount allowed to count pods cluster-wide (the deploy/base ClusterRole). */
let counterEnv: Record<string, string>;

before(async () => {
  c = await startAppsCluster();
  for (const name of [NS, OTHER]) await c.admin.resource("namespaces").create({ metadata: { name } });
  await c.cluster.server.settle();
  for (let i = 1; i <= 3; i++) await c.admin.resource<Pod>("pods").create(pod(NS, `worker-${i}`));
  for (let i = 1; i <= 2; i++)
    await c.admin.resource<Pod>("pods").create(pod(OTHER, `web-${i}`, { app: "web" }));
  await c.cluster.admin(
    "PATCH",
    `/api/v1/namespaces/${OTHER}/pods/web-1/status`,
    { status: { phase: "Running" } },
    "application/merge-patch+json",
  );
  await createAll([
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "pod-reader" },
      rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }],
    },
    clusterRoleBinding("counter-pods", "pod-reader", NS, "counter"),
  ]);
  counterEnv = c.podEnv(await c.serviceAccountDir(NS, "counter"));
});
after(() => c.stop());

function clusterRoleBinding(name: string, role: string, namespace: string, sa: string): KubeObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [{ kind: "ServiceAccount", name: sa, namespace }],
  };
}

const RESOURCES: Record<string, string> = {
  ClusterRole: "clusterroles.rbac.authorization.k8s.io",
  ClusterRoleBinding: "clusterrolebindings.rbac.authorization.k8s.io",
  Role: "roles.rbac.authorization.k8s.io",
  RoleBinding: "rolebindings.rbac.authorization.k8s.io",
};

async function createAll(objects: KubeObject[]): Promise<void> {
  for (const object of objects) await c.admin.resource(RESOURCES[object.kind!]).create(object);
}

/** The YAML an explanation proposes, between "Least-privilege fix" and "Or with kubectl". */
function proposedFix(stderr: string[]): KubeObject[] {
  const start = stderr.findIndex((l) => l.startsWith("Least-privilege fix:"));
  const end = stderr.findIndex((l, i) => i > start && l.startsWith("Or with kubectl:"));
  assert.ok(start >= 0 && end > start, `no fix in:\n${stderr.join("\n")}`);
  return parseAllDocuments(stderr.slice(start + 1, end).join("\n")).map((d) => d.toJS() as KubeObject);
}

test("the seed story: the 403 is explained once with its fix; after the fix it counts and is ready", async () => {
  const env = c.podEnv(await c.serviceAccountDir(NS, "default"));
  const app = runCli(["pods", "count", "--every", "1s", "--metrics-port", "0", "--no-timestamps"], env);
  try {
    const port = await app.metricsPort();
    await app.line(
      "stderr",
      /ERROR 403 Forbidden on GET \/api\/v1\/pods: pods is forbidden: User "system:serviceaccount:test-in-cluster:default" cannot list resource "pods" in API group "" at the cluster scope/,
    );
    const notReady = await probe(port, "/readyz");
    assert.equal(notReady.status, 503);
    assert.match(notReady.text, /^not ready: 403 Forbidden: pods is forbidden/);
    assert.equal((await probe(port, "/healthz")).status, 200, "liveness ignores API errors");

    // It keeps retrying with back-off, without repeating the explanation.
    const errors = 'incluster_api_request_errors_total{method="GET",resource="pods",code="403"}';
    await eventually(
      async () => (metricValue((await probe(port, "/metrics")).text, errors) ?? 0) >= 2,
      10_000,
      "a retry",
    );
    assert.equal(app.stderr.filter((l) => l.startsWith("Least-privilege fix:")).length, 1);
    assert.ok(
      app.stderr.includes(
        "  kubectl create clusterrole test-in-cluster-default-pods --verb=list,watch --resource=pods",
      ),
    );
    assert.equal(app.stdout.length, 0);

    // Apply exactly the YAML it printed: the least privilege, not `view`.
    const fix = proposedFix(app.stderr);
    assert.deepEqual(
      fix.map((o) => o.kind),
      ["ClusterRole", "ClusterRoleBinding"],
    );
    assert.deepEqual(fix[0].rules, [{ apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] }]);
    await createAll(fix);

    assert.equal(await app.line("stdout", /There are/, 20_000), "There are 5 pods in the cluster");
    await app.line("stderr", /INFO {2}recovered after \d+ failed attempts \(forbidden\)/);
    await eventually(async () => (await probe(port, "/readyz")).status === 200, 5000, "ready");
    await eventually(async () => app.stdout.length >= 2, 5000, "a second count");
    assert.deepEqual(new Set(app.stdout), new Set(["There are 5 pods in the cluster"]));
  } finally {
    app.kill();
  }
  assert.equal(await app.exited, 0);
});

test("--once exits with a code that names the problem", async () => {
  const nobody = c.podEnv(await c.serviceAccountDir(NS, "nobody"));
  const garbage = await c.serviceAccountDir(NS, "garbage");
  await writeFile(path.join(garbage, "token"), "not-a-jwt");
  const cases = [
    {
      name: "forbidden",
      env: nobody,
      args: [],
      code: 3,
      stderr:
        /Least-privilege fix: Grant ServiceAccount test-in-cluster\/nobody list, watch on pods cluster-wide/,
    },
    {
      name: "unauthorized",
      env: c.podEnv(garbage),
      args: [],
      code: 4,
      stderr: /401 Unauthorized on GET \/api\/v1\/pods/,
    },
    { name: "no configuration", env: {}, args: [], code: 5, stderr: /no Kubernetes configuration found/ },
    {
      name: "usage",
      env: counterEnv,
      args: ["--watch"],
      code: 2,
      stderr: /--once and --watch cannot be combined/,
    },
    {
      name: "ok",
      env: counterEnv,
      args: ["-n", NS, "--no-timestamps"],
      code: 0,
      stdout: "There are 3 pods in namespace test-in-cluster",
    },
  ];
  await Promise.all(
    cases.map(async (t) => {
      const app = runCli(["pods", "count", "--once", ...t.args], t.env);
      assert.equal(await app.exited, t.code, `${t.name}: ${app.stderr.join("\n")}`);
      if (t.stderr) assert.match(app.stderr.join("\n"), t.stderr, t.name);
      assert.deepEqual(app.stdout, t.stdout ? [t.stdout] : [], t.name);
    }),
  );
});

test("--once prints just the answer, timestamped in the Pod's time zone (TZ)", async () => {
  const app = runCli(["pods", "count", "--once"], { ...counterEnv, TZ: "Asia/Shanghai" });
  assert.equal(await app.exited, 0, app.stderr.join("\n"));
  assert.equal(app.stdout.length, 1);
  assert.match(app.stdout[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00 There are 5 pods in the cluster$/);
  assert.deepEqual(app.stderr, [], "the answer alone: no probe server, no start-up log");
});

test("-o json: one object per line with count, scope, selectors and the breakdown", async () => {
  const runs = await Promise.all(
    [
      ["-l", "app=web"],
      ["--by", "namespace"],
      ["--by", "phase", "-n", OTHER],
    ].map(async (args) => {
      const app = runCli(["pods", "count", "--once", "-o", "json", ...args], counterEnv);
      assert.equal(await app.exited, 0, app.stderr.join("\n"));
      assert.equal(app.stdout.length, 1);
      const record = JSON.parse(app.stdout[0]);
      assert.ok(!Number.isNaN(Date.parse(record.time)), "time is RFC 3339");
      delete record.time;
      return record;
    }),
  );
  assert.deepEqual(runs, [
    { count: 2, scope: "cluster", labelSelector: "app=web" },
    { count: 5, scope: "cluster", by: "namespace", counts: { other: 2, "test-in-cluster": 3 } },
    { count: 2, scope: "namespace", namespace: OTHER, by: "phase", counts: { Pending: 1, Running: 1 } },
  ]);
});

test("/metrics: the pod gauge equals the printed count, with request latency and process metrics", async () => {
  const app = runCli(
    ["pods", "count", "--every", "1s", "--metrics-port", "0", "--log-format", "json"],
    counterEnv,
  );
  try {
    const port = await app.metricsPort();
    await app.line("stdout", /There are 5 pods in the cluster$/);
    const metrics = await probe(port, "/metrics");
    assert.equal(metrics.status, 200);
    assert.equal(metricValue(metrics.text, TOTAL_SERIES), 5);
    assert.equal(metricValue(metrics.text, "incluster_ready"), 1);
    const requests = 'incluster_api_request_duration_seconds_count{method="GET",resource="pods",code="200"}';
    assert.ok((metricValue(metrics.text, requests) ?? 0) >= 1, metrics.text);
    assert.match(metrics.text, /^process_cpu_user_seconds_total \d/m);
    assert.match(metrics.text, /^incluster_token_reloads_total 0$/m);
    const logs = app.stderr.map((line) => JSON.parse(line));
    assert.ok(
      logs.some((record) => record.level === "info" && record.port === port),
      "JSON logs with level names",
    );
  } finally {
    app.kill();
  }
  const terminatedAt = Date.now();
  assert.equal(await app.exited, 0);
  assert.ok(Date.now() - terminatedAt < 3000, "SIGTERM ends it well within the grace period");
});

test("--watch prints when the count changes and stops cleanly on SIGTERM", async () => {
  const args = [
    "pods",
    "count",
    "--watch",
    "--debounce",
    "100ms",
    "-n",
    NS,
    "--no-timestamps",
    "--metrics-port",
    "0",
  ];
  const app = runCli(args, counterEnv);
  try {
    const port = await app.metricsPort();
    await app.line("stdout", /^There are 3 pods in namespace test-in-cluster$/);
    await c.admin.resource<Pod>("pods").create(pod(NS, "worker-4"));
    await app.line("stdout", /^There are 4 pods in namespace test-in-cluster$/, 3000);
    await c.admin.resource("pods").delete("worker-4", { namespace: NS, gracePeriodSeconds: 0 });
    await eventually(async () => app.stdout.length === 3, 3000, "the count back at 3");
    assert.deepEqual(app.stdout, [
      "There are 3 pods in namespace test-in-cluster",
      "There are 4 pods in namespace test-in-cluster",
      "There are 3 pods in namespace test-in-cluster",
    ]);
    const metrics = (await probe(port, "/metrics")).text;
    assert.equal(
      metricValue(metrics, 'incluster_pods{scope="namespace",namespace="test-in-cluster",phase=""}'),
      3,
    );
    assert.equal(metricValue(metrics, 'incluster_watch_restarts_total{watch="pods"}'), 0);
  } finally {
    app.kill();
  }
  assert.equal(await app.exited, 0);
});

test("--watch while forbidden: not ready and explained, then counting once a Role allows it", async () => {
  const env = c.podEnv(await c.serviceAccountDir(OTHER, "late"));
  const app = runCli(
    ["pods", "count", "--watch", "-n", OTHER, "--no-timestamps", "--metrics-port", "0"],
    env,
  );
  try {
    const port = await app.metricsPort();
    await app.line("stderr", /403 Forbidden on GET \/api\/v1\/namespaces\/other\/pods/);
    assert.match(app.stderr.join("\n"), /Scope: namespace "other" \(a Role \+ RoleBinding there is enough\)/);
    assert.equal((await probe(port, "/readyz")).status, 503);
    await createAll(proposedFix(app.stderr));
    assert.equal(await app.line("stdout", /There are/, 20_000), "There are 2 pods in namespace other");
    await eventually(async () => (await probe(port, "/readyz")).status === 200, 5000, "ready");
  } finally {
    app.kill();
  }
  assert.equal(await app.exited, 0);
});

test("--watch --by phase follows a Pod from one phase to the next", async () => {
  const args = [
    "pods",
    "count",
    "--watch",
    "--by",
    "phase",
    "-n",
    OTHER,
    "-o",
    "json",
    "--debounce",
    "100ms",
    "--metrics-port",
    "-1",
  ];
  const app = runCli(args, counterEnv);
  const counts = () => app.stdout.map((line) => JSON.parse(line).counts);
  try {
    await eventually(async () => app.stdout.length === 1, 10_000, "the first count");
    assert.deepEqual(counts(), [{ Pending: 1, Running: 1 }]);
    await c.cluster.admin(
      "PATCH",
      `/api/v1/namespaces/${OTHER}/pods/web-2/status`,
      { status: { phase: "Running" } },
      "application/merge-patch+json",
    );
    await eventually(async () => app.stdout.length === 2, 3000, "the count after the phase change");
    assert.deepEqual(counts()[1], { Running: 2 });
  } finally {
    app.kill();
  }
  assert.equal(await app.exited, 0);
});
