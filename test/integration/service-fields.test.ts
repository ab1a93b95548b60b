// Service fields on the real server, as kube-apiserver 1.33 on a single-stack IPv4 cluster handles them:
// families and policies, the health check node port's life, what a type change drops, load balancer
// status writes, source ranges and classes.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "svc" } });
});
after(async () => {
  await c.stop();
});

const SERVICES = "/api/v1/namespaces/svc/services";
const create = (name: string, spec: Record<string, unknown>, annotations?: Record<string, string>) =>
  c.admin("POST", SERVICES, {
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
  });
const patch = (name: string, body: unknown) =>
  c.admin("PATCH", `${SERVICES}/${name}`, body, "application/merge-patch+json");

test("IPv6 and RequireDualStack are refused on this single-stack cluster; PreferDualStack gets IPv4", async () => {
  const dual = await create("dual", { ipFamilyPolicy: "RequireDualStack" });
  assert.equal(dual.status, 422, dual.text);
  assert.equal(
    dual.json.message,
    'Service "dual" is invalid: spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
  );
  const v6 = await create("v6", { ipFamilies: ["IPv6"] });
  assert.equal(v6.status, 422, v6.text);
  assert.equal(
    v6.json.message,
    'Service "v6" is invalid: spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster',
  );
  const prefer = await create("prefer", { ipFamilyPolicy: "PreferDualStack" });
  assert.equal(prefer.status, 201, prefer.text);
  assert.deepEqual(prefer.json.spec.ipFamilies, ["IPv4"]);
  assert.equal(prefer.json.spec.clusterIPs.length, 1);
});

test("healthCheckNodePort: allocated for Local, immutable while needed, released when no longer needed", async () => {
  const lb = await create("hc", { type: "LoadBalancer", externalTrafficPolicy: "Local" });
  assert.equal(lb.status, 201, lb.text);
  const hc = lb.json.spec.healthCheckNodePort;
  assert.ok(hc >= 30000 && hc <= 32767, String(hc));

  const moved = await patch("hc", { spec: { healthCheckNodePort: hc === 32767 ? 32766 : hc + 1 } });
  assert.equal(moved.status, 422, moved.text);
  assert.match(moved.json.message, /spec\.healthCheckNodePort: Forbidden: field is immutable/);

  const cluster = await patch("hc", { spec: { externalTrafficPolicy: "Cluster" } });
  assert.equal(cluster.status, 200, cluster.text);
  assert.equal(cluster.json.spec.healthCheckNodePort, undefined);
  // The port is free again: another Service may ask for it.
  const reuse = await create("hc-reuse", { type: "NodePort", ports: [{ port: 80, nodePort: hc }] });
  assert.equal(reuse.status, 201, reuse.text);
});

test("LoadBalancer → ClusterIP drops node ports, the class and the load balancer status", async () => {
  const lb = await create("lbc", { type: "LoadBalancer", loadBalancerClass: "example.com/vip" });
  assert.equal(lb.status, 201, lb.text);
  const status = structuredClone(lb.json);
  status.status = { loadBalancer: { ingress: [{ ip: "192.0.2.10" }] } };
  const written = await c.admin("PUT", `${SERVICES}/lbc/status`, status);
  assert.equal(written.status, 200, written.text);
  assert.deepEqual(written.json.status.loadBalancer.ingress, [{ ip: "192.0.2.10", ipMode: "VIP" }]);

  const changed = await patch("lbc", { spec: { loadBalancerClass: "example.com/other" } });
  assert.equal(changed.status, 422, changed.text);
  assert.match(
    changed.json.message,
    /spec\.loadBalancerClass: Invalid value: "example\.com\/other": may not change once set/,
  );

  const toClusterIP = await patch("lbc", { spec: { type: "ClusterIP" } });
  assert.equal(toClusterIP.status, 200, toClusterIP.text);
  const spec = toClusterIP.json.spec;
  assert.equal(spec.ports[0].nodePort, undefined);
  assert.equal(spec.loadBalancerClass, undefined);
  assert.equal(spec.allocateLoadBalancerNodePorts, undefined);
  assert.equal(spec.externalTrafficPolicy, undefined);
  assert.equal(spec.clusterIP, lb.json.spec.clusterIP, "the cluster IP stays");
  assert.deepEqual(toClusterIP.json.status, { loadBalancer: {} });

  const notLB = structuredClone(toClusterIP.json);
  notLB.status = { loadBalancer: { ingress: [{ ip: "192.0.2.10" }] } };
  const refused = await c.admin("PUT", `${SERVICES}/lbc/status`, notLB);
  assert.equal(refused.status, 422, refused.text);
  assert.equal(
    refused.json.message,
    "Service \"lbc\" is invalid: status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'",
  );
});

test("loadBalancerSourceRanges and the source-ranges annotation are CIDRs, on LoadBalancers only", async () => {
  const ok = await create("ranges", { type: "LoadBalancer", loadBalancerSourceRanges: ["203.0.113.0/24"] });
  assert.equal(ok.status, 201, ok.text);
  const bad = await create("ranges-bad", { type: "LoadBalancer", loadBalancerSourceRanges: ["203.0.113.7"] });
  assert.equal(bad.status, 422, bad.text);
  assert.equal(
    bad.json.message,
    'Service "ranges-bad" is invalid: spec.LoadBalancerSourceRanges[0]: Invalid value: "203.0.113.7": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
  );
  const annotated = await create(
    "ranges-annotated",
    {},
    {
      "service.beta.kubernetes.io/load-balancer-source-ranges": "203.0.113.0/24",
    },
  );
  assert.equal(annotated.status, 422, annotated.text);
  assert.equal(
    annotated.json.message,
    "Service \"ranges-annotated\" is invalid: metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]: Forbidden: may only be used when `type` is 'LoadBalancer'",
  );
});

test("sessionAffinity ClientIP gets the 3-hour default timeout; a wrong one is refused", async () => {
  const sticky = await create("sticky", { sessionAffinity: "ClientIP" });
  assert.equal(sticky.status, 201, sticky.text);
  assert.deepEqual(sticky.json.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  const none = await patch("sticky", { spec: { sessionAffinity: "None" } });
  assert.equal(none.status, 200, none.text);
  assert.equal(none.json.spec.sessionAffinityConfig, undefined);
  const bad = await create("sticky-bad", {
    sessionAffinity: "ClientIP",
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } },
  });
  assert.equal(bad.status, 422, bad.text);
  assert.match(
    bad.json.message,
    /timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400/,
  );
});
