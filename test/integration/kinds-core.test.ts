// Quota, LimitRange, PodDisruptionBudget + eviction, HPA v1↔v2 and ReplicationController on the real server.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  for (const name of ["quota", "limits", "pdb", "hpa", "rc"])
    await c.admin("POST", "/api/v1/namespaces", { metadata: { name } });
});
after(() => c.stop());

const pod = (name: string, resources: object = {}, labels: Record<string, string> = {}) => ({
  metadata: { name, labels },
  spec: { containers: [{ name: "c", image: "busybox", resources }] },
});

test("ResourceQuota: status follows usage, and the N+1th pod is refused with upstream's text", async () => {
  const quota = await c.admin("POST", "/api/v1/namespaces/quota/resourcequotas", {
    metadata: { name: "compute" },
    spec: { hard: { pods: "2", configmaps: "10" } },
  });
  assert.equal(quota.status, 201, quota.text);
  assert.deepEqual(quota.json.status, {}, "a new quota's status is the empty struct");
  await c.server.settle();
  const status = (await c.admin("GET", "/api/v1/namespaces/quota/resourcequotas/compute")).json.status;
  assert.deepEqual(status.hard, { pods: "2", configmaps: "10" });
  assert.equal(status.used.pods, "0");
  const dryFirst = await c.admin("POST", "/api/v1/namespaces/quota/pods?dryRun=All", pod("dry"));
  assert.equal(dryFirst.status, 201, dryFirst.text);
  await c.server.settle();
  assert.equal(
    (await c.admin("GET", "/api/v1/namespaces/quota/resourcequotas/compute")).json.status.used.pods,
    "0",
  );
  for (const name of ["p1", "p2"]) {
    const r = await c.admin("POST", "/api/v1/namespaces/quota/pods", pod(name));
    assert.equal(r.status, 201, r.text);
  }
  const dry = await c.admin("POST", "/api/v1/namespaces/quota/pods?dryRun=All", pod("dry"));
  assert.equal(dry.status, 403, "a dry run is checked against the quota too");
  const refused = await c.admin("POST", "/api/v1/namespaces/quota/pods", pod("p3"));
  assert.equal(refused.status, 403, refused.text);
  assert.equal(refused.json.reason, "Forbidden");
  assert.equal(
    refused.json.message,
    'pods "p3" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2',
  );
  await c.server.settle();
  const used = (await c.admin("GET", "/api/v1/namespaces/quota/resourcequotas/compute")).json.status.used;
  assert.equal(used.pods, "2");
  // Deleting a pod frees its share.
  await c.admin("DELETE", "/api/v1/namespaces/quota/pods/p1");
  await c.server.settle();
  assert.equal(
    (await c.admin("GET", "/api/v1/namespaces/quota/resourcequotas/compute")).json.status.used.pods,
    "1",
  );
  assert.equal((await c.admin("POST", "/api/v1/namespaces/quota/pods", pod("p3"))).status, 201);
});

test("ResourceQuota on requests.cpu: a pod must state it, and the sum may not pass the hard limit", async () => {
  await c.admin("POST", "/api/v1/namespaces/quota/resourcequotas", {
    metadata: { name: "cpu" },
    spec: { hard: { "requests.cpu": "1" } },
  });
  await c.server.settle();
  const unstated = await c.admin("POST", "/api/v1/namespaces/quota/pods", pod("nocpu"));
  assert.equal(unstated.status, 403);
  assert.equal(
    unstated.json.message,
    'pods "nocpu" is forbidden: failed quota: cpu: must specify requests.cpu for: c',
  );
  await c.admin("DELETE", "/api/v1/namespaces/quota/resourcequotas/compute");
  await c.server.settle();
  const half = { requests: { cpu: "600m" } };
  assert.equal((await c.admin("POST", "/api/v1/namespaces/quota/pods", pod("cpu1", half))).status, 201);
  const over = await c.admin("POST", "/api/v1/namespaces/quota/pods", pod("cpu2", half));
  assert.equal(over.status, 403, over.text);
  assert.equal(
    over.json.message,
    'pods "cpu2" is forbidden: exceeded quota: cpu, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1',
  );
  await c.server.settle();
  const table = await c.kubectl(["get", "quota", "-n", "quota"]);
  assert.match(table.stdout, /^NAME\s+REQUEST\s+LIMIT\s+AGE\ncpu\s+requests\.cpu: 600m\/1\s+\d+s\n$/);
});

