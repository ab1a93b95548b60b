// DaemonSets and Deployment rolling updates on the real server with the local pod runtime (one Node),
// driven through the API and real kubectl (rollout status/history/undo/restart, get -o wide).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually } from "../helpers/cluster.ts";
import { createNamespace, type RuntimeCluster, startRuntimeCluster } from "./kubelet-harness.ts";

const NS = "rollouts";
let c: RuntimeCluster;
before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true });
  await createNamespace(c, NS);
});
after(() => c.stop());

const podSpec = (marker: string) => ({
  terminationGracePeriodSeconds: 1,
  containers: [
    { name: "main", image: "busybox", command: ["sleep", "600"], env: [{ name: "M", value: marker }] },
  ],
});
const ready = (p: any) =>
  !p.metadata.deletionTimestamp &&
  p.status?.phase === "Running" &&
  (p.status.conditions ?? []).some((x: any) => x.type === "Ready" && x.status === "True");
const podsOf = async (app: string) =>
  (await c.admin("GET", `/api/v1/namespaces/${NS}/pods?labelSelector=app%3D${app}`)).json.items as any[];
const marker = (p: any) => p.spec.containers[0].env[0].value;
const kubectl = async (...args: string[]) => {
  const r = await c.kubectl([...args, "-n", NS]);
  assert.equal(r.code, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};

const DS = `/apis/apps/v1/namespaces/${NS}/daemonsets`;
const DEPLOY = `/apis/apps/v1/namespaces/${NS}/deployments`;

test("a DaemonSet runs one Pod on the node, pinned to it, and reports its status", async () => {
  const created = await c.admin("POST", DS, {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "agent" },
    spec: {
      selector: { matchLabels: { app: "agent" } },
      template: { metadata: { labels: { app: "agent" } }, spec: podSpec("one") },
    },
  });
  assert.equal(created.status, 201, created.text);
  const [pod] = await eventually(
    async () => {
      const p = await podsOf("agent");
      return p.length === 1 && ready(p[0]) ? p : undefined;
    },
    30_000,
    "the daemon pod",
  );
  assert.equal(pod.spec.nodeName, "local");
  assert.deepEqual(
    pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms,
    [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["local"] }] }],
  );
  assert.ok(
    pod.spec.tolerations.some(
      (t: any) => t.key === "node.kubernetes.io/unschedulable" && t.effect === "NoSchedule",
    ),
  );
  assert.equal(pod.metadata.labels["pod-template-generation"], "1");
  const ds = await eventually(
    async () => {
      const d = (await c.admin("GET", `${DS}/agent`)).json;
      return d.status?.numberReady === 1 ? d : undefined;
    },
    10_000,
    "status",
  );
  assert.deepEqual(
    [ds.status.desiredNumberScheduled, ds.status.currentNumberScheduled, ds.status.updatedNumberScheduled],
    [1, 1, 1],
  );
  assert.equal(ds.status.numberAvailable, 1);
  assert.equal(ds.status.numberMisscheduled, 0);
  const [revision] = (await c.admin("GET", `/apis/apps/v1/namespaces/${NS}/controllerrevisions`)).json.items;
  assert.equal(revision.metadata.name, `agent-${pod.metadata.labels["controller-revision-hash"]}`);
  const status = await kubectl("rollout", "status", "ds/agent", "--timeout=30s");
  assert.match(status, /daemon set "agent" successfully rolled out/);
});

test("a DaemonSet template change replaces the Pod; rollout history and undo use its ControllerRevisions", async () => {
  await kubectl("set", "env", "ds/agent", "M=two", "-c", "main");
  await eventually(
    async () => {
      const p = (await podsOf("agent")).filter((x) => !x.metadata.deletionTimestamp);
      return p.length === 1 && ready(p[0]) && marker(p[0]) === "two";
    },
    30_000,
    "the updated daemon pod",
  );
  const ds = (await c.admin("GET", `${DS}/agent`)).json;
  assert.equal(ds.metadata.annotations["deprecated.daemonset.template.generation"], "2");
  assert.match(
    await kubectl("rollout", "history", "ds/agent"),
    /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/,
  );
  assert.match(await kubectl("rollout", "undo", "ds/agent"), /daemonset.apps\/agent rolled back/);
  await eventually(
    async () => {
      const p = (await podsOf("agent")).filter((x) => !x.metadata.deletionTimestamp);
      return p.length === 1 && ready(p[0]) && marker(p[0]) === "one";
    },
    30_000,
    "the rolled-back daemon pod",
  );
});

