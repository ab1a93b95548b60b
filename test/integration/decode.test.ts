// Typed decoding of request bodies over real HTTPS: what kube-apiserver's JSON decoder rejects is
// rejected with its exact Status, and unknown fields follow fieldValidation (Ignore/Warn/Strict).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "dec" } });
});
after(() => c.stop());

const pod = (name: string, container: Record<string, unknown>) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name },
  spec: { containers: [{ name: "c", image: "busybox", ...container }] },
});

function assertBadRequest(r: { status: number; json: any; text: string }, message: string): void {
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.kind, "Status");
  assert.equal(r.json.reason, "BadRequest");
  assert.equal(r.json.code, 400);
  assert.equal(r.json.message, message);
}

describe("invalid typed data is refused, not stored", () => {
  test("Secret.data that is not base64", async () => {
    const r = await c.admin("POST", "/api/v1/namespaces/dec/secrets", {
      metadata: { name: "s" },
      data: { key: "not base64" },
    });
    assertBadRequest(
      r,
      'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3',
    );
    assert.equal((await c.admin("GET", "/api/v1/namespaces/dec/secrets/s")).status, 404);
  });

  test("a quantity that does not parse", async () => {
    const r = await c.admin(
      "POST",
      "/api/v1/namespaces/dec/pods",
      pod("q", { resources: { limits: { cpu: "lots" } } }),
    );
    assertBadRequest(
      r,
      "Pod in version \"v1\" cannot be handled as a Pod: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
  });

  test("a string where Go has an int32", async () => {
    const r = await c.admin(
      "POST",
      "/api/v1/namespaces/dec/pods",
      pod("p", { ports: [{ containerPort: "80" }] }),
    );
    assertBadRequest(
      r,
      'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32',
    );
  });

  test("an IntOrString that is neither", async () => {
    const r = await c.admin("POST", "/api/v1/namespaces/dec/services", {
      metadata: { name: "svc" },
      spec: { ports: [{ port: 80, targetPort: true }] },
    });
    assertBadRequest(
      r,
      'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32',
    );
  });

  test("apps/v1 kinds name only the version", async () => {
    const r = await c.admin("POST", "/apis/apps/v1/namespaces/dec/deployments", {
      metadata: { name: "d" },
      spec: { replicas: "3" },
    });
    assertBadRequest(
      r,
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
  });

  test("a JSON patch whose result does not decode is 422 on field patch", async () => {
    const created = await c.admin("POST", "/api/v1/namespaces/dec/configmaps", {
      metadata: { name: "cm" },
      data: { a: "b" },
    });
    assert.equal(created.status, 201, created.text);
    const r = await c.admin(
      "PATCH",
      "/api/v1/namespaces/dec/configmaps/cm",
      [{ op: "add", path: "/data/n", value: 1 }],
      "application/json-patch+json",
    );
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.reason, "Invalid");
    assert.deepEqual(Object.keys(r.json.details), ["causes"]);
    assert.equal(r.json.details.causes[0].field, "patch");
    assert.match(
      r.json.message,
      /^ "" is invalid: patch: Invalid value: "\{.*\}": json: cannot unmarshal number into Go struct field ConfigMap\.data of type string$/,
    );
  });
});

test("a null list element is Go's zero value, then defaulted and validated (not a 500)", async () => {
  const r = await c.admin("POST", "/api/v1/namespaces/dec/services", {
    metadata: { name: "nullport" },
    spec: { ports: [null] },
  });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.reason, "Invalid");
  assert.ok(
    r.json.details.causes.some((cause: any) => cause.field === "spec.ports[0].port"),
    JSON.stringify(r.json.details.causes),
  );
});

test("quantities are stored in canonical form, numbers as strings", async () => {
  const r = await c.admin(
    "POST",
    "/api/v1/namespaces/dec/pods",
    pod("canon", {
      resources: { requests: { cpu: 0.5, memory: "1024Mi" }, limits: { cpu: "1000m", memory: "1.5Gi" } },
    }),
  );
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.spec.containers[0].resources, {
    requests: { cpu: "500m", memory: "1Gi" },
    limits: { cpu: "1", memory: "1536Mi" },
  });
});

describe("unknown fields follow fieldValidation", () => {
  const body = (name: string) => ({
    metadata: { name, bogus: 1 },
    data: { a: "b" },
    spec: { foo: true },
  });

  test("Strict: 400 listing every unknown field", async () => {
    const r = await c.admin(
      "POST",
      "/api/v1/namespaces/dec/configmaps?fieldValidation=Strict",
      body("strict"),
    );
    assertBadRequest(
      r,
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.bogus", unknown field "spec"',
    );
  });

  test("Warn (the default): stored without them, one Warning header each", async () => {
    const r = await c.admin("POST", "/api/v1/namespaces/dec/configmaps", body("warn"));
    assert.equal(r.status, 201, r.text);
    // Node joins repeated headers with ", ".
    assert.equal(
      r.headers.warning,
      '299 - "unknown field \\"metadata.bogus\\"", 299 - "unknown field \\"spec\\""',
    );
    assert.equal(r.json.spec, undefined);
    assert.equal(r.json.metadata.bogus, undefined);
  });

  test("Ignore: stored without them, silently", async () => {
    const r = await c.admin(
      "POST",
      "/api/v1/namespaces/dec/configmaps?fieldValidation=Ignore",
      body("ignore"),
    );
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.warning, undefined);
    assert.equal(r.json.spec, undefined);
  });

  test("paths name list indices", async () => {
    const r = await c.admin(
      "POST",
      "/api/v1/namespaces/dec/pods?fieldValidation=Strict",
      pod("idx", { ports: [{ containerPort: 80, bogus: 1 }] }),
    );
    assertBadRequest(
      r,
      'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].ports[0].bogus"',
    );
  });

  test("a strategic merge patch adding an unknown field, Strict: 422 showing the patch as Go prints it", async () => {
    await c.admin("POST", "/api/v1/namespaces/dec/configmaps", {
      metadata: { name: "smp" },
      data: { a: "b" },
    });
    const r = await c.admin(
      "PATCH",
      "/api/v1/namespaces/dec/configmaps/smp?fieldValidation=Strict",
      { spec: { foo: 1 }, data: { a: "c" } },
      "application/strategic-merge-patch+json",
    );
    assert.equal(r.status, 422, r.text);
    assert.equal(
      r.json.message,
      ' "" is invalid: patch: Invalid value: "map[data:map[a:c] spec:map[foo:1]]": strict decoding error: unknown field "spec"',
    );
    const unchanged = await c.admin("GET", "/api/v1/namespaces/dec/configmaps/smp");
    assert.deepEqual(unchanged.json.data, { a: "b" });
  });

  test("kubectl create (fieldValidation=Strict) reports the unknown field", async () => {
    const manifest = JSON.stringify({
      apiVersion: "v1",
      kind: "ConfigMap",
      ...body("kubectl"),
      metadata: { name: "kubectl", namespace: "dec" },
    });
    const r = await c.kubectl(["create", "-f", "-"], { input: manifest });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /strict decoding error: unknown field "spec"/);
  });
});
