// apps/v1 on the local server: Deployment → ReplicaSet → Pods, scale, rollout, cascading delete.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "apps" } });
});
after(() => c.stop());

const deployment = (image: string, replicas: number) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web" },
  spec: {
    replicas,
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image }] } },
  },
});

async function podsOf(label: string) {
  const r = await c.admin("GET", `/api/v1/namespaces/apps/pods?labelSelector=${encodeURIComponent(label)}`);
  return r.json.items as any[];
}

test("a Deployment creates a ReplicaSet that creates Pods owned by it; scale changes the count", async () => {
  const created = await c.admin(
    "POST",
    "/apis/apps/v1/namespaces/apps/deployments",
    deployment("nginx:1", 2),
  );
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json.metadata.generation, 1);
  const pods = await eventually(
    async () => {
      const p = await podsOf("app=web");
      return p.length === 2 ? p : undefined;
    },
    5000,
    "2 pods",
  );
  const rsName = pods[0].metadata.ownerReferences[0].name;
  assert.equal(pods[0].metadata.ownerReferences[0].kind, "ReplicaSet");
  assert.match(pods[0].metadata.name, new RegExp(`^${rsName}-[a-z0-9]{5}$`));
  assert.equal(pods[0].spec.serviceAccountName, "default");

  const scaled = await c.admin(
    "PATCH",
    "/apis/apps/v1/namespaces/apps/deployments/web/scale",
    { spec: { replicas: 4 } },
    "application/merge-patch+json",
  );
  assert.equal(scaled.status, 200, scaled.text);
  assert.equal(scaled.json.kind, "Scale");
  assert.equal(scaled.json.spec.replicas, 4);
  await eventually(async () => (await podsOf("app=web")).length === 4, 5000, "4 pods");
  // The controllers' Events, as kube-controller-manager records them.
  const events = async (name: string) =>
    (
      (await c.admin("GET", `/api/v1/namespaces/apps/events?fieldSelector=involvedObject.name%3D${name}`))
        .json.items as any[]
    ).map((e) => `${e.source.component} ${e.reason}: ${e.message}`);
  const deployEvents = await eventually(async () => {
    const e = await events("web");
    return e.length >= 2 ? e : undefined;
  });
  assert.deepEqual(deployEvents.sort(), [
    `deployment-controller ScalingReplicaSet: Scaled up replica set ${rsName} from 0 to 2`,
    `deployment-controller ScalingReplicaSet: Scaled up replica set ${rsName} from 2 to 4`,
  ]);
  const rsEvents = await events(rsName);
  assert.equal(rsEvents.length, 4);
  assert.ok(
    rsEvents.every((e) =>
      /^replicaset-controller SuccessfulCreate: Created pod: web-[a-z0-9]+-[a-z0-9]{5}$/.test(e),
    ),
  );
});

test("with strategy Recreate a new template rolls out a new ReplicaSet and scales the old one to zero", async () => {
  // No pod runtime here, so no Pod ever becomes available: only Recreate can finish (RollingUpdate is
  // covered with the runtime in apps-deployment.test.ts).
  const current = (await c.admin("GET", "/apis/apps/v1/namespaces/apps/deployments/web")).json;
  current.spec.template.spec.containers[0].image = "nginx:2";
  current.spec.strategy = { type: "Recreate" };
  const updated = await c.admin("PUT", "/apis/apps/v1/namespaces/apps/deployments/web", current);
  assert.equal(updated.status, 200, updated.text);
  assert.equal(updated.json.metadata.generation, 3); // create, scale, template change
  await eventually(
    async () => {
      const pods = await podsOf("app=web");
      return pods.length === 4 && pods.every((p) => p.spec.containers[0].image === "nginx:2");
    },
    5000,
    "rolled-out pods",
  );
  const rs = (await c.admin("GET", "/apis/apps/v1/namespaces/apps/replicasets")).json.items;
  assert.equal(rs.length, 2);
  assert.deepEqual(rs.map((r: any) => r.spec.replicas).sort(), [0, 4]);
  const d = await eventually(
    async () => {
      const got = (await c.admin("GET", "/apis/apps/v1/namespaces/apps/deployments/web")).json;
      return got.status?.observedGeneration === 3 ? got : undefined;
    },
    5000,
    "observedGeneration",
  );
  assert.equal(d.status.updatedReplicas, 4);
});

