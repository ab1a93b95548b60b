// Server-side apply field ownership with real kubectl: managedFields, no-op re-applies, conflicts,
// --force-conflicts and removal of fields dropped from the applied configuration.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { applyAll } from "../../src/apps/demo/apply.ts";
import { readKustomization } from "../../src/apps/demo/manifests.ts";
import { createClient } from "../../src/client/index.ts";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

const NS = "default";
let c: TestCluster;

before(async () => {
  c = await startTestCluster();
});
after(async () => {
  await c.stop();
});

const cm = (data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: owned\n  namespace: ${NS}\n  labels: {app: web}\ndata: ${JSON.stringify(data)}\n`;

async function get(args: string[] = []): Promise<any> {
  const r = await c.kubectl(["get", "cm", "owned", "-n", NS, "-o", "json", ...args]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

async function apply(input: string, ...flags: string[]) {
  return c.kubectl(["apply", "--server-side", ...flags, "-f", "-"], { input });
}

test("kubectl apply --server-side records ownership, is a no-op when repeated, and reports conflicts", async () => {
  let r = await apply(cm({ a: "1", b: "2" }));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "configmap/owned serverside-applied\n");

  // Hidden by default, shown with --show-managed-fields.
  assert.equal((await get()).metadata.managedFields, undefined);
  const created = await get(["--show-managed-fields"]);
  assert.equal(created.metadata.managedFields.length, 1);
  const [entry] = created.metadata.managedFields;
  assert.equal(entry.manager, "kubectl");
  assert.equal(entry.operation, "Apply");
  assert.equal(entry.apiVersion, "v1");
  assert.equal(entry.fieldsType, "FieldsV1");
  assert.match(entry.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual(entry.fieldsV1, {
    "f:data": { "f:a": {}, "f:b": {} },
    "f:metadata": { "f:labels": { "f:app": {} } },
  });

  // Re-applying the same configuration changes nothing, not even the resourceVersion.
  await new Promise((res) => setTimeout(res, 1100));
  r = await apply(cm({ a: "1", b: "2" }));
  assert.equal(r.code, 0, r.stderr);
  const again = await get(["--show-managed-fields"]);
  assert.equal(again.metadata.resourceVersion, created.metadata.resourceVersion);
  assert.deepEqual(again.metadata.managedFields, created.metadata.managedFields);

  // Another manager changing a field owned by "kubectl": a conflict, nothing written.
  r = await apply(cm({ a: "changed" }), "--field-manager=other");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.data\.a/);
  assert.equal((await get()).data.a, "1");

  // The raw Status is upstream's.
  const raw = await c.request("PATCH", `/api/v1/namespaces/${NS}/configmaps/owned?fieldManager=other`, {
    body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", data: { a: "x" } }),
    contentType: "application/apply-patch+yaml",
    cert: { cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
  });
  assert.equal(raw.status, 409, raw.text);
  assert.equal(raw.json.reason, "Conflict");
  assert.equal(raw.json.message, 'Apply failed with 1 conflict: conflict with "kubectl": .data.a');
  assert.deepEqual(raw.json.details.causes, [
    { reason: "FieldManagerConflict", message: 'conflict with "kubectl"', field: ".data.a" },
  ]);

  // Applying the same value is shared ownership, not a conflict.
  r = await apply(cm({ b: "2" }), "--field-manager=other");
  assert.equal(r.code, 0, r.stderr);

  // --force-conflicts takes the field over.
  r = await apply(cm({ a: "forced", b: "2" }), "--field-manager=other", "--force-conflicts");
  assert.equal(r.code, 0, r.stderr);
  const forced = await get(["--show-managed-fields"]);
  assert.equal(forced.data.a, "forced");
  const byManager = Object.fromEntries(
    forced.metadata.managedFields.map((e: any) => [e.manager, e.fieldsV1]),
  );
  assert.deepEqual(Object.keys(byManager).sort(), ["kubectl", "other"]);
  assert.deepEqual(byManager.other["f:data"], { "f:a": {}, "f:b": {} });
  assert.deepEqual(byManager.kubectl["f:data"], { "f:b": {} });
});

test("fields dropped from the applied configuration are removed unless another manager owns them", async () => {
  const doc = (data: Record<string, string>) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dropped, namespace: ${NS}}\ndata: ${JSON.stringify(data)}\n`;
  let r = await c.kubectl(["apply", "--server-side", "-f", "-"], { input: doc({ keep: "1", drop: "2" }) });
  assert.equal(r.code, 0, r.stderr);
  // A client-side edit (an Update by kubectl-patch) makes another manager own .data.shared.
  r = await c.kubectl(["patch", "cm", "dropped", "-n", NS, "-p", '{"data":{"shared":"3"}}']);
  assert.equal(r.code, 0, r.stderr);
  r = await c.kubectl(["apply", "--server-side", "-f", "-"], { input: doc({ keep: "1" }) });
  assert.equal(r.code, 0, r.stderr);
  r = await c.kubectl(["get", "cm", "dropped", "-n", NS, "-o", "json", "--show-managed-fields"]);
  const obj = JSON.parse(r.stdout);
  assert.deepEqual(obj.data, { keep: "1", shared: "3" });
  const patcher = obj.metadata.managedFields.find((e: any) => e.manager === "kubectl-patch");
  assert.equal(patcher.operation, "Update");
  assert.deepEqual(patcher.fieldsV1, { "f:data": { "f:shared": {} } });

  // Changing a field an Update manager owns conflicts, naming its apiVersion.
  r = await c.kubectl(["apply", "--server-side", "-f", "-"], { input: doc({ keep: "1", shared: "4" }) });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: \.data\.shared/,
  );
});

