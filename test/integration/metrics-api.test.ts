// metrics.k8s.io/v1beta1 on the real server: discovery, the APIService, RBAC through view, the wire form of
// PodMetrics/NodeMetrics and their Table (metrics-server's pkg/api), and the NotFound answers. The usage
// comes from a scripted MetricsSource (what the runtime's PodMetricsRouter answers), so values are exact;
// test/compat/kubectl-top.test.ts measures real containers.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { MetricsSource } from "../../src/server/context.ts";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

const BASE = "/apis/metrics.k8s.io/v1beta1";
const SAMPLED = new Date("2026-12-05T05:00:00.250Z");
const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";

/** Usage for the Pods whose UIDs are listed, and for node n1. */
const usageByUid = new Map<string, { name: string; cpu: number; memory: number }[]>();
const source: MetricsSource = {
  node: (name) =>
    name === "n1"
      ? {
          timestamp: SAMPLED,
          windowMs: 15_012,
          usage: { cpuNanoCores: 1_500_000_000, memoryBytes: 2 * 1024 ** 3 },
        }
      : undefined,
  pod: (ref) => {
    const containers = ref.node === "n1" ? usageByUid.get(ref.uid) : undefined;
    return (
      containers && {
        timestamp: SAMPLED,
        windowMs: 1_002,
        containers: containers.map((c) => ({
          name: c.name,
          usage: { cpuNanoCores: c.cpu, memoryBytes: c.memory },
        })),
      }
    );
  },
};

let c: TestCluster;
let bare: TestCluster;

async function create(path: string, body: unknown): Promise<{ metadata: { uid: string } }> {
  const r = await c.admin("POST", path, body);
  assert.equal(r.status, 201, r.text);
  return r.json;
}

before(async () => {
  [c, bare] = await Promise.all([startTestCluster({ metrics: source }), startTestCluster()]);
  await create("/api/v1/nodes", { metadata: { name: "n1", labels: { zone: "a" } } });
  await create("/api/v1/nodes", { metadata: { name: "n2" } });
  const pod = (name: string, labels: Record<string, string>) => ({
    metadata: { name, labels },
    spec: { nodeName: "n1", containers: [{ name: "main", image: "busybox" }] },
  });
  const web = await create("/api/v1/namespaces/default/pods", pod("web", { app: "web" }));
  usageByUid.set(web.metadata.uid, [
    { name: "main", cpu: 250_000_000, memory: 52_428_800 },
    { name: "side", cpu: 1_234_567, memory: 1000 },
  ]);
  const db = await create("/api/v1/namespaces/default/pods", pod("db", { app: "db" }));
  usageByUid.set(db.metadata.uid, [{ name: "main", cpu: 5, memory: 4096 }]);
  await create("/api/v1/namespaces/default/pods", pod("starting", { app: "web" })); // no usage yet
});
after(() => Promise.all([c?.stop(), bare?.stop()]));

describe("discovery", () => {
  test("the group version lists nodes and pods as metrics-server does: get and list, no singular name", async () => {
    const r = await c.admin("GET", BASE);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, {
      kind: "APIResourceList",
      apiVersion: "v1",
      groupVersion: "metrics.k8s.io/v1beta1",
      resources: [
        { name: "nodes", singularName: "", namespaced: false, kind: "NodeMetrics", verbs: ["get", "list"] },
        { name: "pods", singularName: "", namespaced: true, kind: "PodMetrics", verbs: ["get", "list"] },
      ],
    });
    const groups = (await c.admin("GET", "/apis")).json.groups as { name: string }[];
    assert.equal(groups.at(-1)?.name, "metrics.k8s.io", "groupPriorityMinimum 100 sorts it last");
    const aggregated = await c.request("GET", "/apis", {
      cert: { cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
      headers: { Accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" },
    });
    assert.deepEqual(aggregated.json.items.at(-1), {
      metadata: { name: "metrics.k8s.io" },
      versions: [
        {
          version: "v1beta1",
          resources: [
            {
              resource: "nodes",
              responseKind: { group: "metrics.k8s.io", version: "v1beta1", kind: "NodeMetrics" },
              scope: "Cluster",
              singularResource: "",
              verbs: ["get", "list"],
            },
            {
              resource: "pods",
              responseKind: { group: "metrics.k8s.io", version: "v1beta1", kind: "PodMetrics" },
              scope: "Namespaced",
              singularResource: "",
              verbs: ["get", "list"],
            },
          ],
          freshness: "Current",
        },
      ],
    });
  });

  test("the APIService v1beta1.metrics.k8s.io carries metrics-server's priorities and is Available", async () => {
    const r = await c.admin("GET", "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io");
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.spec.group, "metrics.k8s.io");
    assert.equal(r.json.spec.version, "v1beta1");
    assert.equal(r.json.spec.groupPriorityMinimum, 100);
    assert.equal(r.json.spec.versionPriority, 100);
    assert.equal(r.json.status.conditions[0].type, "Available");
    assert.equal(r.json.status.conditions[0].status, "True");
  });

  test("watch is not served (metrics-server's storage is no Watcher)", async () => {
    const r = await c.admin("GET", `${BASE}/namespaces/default/pods?watch=true`);
    assert.equal(r.status, 405, r.text);
    assert.equal(r.json.reason, "MethodNotAllowed");
  });
});

