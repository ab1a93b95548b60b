// StatefulSets on the real server with the local pod runtime: ordered start, reverse-order scale down,
// stable identity labels and hostnames, ControllerRevisions, rolling update with a partition,
// `kubectl rollout status/history/undo` and the scale subresource.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually } from "../helpers/cluster.ts";
import { createNamespace, type RuntimeCluster, startRuntimeCluster } from "./kubelet-harness.ts";

const NS = "sts";
let c: RuntimeCluster;
before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true });
  await createNamespace(c, NS);
});
after(() => c.stop());

const statefulSet = (replicas: number, marker: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "db" },
  spec: {
    replicas,
    serviceName: "db",
    selector: { matchLabels: { app: "db" } },
    template: {
      metadata: { labels: { app: "db" } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          { name: "db", image: "busybox", command: ["sleep", "600"], env: [{ name: "M", value: marker }] },
        ],
      },
    },
    ...extra,
  },
});

const PATH = `/apis/apps/v1/namespaces/${NS}/statefulsets`;
const pods = async () =>
  ((await c.admin("GET", `/api/v1/namespaces/${NS}/pods?labelSelector=app%3Ddb`)).json.items as any[]).filter(
    (p) => !p.metadata.deletionTimestamp,
  );
const ready = (p: any) =>
  p.status?.phase === "Running" &&
  (p.status.conditions ?? []).some((x: any) => x.type === "Ready" && x.status === "True");
const time = (p: any) => Date.parse(p.metadata.creationTimestamp);

test("a 3-replica StatefulSet starts db-0, db-1, db-2 in order, each after the previous is Ready", async () => {
  const created = await c.admin("POST", PATH, statefulSet(3, "one"));
  assert.equal(created.status, 201, created.text);
  const all = await eventually(
    async () => {
      const p = await pods();
      return p.length === 3 && p.every(ready) ? p : undefined;
    },
    30_000,
    "3 ready pods",
  );
  const byName = Object.fromEntries(all.map((p) => [p.metadata.name, p]));
  assert.deepEqual(Object.keys(byName).sort(), ["db-0", "db-1", "db-2"]);
  // Each Pod was created only after its predecessor reported Ready.
  for (const [prev, next] of [
    ["db-0", "db-1"],
    ["db-1", "db-2"],
  ]) {
    const readyAt = Date.parse(
      byName[prev].status.conditions.find((x: any) => x.type === "Ready").lastTransitionTime,
    );
    assert.ok(time(byName[next]) >= readyAt, `${next} created before ${prev} was ready`);
  }
  const p1 = byName["db-1"];
  assert.equal(p1.spec.hostname, "db-1");
  assert.equal(p1.spec.subdomain, "db");
  assert.equal(p1.metadata.labels["statefulset.kubernetes.io/pod-name"], "db-1");
  assert.equal(p1.metadata.labels["apps.kubernetes.io/pod-index"], "1");
  assert.equal(p1.metadata.ownerReferences[0].kind, "StatefulSet");
  const revisions = (await c.admin("GET", `/apis/apps/v1/namespaces/${NS}/controllerrevisions`)).json.items;
  assert.equal(revisions.length, 1);
  assert.equal(revisions[0].revision, 1);
  assert.equal(p1.metadata.labels["controller-revision-hash"], revisions[0].metadata.name);
  assert.equal(revisions[0].data.spec.template.$patch, "replace");
  const sts = await eventually(
    async () => {
      const s = (await c.admin("GET", `${PATH}/db`)).json;
      return s.status?.readyReplicas === 3 ? s : undefined;
    },
    10_000,
    "status",
  );
  assert.equal(sts.status.replicas, 3);
  assert.equal(sts.status.currentReplicas, 3);
  assert.equal(sts.status.updatedReplicas, 3);
  assert.equal(sts.status.currentRevision, revisions[0].metadata.name);
  assert.equal(sts.status.updateRevision, revisions[0].metadata.name);
  assert.equal(sts.status.availableReplicas, 3);
  assert.equal(sts.status.observedGeneration, 1);
  const events = (
    (await c.admin("GET", `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name%3Ddb`)).json
      .items as any[]
  ).map((e) => `${e.source.component} ${e.reason}: ${e.message}`);
  assert.deepEqual(
    events.sort(),
    [0, 1, 2].map(
      (i) => `statefulset-controller SuccessfulCreate: create Pod db-${i} in StatefulSet db successful`,
    ),
  );
});

