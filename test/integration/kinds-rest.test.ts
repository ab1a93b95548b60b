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

  test("kubectl create -f of a Binding binds the Pod", async () => {
    const pod = await c.admin("POST", "/api/v1/namespaces/kr/pods", {
      metadata: { name: "by-kubectl" },
      spec: { containers: [{ name: "c", image: "i" }], schedulerName: "nobody" },
    });
    assert.equal(pod.status, 201, pod.text);
    const manifest = JSON.stringify({
      apiVersion: "v1",
      kind: "Binding",
      metadata: { name: "by-kubectl", namespace: "kr" },
      target: { apiVersion: "v1", kind: "Node", name: "n7" },
    });
    const r = await c.kubectl(["create", "-f", "-"], { input: manifest });
    assert.equal(r.code, 0, r.stderr);
    // BindingREST.Create answers with a Success Status (no name), which kubectl prints as such.
    assert.equal(r.stdout.trim(), "status/<unknown> created");
    assert.equal((await c.admin("GET", "/api/v1/namespaces/kr/pods/by-kubectl")).json.spec.nodeName, "n7");
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

  test("OpenAPI: list and read, no watch (installer.go's route docs)", async () => {
    const doc = (await c.admin("GET", "/openapi/v3/api/v1")).json;
    assert.equal(
      doc.paths["/api/v1/componentstatuses"].get.description,
      "list objects of kind ComponentStatus",
    );
    assert.equal(
      doc.paths["/api/v1/componentstatuses/{name}"].get.description,
      "read the specified ComponentStatus",
    );
    assert.equal(doc.paths["/api/v1/componentstatuses"].post, undefined);
    assert.deepEqual(Object.keys(doc.paths["/api/v1/namespaces/{namespace}/bindings"]).sort(), [
      "parameters",
      "post",
    ]);
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

describe("IPAddress objects for allocated ClusterIPs (MultiCIDRServiceAllocator)", () => {
  test("the kubernetes Service's IP, and a Service's IP from create to delete", async () => {
    await c.server.settle();
    const out = await kubectl(["get", "ipaddresses", "10.96.0.1"]);
    assert.match(out, /\n10\.96\.0\.1\s+services\/default\/kubernetes\n$/);
    const svc = await c.admin("POST", "/api/v1/namespaces/kr/services", {
      metadata: { name: "web" },
      spec: { ports: [{ port: 80 }] },
    });
    assert.equal(svc.status, 201, svc.text);
    const ip = svc.json.spec.clusterIP as string;
    await c.server.settle();
    const got = await c.admin("GET", `/apis/networking.k8s.io/v1/ipaddresses/${ip}`);
    assert.equal(got.status, 200, got.text);
    assert.deepEqual(got.json.metadata.labels, {
      "ipaddress.kubernetes.io/ip-family": "IPv4",
      "ipaddress.kubernetes.io/managed-by": "ipallocator.k8s.io",
    });
    assert.deepEqual(got.json.spec.parentRef, {
      group: "",
      resource: "services",
      namespace: "kr",
      name: "web",
    });
    assert.equal((await c.admin("DELETE", "/api/v1/namespaces/kr/services/web")).status, 200);
    await c.server.settle();
    assert.equal((await c.admin("GET", `/apis/networking.k8s.io/v1/ipaddresses/${ip}`)).status, 404);
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

describe("flowcontrol.apiserver.k8s.io FlowSchema and PriorityLevelConfiguration", () => {
  const base = "/apis/flowcontrol.apiserver.k8s.io/v1";

  test("the mandatory exempt and catch-all objects exist and print as upstream", async () => {
    const pls = await kubectl(["get", "prioritylevelconfigurations"]);
    assert.match(
      pls,
      /^NAME\s+TYPE\s+NOMINALCONCURRENCYSHARES\s+QUEUES\s+HANDSIZE\s+QUEUELENGTHLIMIT\s+AGE\n/,
    );
    assert.match(pls, /\ncatch-all\s+Limited\s+5\s+<none>\s+<none>\s+<none>\s+\S+\n/);
    assert.match(pls, /\nexempt\s+Exempt\s+<none>\s+<none>\s+<none>\s+<none>\s+\S+\n/);
    await c.server.settle(); // the Dangling conditions
    const fss = await kubectl(["get", "flowschemas"]);
    assert.match(fss, /^NAME\s+PRIORITYLEVEL\s+MATCHINGPRECEDENCE\s+DISTINGUISHERMETHOD\s+AGE\s+MISSINGPL\n/);
    assert.match(fss, /\ncatch-all\s+catch-all\s+10000\s+ByUser\s+\S+\s+False\n/);
    assert.match(fss, /\nexempt\s+exempt\s+1\s+<none>\s+\S+\s+False\n/);
    const order = fss
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split(/\s+/)[0]);
    assert.deepEqual(
      order,
      ["exempt", "catch-all"],
      "rows in matching order (FlowSchemaSequence), not by name",
    );
    const exempt = await c.admin("GET", `${base}/flowschemas/exempt`);
    assert.equal(exempt.json.metadata.annotations["apf.kubernetes.io/autoupdate-spec"], "true");
    assert.deepEqual(exempt.json.spec.rules[0].subjects, [
      { kind: "Group", group: { name: "system:masters" } },
    ]);
  });

  test("defaults, and a PriorityLevelConfiguration with queuing", async () => {
    const pl = await c.admin("POST", `${base}/prioritylevelconfigurations`, {
      metadata: { name: "batch" },
      spec: { type: "Limited", limited: { limitResponse: { type: "Queue", queuing: {} } } },
    });
    assert.equal(pl.status, 201, pl.text);
    assert.deepEqual(pl.json.spec.limited, {
      nominalConcurrencyShares: 30,
      limitResponse: { type: "Queue", queuing: { queues: 64, handSize: 8, queueLengthLimit: 50 } },
      lendablePercent: 0,
    });
    const fs = await c.admin("POST", `${base}/flowschemas`, {
      metadata: { name: "batch-users" },
      spec: {
        priorityLevelConfiguration: { name: "batch" },
        rules: [
          {
            subjects: [{ kind: "User", user: { name: "bob" } }],
            nonResourceRules: [{ verbs: ["get"], nonResourceURLs: ["/healthz"] }],
          },
        ],
      },
    });
    assert.equal(fs.status, 201, fs.text);
    assert.equal(fs.json.spec.matchingPrecedence, 1000);
    assert.match(
      await kubectl(["get", "prioritylevelconfiguration", "batch"]),
      /\nbatch\s+Limited\s+30\s+64\s+8\s+50\s+\S+\n$/,
    );
  });

  test("validation messages users hit", async () => {
    const fs = await c.admin("POST", `${base}/flowschemas`, {
      metadata: { name: "bad" },
      spec: {
        matchingPrecedence: 1,
        priorityLevelConfiguration: { name: "" },
        rules: [
          {
            subjects: [{ kind: "ServiceAccount", serviceAccount: { name: "x" } }],
            resourceRules: [{ verbs: ["get", "*"], apiGroups: [""], resources: ["pods"] }],
          },
        ],
      },
    });
    assert.equal(fs.status, 422);
    assert.deepEqual(
      fs.json.details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`),
      [
        "spec.matchingPrecedence: Invalid value: 1: only the schema named 'exempt' may have matchingPrecedence 1",
        "spec.priorityLevelConfiguration.name: Required value: must reference a priority level",
        "spec.rules[0].subjects[0].serviceAccount.namespace: Required value: must specify namespace for service account",
        `spec.rules[0].resourceRules[0].verbs: Invalid value: []string{"get", "*"}: if '*' is present, must not specify other verbs`,
        "spec.rules[0].resourceRules[0].namespaces: Required value: resource rules that are not cluster scoped must supply at least one namespace",
      ],
    );
    const pl = await c.admin("POST", `${base}/prioritylevelconfigurations`, {
      metadata: { name: "tight" },
      spec: {
        type: "Limited",
        limited: { limitResponse: { type: "Queue", queuing: { queues: 4, handSize: 8 } } },
      },
    });
    assert.equal(pl.status, 422);
    assert.match(
      pl.json.message,
      /spec\.limited\.limitResponse\.queuing\.handSize: Invalid value: 8: should not be greater than queues \(4\)/,
    );
  });

  test("the mandatory specs are fixed; exempt's own shares may be tuned", async () => {
    const catchAll = (await c.admin("GET", `${base}/prioritylevelconfigurations/catch-all`)).json;
    catchAll.spec.limited.nominalConcurrencyShares = 50;
    const changed = await c.admin("PUT", `${base}/prioritylevelconfigurations/catch-all`, catchAll);
    assert.equal(changed.status, 422);
    assert.match(changed.json.message, /spec of 'catch-all' must equal the fixed value/);
    const exempt = (await c.admin("GET", `${base}/prioritylevelconfigurations/exempt`)).json;
    exempt.spec.exempt.nominalConcurrencyShares = 7;
    const tuned = await c.admin("PUT", `${base}/prioritylevelconfigurations/exempt`, exempt);
    assert.equal(tuned.status, 200, tuned.text);
  });

  test("status is a subresource, and the controller keeps Dangling true to the facts", async () => {
    await c.server.settle();
    const fs = (await c.admin("GET", `${base}/flowschemas/catch-all`)).json;
    const found = fs.status.conditions;
    const lie = {
      type: "Dangling",
      status: "True",
      reason: "NotFound",
      message: "x",
      lastTransitionTime: "2026-01-01T00:00:00Z",
    };
    const viaMain = await c.admin("PUT", `${base}/flowschemas/catch-all`, {
      ...fs,
      status: { conditions: [lie] },
    });
    assert.equal(viaMain.status, 200, viaMain.text);
    assert.deepEqual(viaMain.json.status.conditions, found, "the main resource ignores status");
    const viaStatus = await c.admin("PUT", `${base}/flowschemas/catch-all/status`, {
      ...viaMain.json,
      status: { conditions: [lie] },
    });
    assert.equal(viaStatus.status, 200, viaStatus.text);
    assert.deepEqual(viaStatus.json.status.conditions, [lie]);
    await c.server.settle();
    assert.match(
      await kubectl(["get", "flowschema", "catch-all"]),
      /\ncatch-all\s+catch-all\s+10000\s+ByUser\s+\S+\s+False\n$/,
    );
  });

  test("a FlowSchema naming a missing level is Dangling until the level exists", async () => {
    const fs = await c.admin("POST", `${base}/flowschemas`, {
      metadata: { name: "orphan" },
      spec: {
        priorityLevelConfiguration: { name: "later" },
        rules: [
          {
            subjects: [{ kind: "Group", group: { name: "g" } }],
            nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }],
          },
        ],
      },
    });
    assert.equal(fs.status, 201, fs.text);
    await c.server.settle();
    const dangling = (await c.admin("GET", `${base}/flowschemas/orphan`)).json.status.conditions;
    assert.deepEqual(
      dangling.map((x: Record<string, string>) => [x.type, x.status, x.reason, x.message]),
      [
        [
          "Dangling",
          "True",
          "NotFound",
          'This FlowSchema references the PriorityLevelConfiguration object named "later" but there is no such object',
        ],
      ],
    );
    const pl = await c.admin("POST", `${base}/prioritylevelconfigurations`, {
      metadata: { name: "later" },
      spec: { type: "Limited", limited: { limitResponse: { type: "Reject" } } },
    });
    assert.equal(pl.status, 201, pl.text);
    await c.server.settle();
    assert.match(
      await kubectl(["get", "flowschema", "orphan"]),
      /\norphan\s+later\s+1000\s+<none>\s+\S+\s+False\n$/,
    );
  });
});
