// CustomResourceDefinitions on the real server: a CRD is served within a second (discovery, REST, watch,
// Table), its custom resources are validated, defaulted and pruned by the schema, status and scale
// subresources work, RBAC applies, and deleting the CRD deletes its objects and its API.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

const ALICE = { token: "alice-token", user: { username: "alice", groups: ["system:authenticated"] } };

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
                  ports: {
                    type: "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                    items: {
                      type: "object",
                      required: ["name"],
                      properties: { name: { type: "string" }, port: { type: "integer" } },
                    },
                  },
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
    c = await startTestCluster({ staticTokens: [ALICE] });
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

  it("lists the custom resource in aggregated discovery and OpenAPI", async () => {
    const agg = await c.request("GET", "/apis", {
      cert: { cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
      headers: { Accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" },
    });
    assert.equal(agg.status, 200, agg.text);
    const group = agg.json.items.find((g: any) => g.metadata.name === "example.com");
    const widgets = group.versions[0].resources.find((r: any) => r.resource === "widgets");
    assert.deepEqual(
      {
        scope: widgets.scope,
        kind: widgets.responseKind.kind,
        shortNames: widgets.shortNames,
        categories: widgets.categories,
        subresources: widgets.subresources.map(
          (x: any) => `${x.subresource}:${x.responseKind.group}/${x.responseKind.kind}`,
        ),
      },
      {
        scope: "Namespaced",
        kind: "Widget",
        shortNames: ["wd"],
        categories: ["all"],
        subresources: ["status:example.com/Widget", "scale:autoscaling/Scale"],
      },
    );
    const v3 = await c.admin("GET", "/openapi/v3/apis/example.com/v1");
    assert.equal(v3.status, 200, v3.text);
    const model = v3.json.components.schemas["com.example.v1.Widget"];
    assert.deepEqual(model["x-kubernetes-group-version-kind"], [
      { group: "example.com", kind: "Widget", version: "v1" },
    ]);
    assert.deepEqual(model.properties.spec.required, ["color"]);
  });

  it("creates, defaults, prunes and reads custom resources", async () => {
    const r = await c.admin("POST", BASE, {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w1", labelz: { typo: "yes" } },
      spec: { color: "red", extra: true },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.spec.replicas, 1);
    assert.equal(r.json.spec.maxReplicas, 10);
    assert.equal(r.json.spec.extra, undefined);
    assert.match(String(r.headers.warning), /unknown field \\"spec.extra\\"/);
    assert.match(String(r.headers.warning), /unknown field \\"metadata.labelz\\"/);
    assert.equal(r.json.metadata.labelz, undefined);
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

  it("server-side apply merges list-type map entries by key, one manager each", async () => {
    const apply = (manager: string, color: string, ports: object[]) =>
      c.admin(
        "PATCH",
        `${BASE}/ssa?fieldManager=${manager}`,
        JSON.stringify({
          apiVersion: "example.com/v1",
          kind: "Widget",
          metadata: { name: "ssa" },
          spec: { color, ports },
        }),
        "application/apply-patch+yaml",
      );
    const first = await apply("alpha", "red", [{ name: "http", port: 80 }]);
    assert.equal(first.status, 201, first.text);
    const second = await apply("beta", "blue", [{ name: "https", port: 443 }]);
    assert.equal(second.status, 409, second.text);
    assert.equal(second.json.message, 'Apply failed with 1 conflict: conflict with "alpha": .spec.color');
    const forced = await c.admin(
      "PATCH",
      `${BASE}/ssa?fieldManager=beta&force=true`,
      JSON.stringify({
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name: "ssa" },
        spec: { ports: [{ name: "https", port: 443 }] },
      }),
      "application/apply-patch+yaml",
    );
    assert.equal(forced.status, 200, forced.text);
    const byName = (a: any, b: any) => a.name.localeCompare(b.name);
    assert.deepEqual([...forced.json.spec.ports].sort(byName), [
      { name: "http", port: 80 },
      { name: "https", port: 443 },
    ]);
    const managers = forced.json.metadata.managedFields.map((m: any) => m.manager).sort();
    assert.deepEqual(managers, ["alpha", "beta"]);
    const beta = forced.json.metadata.managedFields.find((m: any) => m.manager === "beta");
    assert.ok(
      JSON.stringify(beta.fieldsV1).includes('k:{\\"name\\":\\"https\\"}'),
      JSON.stringify(beta.fieldsV1),
    );
  });

  it("lists with label and field selectors (selectableFields) and watches", async () => {
    for (const [name, color] of [
      ["w2", "green"],
      ["w3", "blue"],
    ]) {
      const r = await c.admin("POST", BASE, {
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name, labels: { color } },
        spec: { color },
      });
      assert.equal(r.status, 201, r.text);
    }
    const byField = await c.admin("GET", `${BASE}?fieldSelector=spec.color%3Dgreen`);
    assert.deepEqual(
      byField.json.items.map((x: any) => x.metadata.name),
      ["w2"],
    );
    const byLabel = await c.admin("GET", `${BASE}?labelSelector=color%3Dblue`);
    assert.deepEqual(
      byLabel.json.items.map((x: any) => x.metadata.name),
      ["w3"],
    );
    const unknownField = await c.admin("GET", `${BASE}?fieldSelector=spec.size%3D1`);
    assert.equal(unknownField.status, 400);
    // apiextensions-apiserver pkg/apiserver/conversion/converter.go's field label conversion.
    assert.equal(unknownField.json.message, "field label not supported: spec.size");

    const rv = byField.json.metadata.resourceVersion;
    const watch = c.admin("GET", `${BASE}?watch=1&resourceVersion=${rv}&timeoutSeconds=1`);
    await c.admin("DELETE", `${BASE}/w3`);
    const events = (await watch).text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      events.map((e: any) => `${e.type} ${e.object.metadata.name}`),
      ["DELETED w3"],
    );
  });

  it("answers Table requests with the printer columns", async () => {
    const r = await c.request("GET", BASE, {
      cert: { cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
      headers: { Accept: "application/json;as=Table;v=v1;g=meta.k8s.io" },
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(
      r.json.columnDefinitions.map((x: any) => [x.name, x.type, x.format, x.priority]),
      [
        ["Name", "string", "name", 0],
        ["Replicas", "integer", "", 0],
        ["Color", "string", "", 1],
        ["Age", "date", "", 0],
      ],
    );
    const row = r.json.rows.find((x: any) => x.cells[0] === "w1");
    assert.deepEqual(row.cells.slice(0, 3), ["w1", 1, "red"]);
    assert.match(row.cells[3], /^\d+s$/);
  });

  it("serves the status and scale subresources", async () => {
    const status = await c.admin("PUT", `${BASE}/w1/status`, {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w1" },
      spec: { color: "blue" },
      status: { replicas: 1, selector: "app=w1" },
    });
    assert.equal(status.status, 200, status.text);
    assert.equal(status.json.spec.color, "red", "a status write leaves spec alone");
    assert.equal(status.json.status.replicas, 1);
    const main = await c.admin(
      "PATCH",
      `${BASE}/w1`,
      { status: { replicas: 9 }, spec: { replicas: 2 } },
      "application/merge-patch+json",
    );
    assert.equal(main.status, 200, main.text);
    assert.equal(main.json.status.replicas, 1, "the main resource ignores status");
    assert.equal(main.json.metadata.generation, 2);
    assert.equal(status.json.metadata.generation, 1, "a status write leaves generation alone");

    const scale = await c.admin("GET", `${BASE}/w1/scale`);
    assert.equal(scale.status, 200, scale.text);
    assert.equal(scale.json.kind, "Scale");
    assert.equal(scale.json.apiVersion, "autoscaling/v1");
    assert.deepEqual(scale.json.spec, { replicas: 2 });
    assert.deepEqual(scale.json.status, { replicas: 1, selector: "app=w1" });
    const scaled = await c.admin(
      "PATCH",
      `${BASE}/w1/scale`,
      { spec: { replicas: 4 } },
      "application/merge-patch+json",
    );
    assert.equal(scaled.status, 200, scaled.text);
    assert.equal(scaled.json.spec.replicas, 4);
    const after = await c.admin("GET", `${BASE}/w1`);
    assert.equal(after.json.spec.replicas, 4);
  });

  it("applies RBAC to custom resources as to built-ins", async () => {
    const denied = await c.request("GET", BASE, { token: ALICE.token });
    assert.equal(denied.status, 403);
    assert.equal(
      denied.json.message,
      'widgets.example.com is forbidden: User "alice" cannot list resource "widgets" in API group "example.com" in the namespace "default"',
    );
    const role = await c.admin("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", {
      metadata: { name: "widget-reader" },
      rules: [{ apiGroups: ["example.com"], resources: ["widgets"], verbs: ["get", "list"] }],
    });
    assert.equal(role.status, 201, role.text);
    const binding = await c.admin(
      "POST",
      "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
      {
        metadata: { name: "alice-widgets" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "widget-reader" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice" }],
      },
    );
    assert.equal(binding.status, 201, binding.text);
    await eventually(
      async () => (await c.request("GET", BASE, { token: ALICE.token })).status === 200,
      2000,
      "alice may list",
    );
    const write = await c.request("DELETE", `${BASE}/w1`, { token: ALICE.token });
    assert.equal(write.status, 403);
  });

  it("serves several versions, rewriting apiVersion (conversion None)", async () => {
    const crd = structuredClone(CRD) as any;
    crd.metadata.name = "gadgets.example.com";
    crd.spec.names = { plural: "gadgets", singular: "gadget", kind: "Gadget" };
    const schema = {
      openAPIV3Schema: {
        type: "object",
        properties: { spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      },
    };
    crd.spec.versions = [
      { name: "v1beta1", served: true, storage: false, schema },
      { name: "v1", served: true, storage: true, schema },
    ];
    const r = await c.admin("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
    assert.equal(r.status, 201, r.text);
    await eventually(
      async () =>
        (await c.admin("GET", "/apis/example.com/v1beta1/namespaces/default/gadgets")).status === 200,
      1000,
      "v1beta1 served",
    );
    const group = await c.admin("GET", "/apis/example.com");
    assert.deepEqual(
      group.json.versions.map((v: any) => v.version),
      ["v1", "v1beta1"],
    );
    const created = await c.admin("POST", "/apis/example.com/v1beta1/namespaces/default/gadgets", {
      apiVersion: "example.com/v1beta1",
      kind: "Gadget",
      metadata: { name: "g" },
      spec: { anything: { goes: 1 } },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.apiVersion, "example.com/v1beta1");
    assert.deepEqual(created.json.spec, { anything: { goes: 1 } });
    const v1 = await c.admin("GET", "/apis/example.com/v1/namespaces/default/gadgets/g");
    assert.equal(v1.json.apiVersion, "example.com/v1");
    const beta = await c.admin("GET", "/apis/example.com/v1beta1/namespaces/default/gadgets");
    assert.equal(beta.json.items[0].apiVersion, "example.com/v1beta1");
    const patched = await c.admin(
      "PATCH",
      "/apis/example.com/v1beta1/namespaces/default/gadgets/g",
      { spec: { more: true } },
      "application/merge-patch+json",
    );
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.apiVersion, "example.com/v1beta1");
  });

  it("rejects an invalid CRD with upstream's messages", async () => {
    const r = await c.admin("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "things.example.com" },
      spec: {
        group: "example.com",
        scope: "Galaxy",
        names: { plural: "things", kind: "Thing" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: false,
            schema: { openAPIV3Schema: { type: "object", properties: { spec: {} } } },
          },
        ],
      },
    });
    assert.equal(r.status, 422, r.text);
    const causes = r.json.details.causes.map((x: any) => `${x.field}: ${x.message}`);
    assert.ok(
      causes.includes('spec.scope: Unsupported value: "Galaxy": supported values: "Cluster", "Namespaced"'),
      causes.join("\n"),
    );
    assert.ok(
      causes.includes(
        "spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields",
      ),
      causes.join("\n"),
    );
    assert.ok(
      causes.some(
        (x: string) =>
          x.startsWith("spec.versions: Invalid value: ") &&
          x.endsWith("must have exactly one version marked as storage version"),
      ),
      causes.join("\n"),
    );
  });

  it("reports a names conflict in NamesAccepted and does not serve the CRD", async () => {
    const crd = structuredClone(CRD) as any;
    crd.metadata.name = "sprockets.example.com";
    crd.spec.names = { plural: "sprockets", singular: "sprocket", kind: "Widget" };
    const r = await c.admin("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
    assert.equal(r.status, 201, r.text);
    const got = await eventually(
      async () => {
        const x = await c.admin(
          "GET",
          "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/sprockets.example.com",
        );
        return x.json.status?.conditions?.length ? x.json : undefined;
      },
      1000,
      "conditions",
    );
    const names = got.status.conditions.find((x: any) => x.type === "NamesAccepted");
    // naming_controller.go checks plural, singular, shortNames, kind, listKind in turn; the last conflict wins.
    assert.deepEqual(
      [names.status, names.reason, names.message],
      ["False", "ListKindConflict", '"WidgetList" is already in use'],
    );
    const established = got.status.conditions.find((x: any) => x.type === "Established");
    assert.deepEqual([established.status, established.reason], ["False", "NotAccepted"]);
    assert.equal((await c.admin("GET", "/apis/example.com/v1/namespaces/default/sprockets")).status, 404);
  });

  it("garbage-collects objects owned by a custom resource", async () => {
    const owner = await c.admin("POST", BASE, {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "owner" },
      spec: { color: "red" },
    });
    assert.equal(owner.status, 201, owner.text);
    const cm = await c.admin("POST", "/api/v1/namespaces/default/configmaps", {
      metadata: {
        name: "owned",
        ownerReferences: [
          { apiVersion: "example.com/v1", kind: "Widget", name: "owner", uid: owner.json.metadata.uid },
        ],
      },
      data: { a: "b" },
    });
    assert.equal(cm.status, 201, cm.text);
    assert.equal((await c.admin("DELETE", `${BASE}/owner`)).status, 200);
    await eventually(
      async () => (await c.admin("GET", "/api/v1/namespaces/default/configmaps/owned")).status === 404,
      2000,
      "owned ConfigMap collected",
    );
  });

  it("namespace deletion deletes custom resources, waiting for their finalizers", async () => {
    assert.equal((await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "doomed" } })).status, 201);
    const base = "/apis/example.com/v1/namespaces/doomed/widgets";
    const held = await c.admin("POST", base, {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "held", finalizers: ["example.com/hold"] },
      spec: { color: "red" },
    });
    assert.equal(held.status, 201, held.text);
    assert.equal((await c.admin("DELETE", "/api/v1/namespaces/doomed")).status, 200);
    await eventually(
      async () => Boolean((await c.admin("GET", `${base}/held`)).json.metadata.deletionTimestamp),
      2000,
      "CR being deleted",
    );
    assert.equal(
      (await c.admin("GET", "/api/v1/namespaces/doomed")).status,
      200,
      "held by the CR's finalizer",
    );
    await c.admin(
      "PATCH",
      `${base}/held`,
      { metadata: { finalizers: null } },
      "application/merge-patch+json",
    );
    await eventually(
      async () => (await c.admin("GET", "/api/v1/namespaces/doomed")).status === 404,
      3000,
      "namespace gone",
    );
  });

  it("a custom resource's finalizer holds its CRD in Terminating, which refuses creates", async () => {
    const crd = structuredClone(CRD) as any;
    crd.metadata.name = "doohickeys.example.com";
    crd.spec.names = { plural: "doohickeys", singular: "doohickey", kind: "Doohickey" };
    assert.equal(
      (await c.admin("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)).status,
      201,
    );
    const base = "/apis/example.com/v1/namespaces/default/doohickeys";
    await eventually(async () => (await c.admin("GET", base)).status === 200, 1000, "served");
    const held = await c.admin("POST", base, {
      apiVersion: "example.com/v1",
      kind: "Doohickey",
      metadata: { name: "held", finalizers: ["example.com/hold"] },
      spec: { color: "red" },
    });
    assert.equal(held.status, 201, held.text);
    await c.admin("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/doohickeys.example.com");
    const terminating = await eventually(
      async () => {
        const x = await c.admin(
          "GET",
          "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/doohickeys.example.com",
        );
        const t = x.json.status.conditions.find((y: any) => y.type === "Terminating");
        return t?.reason === "InstanceDeletionInProgress" ? x.json : undefined;
      },
      2000,
      "InstanceDeletionInProgress",
    );
    assert.deepEqual(terminating.metadata.finalizers, ["customresourcecleanup.apiextensions.k8s.io"]);
    const refused = await c.admin("POST", base, {
      apiVersion: "example.com/v1",
      kind: "Doohickey",
      metadata: { name: "late" },
      spec: { color: "red" },
    });
    assert.equal(refused.status, 405, refused.text);
    assert.equal(refused.json.message, "create not allowed while custom resource definition is terminating");
    assert.ok((await c.admin("GET", `${base}/held`)).json.metadata.deletionTimestamp);
    const released = await c.admin(
      "PATCH",
      `${base}/held`,
      { metadata: { finalizers: null } },
      "application/merge-patch+json",
    );
    assert.equal(released.status, 200, released.text);
    await eventually(
      async () =>
        (
          await c.admin(
            "GET",
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/doohickeys.example.com",
          )
        ).status === 404,
      3000,
      "CRD gone",
    );
  });

  it("a CRD never takes over a built-in resource's path", async () => {
    const crd = structuredClone(CRD) as any;
    crd.metadata = {
      name: "leases.coordination.k8s.io",
      annotations: { "api-approved.kubernetes.io": "unapproved, test" },
    };
    crd.spec.group = "coordination.k8s.io";
    crd.spec.names = { plural: "leases", singular: "lease", kind: "Lease" };
    const r = await c.admin("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
    assert.equal(r.status, 201, r.text);
    await c.server.settle();
    // The built-in Lease still validates as a Lease (spec.leaseDurationSeconds > 0), not as a Widget.
    const lease = await c.admin("POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases", {
      metadata: { name: "l" },
      spec: { leaseDurationSeconds: 0 },
    });
    assert.equal(lease.status, 422, lease.text);
    assert.match(lease.json.message, /spec\.leaseDurationSeconds: Invalid value: 0: must be greater than 0/);
    // Deleting that CRD must not delete the built-in Leases sharing its storage key space.
    const kept = await c.admin("POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases", {
      metadata: { name: "kept" },
      spec: {},
    });
    assert.equal(kept.status, 201, kept.text);
    assert.equal(
      (
        await c.admin(
          "DELETE",
          "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/leases.coordination.k8s.io",
        )
      ).status,
      200,
    );
    await eventually(
      async () =>
        (
          await c.admin(
            "GET",
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/leases.coordination.k8s.io",
          )
        ).status === 404,
      2000,
      "CRD gone",
    );
    assert.equal(
      (await c.admin("GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/kept")).status,
      200,
    );
  });

  it("deleting a CRD deletes its custom resources, then its API", async () => {
    const del = await c.admin(
      "DELETE",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
    );
    assert.equal(del.status, 200, del.text);
    await eventually(
      async () =>
        (await c.admin("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com"))
          .status === 404,
      3000,
      "CRD gone",
    );
    assert.equal((await c.admin("GET", BASE)).status, 404);
    const resources = await c.admin("GET", "/apis/example.com/v1");
    assert.ok(!resources.json.resources.some((x: any) => x.name === "widgets"));
    // Re-created, the API starts empty: the old objects were deleted, not hidden.
    assert.equal(
      (await c.admin("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD)).status,
      201,
    );
    const list = await eventually(
      async () => {
        const x = await c.admin("GET", BASE);
        return x.status === 200 ? x : undefined;
      },
      1000,
      "served again",
    );
    assert.deepEqual(list.json.items, []);
  });
});

describe("CustomResourceDefinitions with a data dir", () => {
  it("serves CRDs and their objects again after a restart", async () => {
    const { mkdtemp, rm } = await import("node:fs/promises");
    const os = await import("node:os");
    const path = await import("node:path");
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "incluster-crd-"));
    try {
      let c = await startTestCluster({ dataDir });
      assert.equal(
        (await c.admin("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD)).status,
        201,
      );
      await eventually(async () => (await c.admin("GET", BASE)).status === 200, 1000, "served");
      const created = await c.admin("POST", BASE, {
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name: "kept" },
        spec: { color: "blue" },
      });
      assert.equal(created.status, 201, created.text);
      await c.stop();
      c = await startTestCluster({ dataDir });
      try {
        const got = await c.admin("GET", `${BASE}/kept`);
        assert.equal(got.status, 200, got.text);
        assert.equal(got.json.spec.color, "blue");
      } finally {
        await c.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