test("deleting the Deployment deletes its ReplicaSets and Pods (background cascade)", async () => {
  const r = await c.admin("DELETE", "/apis/apps/v1/namespaces/apps/deployments/web");
  assert.equal(r.status, 200);
  await eventually(
    async () => {
      const rs = (await c.admin("GET", "/apis/apps/v1/namespaces/apps/replicasets")).json.items;
      return rs.length === 0 && (await podsOf("app=web")).length === 0;
    },
    5000,
    "cascade",
  );
});

test("propagationPolicy=Orphan keeps the ReplicaSet and Pods, without the owner reference", async () => {
  await c.admin("POST", "/apis/apps/v1/namespaces/apps/deployments", deployment("nginx:1", 2));
  await eventually(async () => (await podsOf("app=web")).length === 2, 5000, "2 pods");
  const r = await c.admin("DELETE", "/apis/apps/v1/namespaces/apps/deployments/web?propagationPolicy=Orphan");
  assert.equal(r.status, 200, r.text);
  await eventually(
    async () => (await c.admin("GET", "/apis/apps/v1/namespaces/apps/deployments/web")).status === 404,
    5000,
    "deployment gone",
  );
  const rs = (await c.admin("GET", "/apis/apps/v1/namespaces/apps/replicasets")).json.items;
  assert.equal(rs.length, 1);
  assert.equal(rs[0].metadata.ownerReferences, undefined);
  assert.equal((await podsOf("app=web")).length, 2);
  // the orphaned ReplicaSet still owns its Pods: deleting it (background) takes them along
  await c.admin("DELETE", `/apis/apps/v1/namespaces/apps/replicasets/${rs[0].metadata.name}`);
  await eventually(async () => (await podsOf("app=web")).length === 0, 5000, "pods collected");
});

test("kubectl delete --cascade=foreground deletes dependents first, the owner last", async () => {
  await c.admin("POST", "/apis/apps/v1/namespaces/apps/deployments", deployment("nginx:1", 2));
  await eventually(async () => (await podsOf("app=web")).length === 2, 5000, "2 pods");
  const r = await c.kubectl([
    "delete",
    "deployment",
    "web",
    "-n",
    "apps",
    "--cascade=foreground",
    "--wait=false",
  ]);
  assert.equal(r.code, 0, r.stderr);
  await eventually(
    async () =>
      (await c.admin("GET", "/apis/apps/v1/namespaces/apps/deployments/web")).status === 404 &&
      (await c.admin("GET", "/apis/apps/v1/namespaces/apps/replicasets")).json.items.length === 0 &&
      (await podsOf("app=web")).length === 0,
    5000,
    "foreground cascade",
  );
  const orphaned = await c.admin(
    "POST",
    "/apis/apps/v1/namespaces/apps/deployments",
    deployment("nginx:1", 1),
  );
  assert.equal(orphaned.status, 201);
  await eventually(async () => (await podsOf("app=web")).length === 1, 5000, "1 pod");
  const o = await c.kubectl(["delete", "deployment", "web", "-n", "apps", "--cascade=orphan"]);
  assert.equal(o.code, 0, o.stderr);
  await eventually(
    async () => (await c.admin("GET", "/apis/apps/v1/namespaces/apps/deployments/web")).status === 404,
    5000,
    "gone",
  );
  assert.equal((await podsOf("app=web")).length, 1);
});