test("LimitRange: container defaults land in a created Pod, and a limit over max is refused", async () => {
  const lr = await c.admin("POST", "/api/v1/namespaces/limits/limitranges", {
    metadata: { name: "defaults" },
    spec: { limits: [{ type: "Container", default: { cpu: "500m", memory: "128Mi" }, max: { cpu: "1" } }] },
  });
  assert.equal(lr.status, 201, lr.text);
  // SetDefaults_LimitRangeItem: defaultRequest falls back to default.
  assert.deepEqual(lr.json.spec.limits[0].defaultRequest, { cpu: "500m", memory: "128Mi" });
  const created = await c.admin("POST", "/api/v1/namespaces/limits/pods", pod("defaulted"));
  assert.equal(created.status, 201, created.text);
  assert.deepEqual(created.json.spec.containers[0].resources, {
    limits: { cpu: "500m", memory: "128Mi" },
    requests: { cpu: "500m", memory: "128Mi" },
  });
  assert.equal(
    created.json.metadata.annotations["kubernetes.io/limit-ranger"],
    "LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c",
  );
  const big = await c.admin("POST", "/api/v1/namespaces/limits/pods", pod("big", { limits: { cpu: "2" } }));
  assert.equal(big.status, 403, big.text);
  assert.equal(
    big.json.message,
    'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2',
  );
  const bad = await c.admin("POST", "/api/v1/namespaces/limits/limitranges", {
    metadata: { name: "bad" },
    spec: { limits: [{ type: "Container", min: { cpu: "2" }, max: { cpu: "1" } }] },
  });
  assert.equal(bad.status, 422);
  assert.match(
    bad.json.message,
    /spec\.limits\[0\]\.min\[cpu\]: Invalid value: .*min value 2 is greater than max value 1/,
  );
});

async function readyPod(ns: string, name: string, labels: Record<string, string>) {
  const r = await c.admin("POST", `/api/v1/namespaces/${ns}/pods`, pod(name, {}, labels));
  assert.equal(r.status, 201, r.text);
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const s = await c.admin(
    "PATCH",
    `/api/v1/namespaces/${ns}/pods/${name}/status`,
    {
      status: { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: now }] },
    },
    "application/merge-patch+json",
  );
  assert.equal(s.status, 200, s.text);
}

const evict = (ns: string, name: string) =>
  c.admin("POST", `/api/v1/namespaces/${ns}/pods/${name}/eviction`, {
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name, namespace: ns },
  });

test("PodDisruptionBudget: the controller computes status; eviction is honoured, then refused with 429", async () => {
  for (const name of ["a", "b"]) await readyPod("pdb", name, { app: "db" });
  const pdb = await c.admin("POST", "/apis/policy/v1/namespaces/pdb/poddisruptionbudgets", {
    metadata: { name: "db" },
    spec: { minAvailable: 1, selector: { matchLabels: { app: "db" } } },
  });
  assert.equal(pdb.status, 201, pdb.text);
  await c.server.settle();
  const status = (await c.admin("GET", "/apis/policy/v1/namespaces/pdb/poddisruptionbudgets/db")).json.status;
  assert.equal(status.currentHealthy, 2);
  assert.equal(status.desiredHealthy, 1);
  assert.equal(status.expectedPods, 2);
  assert.equal(status.disruptionsAllowed, 1);
  assert.equal(status.observedGeneration, 1);
  assert.deepEqual(
    status.conditions.map((x: any) => [x.type, x.status, x.reason]),
    [["DisruptionAllowed", "True", "SufficientPods"]],
  );

  const first = await evict("pdb", "a");
  assert.equal(first.status, 201, first.text);
  assert.equal(first.json.status, "Success");
  assert.equal((await c.admin("GET", "/api/v1/namespaces/pdb/pods/a")).status, 404);

  await c.server.settle();
  const refused = await evict("pdb", "b");
  assert.equal(refused.status, 429, refused.text);
  assert.equal(refused.json.reason, "TooManyRequests");
  assert.equal(refused.json.message, "Cannot evict pod as it would violate the pod's disruption budget.");
  assert.deepEqual(refused.json.details.causes, [
    {
      reason: "DisruptionBudget",
      message: "The disruption budget db needs 1 healthy pods and has 1 currently",
    },
  ]);
  assert.equal((await c.admin("GET", "/api/v1/namespaces/pdb/pods/b")).status, 200);
  const after = (await c.admin("GET", "/apis/policy/v1/namespaces/pdb/poddisruptionbudgets/db")).json.status;
  assert.equal(after.disruptionsAllowed, 0);
  assert.equal(after.conditions[0].reason, "InsufficientPods");

  const both = await c.admin("POST", "/apis/policy/v1/namespaces/pdb/poddisruptionbudgets", {
    metadata: { name: "both" },
    spec: { minAvailable: 1, maxUnavailable: "150%", selector: {} },
  });
  assert.equal(both.status, 422);
  assert.match(
    both.json.message,
    /spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set/,
  );
  assert.match(both.json.message, /spec\.maxUnavailable: Invalid value: .*must not be greater than 100%/);
});

