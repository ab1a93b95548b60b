// Malformed bodies the review's mutation fuzzing found answered with 500 Internal Error: each must get a
// clear 4xx Status instead, on the real server.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
});
after(() => c.stop());

const template = {
  metadata: { labels: { app: "a" } },
  spec: { containers: [{ name: "c", image: "busybox" }] },
};

test("a Deployment whose selector.matchLabels has a null value is refused with 422, not a 500", async () => {
  const r = await c.admin("POST", "/apis/apps/v1/namespaces/default/deployments", {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "null-label" },
    spec: { selector: { matchLabels: { app: null } }, template },
  });
  assert.equal(r.status, 422, r.text);
  assert.match(r.json.message, /`selector` does not match template `labels`/);
});

test("a CRD schema property that is null is refused with 422 (type required), not a 500", async () => {
  const r = await c.admin("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "widgets.review.example" },
    spec: {
      group: "review.example",
      names: { plural: "widgets", kind: "Widget" },
      scope: "Namespaced",
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", properties: { spec: null } } },
        },
      ],
    },
  });
  assert.equal(r.status, 422, r.text);
  assert.match(
    r.json.message,
    /properties\[spec\]\.type: Required value: must not be empty for specified object fields/,
  );
});
