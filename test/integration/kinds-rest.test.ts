// The kinds `kubectl api-resources` listed last: bindings, componentstatuses, IPAddress, ServiceCIDR,
// CSIStorageCapacity, FlowSchema and PriorityLevelConfiguration, on the real server through HTTPS and kubectl.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "kr" } });
});
after(() => c.stop());

async function kubectl(args: string[]): Promise<string> {
  const r = await c.kubectl(args);
  assert.equal(r.code, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

describe("bindings", () => {
  test("POST bindings binds the Pod named in the body, once", async () => {
    const pod = await c.admin("POST", "/api/v1/namespaces/kr/pods", {
      metadata: { name: "bound" },
      spec: { containers: [{ name: "c", image: "i" }], schedulerName: "nobody" },
    });
    assert.equal(pod.status, 201, pod.text);
    const body = { apiVersion: "v1", kind: "Binding", metadata: { name: "bound" }, target: { name: "n9" } };
    const first = await c.admin("POST", "/api/v1/namespaces/kr/bindings", body);
    assert.equal(first.status, 201, first.text);
    assert.equal(first.json.status, "Success");
    const got = await c.admin("GET", "/api/v1/namespaces/kr/pods/bound");
    assert.equal(got.json.spec.nodeName, "n9");
    const again = await c.admin("POST", "/api/v1/namespaces/kr/bindings", body);
    assert.equal(again.status, 409);
    assert.equal(
      again.json.message,
      'Operation cannot be fulfilled on pods/binding "bound": pod bound is already assigned to node "n9"',
    );
  });

  test("without a name, for a missing Pod, or with a mismatched pods/binding name", async () => {
    const nameless = await c.admin("POST", "/api/v1/namespaces/kr/bindings", { target: { name: "n" } });
    assert.equal(nameless.status, 400);
    assert.equal(nameless.json.message, "name must be provided");
    const missing = await c.admin("POST", "/api/v1/namespaces/kr/bindings", {
      metadata: { name: "ghost" },
      target: { name: "n" },
    });
    assert.equal(missing.status, 404, missing.text);
    const mismatch = await c.admin("POST", "/api/v1/namespaces/kr/pods/bound/binding", {
      metadata: { name: "other" },
      target: { name: "n" },
    });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.json.message, "name in URL does not match name in Binding object");
  });

  test("bindings are create-only", async () => {
    const list = await c.admin("GET", "/api/v1/namespaces/kr/bindings");
    assert.equal(list.status, 405, list.text);
  });
});

describe("componentstatuses", () => {
  test("kubectl get cs: every component Healthy, with the deprecation warning", async () => {
    const r = await c.kubectl(["get", "componentstatuses"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Warning: v1 ComponentStatus is deprecated in v1\.19\+/);
    const lines = r.stdout.trim().split("\n");
    assert.match(lines[0]!, /^NAME\s+STATUS\s+MESSAGE\s+ERROR$/);
    assert.deepEqual(
      lines.slice(1).map((l) => l.trim().split(/\s+/)),
      [
        ["scheduler", "Healthy", "ok"],
        ["controller-manager", "Healthy", "ok"],
        ["etcd-0", "Healthy", "ok"],
      ],
    );
  });

  test("get one, an unknown one, and a write", async () => {
    const one = await c.admin("GET", "/api/v1/componentstatuses/etcd-0");
    assert.equal(one.status, 200);
    assert.deepEqual(one.json, {
      kind: "ComponentStatus",
      apiVersion: "v1",
      metadata: { name: "etcd-0" },
      conditions: [{ type: "Healthy", status: "True", message: "ok" }],
    });
    const unknown = await c.admin("GET", "/api/v1/componentstatuses/nope");
    assert.equal(unknown.status, 500);
    assert.equal(unknown.json.message, "Component not found: nope");
    const write = await c.admin("POST", "/api/v1/componentstatuses", { metadata: { name: "x" } });
    assert.equal(write.status, 405);
    const selected = await c.admin(
      "GET",
      "/api/v1/componentstatuses?fieldSelector=metadata.name%3Dscheduler",
    );
    assert.deepEqual(
      selected.json.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ["scheduler"],
    );
  });
});

describe("networking.k8s.io ServiceCIDR and IPAddress", () => {
  test("the default `kubernetes` ServiceCIDR covers the service range and is Ready", async () => {
    const out = await kubectl(["get", "servicecidrs"]);
    assert.match(out, /^NAME\s+CIDRS\s+AGE\nkubernetes\s+10\.96\.0\.0\/12\s+\S+\n$/);
    const cidr = await c.admin("GET", "/apis/networking.k8s.io/v1/servicecidrs/kubernetes");
    assert.equal(cidr.json.status.conditions[0].type, "Ready");
    assert.equal(cidr.json.status.conditions[0].status, "True");
  });

  test("ServiceCIDR validation: families, canonical form, immutability", async () => {
    const post = (cidrs: string[]) =>
      c.admin("POST", "/apis/networking.k8s.io/v1/servicecidrs", {
        metadata: { name: "extra" },
        spec: { cidrs },
      });
    const bits = await post(["10.0.0.1/24"]);
    assert.equal(bits.status, 422);
    assert.equal(
      bits.json.message,
      'ServiceCIDR.networking.k8s.io "extra" is invalid: spec.cidrs[0]: Invalid value: "10.0.0.1/24": must not have bits set beyond the prefix length',
    );
    const twoV4 = await post(["10.0.0.0/24", "10.1.0.0/24"]);
    assert.equal(twoV4.status, 422);
    assert.match(twoV4.json.message, /may specify no more than one IP for each IP family/);
    const ok = await post(["10.100.0.0/24", "2001:db8::/64"]);
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json.status, undefined, "status is the subresource's");
    const changed = await c.admin("PUT", "/apis/networking.k8s.io/v1/servicecidrs/extra", {
      ...ok.json,
      spec: { cidrs: ["10.101.0.0/24"] },
    });
    assert.equal(changed.status, 422);
    assert.match(
      changed.json.message,
      /spec\.cidrs: Invalid value: \[\]string\{"10\.101\.0\.0\/24"\}: field is immutable/,
    );
  });

  test("IPAddress: named by a canonical IP, parentRef required; kubectl get ip", async () => {
    const post = (name: string, spec: object) =>
      c.admin("POST", "/apis/networking.k8s.io/v1/ipaddresses", { metadata: { name }, spec });
    const ref = { group: "", resource: "services", namespace: "kr", name: "web" };
    const noncanonical = await post("2001:DB8::1", { parentRef: ref });
    assert.equal(noncanonical.status, 422);
    assert.equal(
      noncanonical.json.message,
      'IPAddress.networking.k8s.io "2001:DB8::1" is invalid: metadata.name: Invalid value: "2001:DB8::1": must be in canonical form ("2001:db8::1")',
    );
    const noParent = await post("10.96.7.7", {});
    assert.equal(noParent.status, 422);
    assert.match(noParent.json.message, /spec\.parentRef: Required value/);
    assert.equal((await post("10.96.7.7", { parentRef: ref })).status, 201);
    assert.equal((await post("2001:db8::1", { parentRef: ref })).status, 201);
    const out = await kubectl(["get", "ip", "10.96.7.7"]);
    assert.match(out, /^NAME\s+PARENTREF\n10\.96\.7\.7\s+services\/kr\/web\n$/);
  });
});

describe("storage.k8s.io CSIStorageCapacity", () => {
  test("create, print, and storageClassName is immutable", async () => {
    const url = "/apis/storage.k8s.io/v1/namespaces/kr/csistoragecapacities";
    const bad = await c.admin("POST", url, { metadata: { name: "cap" }, storageClassName: "Fast_SSD" });
    assert.equal(bad.status, 422);
    assert.match(
      bad.json.message,
      /storageClassName: Invalid value: "Fast_SSD": a lowercase RFC 1123 subdomain/,
    );
    const made = await c.admin("POST", url, {
      metadata: { name: "cap" },
      storageClassName: "fast",
      capacity: "1024Mi",
      nodeTopology: { matchLabels: { "topology.kubernetes.io/zone": "a" } },
    });
    assert.equal(made.status, 201, made.text);
    const out = await kubectl(["get", "csistoragecapacities", "-n", "kr"]);
    assert.match(out, /^NAME\s+STORAGECLASSNAME\s+CAPACITY\ncap\s+fast\s+1Gi\n$/);
    const moved = await c.admin("PUT", `${url}/cap`, { ...made.json, storageClassName: "slow" });
    assert.equal(moved.status, 422);
    assert.match(moved.json.message, /storageClassName: Invalid value: "slow": field is immutable/);
  });
});