test("HorizontalPodAutoscaler: written in v1, read in v2, and the other way round", async () => {
  const v1 = await c.admin("POST", "/apis/autoscaling/v1/namespaces/hpa/horizontalpodautoscalers", {
    metadata: { name: "web" },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
      maxReplicas: 5,
      targetCPUUtilizationPercentage: 60,
    },
  });
  assert.equal(v1.status, 201, v1.text);
  assert.equal(v1.json.apiVersion, "autoscaling/v1");
  assert.equal(v1.json.spec.minReplicas, 1);
  assert.deepEqual(v1.json.status, { currentReplicas: 0, desiredReplicas: 0 });
  const v2 = await c.admin("GET", "/apis/autoscaling/v2/namespaces/hpa/horizontalpodautoscalers/web");
  assert.equal(v2.json.apiVersion, "autoscaling/v2");
  assert.deepEqual(v2.json.spec.metrics, [
    { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } },
  ]);

  const memory = {
    type: "Resource",
    resource: { name: "memory", target: { type: "AverageValue", averageValue: "500Mi" } },
  };
  const w2 = await c.admin("POST", "/apis/autoscaling/v2/namespaces/hpa/horizontalpodautoscalers", {
    metadata: { name: "api" },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api" },
      minReplicas: 2,
      maxReplicas: 4,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
        },
        memory,
      ],
    },
  });
  assert.equal(w2.status, 201, w2.text);
  const r1 = await c.admin("GET", "/apis/autoscaling/v1/namespaces/hpa/horizontalpodautoscalers/api");
  assert.equal(r1.json.spec.targetCPUUtilizationPercentage, 70);
  assert.deepEqual(JSON.parse(r1.json.metadata.annotations["autoscaling.alpha.kubernetes.io/metrics"]), [
    memory,
  ]);
  // An update through v1 keeps the v2-only metric (it rides in the annotation).
  r1.json.spec.maxReplicas = 6;
  const put = await c.admin(
    "PUT",
    "/apis/autoscaling/v1/namespaces/hpa/horizontalpodautoscalers/api",
    r1.json,
  );
  assert.equal(put.status, 200, put.text);
  const back = await c.admin("GET", "/apis/autoscaling/v2/namespaces/hpa/horizontalpodautoscalers/api");
  assert.equal(back.json.spec.maxReplicas, 6);
  assert.deepEqual(back.json.spec.metrics[1], memory);
  assert.equal(back.json.metadata.annotations, undefined);
  const list = await c.admin("GET", "/apis/autoscaling/v1/namespaces/hpa/horizontalpodautoscalers");
  assert.deepEqual(
    list.json.items.map((h: any) => h.apiVersion),
    ["autoscaling/v1", "autoscaling/v1"],
  );

  const invalid = await c.admin("POST", "/apis/autoscaling/v2/namespaces/hpa/horizontalpodautoscalers", {
    metadata: { name: "bad" },
    spec: { scaleTargetRef: { kind: "Deployment", name: "x" }, minReplicas: 3, maxReplicas: 2 },
  });
  assert.equal(invalid.status, 422);
  assert.equal(
    invalid.json.message,
    'HorizontalPodAutoscaler.autoscaling "bad" is invalid: spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`',
  );
});