describe("PodMetrics and NodeMetrics", () => {
  test("a Pod's metrics: labels, sample time, window and per-container usage as Quantities", async () => {
    const r = await c.admin("GET", `${BASE}/namespaces/default/pods/web`);
    assert.equal(r.status, 200, r.text);
    const { creationTimestamp, ...meta } = r.json.metadata;
    assert.match(creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(
      { ...r.json, metadata: meta },
      {
        kind: "PodMetrics",
        apiVersion: "metrics.k8s.io/v1beta1",
        metadata: { name: "web", namespace: "default", labels: { app: "web" } },
        timestamp: "2026-12-05T05:00:00Z",
        window: "1.002s",
        containers: [
          { name: "main", usage: { cpu: "250m", memory: "50Mi" } },
          { name: "side", usage: { cpu: "1234567n", memory: "1k" } },
        ],
      },
    );
  });

  test("lists: sorted, Pods without usage left out, label and field selectors, all namespaces", async () => {
    const names = async (path: string) => {
      const r = await c.admin("GET", path);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.kind, path.includes("/nodes") ? "NodeMetricsList" : "PodMetricsList");
      return r.json.items.map((i: { metadata: { name: string } }) => i.metadata.name);
    };
    assert.deepEqual(await names(`${BASE}/namespaces/default/pods`), ["db", "web"]);
    assert.deepEqual(await names(`${BASE}/pods`), ["db", "web"]);
    assert.deepEqual(await names(`${BASE}/namespaces/default/pods?labelSelector=app%3Dweb`), ["web"]);
    assert.deepEqual(await names(`${BASE}/namespaces/default/pods?fieldSelector=metadata.name%3Ddb`), ["db"]);
    assert.deepEqual(await names(`${BASE}/namespaces/kube-system/pods`), []);
    assert.deepEqual(await names(`${BASE}/nodes`), ["n1"]);
    assert.deepEqual(await names(`${BASE}/nodes?labelSelector=zone%3Db`), []);
    const bad = await c.admin("GET", `${BASE}/namespaces/default/pods?fieldSelector=spec.nodeName%3Dn1`);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.message, "field label not supported: spec.nodeName");
  });

  test("a node's metrics", async () => {
    const r = await c.admin("GET", `${BASE}/nodes/n1`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(
      { ...r.json, metadata: { ...r.json.metadata, creationTimestamp: undefined } },
      {
        kind: "NodeMetrics",
        apiVersion: "metrics.k8s.io/v1beta1",
        metadata: { name: "n1", labels: { zone: "a" }, creationTimestamp: undefined },
        timestamp: "2026-12-05T05:00:00Z",
        window: "15.012s",
        usage: { cpu: "1500m", memory: "2Gi" },
      },
    );
  });

  test("NotFound: the lister's for a missing object, metrics-server's own when there is no usage", async () => {
    const cases: [string, string, Record<string, string>][] = [
      [`${BASE}/namespaces/default/pods/nosuch`, 'pods "nosuch" not found', { name: "nosuch", kind: "pods" }],
      [
        `${BASE}/namespaces/default/pods/starting`,
        'podmetrics.metrics.k8s.io "default/starting" not found',
        { name: "default/starting", group: "metrics.k8s.io", kind: "podmetrics" },
      ],
      [`${BASE}/nodes/nosuch`, 'nodes "nosuch" not found', { name: "nosuch", kind: "nodes" }],
      [
        `${BASE}/nodes/n2`,
        'nodemetrics.metrics.k8s.io "n2" not found',
        { name: "n2", group: "metrics.k8s.io", kind: "nodemetrics" },
      ],
    ];
    for (const [path, message, details] of cases) {
      const r = await c.admin("GET", path);
      assert.equal(r.status, 404, path);
      assert.deepEqual(r.json, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message,
        reason: "NotFound",
        details,
        code: 404,
      });
    }
  });

  test("Table: Name, cpu and memory summed over containers, Window; an empty list has no columns", async () => {
    const r = await c.request("GET", `${BASE}/namespaces/default/pods`, {
      cert: { cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
      headers: { Accept: TABLE },
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.columnDefinitions, [
      { name: "Name", type: "string", format: "name", description: "Name of the resource", priority: 0 },
      { name: "cpu", type: "string", format: "quantity", description: "", priority: 0 },
      { name: "memory", type: "string", format: "quantity", description: "", priority: 0 },
      { name: "Window", type: "string", format: "duration", description: "", priority: 0 },
    ]);
    assert.deepEqual(
      r.json.rows.map((row: { cells: unknown[] }) => row.cells),
      [
        ["db", "5n", "4Ki"],
        ["web", "251234567n", "52429800"],
      ].map((cells) => [...cells, "1.002s"]),
    );
    const empty = await c.request("GET", `${BASE}/namespaces/kube-system/pods`, {
      cert: { cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
      headers: { Accept: TABLE },
    });
    assert.equal(empty.json.columnDefinitions, null);
    assert.equal(empty.json.rows, null);
  });

  test("kubectl get podmetrics and nodemetrics print the server's columns", async () => {
    const pods = await c.kubectl(["get", "pods.metrics.k8s.io", "-n", "default"]);
    assert.equal(pods.code, 0, pods.stderr);
    assert.equal(
      pods.stdout,
      "NAME   CPU          MEMORY     WINDOW\ndb     5n           4Ki        1.002s\nweb    251234567n   52429800   1.002s\n",
    );
    const nodes = await c.kubectl(["get", "nodes.metrics.k8s.io"]);
    assert.equal(nodes.code, 0, nodes.stderr);
    assert.equal(nodes.stdout, "NAME   CPU     MEMORY   WINDOW\nn1     1500m   2Gi      15.012s\n");
  });
});

describe("RBAC", () => {
  test("system:aggregated-metrics-reader is aggregated into view: a namespace viewer reads its Pods' metrics", async () => {
    const role = await c.admin(
      "GET",
      "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:aggregated-metrics-reader",
    );
    assert.equal(role.status, 200);
    assert.deepEqual(role.json.rules, [
      { verbs: ["get", "list", "watch"], apiGroups: ["metrics.k8s.io"], resources: ["pods", "nodes"] },
    ]);
    await create("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", {
      metadata: { name: "viewer" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "viewer" }],
    });
    const as = (path: string) =>
      c.request("GET", path, {
        cert: { cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
        headers: { "Impersonate-User": "viewer" },
      });
    await eventually(
      async () => (await as(`${BASE}/namespaces/default/pods`)).status === 200,
      30_000,
      "view to gain the metrics rules",
    );
    const nodes = await as(`${BASE}/nodes`);
    assert.equal(nodes.status, 403);
    assert.equal(
      nodes.json.message,
      'nodes.metrics.k8s.io is forbidden: User "viewer" cannot list resource "nodes" in API group "metrics.k8s.io" at the cluster scope',
    );
  });
});

describe("without a runtime", () => {
  test("lists are empty and a Pod's metrics are not found, as metrics-server with no data", async () => {
    const created = await bare.admin("POST", "/api/v1/namespaces/default/pods", {
      metadata: { name: "p" },
      spec: { nodeName: "n1", containers: [{ name: "main", image: "busybox" }] },
    });
    assert.equal(created.status, 201, created.text);
    const list = await bare.admin("GET", `${BASE}/namespaces/default/pods`);
    assert.deepEqual(list.json, {
      kind: "PodMetricsList",
      apiVersion: "metrics.k8s.io/v1beta1",
      metadata: {},
      items: [],
    });
    const one = await bare.admin("GET", `${BASE}/namespaces/default/pods/p`);
    assert.equal(one.status, 404);
    assert.equal(one.json.message, 'podmetrics.metrics.k8s.io "default/p" not found');
    const top = await bare.kubectl(["top", "pod", "-n", "default"]);
    assert.notEqual(top.code, 0);
    assert.equal(top.stderr.trim(), "error: metrics not available yet");
  });
});
