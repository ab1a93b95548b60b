// Fix proposals are checked with the evaluator: they must allow the denied request and nothing obvious beyond it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { isDNS1123Subdomain } from "../../../src/meta/names.ts";
import type { Attributes, KubeObject, PolicyRule } from "../../../src/meta/types.ts";
import {
  type AllowSpec,
  authorize,
  type FixProposal,
  forbiddenMessage,
  generateRbac,
  parseAllow,
  parseForbidden,
  proposeFix,
  sourceFromObjects,
} from "../../../src/rbac/index.ts";
import { pathRequest, person, request, serviceAccount } from "./fixtures.ts";

const SEED =
  'pods is forbidden: User "system:serviceaccount:test-in-cluster:default" cannot list resource "pods" in API group "" at the cluster scope';
const seedUser = serviceAccount("test-in-cluster", "default");

function fixFor(message: string, opts?: Parameters<typeof proposeFix>[1]): FixProposal {
  const info = parseForbidden(message);
  assert.ok(info, "message should parse");
  return proposeFix(info, opts);
}

const allows = (p: FixProposal, a: Attributes) => authorize(a, sourceFromObjects(p.objects)).allowed;

const rulesOf = (p: FixProposal) => (p.objects[0] as KubeObject & { rules: PolicyRule[] }).rules;

/** Structural invariants every proposal must satisfy. */
function assertWellFormed(p: FixProposal): void {
  assert.equal(p.objects.length, 2);
  for (const o of p.objects)
    assert.deepEqual(isDNS1123Subdomain(o.metadata?.name ?? ""), [], o.metadata?.name);
  const docs = parseAllDocuments(p.yaml).map((d) => d.toJS());
  assert.deepEqual(docs, p.objects);
  for (const rule of rulesOf(p)) {
    if (!rule.resourceNames) continue;
    for (const verb of rule.verbs) {
      assert.ok(!["list", "watch", "deletecollection"].includes(verb), `named rule with ${verb}`);
      if (verb === "create")
        assert.ok(
          rule.resources?.every((r) => r.includes("/")),
          "named create needs a subresource",
        );
    }
  }
}

describe("proposeFix for the seed case", () => {
  const fix = fixFor(SEED);

  it("grants exactly list pods cluster-wide to the ServiceAccount", () => {
    assertWellFormed(fix);
    assert.deepEqual(fix.objects, [
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: "test-in-cluster-default-pods" },
        rules: [{ verbs: ["list"], apiGroups: [""], resources: ["pods"] }],
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: "test-in-cluster-default-pods" },
        subjects: [{ kind: "ServiceAccount", name: "default", namespace: "test-in-cluster" }],
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: "test-in-cluster-default-pods",
        },
      },
    ]);
  });

  it("allows the original request and nothing else", () => {
    assert.equal(allows(fix, request(seedUser, "list", "pods")), true);
    assert.equal(allows(fix, request(seedUser, "list", "pods", { namespace: "anywhere" })), true);
    assert.equal(allows(fix, request(seedUser, "delete", "pods", { namespace: "x", name: "p" })), false);
    assert.equal(allows(fix, request(seedUser, "get", "pods", { namespace: "x", name: "p" })), false);
    assert.equal(allows(fix, request(seedUser, "watch", "pods")), false);
    assert.equal(allows(fix, request(seedUser, "list", "secrets")), false);
    assert.equal(allows(fix, request(serviceAccount("other", "default"), "list", "pods")), false);
  });

  it("renders the equivalent kubectl commands", () => {
    assert.deepEqual(fix.commands, [
      "kubectl create clusterrole test-in-cluster-default-pods --verb=list --resource=pods",
      "kubectl create clusterrolebinding test-in-cluster-default-pods --clusterrole=test-in-cluster-default-pods --serviceaccount=test-in-cluster:default",
    ]);
  });

  it("suggests watch for informers and narrowing to a namespace", () => {
    assert.ok(fix.notes.some((n) => n.includes("list and watch")));
    assert.ok(fix.notes.some((n) => n.includes("Role + RoleBinding")));
    assert.match(fix.summary, /ServiceAccount test-in-cluster\/default list on pods cluster-wide/);
  });

  it("adds list and watch for an informer", () => {
    const informer = fixFor(SEED, { informer: true });
    assertWellFormed(informer);
    assert.deepEqual(rulesOf(informer), [{ verbs: ["list", "watch"], apiGroups: [""], resources: ["pods"] }]);
    assert.equal(allows(informer, request(seedUser, "watch", "pods")), true);
    assert.equal(allows(informer, request(seedUser, "get", "pods", { name: "p", namespace: "x" })), false);
  });
});