test("HorizontalPodAutoscaler v1 (a view of v2's storage): watch, patch, delete, GC and namespace deletion", async () => {
  const hpas = (version: string, ns = "hpa") =>
    `/apis/autoscaling/${version}/namespaces/${ns}/horizontalpodautoscalers`;
  const memory = {
    type: "Resource",
    resource: { name: "memory", target: { type: "AverageValue", averageValue: "1Gi" } },
  };
  const created = await c.admin("POST", hpas("v2"), {
    metadata: { name: "watched" },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "watched" },
      maxReplicas: 3,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
        },
        memory,
      ],
    },
  });
  assert.equal(created.status, 201, created.text);
  const rv = (await c.admin("GET", hpas("v1"))).json.metadata.resourceVersion;
  const watching = c.admin("GET", `${hpas("v1")}?watch=1&resourceVersion=${rv}&timeoutSeconds=2`);
  await new Promise((r) => setTimeout(r, 200));

  // A merge patch in v1 form: only the v1 field changes; the v2-only metric survives in storage.
  const patched = await c.admin(
    "PATCH",
    `${hpas("v1")}/watched`,
    { spec: { maxReplicas: 7, targetCPUUtilizationPercentage: 40 } },
    "application/merge-patch+json",
  );
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.json.apiVersion, "autoscaling/v1");
  assert.equal(patched.json.spec.maxReplicas, 7);
  assert.equal(patched.json.metadata.generation, undefined, "1.33's HPAs have no generation");
  const v2 = (await c.admin("GET", `${hpas("v2")}/watched`)).json;
  assert.equal(v2.spec.maxReplicas, 7);
  assert.deepEqual(v2.spec.metrics, [
    { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 40 } } },
    memory,
  ]);
  assert.equal(v2.metadata.annotations, undefined, "the annotations are v1's, not stored");

  // A patch of only the metrics annotation changes the v2 spec.
  const viaAnnotation = await c.admin(
    "PATCH",
    `${hpas("v1")}/watched`,
    { metadata: { annotations: { "autoscaling.alpha.kubernetes.io/metrics": "[]" } } },
    "application/merge-patch+json",
  );
  assert.equal(viaAnnotation.status, 200, viaAnnotation.text);
  assert.equal((await c.admin("GET", `${hpas("v2")}/watched`)).json.spec.metrics.length, 1);

  const deleted = await c.admin("DELETE", `${hpas("v1")}/watched`);
  assert.equal(deleted.status, 200, deleted.text);
  assert.equal((await c.admin("GET", `${hpas("v2")}/watched`)).status, 404);

  const events = (await watching).text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    events.map((e) => [e.type, e.object.apiVersion, e.object.spec.maxReplicas]),
    [
      ["MODIFIED", "autoscaling/v1", 7],
      ["MODIFIED", "autoscaling/v1", 7],
      ["DELETED", "autoscaling/v1", 7],
    ],
  );
  assert.equal(events[0].object.spec.targetCPUUtilizationPercentage, 40);
  assert.deepEqual(
    JSON.parse(events[0].object.metadata.annotations["autoscaling.alpha.kubernetes.io/metrics"]),
    [memory],
  );

  // The garbage collector and the namespace controller see the object once, through its stored version.
  const owner = await c.admin("POST", "/api/v1/namespaces/hpa/configmaps", { metadata: { name: "owner" } });
  assert.equal(owner.status, 201, owner.text);
  const spec = { scaleTargetRef: { kind: "Deployment", name: "d" }, maxReplicas: 2 };
  const owned = await c.admin("POST", hpas("v1"), {
    metadata: {
      name: "owned",
      ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.json.metadata.uid }],
    },
    spec,
  });
  assert.equal(owned.status, 201, owned.text);
  assert.equal((await c.admin("DELETE", "/api/v1/namespaces/hpa/configmaps/owner")).status, 200);
  await eventually(
    async () => (await c.admin("GET", `${hpas("v1")}/owned`)).status === 404,
    10000,
    "the owned HPA collected",
  );

  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "hpa-gone" } });
  const inGone = await c.admin("POST", hpas("v1", "hpa-gone"), { metadata: { name: "h" }, spec });
  assert.equal(inGone.status, 201, inGone.text);
  assert.equal((await c.admin("DELETE", "/api/v1/namespaces/hpa-gone")).status, 200);
  await eventually(
    async () => (await c.admin("GET", "/api/v1/namespaces/hpa-gone")).status === 404,
    10000,
    "the namespace deleted with its HPA",
  );
  assert.equal((await c.admin("GET", hpas("v2", "hpa-gone"))).json.items.length, 0);
});

