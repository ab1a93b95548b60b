// Server-side apply results are decoded into the kind's Go types like every other write: an ill-typed field
// is a 422 on "patch" (patch.go's error for a patched object that does not decode), never a 500 from the
// defaulting, admission or deletion code behind it. Reproducers found by test/fuzz/request-path.test.ts.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
});
after(() => c.stop());

const apply = (path: string, body: unknown) =>
  c.request("PATCH", `${path}?fieldManager=f`, {
    body,
    contentType: "application/apply-patch+yaml",
    cert: { cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
  });

const CASES: [string, string, Record<string, unknown>, RegExp][] = [
  [
    "a Deployment whose spec is a string",
    "/apis/apps/v1/namespaces/default/deployments/d",
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: "x" },
    /json: cannot unmarshal string into Go struct field Deployment\.spec of type v1\.DeploymentSpec/,
  ],
  [
    "a Service whose ports are a string",
    "/api/v1/namespaces/default/services/s",
    { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: "x" } },
    /json: cannot unmarshal string into Go struct field ServiceSpec\.spec\.ports of type \[\]v1\.ServicePort/,
  ],
  [
    "a Namespace whose spec is a number",
    "/api/v1/namespaces/n1",
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "n1" }, spec: 7 },
    /json: cannot unmarshal number into Go struct field Namespace\.spec/,
  ],
  [
    "a Pod whose containers are a string",
    "/api/v1/namespaces/default/pods/p",
    { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: "x" } },
    /json: cannot unmarshal string into Go struct field PodSpec\.spec\.containers/,
  ],
  [
    "finalizers that are not a list",
    "/api/v1/namespaces/default/configmaps/f",
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "f", finalizers: "x" } },
    /json: cannot unmarshal string into Go struct field ObjectMeta\.metadata\.finalizers/,
  ],
  [
    "ownerReferences that are not a list",
    "/api/v1/namespaces/default/configmaps/o",
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "o", ownerReferences: "x" } },
    /json: cannot unmarshal string into Go struct field ObjectMeta\.metadata\.ownerReferences/,
  ],
];

for (const [what, path, body, message] of CASES) {
  test(`apply of ${what}: 422 on "patch", nothing stored`, async () => {
    const r = await apply(path, body);
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.reason, "Invalid");
    assert.equal(r.json.details.causes[0].field, "patch");
    assert.match(r.json.message, message);
    assert.equal((await c.admin("GET", path)).status, 404);
  });
}
