// Real projects' published CRD bundles (test/fixtures/manifests, see the README there) applied with
// kubectl's server-side apply: every CRD becomes Established, a valid custom resource of each project is
// accepted and an invalid one is refused with the message kube-apiserver gives. The expected messages
// are written from upstream's code (kube-openapi validate errors as apiextensions-apiserver's
// kubeOpenAPIResultToFieldErrors reports them; CEL rule failures as schema/cel/validation.go), not
// from our output.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

const FIXTURES = path.join(import.meta.dirname, "..", "fixtures", "manifests");

async function crdNames(file: string): Promise<string[]> {
  const text = await readFile(file, "utf8");
  return [
    ...text.matchAll(/^kind: CustomResourceDefinition\nmetadata:\n(?: {2}.*\n)*? {2}name: (\S+)$/gm),
  ].map((m) => m[1]);
}

async function applyBundle(c: TestCluster, file: string): Promise<string[]> {
  const r = await c.kubectl(["apply", "--server-side", "-f", file]);
  assert.equal(r.code, 0, r.stderr);
  const names = await crdNames(file);
  assert.ok(names.length > 0);
  for (const name of names) {
    assert.match(
      r.stdout,
      new RegExp(
        `customresourcedefinition.apiextensions.k8s.io/${name.replaceAll(".", "\\.")} serverside-applied`,
      ),
    );
    await eventually(
      async () => {
        const got = await c.admin("GET", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
        return got.json?.status?.conditions?.some(
          (x: any) => x.type === "Established" && x.status === "True",
        );
      },
      2000,
      `${name} Established`,
    );
  }
  return names;
}

describe("real CRD bundles (kubectl apply --server-side)", () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster();
  });
  after(async () => {
    await c?.stop();
  });

  it("cert-manager: CRDs Established; a Certificate is accepted, an invalid one refused", async () => {
    const names = await applyBundle(c, path.join(FIXTURES, "cert-manager", "cert-manager.crds.yaml"));
    assert.deepEqual(names.sort(), [
      "certificaterequests.cert-manager.io",
      "certificates.cert-manager.io",
      "challenges.acme.cert-manager.io",
      "clusterissuers.cert-manager.io",
      "issuers.cert-manager.io",
      "orders.acme.cert-manager.io",
    ]);
    const ok = await c.kubectl(["apply", "--server-side", "-f", "-"], {
      input: `apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: web
  namespace: default
spec:
  secretName: web-tls
  dnsNames: [web.example.com]
  issuerRef:
    name: selfsigned
    kind: Issuer
`,
    });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /certificate.cert-manager.io\/web serverside-applied/);
    const got = await c.kubectl(["get", "certificate", "web", "-n", "default"]);
    assert.equal(got.code, 0, got.stderr);
    // cert-manager's printer columns: Ready (a JSONPath filter, empty before status), Secret, Age.
    assert.match(got.stdout, /^NAME\s+READY\s+SECRET\s+AGE\n/);
    assert.match(got.stdout, /^web\s+web-tls\s+\d+s\n/m);

    const bad = await c.kubectl(["create", "-f", "-"], {
      input: `apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: broken
  namespace: default
spec:
  issuerRef:
    name: selfsigned
  duration: 1
`,
    });
    assert.notEqual(bad.code, 0);
    // spec requires issuerRef and secretName; duration is a string.
    assert.match(bad.stderr, /The Certificate "broken" is invalid: /);
    assert.match(bad.stderr, /spec\.secretName: Required value/);
    assert.match(
      bad.stderr,
      /spec\.duration: Invalid value: "integer": spec\.duration in body must be of type string: "integer"/,
    );
  });

  it("prometheus-operator: CRDs Established; a ServiceMonitor is accepted, invalid ones refused", async () => {
    const file = path.join(FIXTURES, "prometheus-operator", "prometheus-operator.crds.yaml");
    await applyBundle(c, file);
    // Applying the same bundle again changes nothing (same resourceVersions).
    const before = await c.admin(
      "GET",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/servicemonitors.monitoring.coreos.com",
    );
    const again = await c.kubectl(["apply", "--server-side", "-f", file]);
    assert.equal(again.code, 0, again.stderr);
    const after = await c.admin(
      "GET",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/servicemonitors.monitoring.coreos.com",
    );
    assert.equal(after.json.metadata.resourceVersion, before.json.metadata.resourceVersion);
    const ok = await c.kubectl(["apply", "--server-side", "-f", "-"], {
      input: `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: web
  namespace: default
spec:
  selector:
    matchLabels: {app: web}
  endpoints:
  - port: http
    interval: 30s
`,
    });
    assert.equal(ok.code, 0, ok.stderr);
    const listed = await c.kubectl(["get", "servicemonitors", "-n", "default", "-o", "name"]);
    assert.equal(listed.stdout, "servicemonitor.monitoring.coreos.com/web\n");

    const pattern =
      "^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$";
    const bad = await c.admin("POST", "/apis/monitoring.coreos.com/v1/namespaces/default/servicemonitors", {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: "bad" },
      spec: { selector: {}, endpoints: [{ port: "http", interval: "30 seconds" }] },
    });
    assert.equal(bad.status, 422, bad.text);
    assert.equal(
      bad.json.message,
      `ServiceMonitor.monitoring.coreos.com "bad" is invalid: spec.endpoints[0].interval: Invalid value: "30 seconds": spec.endpoints[0].interval in body should match '${pattern}'`,
    );

    // A CEL rule of the Prometheus CRD (x-kubernetes-validations on spec.shardingStrategy).
    const cel = await c.admin("POST", "/apis/monitoring.coreos.com/v1/namespaces/default/prometheuses", {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "Prometheus",
      metadata: { name: "p" },
      spec: { shardingStrategy: { mode: "Address", topology: { values: ["a"] } } },
    });
    assert.equal(cel.status, 422, cel.text);
    assert.equal(
      cel.json.message,
      `Prometheus.monitoring.coreos.com "p" is invalid: spec.shardingStrategy: Invalid value: "object": topology can only be defined when mode is set to 'Topology'`,
    );
  });

  it("Gateway API: CRDs Established; a Gateway and an HTTPRoute are accepted, a CEL rule refuses a bad path", async () => {
    const names = await applyBundle(c, path.join(FIXTURES, "gateway-api", "gateway-api.crds.yaml"));
    assert.deepEqual(names, [
      "gatewayclasses.gateway.networking.k8s.io",
      "gateways.gateway.networking.k8s.io",
      "httproutes.gateway.networking.k8s.io",
    ]);
    const ok = await c.kubectl(["apply", "--server-side", "-f", "-"], {
      input: `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: example
  listeners:
  - {name: http, protocol: HTTP, port: 80}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: route, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: ["example.com"]
  rules:
  - matches:
    - path: {type: PathPrefix, value: /api}
    backendRefs:
    - {name: svc, port: 8080}
`,
    });
    assert.equal(ok.code, 0, ok.stderr);
    const got = await c.kubectl(["get", "gateway", "gw", "-n", "default"]);
    assert.match(got.stdout, /^NAME\s+CLASS\s+ADDRESS\s+PROGRAMMED\s+AGE\ngw\s+example\s+\d+s\n$/);
    // The rule's own message (x-kubernetes-validations on HTTPPathMatch), reported by fieldErrorForReason.
    const bad = await c.admin("POST", "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes", {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "bad" },
      spec: {
        parentRefs: [{ name: "gw" }],
        rules: [{ matches: [{ path: { type: "PathPrefix", value: "/api?x" } }] }],
      },
    });
    assert.equal(bad.status, 422, bad.text);
    assert.equal(
      bad.json.message,
      `HTTPRoute.gateway.networking.k8s.io "bad" is invalid: spec.rules[0].matches[0].path: Invalid value: "object": must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']`,
    );
  });
});
