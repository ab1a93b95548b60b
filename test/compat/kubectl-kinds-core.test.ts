// kubectl 1.33 against the kinds of issue #11 (PVC, PV, RC, PodTemplate, LimitRange, ResourceQuota, HPA,
// PDB): table headers as upstream's printers make them, kubectl's typed create/autoscale commands, and
// drain evicting through pods/eviction under a PodDisruptionBudget.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";
import { createNamespace } from "./support.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await createNamespace(c, "kc");
});
after(() => c.stop());

async function ok(args: string[], input?: string): Promise<string> {
  const r = await c.kubectl(args, { input });
  assert.equal(
    r.code,
    0,
    `kubectl ${args.join(" ")} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
  );
  return r.stdout;
}

const MANIFEST = `apiVersion: v1
kind: LimitRange
metadata: {name: limits, namespace: kc}
spec: {limits: [{type: Container, default: {memory: 256Mi}}]}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv1}
spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /tmp/pv1}, storageClassName: manual}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: kc}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: legacy, namespace: kc}
spec:
  replicas: 1
  template:
    metadata: {labels: {app: legacy}}
    spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: PodTemplate
metadata: {name: tpl, namespace: kc}
template:
  metadata: {labels: {app: tpl}}
  spec: {containers: [{name: c, image: busybox}]}

