// Validation over real HTTPS: the 422 Status kube-apiserver returns for invalid workloads and Services.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "val" } });
});
after(() => c.stop());

const deployment = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: {
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    },
    ...spec,
  },
});

describe("Deployments", () => {
  test("a selector that does not match the template is 422 Invalid", async () => {
    const r = await c.admin(
      "POST",
      "/apis/apps/v1/namespaces/val/deployments",
      deployment("d1", { selector: { matchLabels: { app: "other" } } }),
    );
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.reason, "Invalid");
    assert.equal(
      r.json.message,
      'Deployment.apps "d1" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"d1"}: `selector` does not match template `labels`',
    );
    assert.deepEqual(r.json.details, {
      name: "d1",
      group: "apps",
      kind: "Deployment",
      causes: [
        {
          reason: "FieldValueInvalid",
          message:
            'Invalid value: map[string]string{"app":"d1"}: `selector` does not match template `labels`',
          field: "spec.template.metadata.labels",
        },
      ],
    });
  });

  test("negative replicas and Recreate with rollingUpdate", async () => {
    const r = await c.admin(
      "POST",
      "/apis/apps/v1/namespaces/val/deployments",
      deployment("d2", { replicas: -1, strategy: { type: "Recreate", rollingUpdate: { maxSurge: 1 } } }),
    );
    assert.equal(r.status, 422, r.text);
    assert.equal(
      r.json.message,
      "Deployment.apps \"d2\" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate']",
    );
  });

  test("the selector cannot change", async () => {
    const created = await c.admin("POST", "/apis/apps/v1/namespaces/val/deployments", deployment("d3"));
    assert.equal(created.status, 201, created.text);
    const r = await c.admin(
      "PATCH",
      "/apis/apps/v1/namespaces/val/deployments/d3",
      {
        spec: {
          selector: { matchLabels: { app: "d3", v: "2" } },
          template: { metadata: { labels: { v: "2" } } },
        },
      },
      "application/merge-patch+json",
    );
    assert.equal(r.status, 422, r.text);
    assert.equal(
      r.json.message,
      'Deployment.apps "d3" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"d3", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    );
  });

  test("a valid Deployment still rolls out its ReplicaSet", async () => {
    await c.admin("POST", "/apis/apps/v1/namespaces/val/deployments", deployment("ok"));
    let rs: any[] = [];
    for (let i = 0; i < 50 && rs.length === 0; i++) {
      rs = (await c.admin("GET", "/apis/apps/v1/namespaces/val/replicasets")).json.items.filter(
        (r: any) => r.metadata.ownerReferences?.[0]?.name === "ok",
      );
      if (rs.length === 0) await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(rs.length, 1);
  });
});
