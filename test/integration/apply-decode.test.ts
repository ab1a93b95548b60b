// A server-side apply whose result does not fit the kind's Go types is refused before anything acts on it,
// as kube-apiserver's field manager refuses it: a plain error, 500 with no reason, "failed to create typed
// patch object (NS/NAME; GVK): …" (apimachinery managedfields/internal/structuredmerge.go). Before, these
// reached defaulting, admission, deletion and the garbage collector and crashed there. Reproducers found by
// test/fuzz/request-path.test.ts. (The detail after the colon is Go's JSON decoder's wording, not
// structured-merge-diff's; docs/server.md lists it.)
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

const GVK: Record<string, string> = {
  Deployment: "apps/v1, Kind=Deployment",
  Service: "/v1, Kind=Service",
  Namespace: "/v1, Kind=Namespace",
  Pod: "/v1, Kind=Pod",
  ConfigMap: "/v1, Kind=ConfigMap",
};

for (const [what, path, body, message] of CASES) {
  test(`apply of ${what}: refused as upstream's field manager refuses it, nothing stored`, async () => {
    const r = await apply(path, body);
    assert.equal(r.status, 500, r.text);
    assert.equal(r.json.kind, "Status");
    assert.equal(r.json.reason, undefined, "a plain error: no reason");
    const meta = body.metadata as { name: string };
    const namespace = path.includes("/namespaces/default/") ? "default" : "";
    assert.ok(
      r.json.message.startsWith(
        `failed to create typed patch object (${namespace}/${meta.name}; ${GVK[body.kind as string]}): `,
      ),
      r.json.message,
    );
    assert.match(r.json.message, message);
    assert.equal((await c.admin("GET", path)).status, 404);
  });
}

test("the server is healthy after them and a well-typed apply of the same object works", async () => {
  const r = await apply("/api/v1/namespaces/default/configmaps/f", {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "f", finalizers: ["example.com/keep"] },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal((await c.admin("GET", "/healthz")).status, 200);
});