describe("proposeFix scoping", () => {
  it("uses a Role and RoleBinding for a namespaced denial, limited to the named object", () => {
    const a = request(serviceAccount("app", "api"), "get", "configmaps", {
      namespace: "app",
      name: "app-config",
    });
    const fix = proposeFix(parseForbidden(forbiddenMessage(a, "").message)!);
    assertWellFormed(fix);
    assert.equal(fix.objects[0].kind, "Role");
    assert.equal(fix.objects[1].kind, "RoleBinding");
    assert.equal(fix.objects[0].metadata?.namespace, "app");
    assert.deepEqual(rulesOf(fix), [
      { verbs: ["get"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["app-config"] },
    ]);
    assert.equal(allows(fix, a), true);
    assert.equal(allows(fix, { ...a, name: "other" }), false);
    assert.equal(allows(fix, { ...a, namespace: "prod" }), false);
    assert.deepEqual(fix.commands, [
      "kubectl create role api-configmaps --verb=get --resource=configmaps --resource-name=app-config -n app",
      "kubectl create rolebinding api-configmaps --role=api-configmaps --serviceaccount=app:api -n app",
    ]);
  });

  it("splits named and unnamed verbs when an informer watches a named object", () => {
    const a = request(serviceAccount("app", "api"), "get", "configmaps", {
      namespace: "app",
      name: "app-config",
    });
    const fix = proposeFix(parseForbidden(forbiddenMessage(a, "").message)!, { informer: true });
    assertWellFormed(fix);
    assert.deepEqual(rulesOf(fix), [
      { verbs: ["get"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["app-config"] },
      { verbs: ["list", "watch"], apiGroups: [""], resources: ["configmaps"] },
    ]);
    assert.equal(allows(fix, { ...a, verb: "list", name: "" }), true);
    assert.equal(allows(fix, { ...a, name: "other" }), false);
    assert.match(fix.commands[0], /^kubectl apply -f - <<'EOF'\n[\s\S]*\nEOF$/);
  });

  it("gives exec both get and create on pods/exec of that pod", () => {
    const fix = fixFor(
      'pods "web-0" is forbidden: User "system:serviceaccount:ns:sa" cannot create resource "pods/exec" in API group "" in the namespace "ns"',
    );
    assertWellFormed(fix);
    const sa = serviceAccount("ns", "sa");
    const exec = (verb: string, name = "web-0") =>
      request(sa, verb, "pods", { namespace: "ns", subresource: "exec", name });
    assert.equal(allows(fix, exec("create")), true);
    assert.equal(allows(fix, exec("get")), true);
    assert.equal(allows(fix, exec("create", "web-1")), false);
    assert.equal(
      allows(fix, request(sa, "get", "pods", { namespace: "ns", subresource: "log", name: "web-0" })),
      false,
    );
    assert.equal(
      fix.commands[0],
      "kubectl create role sa-pods-exec --verb=get,create --resource=pods/exec --resource-name=web-0 -n ns",
    );
  });

  it("uses a ClusterRole for a non-resource URL and a User subject for a person", () => {
    const fix = fixFor('forbidden: User "jane@example.com" cannot get path "/metrics"');
    assertWellFormed(fix);
    assert.equal(allows(fix, pathRequest(person("jane@example.com"), "get", "/metrics")), true);
    assert.equal(allows(fix, pathRequest(person("jane@example.com"), "get", "/metrics/slis")), false);
    assert.deepEqual(fix.objects[1].subjects, [
      { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "jane@example.com" },
    ]);
    assert.deepEqual(fix.commands, [
      "kubectl create clusterrole jane-example.com-url-metrics --verb=get --non-resource-url=/metrics",
      "kubectl create clusterrolebinding jane-example.com-url-metrics --clusterrole=jane-example.com-url-metrics --user=jane@example.com",
    ]);
  });

  it("keeps the API group and subresource", () => {
    const a = request(serviceAccount("ops", "scaler"), "update", "deployments", {
      namespace: "web",
      group: "apps",
      subresource: "scale",
      name: "frontend",
    });
    const fix = proposeFix(parseForbidden(forbiddenMessage(a, "").message)!, { roleName: "Scaler Role!" });
    assertWellFormed(fix);
    assert.equal(fix.objects[0].metadata?.name, "scaler-role");
    assert.equal(allows(fix, a), true);
    assert.equal(allows(fix, { ...a, subresource: "" }), false);
    assert.equal(allows(fix, { ...a, apiGroup: "extensions" }), false);
    assert.match(fix.commands[0], /--resource=deployments\.apps\/scale --resource-name=frontend -n web$/);
  });
});

describe("proposeFix special cases", () => {
  it("proposes no RBAC for anonymous requests", () => {
    const fix = fixFor(
      'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" at the cluster scope',
    );
    assert.deepEqual([fix.objects, fix.yaml, fix.commands], [[], "", []]);
    assert.ok(fix.notes.some((n) => n.includes("no bearer token")));
  });

  it("points at a binding that references a missing role", () => {
    const fix = fixFor(
      'deployments.apps is forbidden: User "system:serviceaccount:monitor:kube-state-metrics" cannot list resource "deployments" in API group "apps" at the cluster scope: RBAC: clusterrole.rbac.authorization.k8s.io "kube-state-metrics" not found',
    );
    assert.ok(fix.notes.some((n) => n.includes('ClusterRole "kube-state-metrics", which does not exist')));
    assert.equal(
      allows(
        fix,
        request(serviceAccount("monitor", "kube-state-metrics"), "list", "deployments", { group: "apps" }),
      ),
      true,
    );
  });
});

describe("parseAllow", () => {
  const cases: [string, AllowSpec][] = [
    ["get,list,watch pods", { verbs: ["get", "list", "watch"], resource: "pods", apiGroup: "" }],
    ["get deployments.apps", { verbs: ["get"], resource: "deployments", apiGroup: "apps" }],
    ["list deploy", { verbs: ["list"], resource: "deployments", apiGroup: "apps" }],
    ["watch,list Deployment", { verbs: ["list", "watch"], resource: "deployments", apiGroup: "apps" }],
    ["create pods/exec", { verbs: ["create"], resource: "pods", apiGroup: "", subresource: "exec" }],
    [
      "get configmaps:app-config",
      { verbs: ["get"], resource: "configmaps", apiGroup: "", names: ["app-config"] },
    ],
    [
      "update deploy/scale:web,api",
      {
        verbs: ["update"],
        resource: "deployments",
        apiGroup: "apps",
        subresource: "scale",
        names: ["web", "api"],
      },
    ],
    ["get widgets.example.com", { verbs: ["get"], resource: "widgets", apiGroup: "example.com" }],
    ["get /healthz", { verbs: ["get"], resource: "", nonResourceURL: "/healthz" }],
    ["  get   /healthz/*  ", { verbs: ["get"], resource: "", nonResourceURL: "/healthz/*" }],
  ];
  for (const [input, spec] of cases) {
    it(JSON.stringify(input), () => assert.deepEqual(parseAllow(input), spec));
  }

  for (const bad of [
    "pods",
    "get",
    "get pods extra",
    "list /healthz",
    "get configmaps:",
    "get pods/",
    " ,  pods",
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.throws(() => parseAllow(bad), /invalid allow spec/));
  }
});

describe("generateRbac", () => {
  const subject = { kind: "ServiceAccount", name: "pod-counter", namespace: "apps" };

  it("builds one Role with a rule per spec and a RoleBinding", () => {
    const fix = generateRbac({
      subject,
      namespace: "apps",
      allow: ["get,list,watch pods", "get configmaps:app-config,feature-flags", "create pods/exec"].map(
        parseAllow,
      ),
    });
    assertWellFormed(fix);
    assert.equal(fix.objects[0].metadata?.name, "pod-counter");
    const sa = serviceAccount("apps", "pod-counter");
    assert.equal(allows(fix, request(sa, "watch", "pods", { namespace: "apps" })), true);
    assert.equal(
      allows(fix, request(sa, "get", "configmaps", { namespace: "apps", name: "feature-flags" })),
      true,
    );
    assert.equal(
      allows(fix, request(sa, "get", "configmaps", { namespace: "apps", name: "db-password" })),
      false,
    );
    assert.equal(
      allows(fix, request(sa, "create", "pods", { namespace: "apps", subresource: "exec", name: "x" })),
      true,
    );
    assert.equal(allows(fix, request(sa, "list", "pods", { namespace: "other" })), false);
    assert.match(fix.commands[0], /^kubectl apply -f - <<'EOF'/);
    assert.equal(
      fix.commands[1],
      "kubectl create rolebinding pod-counter --role=pod-counter --serviceaccount=apps:pod-counter -n apps",
    );
  });

  it("defaults a ServiceAccount subject's namespace to the Role's", () => {
    const fix = generateRbac({
      subject: { kind: "ServiceAccount", name: "x" },
      namespace: "n",
      allow: [parseAllow("get pods")],
    });
    assert.deepEqual(fix.objects[1].subjects, [{ kind: "ServiceAccount", name: "x", namespace: "n" }]);
  });

  it("keeps unnamed verbs out of named rules and says so", () => {
    const fix = generateRbac({ subject, namespace: "apps", allow: [parseAllow("get,list configmaps:a")] });
    assertWellFormed(fix);
    assert.equal(rulesOf(fix).length, 2);
    assert.ok(fix.notes.some((n) => n.includes("cannot be limited")));
  });

  it("grants cluster-wide with non-resource URLs and groups", () => {
    const fix = generateRbac({
      subject: { kind: "Group", name: "monitoring" },
      cluster: true,
      name: "metrics-reader",
      allow: [parseAllow("get /metrics"), parseAllow("get nodes")],
    });
    assertWellFormed(fix);
    assert.deepEqual(fix.objects[1].subjects, [
      { kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "monitoring" },
    ]);
    const member = person("prom", "monitoring");
    assert.equal(allows(fix, pathRequest(member, "get", "/metrics")), true);
    assert.equal(allows(fix, request(member, "get", "nodes", { name: "n1" })), true);
    assert.deepEqual(fix.commands, [
      "kubectl create clusterrole metrics-reader --verb=get --resource=nodes --non-resource-url=/metrics",
      "kubectl create clusterrolebinding metrics-reader --clusterrole=metrics-reader --group=monitoring",
    ]);
  });

  it("refuses non-resource URLs in a Role and warns about cluster-scoped resources", () => {
    assert.throws(
      () => generateRbac({ subject, namespace: "apps", allow: [parseAllow("get /healthz")] }),
      /only be granted cluster-wide/,
    );
    const fix = generateRbac({ subject, namespace: "apps", allow: [parseAllow("list nodes")] });
    assert.ok(fix.notes.some((n) => n.includes("nodes is cluster-scoped")));
    assert.equal(allows(fix, request(serviceAccount("apps", "pod-counter"), "list", "nodes")), false);
  });

  it("rejects ServiceAccounts without namespace cluster-wide and unknown subject kinds", () => {
    assert.throws(() =>
      generateRbac({ subject: { kind: "ServiceAccount", name: "x" }, allow: [parseAllow("get pods")] }),
    );
    assert.throws(
      () => generateRbac({ subject: { kind: "Robot", name: "x" }, allow: [parseAllow("get pods")] }),
      /unsupported subject kind/,
    );
    assert.throws(() => generateRbac({ subject, allow: [] }), /nothing to allow/);
  });

  it("shell-quotes unusual arguments", () => {
    const fix = generateRbac({
      subject: { kind: "User", name: "o'neil smith" },
      cluster: true,
      name: "x",
      allow: [parseAllow("* pods")],
    });
    assert.deepEqual(fix.commands, [
      "kubectl create clusterrole x '--verb=*' --resource=pods",
      "kubectl create clusterrolebinding x --clusterrole=x '--user=o'\\''neil smith'",
    ]);
  });
});