---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: kc}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
`;

test("create -f, then get pvc,pv,rc,podtemplates,limits,quota,hpa,pdb prints upstream's headers", async () => {
  await ok(["create", "-f", "-"], MANIFEST);
  assert.equal(
    await ok(["create", "quota", "q", "-n", "kc", "--hard=pods=10,requests.memory=1Gi,limits.memory=2Gi"]),
    "resourcequota/q created\n",
  );
  assert.equal(
    await ok(["create", "pdb", "web", "-n", "kc", "--selector=app=web", "--min-available=1"]),
    "poddisruptionbudget.policy/web created\n",
  );
  assert.equal(
    await ok(["autoscale", "deployment", "web", "-n", "kc", "--min=2", "--max=5", "--cpu-percent=70"]),
    "horizontalpodautoscaler.autoscaling/web autoscaled\n",
  );
  await c.server.settle();
  const out = await ok(["get", "pvc,pv,rc,podtemplates,limits,quota,hpa,pdb", "-n", "kc"]);
  const headers = out
    .split("\n")
    .filter((l) => l.startsWith("NAME"))
    .map((l) => l.trim().split(/\s{2,}/));
  assert.deepEqual(headers, [
    ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"],
    [
      "NAME",
      "CAPACITY",
      "ACCESS MODES",
      "RECLAIM POLICY",
      "STATUS",
      "CLAIM",
      "STORAGECLASS",
      "VOLUMEATTRIBUTESCLASS",
      "REASON",
      "AGE",
    ],
    ["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
    ["NAME", "CONTAINERS", "IMAGES", "POD LABELS"],
    ["NAME", "CREATED AT"],
    ["NAME", "REQUEST", "LIMIT", "AGE"],
    ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"],
    ["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"],
  ]);
  // A just-created PV is Pending until the volume controller makes it (unclaimed) Available.
  assert.match(
    out,
    /persistentvolume\/pv1\s+1Gi\s+RWO\s+Retain\s+(Pending|Available)\s+manual\s+<unset>\s+\d+s/,
  );
  await eventually(
    async () => (await c.admin("GET", "/api/v1/persistentvolumes/pv1")).json.status?.phase === "Available",
  );
  // The claim names no class, so it gets the default one (DefaultStorageClass admission).
  assert.match(out, /persistentvolumeclaim\/data\s+Pending\s+standard\s+<unset>\s+\d+s/);
  assert.match(out, /replicationcontroller\/legacy\s+1\s+1\s+0\s+\d+s/);
  assert.match(out, /podtemplate\/tpl\s+c\s+busybox\s+app=tpl/);
  assert.match(
    out,
    /resourcequota\/q\s+pods: 2\/10, requests\.memory: 512Mi\/1Gi\s+limits\.memory: 512Mi\/2Gi\s+\d+s/,
  );
  assert.match(
    out,
    /horizontalpodautoscaler\.autoscaling\/web\s+Deployment\/web\s+cpu: <unknown>\/70%\s+2\s+5\s+0\s+\d+s/,
  );
  assert.match(out, /poddisruptionbudget\.policy\/web\s+1\s+N\/A\s+0\s+\d+s/);
  const wide = await ok(["get", "rc", "-n", "kc", "-o", "wide"]);
  assert.match(
    wide,
    /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\nlegacy\s+1\s+1\s+0\s+\d+s\s+c\s+busybox\s+app=legacy\n$/,
  );
});

test("scale rc through the scale subresource; describe quota", async () => {
  assert.equal(
    await ok(["scale", "rc", "legacy", "-n", "kc", "--replicas=2"]),
    "replicationcontroller/legacy scaled\n",
  );
  await eventually(
    async () =>
      (await ok(["get", "pods", "-n", "kc", "-l", "app=legacy", "-o", "name"])).trim().split("\n").length ===
      2,
    5000,
    "2 legacy pods",
  );
  const described = await ok(["describe", "quota", "q", "-n", "kc"]);
  assert.match(described, /Resource\s+Used\s+Hard/);
  assert.match(described, /pods\s+\d+\s+10/);
});

test("drain: cordons the node and evicts through pods/eviction, waiting out the disruption budget", async () => {
  await createNamespace(c, "drain");
  await c.admin("POST", "/api/v1/nodes", { metadata: { name: "worker" } });
  const pods = ["db-0", "db-1"];
  for (const name of pods) {
    await c.admin("POST", "/api/v1/namespaces/drain/replicationcontrollers", {
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { pod: name },
        template: {
          metadata: { labels: { app: "db", pod: name } },
          spec: { containers: [{ name: "c", image: "busybox" }] },
        },
      },
    });
  }
  await c.server.settle();
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const listPods = async () => (await c.admin("GET", "/api/v1/namespaces/drain/pods")).json.items as any[];
  for (const p of await listPods()) {
    const bound = await c.admin("POST", `/api/v1/namespaces/drain/pods/${p.metadata.name}/binding`, {
      apiVersion: "v1",
      kind: "Binding",
      metadata: { name: p.metadata.name },
      target: { kind: "Node", name: "worker" },
    });
    assert.equal(bound.status, 201, bound.text);
    await c.admin(
      "PATCH",
      `/api/v1/namespaces/drain/pods/${p.metadata.name}/status`,
      {
        status: {
          phase: "Running",
          conditions: [{ type: "Ready", status: "True", lastTransitionTime: now }],
        },
      },
      "application/merge-patch+json",
    );
  }
  await ok(["create", "pdb", "db", "-n", "drain", "--selector=app=db", "--min-available=1"]);
  await c.server.settle();

  // Only one of the two may go; drain retries the other until a replacement is ready.
  const drain = c.kubectl(["drain", "worker", "--grace-period=0", "--timeout=60s"]);
  const replacement = await eventually(
    async () => (await listPods()).find((p) => !p.spec.nodeName && !p.metadata.deletionTimestamp),
    20_000,
    "a replacement pod from the RC",
  );
  await eventually(
    async () =>
      (await c.admin("GET", "/api/v1/namespaces/drain/pods")).json.items.filter((p: any) => p.spec.nodeName)
        .length === 1,
    20_000,
    "one evicted pod",
  );
  // While the budget is spent, the remaining pod's eviction is refused: make the replacement ready.
  await new Promise((r) => setTimeout(r, 1000));
  await c.admin(
    "PATCH",
    `/api/v1/namespaces/drain/pods/${replacement.metadata.name}/status`,
    {
      status: { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: now }] },
    },
    "application/merge-patch+json",
  );
  const result = await drain;
  assert.equal(result.code, 0, `drain: ${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /node\/worker cordoned/);
  assert.match(result.stdout, /evicting pod drain\/db-0-\w+/);
  assert.match(result.stdout, /pod\/db-[01]-\w+ evicted/);
  assert.match(result.stdout, /node\/worker drained/);
  assert.match(
    result.stderr,
    /error when evicting pods\/"db-[01]-\w+" -n "drain" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./,
  );
  const node = await c.admin("GET", "/api/v1/nodes/worker");
  assert.equal(node.json.spec.unschedulable, true);
  assert.equal((await listPods()).filter((p) => p.spec.nodeName === "worker").length, 0);
});
