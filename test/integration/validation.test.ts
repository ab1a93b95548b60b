// Validation over real HTTPS: the 422 Status kube-apiserver returns for invalid workloads and Services.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "val" } });
});
after(() => c.stop());

/** 422 Invalid with upstream's exact message. */
function assertInvalid(r: { status: number; json: any; text: string }, message: string): void {
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.kind, "Status");
  assert.equal(r.json.reason, "Invalid");
  assert.equal(r.json.code, 422);
  assert.equal(r.json.message, message);
}

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
    assertInvalid(
      r,
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
    assertInvalid(
      r,
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

const service = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name },
  spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
});
const createService = (name: string, spec: Record<string, unknown> = {}) =>
  c.admin("POST", "/api/v1/namespaces/val/services", service(name, spec));

function ipNumber(ip: string): number {
  return ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

describe("Service cluster IPs", () => {
  test("an allocated address lies in 10.96.0.0/12, with its family and policy", async () => {
    const r = await createService("auto");
    assert.equal(r.status, 201, r.text);
    const ip = r.json.spec.clusterIP;
    assert.ok(ipNumber(ip) > ipNumber("10.96.0.1") && ipNumber(ip) < ipNumber("10.111.255.255"), ip);
    assert.deepEqual(r.json.spec.clusterIPs, [ip]);
    assert.deepEqual(r.json.spec.ipFamilies, ["IPv4"]);
    assert.equal(r.json.spec.ipFamilyPolicy, "SingleStack");
    const k = await c.admin("GET", "/api/v1/namespaces/default/services/kubernetes");
    assert.equal(k.json.spec.clusterIP, "10.96.0.1");
  });

  test("an address already held by another Service is refused", async () => {
    const r = await createService("dup", { clusterIP: "10.96.0.1" });
    assertInvalid(
      r,
      'Service "dup" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.1"}: failed to allocate IP 10.96.0.1: provided IP is already allocated',
    );
  });

  test("an address outside the range, or no address at all", async () => {
    const out = await createService("out", { clusterIP: "10.0.0.5" });
    assertInvalid(
      out,
      'Service "out" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.5"}: failed to allocate IP 10.0.0.5: the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
    );
    const bad = await createService("bad", { clusterIP: "ten" });
    assertInvalid(
      bad,
      'Service "bad" is invalid: spec.clusterIPs[0]: Invalid value: "ten": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    );
  });

  test("a deleted Service's address is free again; a replace keeps the allocated one", async () => {
    assert.equal((await createService("held", { clusterIP: "10.96.1.1" })).status, 201);
    assert.equal((await createService("wants", { clusterIP: "10.96.1.1" })).status, 422);
    const del = await c.admin("DELETE", "/api/v1/namespaces/val/services/held");
    assert.equal(del.status, 200, del.text);
    const again = await createService("wants", { clusterIP: "10.96.1.1" });
    assert.equal(again.status, 201, again.text);
    // kubectl replace of the original manifest (no clusterIP) keeps the address.
    const replaced = await c.admin("PUT", "/api/v1/namespaces/val/services/wants", service("wants"));
    assert.equal(replaced.status, 200, replaced.text);
    assert.equal(replaced.json.spec.clusterIP, "10.96.1.1");
  });

  test("a headless Service without selector is RequireDualStack, as on a single-stack cluster", async () => {
    const r = await c.admin("POST", "/api/v1/namespaces/val/services", {
      metadata: { name: "headless" },
      spec: { clusterIP: "None", ports: [{ port: 80 }] },
    });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.spec.clusterIPs, ["None"]);
    assert.equal(r.json.spec.ipFamilyPolicy, "RequireDualStack");
    assert.deepEqual(r.json.spec.ipFamilies, ["IPv4", "IPv6"]);
  });
});

describe("Service node ports", () => {
  test("a NodePort Service gets a node port in 30000-32767 and externalTrafficPolicy Cluster", async () => {
    const r = await createService("np", { type: "NodePort" });
    assert.equal(r.status, 201, r.text);
    const port = r.json.spec.ports[0].nodePort;
    assert.ok(port >= 30000 && port <= 32767, String(port));
    assert.equal(r.json.spec.externalTrafficPolicy, "Cluster");
  });

  test("a taken or out-of-range node port is refused", async () => {
    assert.equal(
      (await createService("np1", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] })).status,
      201,
    );
    const taken = await createService("np2", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] });
    assertInvalid(
      taken,
      'Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
    );
    const out = await createService("np3", { type: "NodePort", ports: [{ port: 80, nodePort: 80 }] });
    assertInvalid(
      out,
      'Service "np3" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
    );
  });

  test("changing the type to ClusterIP drops and releases the node port", async () => {
    const r = await c.admin(
      "PATCH",
      "/api/v1/namespaces/val/services/np1",
      { spec: { type: "ClusterIP" } },
      "application/merge-patch+json",
    );
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.spec.ports[0].nodePort, undefined);
    assert.equal(r.json.spec.externalTrafficPolicy, undefined);
    const reuse = await createService("np4", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] });
    assert.equal(reuse.status, 201, reuse.text);
  });
});