test("scaling a Deployment mid-rollout shares the new size proportionally among its ReplicaSets", async () => {
  // No runtime: the rollout of nginx:2 stays stuck at old 2 + new 1 (maxSurge 25% of 2 rounds up to 1).
  await c.admin("POST", "/apis/apps/v1/namespaces/apps/deployments", {
    ...deployment("nginx:1", 2),
    metadata: { name: "prop" },
  });
  const sets = async () =>
    ((await c.admin("GET", "/apis/apps/v1/namespaces/apps/replicasets")).json.items as any[])
      .filter((rs) => rs.metadata.ownerReferences?.[0]?.name === "prop")
      .map((rs) => [rs.spec.template.spec.containers[0].image, rs.spec.replicas, rs.metadata.annotations])
      .sort();
  await eventually(async () => (await sets()).length === 1, 5000, "first ReplicaSet");
  await c.admin(
    "PATCH",
    "/apis/apps/v1/namespaces/apps/deployments/prop",
    { spec: { template: { spec: { containers: [{ name: "web", image: "nginx:2" }] } } } },
    "application/strategic-merge-patch+json",
  );
  await eventually(
    async () => JSON.stringify((await sets()).map((s) => s.slice(0, 2))) === '[["nginx:1",2],["nginx:2",1]]',
    5000,
    "stuck rollout",
  );
  await c.admin(
    "PATCH",
    "/apis/apps/v1/namespaces/apps/deployments/prop/scale",
    { spec: { replicas: 3 } },
    "application/merge-patch+json",
  );
  // getReplicaSetFraction: old 2 × (3+1)/3 rounds to 3; the new one keeps 1; total = replicas + maxSurge.
  const final = await eventually(
    async () => {
      const s = await sets();
      return JSON.stringify(s.map((x) => x.slice(0, 2))) === '[["nginx:1",3],["nginx:2",1]]' ? s : undefined;
    },
    5000,
    "proportional scale",
  );
  for (const [, , annotations] of final) {
    assert.equal(annotations["deployment.kubernetes.io/desired-replicas"], "3");
    assert.equal(annotations["deployment.kubernetes.io/max-replicas"], "4");
  }
  assert.deepEqual(
    final.map(([, , a]) => a["deployment.kubernetes.io/revision"]),
    ["1", "2"],
  );
});

test("a rollout that makes no progress within progressDeadlineSeconds is ProgressDeadlineExceeded; kubectl rollout status fails", async () => {
  // No runtime: the Pods never become available.
  const d = { ...deployment("nginx:1", 1), metadata: { name: "stuck" } };
  (d.spec as any).progressDeadlineSeconds = 2;
  assert.equal((await c.admin("POST", "/apis/apps/v1/namespaces/apps/deployments", d)).status, 201);
  const progressing = async () =>
    (
      (await c.admin("GET", "/apis/apps/v1/namespaces/apps/deployments/stuck")).json.status?.conditions ?? []
    ).find((x: any) => x.type === "Progressing");
  await eventually(async () => (await progressing())?.reason === "ReplicaSetUpdated", 5000, "progressing");
  const timedOut = await eventually(
    async () => {
      const cond = await progressing();
      return cond?.reason === "ProgressDeadlineExceeded" ? cond : undefined;
    },
    10_000,
    "deadline exceeded",
  );
  assert.equal(timedOut.status, "False");
  assert.match(timedOut.message, /^ReplicaSet "stuck-[a-z0-9]+" has timed out progressing\.$/);
  const status = await c.kubectl(["rollout", "status", "deploy/stuck", "-n", "apps", "--timeout=10s"]);
  assert.equal(status.code, 1);
  assert.match(status.stderr, /deployment "stuck" exceeded its progress deadline/);
});

test("a StatefulSet's Scale: status.selector is the whole selector's string, replicas write through", async () => {
  const sts = {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "scaled" },
    spec: {
      replicas: 0,
      selector: {
        matchLabels: { app: "db" },
        matchExpressions: [{ key: "tier", operator: "In", values: ["b", "a"] }],
      },
      template: {
        metadata: { labels: { app: "db", tier: "a" } },
        spec: { containers: [{ name: "db", image: "db:1" }] },
      },
    },
  };
  assert.equal((await c.admin("POST", "/apis/apps/v1/namespaces/apps/statefulsets", sts)).status, 201);
  const scale = await c.admin("GET", "/apis/apps/v1/namespaces/apps/statefulsets/scaled/scale");
  assert.equal(scale.status, 200, scale.text);
  assert.equal(scale.json.apiVersion, "autoscaling/v1");
  assert.equal(scale.json.status.selector, "app=db,tier in (a,b)");
  scale.json.spec.replicas = 2;
  const put = await c.admin("PUT", "/apis/apps/v1/namespaces/apps/statefulsets/scaled/scale", scale.json);
  assert.equal(put.status, 200, put.text);
  const updated = (await c.admin("GET", "/apis/apps/v1/namespaces/apps/statefulsets/scaled")).json;
  assert.equal(updated.spec.replicas, 2);
  assert.equal(updated.metadata.generation, 2);
  await c.admin("DELETE", "/apis/apps/v1/namespaces/apps/statefulsets/scaled");
});