test("scaling down through the scale subresource removes db-2 before db-1 starts terminating", async () => {
  const snapshots: string[][] = [];
  const scaled = await c.admin(
    "PATCH",
    `${PATH}/db/scale`,
    { spec: { replicas: 1 } },
    "application/merge-patch+json",
  );
  assert.equal(scaled.status, 200, scaled.text);
  assert.equal(scaled.json.status.selector, "app=db");
  await eventually(
    async () => {
      // Every Pod still stored, a terminating one marked with "~".
      const items = (await c.admin("GET", `/api/v1/namespaces/${NS}/pods?labelSelector=app%3Ddb`)).json
        .items as any[];
      const names = items.map((p) => `${p.metadata.deletionTimestamp ? "~" : ""}${p.metadata.name}`).sort();
      snapshots.push(names);
      return names.join() === "db-0";
    },
    30_000,
    "one pod left",
  );
  for (const names of snapshots)
    assert.ok(!(names.includes("~db-1") && names.some((n) => n.endsWith("db-2"))), JSON.stringify(snapshots));
  assert.ok(
    snapshots.some((names) => names.includes("~db-2")),
    "db-2 seen terminating",
  );
});

test("a template change rolls Pods from the highest ordinal down to the partition; rollout undo goes back", async () => {
  await c.admin("PATCH", `${PATH}/db/scale`, { spec: { replicas: 3 } }, "application/merge-patch+json");
  await eventually(async () => (await pods()).filter(ready).length === 3, 30_000, "3 ready again");
  const status = await c.kubectl(["rollout", "status", "sts/db", "-n", NS, "--timeout=30s"]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /partitioned roll out complete|roll out complete/);

  const patch = {
    spec: {
      updateStrategy: { rollingUpdate: { partition: 1 } },
      template: { spec: { containers: [{ name: "db", env: [{ name: "M", value: "two" }] }] } },
    },
  };
  const r = await c.admin("PATCH", `${PATH}/db`, patch, "application/strategic-merge-patch+json");
  assert.equal(r.status, 200, r.text);
  const marker = (p: any) => p.spec.containers[0].env[0].value;
  await eventually(
    async () => {
      const p = await pods();
      const m = Object.fromEntries(p.map((x) => [x.metadata.name, marker(x)]));
      return (
        p.length === 3 && p.every(ready) && m["db-0"] === "one" && m["db-1"] === "two" && m["db-2"] === "two"
      );
    },
    40_000,
    "db-1 and db-2 updated, db-0 kept by the partition",
  );
  const history = await c.kubectl(["rollout", "history", "sts/db", "-n", NS]);
  assert.equal(history.code, 0, history.stderr);
  assert.match(history.stdout, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);

  await c.admin(
    "PATCH",
    `${PATH}/db`,
    { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } },
    "application/merge-patch+json",
  );
  const undo = await c.kubectl(["rollout", "undo", "sts/db", "-n", NS]);
  assert.equal(undo.code, 0, undo.stderr);
  assert.match(undo.stdout, /statefulset.apps\/db rolled back/);
  await eventually(
    async () => {
      const p = await pods();
      return p.length === 3 && p.every(ready) && p.every((x) => marker(x) === "one");
    },
    40_000,
    "all back to the first template",
  );
  const revisions = (await c.admin("GET", `/apis/apps/v1/namespaces/${NS}/controllerrevisions`)).json.items;
  assert.deepEqual(revisions.map((x: any) => x.revision).sort(), [2, 3]); // revision 1 was raised to 3
});

test("an update to a spec field other than the mutable ones is refused with upstream's message", async () => {
  const r = await c.admin(
    "PATCH",
    `${PATH}/db`,
    { spec: { serviceName: "other" } },
    "application/merge-patch+json",
  );
  assert.equal(r.status, 422);
  assert.equal(
    r.json.message,
    `StatefulSet.apps "db" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden`,
  );
});

const neverReady = (name: string, policy: string) => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name },
  spec: {
    replicas: 3,
    podManagementPolicy: policy,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: "main",
            image: "busybox",
            command: ["sleep", "600"],
            readinessProbe: { exec: { command: ["false"] }, periodSeconds: 1 },
          },
        ],
      },
    },
  },
});
const podsOf = async (app: string) =>
  (await c.admin("GET", `/api/v1/namespaces/${NS}/pods?labelSelector=app%3D${app}`)).json.items as any[];

test("OrderedReady waits for a Pod that never becomes Ready; Parallel creates every Pod at once", async () => {
  assert.equal((await c.admin("POST", PATH, neverReady("ordered", "OrderedReady"))).status, 201);
  assert.equal((await c.admin("POST", PATH, neverReady("parallel", "Parallel"))).status, 201);
  await eventually(
    async () => (await podsOf("parallel")).filter((p) => p.status?.phase === "Running").length === 3,
    30_000,
    "3 running parallel pods",
  );
  // ordered-0 was created with the parallel Pods but need not be running the moment they all are.
  const ordered = await eventually(
    async () => {
      const pods = await podsOf("ordered");
      return pods.some((p) => p.status?.phase === "Running") ? pods : undefined;
    },
    30_000,
    "ordered-0 running",
  );
  assert.deepEqual(
    ordered.map((p) => p.metadata.name),
    ["ordered-0"],
    "OrderedReady creates no second Pod while the first is running but not Ready",
  );
  assert.ok(!ready(ordered[0]));
  const status = (await c.admin("GET", `${PATH}/parallel`)).json.status;
  assert.equal(status.replicas, 3);
  assert.equal(status.readyReplicas, undefined);
  for (const name of ["ordered", "parallel"]) await c.admin("DELETE", `${PATH}/${name}`);
});

