// Bootstrap policy data (plugin/pkg/auth/authorizer/rbac/bootstrappolicy).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from "../../../src/rbac/index.ts";

const roles = bootstrapClusterRoles();
const role = (name: string) => roles.find((r) => r.metadata.name === name);

describe("bootstrapClusterRoles", () => {
  it("contains the requested roles, each labelled and annotated as a bootstrap default", () => {
    assert.deepEqual(
      roles.map((r) => r.metadata.name),
      [
        "cluster-admin",
        "admin",
        "edit",
        "view",
        "system:aggregate-to-admin",
        "system:aggregate-to-edit",
        "system:aggregate-to-view",
        "system:basic-user",
        "system:discovery",
        "system:public-info-viewer",
        "system:service-account-issuer-discovery",
        "system:auth-delegator",
        "system:monitoring",
        "system:node-bootstrapper",
        "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
        "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
        "system:certificates.k8s.io:kube-apiserver-client-approver",
        "system:certificates.k8s.io:kube-apiserver-client-kubelet-approver",
        "system:certificates.k8s.io:kubelet-serving-approver",
        "system:certificates.k8s.io:legacy-unknown-approver",
      ],
    );
    for (const r of roles) {
      assert.equal(r.apiVersion, "rbac.authorization.k8s.io/v1");
      assert.equal(r.kind, "ClusterRole");
      assert.equal(r.metadata.labels?.["kubernetes.io/bootstrapping"], "rbac-defaults");
      assert.deepEqual(r.metadata.annotations, { "rbac.authorization.kubernetes.io/autoupdate": "true" });
    }
  });

  it("signer approver roles name their signer (testdata/cluster-roles.yaml)", () => {
    assert.deepEqual(role("system:certificates.k8s.io:kube-apiserver-client-approver")?.rules, [
      {
        verbs: ["approve"],
        apiGroups: ["certificates.k8s.io"],
        resources: ["signers"],
        resourceNames: ["kubernetes.io/kube-apiserver-client"],
      },
    ]);
  });

  it("serializes cluster-admin like the apiserver", () => {
    assert.equal(
      JSON.stringify(role("cluster-admin")),
      '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"cluster-admin","labels":{"kubernetes.io/bootstrapping":"rbac-defaults"},"annotations":{"rbac.authorization.kubernetes.io/autoupdate":"true"}},"rules":[{"verbs":["*"],"apiGroups":["*"],"resources":["*"]},{"verbs":["*"],"nonResourceURLs":["*"]}]}',
    );
  });

  it("ships view/edit/admin empty with their aggregation labels", () => {
    assert.deepEqual(role("view")?.rules, []);
    assert.deepEqual(role("view")?.aggregationRule, {
      clusterRoleSelectors: [{ matchLabels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" } }],
    });
    assert.equal(role("view")?.metadata.labels?.["rbac.authorization.k8s.io/aggregate-to-edit"], "true");
    assert.equal(role("edit")?.metadata.labels?.["rbac.authorization.k8s.io/aggregate-to-admin"], "true");
    assert.equal(role("admin")?.metadata.labels?.["rbac.authorization.k8s.io/aggregate-to-admin"], undefined);
  });

  it("sorts every list like RuleOrDie (testdata/cluster-roles.yaml)", () => {
    for (const r of roles) {
      for (const rule of r.rules ?? []) {
        for (const list of [rule.verbs, rule.apiGroups, rule.resources, rule.nonResourceURLs]) {
          if (list) assert.deepEqual(list, [...list].sort(), `${r.metadata.name}: ${list}`);
        }
      }
    }
    assert.deepEqual(role("system:discovery")?.rules, [
      {
        verbs: ["get"],
        nonResourceURLs: [
          "/api",
          "/api/*",
          "/apis",
          "/apis/*",
          "/healthz",
          "/livez",
          "/openapi",
          "/openapi/*",
          "/readyz",
          "/version",
          "/version/",
        ],
      },
    ]);
  });

  it("has the documented view, edit and monitoring details", () => {
    const view = role("system:aggregate-to-view")?.rules ?? [];
    assert.ok(
      view.some((r) => r.apiGroups?.[0] === "discovery.k8s.io" && r.resources?.includes("endpointslices")),
    );
    assert.ok(!view.some((r) => r.resources?.includes("secrets")));
    const edit = role("system:aggregate-to-edit")?.rules ?? [];
    assert.ok(edit.some((r) => r.resources?.includes("serviceaccounts/token") && r.verbs.includes("create")));
    assert.ok(
      !edit.some((r) => r.resources?.includes("endpoints")),
      "endpoints write was removed (CVE-2021-25740)",
    );
    assert.deepEqual(role("system:monitoring")?.rules?.[0].nonResourceURLs, [
      "/healthz",
      "/healthz/*",
      "/livez",
      "/livez/*",
      "/metrics",
      "/metrics/slis",
      "/readyz",
      "/readyz/*",
    ]);
  });

  it("returns fresh objects on every call", () => {
    const first = bootstrapClusterRoles();
    first[0].rules = [];
    assert.notDeepEqual(bootstrapClusterRoles()[0].rules, []);
  });
});

describe("bootstrapClusterRoleBindings", () => {
  it("binds the roles to their default groups", () => {
    const subjects = Object.fromEntries(
      bootstrapClusterRoleBindings().map((b) => [
        b.metadata.name,
        (b.subjects ?? []).map((s) => `${s.kind}:${s.name}`),
      ]),
    );
    assert.deepEqual(subjects, {
      "cluster-admin": ["Group:system:masters"],
      "system:monitoring": ["Group:system:monitoring"],
      "system:discovery": ["Group:system:authenticated"],
      "system:basic-user": ["Group:system:authenticated"],
      "system:public-info-viewer": ["Group:system:authenticated", "Group:system:unauthenticated"],
      "system:service-account-issuer-discovery": ["Group:system:serviceaccounts"],
    });
    for (const b of bootstrapClusterRoleBindings()) {
      assert.deepEqual(b.roleRef, {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: b.metadata.name,
      });
      assert.equal(b.metadata.labels?.["kubernetes.io/bootstrapping"], "rbac-defaults");
      assert.ok(roles.some((r) => r.metadata.name === b.roleRef.name));
    }
  });
});