test("a DaemonSet whose nodeSelector matches no Node runs nothing", async () => {
  const r = await c.admin(
    "PATCH",
    `${DS}/agent`,
    { spec: { template: { spec: { nodeSelector: { disk: "ssd" } } } } },
    "application/strategic-merge-patch+json",
  );
  assert.equal(r.status, 200, r.text);
  await eventually(async () => (await podsOf("agent")).length === 0, 30_000, "the daemon pod removed");
  const ds = await eventually(
    async () => {
      const d = (await c.admin("GET", `${DS}/agent`)).json;
      return d.status?.observedGeneration === d.metadata.generation ? d : undefined;
    },
    10_000,
    "status observed",
  );
  assert.equal(ds.status.desiredNumberScheduled, 0);
  assert.equal(ds.status.currentNumberScheduled, 0);
  const wide = await kubectl("get", "ds/agent", "-o", "wide");
  assert.match(
    wide.split("\n")[0],
    /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/,
  );
  assert.match(
    wide.split("\n")[1],
    /^agent\s+0\s+0\s+0\s+0\s+0\s+disk=ssd\s+\S+\s+main\s+busybox\s+app=agent$/,
  );
});

test("a Deployment image change with maxUnavailable 0 rolls out without ever dropping below 3 ready Pods", async () => {
  const created = await c.admin("POST", DEPLOY, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: { metadata: { labels: { app: "web" } }, spec: podSpec("one") },
    },
  });
  assert.equal(created.status, 201, created.text);
  assert.match(await kubectl("rollout", "status", "deploy/web", "--timeout=30s"), /successfully rolled out/);

  let minReady = Number.POSITIVE_INFINITY;
  let maxPods = 0;
  let done = false;
  const sampler = (async () => {
    while (!done) {
      const pods = await podsOf("web");
      minReady = Math.min(minReady, pods.filter(ready).length);
      maxPods = Math.max(maxPods, pods.filter((p) => !p.metadata.deletionTimestamp).length);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  await kubectl("set", "env", "deploy/web", "M=two", "-c", "main");
  const rolled = await kubectl("rollout", "status", "deploy/web", "--timeout=60s");
  done = true;
  await sampler;
  assert.match(rolled, /deployment "web" successfully rolled out/);
  const pods = (await podsOf("web")).filter((p) => !p.metadata.deletionTimestamp);
  assert.equal(pods.length, 3);
  assert.ok(pods.every((p) => marker(p) === "two"));
  assert.equal(minReady, 3, "ready Pods never below the desired count");
  assert.ok(maxPods <= 4, `at most desired+maxSurge Pods, saw ${maxPods}`);

  const d = (await c.admin("GET", `${DEPLOY}/web`)).json;
  assert.equal(d.metadata.annotations["deployment.kubernetes.io/revision"], "2");
  const progressing = d.status.conditions.find((x: any) => x.type === "Progressing");
  assert.equal(progressing.reason, "NewReplicaSetAvailable");
  assert.match(progressing.message, /^ReplicaSet "web-[a-z0-9]+" has successfully progressed\.$/);
  const availableCond = d.status.conditions.find((x: any) => x.type === "Available");
  assert.deepEqual([availableCond.status, availableCond.reason], ["True", "MinimumReplicasAvailable"]);
  const sets = (await c.admin("GET", `/apis/apps/v1/namespaces/${NS}/replicasets`)).json.items;
  assert.deepEqual(sets.map((rs: any) => rs.spec.replicas).sort(), [0, 3]);
});

test("kubectl rollout history, undo and restart on a Deployment", async () => {
  assert.match(
    await kubectl("rollout", "history", "deploy/web"),
    /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/,
  );
  assert.match(await kubectl("rollout", "undo", "deploy/web"), /deployment.apps\/web rolled back/);
  await kubectl("rollout", "status", "deploy/web", "--timeout=60s");
  await eventually(
    async () => {
      const p = (await podsOf("web")).filter((x) => !x.metadata.deletionTimestamp);
      return p.length === 3 && p.every((x) => ready(x) && marker(x) === "one");
    },
    30_000,
    "pods back on the first template",
  );
  // The first template's ReplicaSet is reused and becomes revision 3.
  assert.match(
    await kubectl("rollout", "history", "deploy/web"),
    /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/,
  );

  const before = new Set((await podsOf("web")).map((p) => p.metadata.name));
  assert.match(await kubectl("rollout", "restart", "deploy/web"), /deployment.apps\/web restarted/);
  await kubectl("rollout", "status", "deploy/web", "--timeout=60s");
  await eventually(
    async () => {
      const p = (await podsOf("web")).filter((x) => !x.metadata.deletionTimestamp);
      return p.length === 3 && p.every((x) => ready(x) && !before.has(x.metadata.name));
    },
    30_000,
    "all pods replaced",
  );
  const d = (await c.admin("GET", `${DEPLOY}/web`)).json;
  assert.ok(d.spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]);
  assert.equal(d.metadata.annotations["deployment.kubernetes.io/revision"], "4");
});