describe("Service type changes and LoadBalancers", () => {
  test("ClusterIP → ExternalName releases the address; back to ClusterIP allocates one", async () => {
    const created = await createService("flip", { clusterIP: "10.96.4.4" });
    assert.equal(created.status, 201, created.text);
    const toName = await c.admin(
      "PATCH",
      "/api/v1/namespaces/val/services/flip",
      { spec: { type: "ExternalName", externalName: "example.com" } },
      "application/merge-patch+json",
    );
    assert.equal(toName.status, 200, toName.text);
    assert.equal(toName.json.spec.clusterIP, undefined);
    assert.equal(toName.json.spec.clusterIPs, undefined);
    assert.equal(toName.json.spec.ipFamilies, undefined);
    assert.equal((await createService("flip-reuse", { clusterIP: "10.96.4.4" })).status, 201);
    const back = await c.admin(
      "PATCH",
      "/api/v1/namespaces/val/services/flip",
      { spec: { type: "ClusterIP", externalName: null } },
      "application/merge-patch+json",
    );
    assert.equal(back.status, 200, back.text);
    assert.match(back.json.spec.clusterIP, /^10\.(9[6-9]|10\d|11[01])\./);
    assert.notEqual(back.json.spec.clusterIP, "10.96.4.4");
  });

  test("a LoadBalancer gets node ports unless allocateLoadBalancerNodePorts is false; Local adds a health check port", async () => {
    const lb = await createService("lb", { type: "LoadBalancer" });
    assert.equal(lb.status, 201, lb.text);
    assert.equal(lb.json.spec.allocateLoadBalancerNodePorts, true);
    assert.ok(lb.json.spec.ports[0].nodePort >= 30000);
    const bare = await createService("lb-bare", {
      type: "LoadBalancer",
      allocateLoadBalancerNodePorts: false,
    });
    assert.equal(bare.status, 201, bare.text);
    assert.equal(bare.json.spec.ports[0].nodePort, undefined);
    const local = await createService("lb-local", { type: "LoadBalancer", externalTrafficPolicy: "Local" });
    assert.equal(local.status, 201, local.text);
    const hc = local.json.spec.healthCheckNodePort;
    assert.ok(hc >= 30000 && hc <= 32767 && hc !== local.json.spec.ports[0].nodePort, String(hc));
  });
});

test("after a restart the stored Services still hold their addresses and node ports", async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "incluster-alloc-"));
  try {
    let s = await startTestCluster({ dataDir });
    const body = (name: string) => ({
      metadata: { name },
      spec: { type: "NodePort", clusterIP: "10.96.7.7", ports: [{ port: 80, nodePort: 31000 }] },
    });
    assert.equal((await s.admin("POST", "/api/v1/namespaces/default/services", body("before"))).status, 201);
    await s.stop();
    s = await startTestCluster({ dataDir });
    try {
      const r = await s.admin("POST", "/api/v1/namespaces/default/services", body("after"));
      assert.equal(r.status, 422, r.text);
      assert.match(r.json.message, /failed to allocate IP 10\.96\.7\.7: provided IP is already allocated/);
    } finally {
      await s.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