test("kubectl create records an Update entry with the kubectl-create manager", async () => {
  const r = await c.kubectl(["create", "deployment", "web", "-n", NS, "--image=nginx:1.27"]);
  assert.equal(r.code, 0, r.stderr);
  const got = await c.kubectl(["get", "deploy", "web", "-n", NS, "-o", "json", "--show-managed-fields"]);
  const entry = JSON.parse(got.stdout).metadata.managedFields.find(
    (e: any) => e.manager === "kubectl-create",
  );
  assert.equal(entry.operation, "Update");
  assert.equal(entry.apiVersion, "apps/v1");
  assert.deepEqual(entry.fieldsV1["f:metadata"]["f:labels"], { ".": {}, "f:app": {} });
  assert.deepEqual(Object.keys(entry.fieldsV1["f:spec"]["f:template"]["f:spec"]["f:containers"]), [
    'k:{"name":"nginx"}',
  ]);
  assert.ok(entry.fieldsV1["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"nginx"}']["."]);

  // An apply to /status records a status entry owning status fields only.
  const status = await c.request(
    "PATCH",
    `/apis/apps/v1/namespaces/${NS}/deployments/web/status?fieldManager=status-writer&force=true`,
    {
      body: JSON.stringify({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", labels: { ignored: "yes" } },
        status: { observedGeneration: 1 },
      }),
      contentType: "application/apply-patch+yaml",
      cert: { cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
    },
  );
  assert.equal(status.status, 200, status.text);
  assert.equal(status.json.metadata.labels.ignored, undefined);
  const statusEntry = status.json.metadata.managedFields.find((e: any) => e.manager === "status-writer");
  assert.equal(statusEntry.subresource, "status");
  assert.deepEqual(statusEntry.fieldsV1, { "f:status": { "f:observedGeneration": {} } });
});

test("the demo's overlay applied by npm start, then by kubectl under two managers: equal values are shared, not conflicts", async () => {
  const client = await createClient({ kubeconfig: c.kubeconfigPath });
  try {
    await applyAll(client, await readKustomization("deploy/overlays/discovery"));
  } finally {
    client.close();
  }
  for (const manager of ["kubectl", "other"]) {
    const r = await c.kubectl([
      "apply",
      "--server-side",
      `--field-manager=${manager}`,
      "-k",
      "deploy/overlays/discovery",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment\.apps\/pod-counter serverside-applied/);
  }
  const svc = await c.kubectl([
    "get",
    "svc",
    "pod-counter-metrics",
    "-n",
    "incluster",
    "-o",
    "json",
    "--show-managed-fields",
  ]);
  const entries = JSON.parse(svc.stdout).metadata.managedFields;
  assert.deepEqual(
    entries.map((e: any) => `${e.manager} ${e.operation}`),
    ["incluster-demo Apply", "kubectl Apply", "other Apply"],
  );
  for (const e of entries) {
    assert.deepEqual(Object.keys(e.fieldsV1["f:spec"]["f:ports"]), ['k:{"port":9090,"protocol":"TCP"}']);
  }

  // A value that does change conflicts with each manager that applied it, and only on that field.
  const rendered = await c.kubectl(["kustomize", "deploy/overlays/discovery"]);
  const changed = rendered.stdout.replace("replicas: 2", "replicas: 3");
  const r = await c.kubectl(["apply", "--server-side", "--field-manager=third", "-f", "-"], {
    input: changed,
  });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /Apply failed with 3 conflicts: conflicts with "incluster-demo":\n- \.spec\.replicas\nconflicts with "kubectl":\n- \.spec\.replicas\nconflicts with "other":\n- \.spec\.replicas/,
  );
});

test("after kubectl create and kubectl scale, an apply of equal values shares them; changed values conflict with their Update managers", async () => {
  let r = await c.kubectl(["create", "deployment", "shared", "-n", NS, "--image=nginx:1.27", "--replicas=2"]);
  assert.equal(r.code, 0, r.stderr);
  r = await c.kubectl(["scale", "deployment", "shared", "-n", NS, "--replicas=3"]);
  assert.equal(r.code, 0, r.stderr);
  const manifest = (image: string, replicas: number) =>
    JSON.stringify({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "shared", namespace: NS, labels: { app: "shared" } },
      spec: {
        replicas,
        selector: { matchLabels: { app: "shared" } },
        template: {
          metadata: { labels: { app: "shared" } },
          spec: { containers: [{ name: "nginx", image }] },
        },
      },
    });
  r = await c.kubectl(["apply", "--server-side", "--field-manager=deployer", "-f", "-"], {
    input: manifest("nginx:1.27", 3),
  });
  assert.equal(r.code, 0, r.stderr);

  r = await c.kubectl(["apply", "--server-side", "--field-manager=deployer", "-f", "-"], {
    input: manifest("nginx:1.28", 4),
  });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /Apply failed with 2 conflicts: conflicts with "kubectl" with subresource "scale" using apps\/v1:\n- \.spec\.replicas\nconflicts with "kubectl-create" using apps\/v1:\n- \.spec\.template\.spec\.containers\[name="nginx"\]\.image/,
  );
});

// Upstream too: ObjectFieldSelector is +structType=atomic and its apiVersion is defaulted after the apply
// merge (structuredmerge.go defaults the merged object), so a fieldRef applied without apiVersion differs
// from the stored one and conflicts with the first applier (as seen on real clusters, e.g.
// gitpod-io/gitpod#16901's `….env[name="KUBE_NAMESPACE"].valueFrom.fieldRef`). deploy/ writes it out.
test("a fieldRef applied without its defaulted apiVersion conflicts under a second manager, as upstream", async () => {
  const manifest = (fieldRef: object) =>
    JSON.stringify({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "fieldref", namespace: NS },
      spec: {
        selector: { matchLabels: { app: "fieldref" } },
        template: {
          metadata: { labels: { app: "fieldref" } },
          spec: {
            containers: [{ name: "c", image: "nginx:1.27", env: [{ name: "IP", valueFrom: { fieldRef } }] }],
          },
        },
      },
    });
  const bare = manifest({ fieldPath: "status.podIP" });
  let r = await c.kubectl(["apply", "--server-side", "--field-manager=first", "-f", "-"], { input: bare });
  assert.equal(r.code, 0, r.stderr);
  r = await c.kubectl(["apply", "--server-side", "--field-manager=second", "-f", "-"], { input: bare });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /Apply failed with 1 conflict: conflict with "first": \.spec\.template\.spec\.containers\[name="c"\]\.env\[name="IP"\]\.valueFrom\.fieldRef\n/,
  );
  r = await c.kubectl(["apply", "--server-side", "--field-manager=second", "-f", "-"], {
    input: manifest({ apiVersion: "v1", fieldPath: "status.podIP" }),
  });
  assert.equal(r.code, 0, r.stderr);
});