test("ReplicationController: defaults the selector, keeps its pods and serves scale", async () => {
  const rc = await c.admin("POST", "/api/v1/namespaces/rc/replicationcontrollers", {
    metadata: { name: "web" },
    spec: {
      replicas: 2,
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "c", image: "busybox" }] },
      },
    },
  });
  assert.equal(rc.status, 201, rc.text);
  assert.deepEqual(rc.json.spec.selector, { app: "web" });
  assert.deepEqual(rc.json.metadata.labels, { app: "web" });
  assert.deepEqual(rc.json.status, { replicas: 0 });
  await eventually(
    async () => (await c.admin("GET", "/api/v1/namespaces/rc/pods")).json.items.length === 2,
    5000,
    "2 pods",
  );
  const scaled = await c.admin(
    "PATCH",
    "/api/v1/namespaces/rc/replicationcontrollers/web/scale",
    { spec: { replicas: 1 } },
    "application/merge-patch+json",
  );
  assert.equal(scaled.status, 200, scaled.text);
  assert.equal(scaled.json.status.selector, "app=web");
  await eventually(
    async () =>
      (await c.admin("GET", "/api/v1/namespaces/rc/pods")).json.items.filter(
        (p: any) => !p.metadata.deletionTimestamp,
      ).length === 1,
    5000,
    "1 pod",
  );
  await c.server.settle();
  assert.equal(
    (await c.admin("GET", "/api/v1/namespaces/rc/replicationcontrollers/web")).json.status.replicas,
    1,
  );
  const selected = async (value: number) =>
    (
      await c.admin(
        "GET",
        `/api/v1/namespaces/rc/replicationcontrollers?fieldSelector=status.replicas%3D${value}`,
      )
    ).json.items.length;
  assert.equal(await selected(1), 1);
  assert.equal(await selected(2), 0);
  const mismatch = await c.admin("POST", "/api/v1/namespaces/rc/replicationcontrollers", {
    metadata: { name: "bad" },
    spec: {
      selector: { app: "x" },
      template: { metadata: { labels: { app: "y" } }, spec: { containers: [{ name: "c", image: "i" }] } },
    },
  });
  assert.equal(mismatch.status, 422);
  assert.equal(
    mismatch.json.message,
    'ReplicationController "bad" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"y"}: selector does not match template labels',
  );
});

test("Eviction: dry run leaves pod and budget; two budgets answer 201 with a Failure Status; pending pods go regardless", async () => {
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "evict" } });
  for (const name of ["x", "y"]) await readyPod("evict", name, { app: "x" });
  await c.admin("POST", "/apis/policy/v1/namespaces/evict/poddisruptionbudgets", {
    metadata: { name: "one" },
    spec: { maxUnavailable: 0, selector: { matchLabels: { app: "x" } } },
  });
  await c.admin("POST", "/apis/policy/v1/namespaces/evict/poddisruptionbudgets", {
    metadata: { name: "two" },
    spec: { minAvailable: 0, selector: { matchLabels: { app: "x" } } },
  });
  await c.server.settle();
  const both = await evict("evict", "x");
  assert.equal(both.status, 201, both.text);
  assert.deepEqual(both.json, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message:
      "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
    code: 500,
  });
  await c.admin("DELETE", "/apis/policy/v1/namespaces/evict/poddisruptionbudgets/one");
  await c.server.settle();
  const before = (await c.admin("GET", "/apis/policy/v1/namespaces/evict/poddisruptionbudgets/two")).json
    .status;
  assert.equal(before.disruptionsAllowed, 2);
  const dry = await c.admin("POST", "/api/v1/namespaces/evict/pods/x/eviction?dryRun=All", {
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name: "x" },
  });
  assert.equal(dry.status, 201, dry.text);
  assert.equal((await c.admin("GET", "/api/v1/namespaces/evict/pods/x")).status, 200);
  const after = (await c.admin("GET", "/apis/policy/v1/namespaces/evict/poddisruptionbudgets/two")).json
    .status;
  assert.equal(after.disruptionsAllowed, 2);
  assert.equal(after.disruptedPods, undefined);
  const mismatch = await c.admin("POST", "/api/v1/namespaces/evict/pods/x/eviction?dryRun=All", {
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name: "y" },
  });
  assert.equal(mismatch.status, 400);
  assert.equal(mismatch.json.message, "name in URL does not match name in Eviction object");

  // A pending pod (never ran) is evicted without consulting any budget.
  await c.admin("POST", "/api/v1/namespaces/evict/pods", pod("pending", {}, { app: "x" }));
  await c.admin("POST", "/apis/policy/v1/namespaces/evict/poddisruptionbudgets", {
    metadata: { name: "strict" },
    spec: { maxUnavailable: 0, selector: { matchLabels: { app: "nothing" } } },
  });
  assert.equal((await evict("evict", "pending")).status, 201);
  assert.equal((await c.admin("GET", "/api/v1/namespaces/evict/pods/pending")).status, 404);
});