test("OnDelete: a template change waits until a Pod is deleted, which comes back at the new revision", async () => {
  const sts = statefulSet(2, "one", { updateStrategy: { type: "OnDelete" } });
  sts.metadata.name = "ondelete";
  sts.spec.selector.matchLabels.app = "ondelete";
  sts.spec.template.metadata.labels.app = "ondelete";
  const created = await c.admin("POST", PATH, sts);
  assert.equal(created.status, 201, created.text);
  await eventually(async () => (await podsOf("ondelete")).filter(ready).length === 2, 30_000, "2 ready");
  await c.admin(
    "PATCH",
    `${PATH}/ondelete`,
    { spec: { template: { spec: { containers: [{ name: "db", env: [{ name: "M", value: "two" }] }] } } } },
    "application/strategic-merge-patch+json",
  );
  const split = await eventually(
    async () => {
      const s = (await c.admin("GET", `${PATH}/ondelete`)).json;
      return s.status.updateRevision !== s.status.currentRevision && s.status.observedGeneration === 2
        ? s
        : undefined;
    },
    10_000,
    "a new update revision",
  );
  assert.equal(split.status.currentReplicas, 2);
  assert.equal(split.status.updatedReplicas, undefined);
  await new Promise((r) => setTimeout(r, 500));
  const marker = (p: any) => p.spec.containers[0].env[0].value;
  assert.ok(
    (await podsOf("ondelete")).every((p) => marker(p) === "one"),
    "no Pod replaced by itself",
  );
  await c.admin("DELETE", `/api/v1/namespaces/${NS}/pods/ondelete-1`);
  const replaced = await eventually(
    async () => {
      const p = (await podsOf("ondelete")).find((x) => x.metadata.name === "ondelete-1");
      return p && !p.metadata.deletionTimestamp && ready(p) ? p : undefined;
    },
    30_000,
    "ondelete-1 recreated",
  );
  assert.equal(marker(replaced), "two");
  assert.equal(replaced.metadata.labels["controller-revision-hash"], split.status.updateRevision);
  const pod0 = (await podsOf("ondelete")).find((x) => x.metadata.name === "ondelete-0");
  assert.equal(marker(pod0), "one");
});

test("minReadySeconds: under OrderedReady the next ordinal waits until the previous Pod is available", async () => {
  const sts = statefulSet(2, "one", { minReadySeconds: 2 });
  sts.metadata.name = "slow";
  sts.spec.selector.matchLabels.app = "slow";
  sts.spec.template.metadata.labels.app = "slow";
  assert.equal((await c.admin("POST", PATH, sts)).status, 201);
  const pods = await eventually(
    async () => {
      const p = await podsOf("slow");
      return p.length === 2 ? p : undefined;
    },
    30_000,
    "two pods",
  );
  const first = pods.find((p) => p.metadata.name === "slow-0");
  const second = pods.find((p) => p.metadata.name === "slow-1");
  const readyAt = Date.parse(first.status.conditions.find((x: any) => x.type === "Ready").lastTransitionTime);
  // Timestamps have second precision: slow-1 comes at least ~2 s after slow-0 became Ready.
  assert.ok(Date.parse(second.metadata.creationTimestamp) >= readyAt + 1000, "slow-1 created too early");
  const status = await eventually(
    async () => {
      const s = (await c.admin("GET", `${PATH}/slow`)).json.status;
      return s.availableReplicas === 2 ? s : undefined;
    },
    15_000,
    "both available",
  );
  assert.equal(status.readyReplicas, 2);
});

test("a StatefulSet with replicas 2^31-1 starts its first ordinal (no array of replicas slots)", async () => {
  await createNamespace(c, "sts-huge");
  const body = statefulSet(2147483647, "huge");
  const r = await c.admin("POST", "/apis/apps/v1/namespaces/sts-huge/statefulsets", body);
  assert.equal(r.status, 201, r.text);
  const first = await eventually(
    async () => {
      const list = await c.admin("GET", "/api/v1/namespaces/sts-huge/pods");
      return (list.json.items as any[]).find((p) => p.metadata.name === "db-0");
    },
    20_000,
    "db-0",
  );
  assert.equal(first.metadata.ownerReferences[0].kind, "StatefulSet");
  const deleted = await c.admin("DELETE", "/apis/apps/v1/namespaces/sts-huge/statefulsets/db");
  assert.equal(deleted.status, 200, deleted.text);
});
