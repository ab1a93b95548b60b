// Status writes as 1.33's strategies take them: an HPA's /status PUT changes status only and (like every
// HPA write before 1.37) no generation; Services and Namespaces have no generation either; a Job's
// /status PUT meets ValidateJobUpdateStatus.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "st" } });
});
after(async () => {
  await c.stop();
});

const hpas = (version: string) => `/apis/autoscaling/${version}/namespaces/st/horizontalpodautoscalers`;

test("HPA: a /status PUT writes status only, and no write gives an HPA a generation", async () => {
  const created = await c.admin("POST", hpas("v2"), {
    metadata: { name: "web" },
    spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, maxReplicas: 3 },
  });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json.metadata.generation, undefined);

  const body = structuredClone(created.json);
  body.status = { currentReplicas: 2, desiredReplicas: 3, observedGeneration: 1 };
  body.spec.maxReplicas = 9; // ignored through /status
  const status = await c.admin("PUT", `${hpas("v2")}/web/status`, body);
  assert.equal(status.status, 200, status.text);
  assert.deepEqual(status.json.status, { currentReplicas: 2, desiredReplicas: 3, observedGeneration: 1 });
  assert.equal(status.json.spec.maxReplicas, 3);
  assert.equal(status.json.metadata.generation, undefined);

  // The main resource ignores status and changes spec, still without a generation.
  const main = structuredClone(status.json);
  main.spec.maxReplicas = 5;
  main.status = { currentReplicas: 0, desiredReplicas: 0 };
  const put = await c.admin("PUT", `${hpas("v2")}/web`, main);
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json.spec.maxReplicas, 5);
  assert.equal(put.json.status.currentReplicas, 2);
  assert.equal(put.json.metadata.generation, undefined);

  // Through v1 the same.
  const v1 = (await c.admin("GET", `${hpas("v1")}/web`)).json;
  v1.status = { ...v1.status, currentReplicas: 3 };
  const v1Status = await c.admin("PUT", `${hpas("v1")}/web/status`, v1);
  assert.equal(v1Status.status, 200, v1Status.text);
  assert.equal(v1Status.json.status.currentReplicas, 3);
  assert.equal(v1Status.json.metadata.generation, undefined);
});

test("Services, Namespaces and Nodes carry no metadata.generation; Deployments do", async () => {
  const svc = await c.admin("POST", "/api/v1/namespaces/st/services", {
    metadata: { name: "web" },
    spec: { ports: [{ port: 80 }] },
  });
  assert.equal(svc.status, 201, svc.text);
  assert.equal(svc.json.metadata.generation, undefined);
  svc.json.spec.ports[0].port = 81;
  const changed = await c.admin("PUT", "/api/v1/namespaces/st/services/web", svc.json);
  assert.equal(changed.status, 200, changed.text);
  assert.equal(changed.json.metadata.generation, undefined);
  assert.equal((await c.admin("GET", "/api/v1/namespaces/st")).json.metadata.generation, undefined);
  const node = await c.admin("POST", "/api/v1/nodes", { metadata: { name: "n1" }, spec: {} });
  assert.equal(node.status, 201, node.text);
  assert.equal(node.json.metadata.generation, undefined);

  const deploy = await c.admin("POST", "/apis/apps/v1/namespaces/st/deployments", {
    metadata: { name: "d" },
    spec: {
      selector: { matchLabels: { app: "d" } },
      template: { metadata: { labels: { app: "d" } }, spec: { containers: [{ name: "c", image: "x" }] } },
    },
  });
  assert.equal(deploy.json.metadata.generation, 1);
});

test("Job /status: ValidateJobUpdateStatus's rules with upstream's texts", async () => {
  const created = await c.admin("POST", "/apis/batch/v1/namespaces/st/jobs", {
    metadata: { name: "j" },
    spec: {
      suspend: true,
      template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "x" }] } },
    },
  });
  assert.equal(created.status, 201, created.text);
  const job = created.json;
  delete job.metadata.resourceVersion; // the Job controller writes status meanwhile
  job.status = {
    active: 1,
    conditions: [{ type: "Complete", status: "True" }],
    uncountedTerminatedPods: { succeeded: ["u1", "u1"] },
  };
  const bad = await c.admin("PUT", "/apis/batch/v1/namespaces/st/jobs/j/status", job);
  assert.equal(bad.status, 422, bad.text);
  assert.equal(
    bad.json.message,
    'Job.batch "j" is invalid: [status.uncountedTerminatedPods.succeeded[1]: Duplicate value: "u1", ' +
      "status.completionTime: Required value: completionTime is required for Complete jobs, " +
      "status.active: Invalid value: 1: active>0 is invalid for finished job, " +
      "status.startTime: Required value: startTime is required for finished job, " +
      'status.uncountedTerminatedPods: Invalid value: {"succeeded":["u1","u1"]}: uncountedTerminatedPods needs to be empty for finished job]',
  );
  job.status = { active: 0, ready: 0, terminating: 0 };
  const ok = await c.admin("PUT", "/apis/batch/v1/namespaces/st/jobs/j/status", job);
  assert.equal(ok.status, 200, ok.text);
});

test("ReplicaSet validation through kubectl: selector vs template labels, negative replicas", async () => {
  const rs = (replicas: number, label: string) =>
    JSON.stringify({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "rs", namespace: "st" },
      spec: {
        replicas,
        selector: { matchLabels: { app: "rs" } },
        template: { metadata: { labels: { app: label } }, spec: { containers: [{ name: "c", image: "x" }] } },
      },
    });
  const r = await c.kubectl(["create", "-f", "-"], { input: rs(-1, "other") });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /spec\.replicas: Invalid value: -1: must be greater than or equal to 0/);
  assert.match(
    r.stderr,
    /spec\.template\.metadata\.labels: Invalid value: map\[string\]string\{"app":"other"\}: `selector` does not match template `labels`/,
  );
  assert.equal((await c.kubectl(["get", "rs", "rs", "-n", "st"])).code, 1, "nothing was created");
});
