// A real project's whole install manifest, nobody here wrote it (test/fixtures/manifests/ingress-nginx,
// see the README there): 19 objects across nine kinds (Namespace, ServiceAccount, Role/ClusterRole and
// their bindings, ConfigMap, Services, Deployment, Jobs, IngressClass, ValidatingWebhookConfiguration).
// `kubectl apply --server-side` takes all of it, every object reads back with what was applied, the
// controllers act on the workloads, and — as on a cluster where the controller is not running yet — an
// Ingress is refused because its validating webhook's Service has nothing to answer.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

const FILE = path.join(import.meta.dirname, "..", "fixtures", "manifests", "ingress-nginx", "deploy.yaml");

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [k: string]: unknown;
}

let c: TestCluster;
let docs: Doc[];
before(async () => {
  c = await startTestCluster();
  docs = parseAllDocuments(await readFile(FILE, "utf8"))
    .map((d) => d.toJS() as Doc)
    .filter(Boolean);
});
after(() => c.stop());

/** Every field of `expected` is in `actual` with the same value (the server may add defaults; an applied
 * null is a field left unset). */
function assertContains(actual: unknown, expected: unknown, at: string): void {
  if (expected === null) {
    assert.ok(actual === null || actual === undefined, `${at}: ${JSON.stringify(actual)}`);
  } else if (typeof expected === "object") {
    assert.ok(actual !== null && typeof actual === "object", `${at}: missing`);
    if (Array.isArray(expected)) {
      assert.ok(Array.isArray(actual), `${at}: not a list`);
      assert.equal(actual.length, expected.length, `${at}: length`);
      for (const [i, e] of expected.entries()) assertContains(actual[i], e, `${at}[${i}]`);
    } else {
      for (const [k, v] of Object.entries(expected))
        assertContains((actual as Record<string, unknown>)[k], v, `${at}.${k}`);
    }
  } else {
    assert.deepEqual(actual, expected, at);
  }
}

function pathOf(d: Doc): string {
  const [group, version] = d.apiVersion.includes("/") ? d.apiVersion.split("/") : ["", d.apiVersion];
  const plural = `${d.kind.toLowerCase()}${d.kind.endsWith("s") ? "es" : "s"}`.replace(/ys$/, "ies");
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const ns = d.metadata.namespace ? `/namespaces/${d.metadata.namespace}` : "";
  return `${base}${ns}/${plural}/${d.metadata.name}`;
}

test("kubectl apply --server-side takes every object, and each reads back as applied", async () => {
  assert.equal(docs.length, 19);
  const r = await c.kubectl(["apply", "--server-side", "-f", FILE]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout
      .trim()
      .split("\n")
      .filter((l) => l.endsWith(" serverside-applied")).length,
    19,
    r.stdout,
  );
  for (const d of docs) {
    const got = await c.admin("GET", pathOf(d));
    assert.equal(got.status, 200, `${d.kind} ${d.metadata.name}: ${got.text}`);
    const { apiVersion: _a, kind: _k, ...applied } = d;
    assertContains(got.json, applied, `${d.kind}/${d.metadata.name}`);
  }
});

test("the controllers act on it: the Deployment gets its ReplicaSet and Pod, the Jobs their Pods", async () => {
  await eventually(async () => {
    const rs = await c.admin("GET", "/apis/apps/v1/namespaces/ingress-nginx/replicasets");
    return rs.json.items.length === 1;
  });
  await eventually(async () => {
    const pods = await c.admin("GET", "/api/v1/namespaces/ingress-nginx/pods");
    const names = pods.json.items.map((p: any) => p.metadata.name as string);
    return (
      names.some((n: string) => n.startsWith("ingress-nginx-controller-")) &&
      names.some((n: string) => n.startsWith("ingress-nginx-admission-create-")) &&
      names.some((n: string) => n.startsWith("ingress-nginx-admission-patch-"))
    );
  });
  const svc = await c.admin("GET", "/api/v1/namespaces/ingress-nginx/services/ingress-nginx-controller");
  assert.match(svc.json.spec.clusterIP, /^10\.(9[6-9]|1[01]\d)\.\d+\.\d+$/);
  assert.equal(svc.json.spec.ports.length, 2);
  for (const p of svc.json.spec.ports) assert.ok(p.nodePort >= 30000 && p.nodePort <= 32767);
});

test("an Ingress is refused while the webhook's Service has no ready endpoint (failurePolicy Fail)", async () => {
  const r = await c.admin("POST", "/apis/networking.k8s.io/v1/namespaces/default/ingresses", {
    metadata: { name: "web" },
    spec: {
      ingressClassName: "nginx",
      rules: [
        {
          host: "example.com",
          http: {
            paths: [
              { path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  });
  assert.equal(r.status, 500, r.text);
  assert.equal(r.json.reason, "InternalError");
  assert.match(
    r.json.message,
    /^Internal error occurred: failed calling webhook "validate\.nginx\.ingress\.kubernetes\.io"/,
  );
});