test("deleting a StatefulSet or DaemonSet collects its Pods and ControllerRevisions", async () => {
  const template = {
    metadata: { labels: { app: "gc" } },
    spec: { containers: [{ name: "c", image: "c:1" }] },
  };
  const selector = { matchLabels: { app: "gc" } };
  await c.admin("POST", "/apis/apps/v1/namespaces/apps/statefulsets", {
    metadata: { name: "gc" },
    spec: { replicas: 1, selector, template },
  });
  await c.admin("POST", "/apis/apps/v1/namespaces/apps/daemonsets", {
    metadata: { name: "gc" },
    spec: { selector, template },
  });
  const owned = async () => {
    const pods = (await c.admin("GET", "/api/v1/namespaces/apps/pods?labelSelector=app%3Dgc")).json
      .items as any[];
    const revisions = (
      await c.admin("GET", "/apis/apps/v1/namespaces/apps/controllerrevisions?labelSelector=app%3Dgc")
    ).json.items as any[];
    return [...pods, ...revisions].map(
      (o) => `${o.kind ?? ""}${o.metadata.ownerReferences?.[0]?.kind}/${o.metadata.name}`,
    );
  };
  // No Node here: the DaemonSet has a revision but no Pod; the StatefulSet has gc-0 (Pending) and a revision.
  await eventually(async () => (await owned()).length === 3, 5000, "pod and revisions");
  assert.ok((await owned()).some((x) => x.endsWith("StatefulSet/gc-0")));
  // Same name, same template: the DaemonSet's revision name collides with the StatefulSet's, so it takes
  // the next hash and records the collision (CreateControllerRevision).
  const ds = await eventually(
    async () =>
      (await c.admin("GET", "/apis/apps/v1/namespaces/apps/daemonsets/gc")).json.status?.collisionCount === 1,
    5000,
    "collisionCount",
  );
  assert.ok(ds);
  const names = (await owned()).filter((x) => x.startsWith("ControllerRevision"));
  assert.equal(new Set(names.map((x) => x.split("/")[1])).size, 2, names.join());
  for (const r of ["statefulsets", "daemonsets"])
    await c.admin("DELETE", `/apis/apps/v1/namespaces/apps/${r}/gc`);
  await eventually(async () => (await owned()).length === 0, 5000, "everything collected");
});

test("a Deployment created again after an orphaning delete adopts its old ReplicaSet instead of making another", async () => {
  const d = { ...deployment("nginx:1", 2), metadata: { name: "again" } };
  d.spec.selector.matchLabels = { app: "again" } as never;
  d.spec.template.metadata.labels = { app: "again" } as never;
  await c.admin("POST", "/apis/apps/v1/namespaces/apps/deployments", d);
  const sets = async () =>
    (await c.admin("GET", "/apis/apps/v1/namespaces/apps/replicasets?labelSelector=app%3Dagain")).json
      .items as any[];
  const [first] = await eventually(
    async () => ((await sets()).length === 1 ? sets() : undefined),
    5000,
    "ReplicaSet",
  );
  await eventually(async () => (await podsOf("app=again")).length === 2, 5000, "2 pods");
  await c.admin("DELETE", "/apis/apps/v1/namespaces/apps/deployments/again?propagationPolicy=Orphan");
  await eventually(
    async () => (await c.admin("GET", "/apis/apps/v1/namespaces/apps/deployments/again")).status === 404,
    5000,
    "deployment gone",
  );
  const again = await c.admin("POST", "/apis/apps/v1/namespaces/apps/deployments", d);
  assert.equal(again.status, 201);
  const [adopted] = await eventually(
    async () => {
      const s = await sets();
      return s.length === 1 && s[0].metadata.ownerReferences?.[0]?.uid === again.json.metadata.uid
        ? s
        : undefined;
    },
    5000,
    "adopted",
  );
  assert.equal(adopted.metadata.name, first.metadata.name);
  assert.equal(adopted.metadata.ownerReferences[0].controller, true);
  assert.equal((await podsOf("app=again")).length, 2);
  await c.admin("DELETE", "/apis/apps/v1/namespaces/apps/deployments/again");
  await eventually(async () => (await podsOf("app=again")).length === 0, 5000, "cascade");
});