test("kubectl rollout pause stops a rollout; resume finishes it", async () => {
  await kubectl("rollout", "pause", "deploy/web");
  await kubectl("set", "env", "deploy/web", "M=three", "-c", "main");
  const paused = await eventually(
    async () => {
      const d = (await c.admin("GET", `${DEPLOY}/web`)).json;
      const cond = d.status.conditions.find((x: any) => x.type === "Progressing");
      return cond?.reason === "DeploymentPaused" ? d : undefined;
    },
    10_000,
    "paused condition",
  );
  assert.equal(paused.status.conditions.find((x: any) => x.type === "Progressing").status, "Unknown");
  assert.ok(
    (await podsOf("web")).every((p) => marker(p) !== "three"),
    "no rollout while paused",
  );
  await kubectl("rollout", "resume", "deploy/web");
  await kubectl("rollout", "status", "deploy/web", "--timeout=60s");
  const pods = (await podsOf("web")).filter((x) => !x.metadata.deletionTimestamp);
  assert.ok(pods.length === 3 && pods.every((p) => marker(p) === "three"));
});

test("kubectl get sts,ds -o wide prints upstream's columns", async () => {
  await c.admin("POST", `/apis/apps/v1/namespaces/${NS}/statefulsets`, {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "db" },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: "db" } },
      template: { metadata: { labels: { app: "db" } }, spec: podSpec("x") },
    },
  });
  const out = await kubectl("get", "sts,ds", "-o", "wide");
  const lines = out.split("\n");
  assert.match(lines[0], /^NAME\s+READY\s+AGE\s+CONTAINERS\s+IMAGES$/);
  assert.match(lines[1], /^statefulset\.apps\/db\s+0\/0\s+\S+\s+main\s+busybox$/);
  assert.match(
    lines[3],
    /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/,
  );
  assert.match(lines[4], /^daemonset\.apps\/agent\s+0\s+0\s+0\s+0\s+0\s+disk=ssd\s/);
  const revisions = await kubectl("get", "controllerrevisions");
  assert.match(revisions.split("\n")[0], /^NAME\s+CONTROLLER\s+REVISION\s+AGE$/);
  assert.match(revisions, /\nagent-\S+\s+daemonset\.apps\/agent\s+\d+\s/);
});

test("minReadySeconds: a Ready Pod counts as available only after it, without another event to wake the controllers", async () => {
  const created = await c.admin("POST", DEPLOY, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "slow" },
    spec: {
      replicas: 1,
      minReadySeconds: 2,
      selector: { matchLabels: { app: "slow" } },
      template: { metadata: { labels: { app: "slow" } }, spec: podSpec("one") },
    },
  });
  assert.equal(created.status, 201, created.text);
  const [pod] = await eventually(
    async () => {
      const p = await podsOf("slow");
      return p.length === 1 && ready(p[0]) ? p : undefined;
    },
    30_000,
    "a ready pod",
  );
  const readyAt = Date.parse(pod.status.conditions.find((x: any) => x.type === "Ready").lastTransitionTime);
  const early = (await c.admin("GET", `${DEPLOY}/slow`)).json.status;
  if (Date.now() < readyAt + 1500) assert.equal(early.availableReplicas, undefined, JSON.stringify(early));
  const d = await eventually(
    async () => {
      const got = (await c.admin("GET", `${DEPLOY}/slow`)).json;
      return got.status?.availableReplicas === 1 ? got : undefined;
    },
    10_000,
    "available after minReadySeconds",
  );
  assert.ok(Date.now() >= readyAt + 2000, "not available before minReadySeconds");
  assert.equal(d.status.conditions.find((x: any) => x.type === "Available").status, "True");
  const rs = (await c.admin("GET", `/apis/apps/v1/namespaces/${NS}/replicasets?labelSelector=app%3Dslow`))
    .json.items[0];
  assert.equal(rs.spec.minReadySeconds, 2);
  assert.equal(rs.status.availableReplicas, 1);
});
