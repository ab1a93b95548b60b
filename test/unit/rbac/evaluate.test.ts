// The evaluator against the pitfalls of rbac.md §2.3 and the exact reasons of §3.6.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject, PolicyRule } from "../../../src/meta/types.ts";
import {
  appliesTo,
  authorize,
  authorizeRbac,
  bootstrapClusterRoleBindings,
  bootstrapClusterRoles,
  ruleAllows,
  rulesFor,
  sourceFromObjects,
} from "../../../src/rbac/index.ts";
import {
  binding,
  clusterBinding,
  clusterRole,
  group,
  pathRequest,
  person,
  request,
  role,
  saSubject,
  serviceAccount,
  userSubject,
} from "./fixtures.ts";

const app = serviceAccount("dev", "app");
const podReader: PolicyRule = { verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] };
const allowed = (objects: KubeObject[], a: Parameters<typeof authorize>[0]) =>
  authorize(a, sourceFromObjects(objects)).allowed;

describe("system:masters", () => {
  it("is allowed everything without any binding", () => {
    const admin = person("root", "system:masters");
    const decision = authorize(request(admin, "delete", "nodes", { name: "n1" }), sourceFromObjects([]));
    assert.deepEqual(decision, { allowed: true, reason: "" });
    assert.equal(authorize(pathRequest(admin, "post", "/anything"), sourceFromObjects([])).allowed, true);
  });

  it("is not special to the RBAC authorizer itself", () => {
    const admin = person("root", "system:masters");
    assert.equal(authorizeRbac(request(admin, "get", "pods"), sourceFromObjects([])).allowed, false);
  });
});

describe("ServiceAccount identity", () => {
  const objects = (subject: ReturnType<typeof group>) => [
    clusterRole("reader", [podReader]),
    clusterBinding("readers", "reader", [subject]),
  ];

  for (const groupName of ["system:serviceaccounts", "system:serviceaccounts:dev", "system:authenticated"]) {
    it(`gets grants bound to its implicit group ${groupName}`, () => {
      assert.equal(
        allowed(objects(group(groupName)), request(app, "list", "pods", { namespace: "dev" })),
        true,
      );
    });
  }

  it("is denied when a caller forgets the implicit groups (istio#58120)", () => {
    const bare = person(app.username);
    assert.equal(allowed(objects(group("system:serviceaccounts")), request(bare, "list", "pods")), false);
  });

  it("matches a User subject spelled as the ServiceAccount username", () => {
    assert.equal(appliesTo(app, userSubject("system:serviceaccount:dev:app"), ""), true);
  });

  it("matches a ServiceAccount subject by namespace and name only", () => {
    assert.equal(appliesTo(app, saSubject("app", "dev"), ""), true);
    assert.equal(appliesTo(app, saSubject("app", "prod"), ""), false);
    assert.equal(appliesTo(app, saSubject("other", "dev"), ""), false);
    assert.equal(appliesTo(app, { kind: "Robot", name: "app" }, "dev"), false);
  });

  it("defaults a namespace-less ServiceAccount subject to the RoleBinding's namespace only", () => {
    const objects = [
      clusterRole("reader", [podReader]),
      binding("dev", "rb", { kind: "ClusterRole", name: "reader" }, [saSubject("app")]),
      clusterBinding("crb", "reader", [saSubject("app")]),
    ];
    assert.equal(allowed(objects, request(app, "get", "pods", { namespace: "dev" })), true);
    assert.equal(
      allowed(objects, request(serviceAccount("prod", "app"), "get", "pods", { namespace: "dev" })),
      false,
    );
    // In the ClusterRoleBinding the namespace-less subject never matches: no cluster-wide grant.
    assert.equal(allowed(objects, request(app, "get", "pods")), false);
    assert.equal(
      authorize(request(app, "get", "pods", { namespace: "dev" }), sourceFromObjects(objects)).reason,
      'RBAC: allowed by RoleBinding "rb/dev" of ClusterRole "reader" to ServiceAccount "app/dev"',
    );
  });
});

describe("RoleBinding scope", () => {
  const objects = [
    ...bootstrapClusterRoles(),
    binding("dev", "viewers", { kind: "ClusterRole", name: "view" }, [saSubject("app", "dev")]),
    binding("dev", "admins", { kind: "ClusterRole", name: "cluster-admin" }, [userSubject("alice")]),
  ];

  it("confines a referenced ClusterRole to the binding's namespace", () => {
    assert.equal(allowed(objects, request(app, "list", "pods", { namespace: "dev" })), true);
    assert.equal(allowed(objects, request(app, "list", "pods", { namespace: "prod" })), false);
    assert.equal(allowed(objects, request(app, "list", "pods")), false);
  });

  it("never grants cluster-scoped resources or non-resource URLs, even with cluster-admin", () => {
    const alice = person("alice", "system:authenticated");
    assert.equal(
      allowed(objects, request(alice, "delete", "secrets", { namespace: "dev", name: "s" })),
      true,
    );
    assert.equal(allowed(objects, request(alice, "get", "nodes", { name: "n1" })), false);
    assert.equal(allowed(objects, request(alice, "list", "namespaces")), false);
    assert.equal(allowed(objects, pathRequest(alice, "get", "/metrics")), false);
  });

  it("lets a namespace read its own Namespace object (namespace == name)", () => {
    const own = request(app, "get", "namespaces", { namespace: "dev", name: "dev" });
    assert.equal(allowed(objects, own), true);
    assert.equal(
      allowed(objects, request(app, "get", "namespaces", { namespace: "prod", name: "prod" })),
      false,
    );
  });
});

describe("rule matching", () => {
  const get = (resource: string, o: Parameters<typeof request>[3] = {}) => request(app, "get", resource, o);

  it("does not let `pods` match pods/log, and `pods/log` matches only that subresource", () => {
    assert.equal(ruleAllows(get("pods", { subresource: "log" }), podReader), false);
    const logReader = { verbs: ["get"], apiGroups: [""], resources: ["pods/log"] };
    assert.equal(ruleAllows(get("pods", { subresource: "log" }), logReader), true);
    assert.equal(ruleAllows(get("pods"), logReader), false);
    assert.equal(ruleAllows(get("pods", { subresource: "exec" }), logReader), false);
  });

  it("honours */subresource but not resource/*", () => {
    const scale = { verbs: ["get"], apiGroups: ["apps"], resources: ["*/scale"] };
    assert.equal(ruleAllows(get("deployments", { group: "apps", subresource: "scale" }), scale), true);
    assert.equal(ruleAllows(get("statefulsets", { group: "apps", subresource: "scale" }), scale), true);
    assert.equal(ruleAllows(get("deployments", { group: "apps" }), scale), false);
    assert.equal(ruleAllows(get("deployments", { group: "apps", subresource: "status" }), scale), false);
    const podsStar = { verbs: ["get"], apiGroups: [""], resources: ["pods/*"] };
    assert.equal(ruleAllows(get("pods", { subresource: "log" }), podsStar), false);
  });

  it("treats * as every verb, resource (with subresources) and group", () => {
    const all = { verbs: ["*"], apiGroups: ["*"], resources: ["*"] };
    assert.equal(
      ruleAllows(request(app, "escalate", "clusterroles", { group: "rbac.authorization.k8s.io" }), all),
      true,
    );
    assert.equal(ruleAllows(get("pods", { subresource: "exec" }), all), true);
    const anyVerb = { verbs: ["*"], apiGroups: [""], resources: ["pods"] };
    assert.equal(ruleAllows(request(app, "deletecollection", "pods"), anyVerb), true);
    assert.equal(ruleAllows(get("deployments", { group: "apps" }), anyVerb), false);
  });

  it("scopes resources by API group", () => {
    const core = { verbs: ["get"], apiGroups: [""], resources: ["deployments"] };
    assert.equal(ruleAllows(get("deployments", { group: "apps" }), core), false);
    const apps = { verbs: ["get"], apiGroups: ["apps"], resources: ["pods"] };
    assert.equal(ruleAllows(get("pods"), apps), false);
  });

  it("matches a literal * in a review only against * in the rule", () => {
    assert.equal(ruleAllows(request(app, "*", "pods"), podReader), false);
    assert.equal(ruleAllows(request(app, "get", "*"), podReader), false);
  });

  it("never matches a named rule for requests without a name", () => {
    const named = { verbs: ["*"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["app-config"] };
    assert.equal(ruleAllows(get("configmaps", { name: "app-config" }), named), true);
    assert.equal(ruleAllows(get("configmaps", { name: "other" }), named), false);
    for (const verb of ["list", "watch", "create", "deletecollection"]) {
      assert.equal(ruleAllows(request(app, verb, "configmaps", { namespace: "dev" }), named), false, verb);
    }
    // A single-object informer (fieldSelector=metadata.name=app-config) carries the name.
    assert.equal(ruleAllows(request(app, "watch", "configmaps", { name: "app-config" }), named), true);
  });

  it("matches nonResourceURLs exactly or by trailing-* prefix", () => {
    const rule = { verbs: ["get"], nonResourceURLs: ["/healthz/*", "/version", "/api*"] };
    const at = (path: string) => ruleAllows(pathRequest(app, "get", path), rule);
    assert.equal(at("/healthz/etcd"), true);
    assert.equal(at("/healthz/"), true);
    assert.equal(at("/healthz"), false);
    assert.equal(at("/version"), true);
    assert.equal(at("/version/"), false);
    assert.equal(at("/apis/apps"), true);
    assert.equal(ruleAllows(pathRequest(app, "post", "/version"), rule), false);
    assert.equal(ruleAllows(pathRequest(app, "get", "/x"), { verbs: ["get"], nonResourceURLs: ["*"] }), true);
  });

  it("keeps resource and non-resource rules apart", () => {
    const urls = { verbs: ["*"], nonResourceURLs: ["*"] };
    assert.equal(ruleAllows(get("pods"), urls), false);
    const resources = { verbs: ["*"], apiGroups: ["*"], resources: ["*"] };
    assert.equal(ruleAllows(pathRequest(app, "get", "/healthz"), resources), false);
  });
});

describe("aggregated bootstrap roles", () => {
  const objects = [
    ...bootstrapClusterRoles(),
    binding("dev", "v", { kind: "ClusterRole", name: "view" }, [userSubject("viewer")]),
    binding("dev", "e", { kind: "ClusterRole", name: "edit" }, [userSubject("editor")]),
    binding("dev", "a", { kind: "ClusterRole", name: "admin" }, [userSubject("admin")]),
  ];
  const can = (who: string, verb: string, resource: string, o: Parameters<typeof request>[3] = {}) =>
    allowed(objects, request(person(who), verb, resource, { namespace: "dev", ...o }));

  it("fills view, edit and admin through the view → edit → admin chain", () => {
    assert.equal(can("viewer", "list", "pods"), true);
    assert.equal(can("viewer", "list", "endpointslices", { group: "discovery.k8s.io" }), true);
    assert.equal(can("viewer", "get", "secrets", { name: "s" }), false);
    assert.equal(can("viewer", "create", "pods"), false);
    assert.equal(can("editor", "list", "pods"), true);
    assert.equal(can("editor", "create", "deployments", { group: "apps" }), true);
    assert.equal(can("editor", "create", "roles", { group: "rbac.authorization.k8s.io" }), false);
    assert.equal(can("admin", "create", "roles", { group: "rbac.authorization.k8s.io" }), true);
    assert.equal(can("admin", "get", "secrets", { name: "s" }), true);
    assert.equal(can("admin", "list", "pods"), true);
  });

  it("does not aggregate when asked to evaluate manifests as-is", () => {
    const raw = sourceFromObjects(objects, { aggregate: false });
    assert.equal(
      authorize(request(person("viewer"), "list", "pods", { namespace: "dev" }), raw).allowed,
      false,
    );
  });
});

describe("bootstrap bindings", () => {
  const source = sourceFromObjects([...bootstrapClusterRoles(), ...bootstrapClusterRoleBindings()]);
  const anonymous = person("system:anonymous", "system:unauthenticated");

  it("let every ServiceAccount ask who it is and what it may do", () => {
    for (const resource of ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]) {
      const a = request(app, "create", resource, { group: "authorization.k8s.io" });
      assert.deepEqual(authorize(a, source), {
        allowed: true,
        reason:
          'RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" to Group "system:authenticated"',
      });
    }
    assert.equal(
      authorize(request(app, "create", "selfsubjectreviews", { group: "authentication.k8s.io" }), source)
        .allowed,
      true,
    );
    assert.equal(
      authorize(request(app, "create", "tokenreviews", { group: "authentication.k8s.io" }), source).allowed,
      false,
    );
  });

  it("let ServiceAccounts read OIDC discovery and anonymous users only public info", () => {
    assert.equal(authorize(pathRequest(app, "get", "/openid/v1/jwks"), source).allowed, true);
    assert.equal(authorize(pathRequest(app, "get", "/apis/apps/v1"), source).allowed, true);
    assert.equal(authorize(pathRequest(anonymous, "get", "/healthz"), source).allowed, true);
    assert.equal(authorize(pathRequest(anonymous, "get", "/api"), source).allowed, false);
    assert.equal(authorize(pathRequest(anonymous, "get", "/openid/v1/jwks"), source).allowed, false);
    assert.equal(authorize(pathRequest(app, "get", "/metrics"), source).allowed, false);
  });
});

describe("decision reasons", () => {
  it("names the ClusterRoleBinding, its role and the first matching subject", () => {
    const objects = [
      clusterRole("y", [podReader]),
      clusterBinding("x", "y", [userSubject("nobody"), group("z"), userSubject("u")]),
    ];
    assert.deepEqual(authorize(request(person("u", "z"), "get", "pods"), sourceFromObjects(objects)), {
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to Group "z"',
    });
  });

  it("names a RoleBinding as name/namespace and a ServiceAccount as name/namespace", () => {
    const objects = [
      role("ns", "r", [podReader]),
      binding("ns", "rb", { kind: "Role", name: "r" }, [saSubject("sa", "ns")]),
    ];
    const decision = authorize(
      request(serviceAccount("ns", "sa"), "get", "pods", { namespace: "ns" }),
      sourceFromObjects(objects),
    );
    assert.equal(
      decision.reason,
      'RBAC: allowed by RoleBinding "rb/ns" of Role "r" to ServiceAccount "sa/ns"',
    );
  });

  it("quotes names like Go's %q", () => {
    const objects = [clusterRole("y", [podReader]), clusterBinding('we"ird', "y", [userSubject("ü\\")])];
    assert.equal(
      authorize(request(person("ü\\"), "get", "pods"), sourceFromObjects(objects)).reason,
      'RBAC: allowed by ClusterRoleBinding "we\\"ird" of ClusterRole "y" to User "ü\\\\"',
    );
  });

  it("denies with an empty reason when nothing failed to resolve", () => {
    assert.deepEqual(authorize(request(app, "get", "pods"), sourceFromObjects([])), {
      allowed: false,
      reason: "",
    });
  });
});

describe("missing roles", () => {
  const objects = [
    clusterBinding("ghost-binding", "ghost", [group("system:serviceaccounts")]),
    clusterBinding("ghost-again", "ghost", [group("system:authenticated")]),
    clusterRole("reader", [podReader]),
    clusterBinding("readers", "reader", [group("system:serviceaccounts")]),
    binding("dev", "gone", { kind: "Role", name: "gone" }, [saSubject("app")]),
    binding("dev", "odd", { kind: "Thing", name: "x" }, [saSubject("app")]),
  ];
  const source = sourceFromObjects(objects);

  it("do not stop other bindings from allowing", () => {
    assert.equal(authorize(request(app, "list", "pods", { namespace: "dev" }), source).allowed, true);
  });

  it("explain a cluster-scope denial, duplicates removed", () => {
    assert.deepEqual(authorize(request(app, "list", "deployments", { group: "apps" }), source), {
      allowed: false,
      reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found',
    });
  });

  it("aggregate several distinct errors as [e1, e2, …]", () => {
    assert.equal(
      authorize(request(app, "delete", "pods", { namespace: "dev", name: "p" }), source).reason,
      'RBAC: [clusterrole.rbac.authorization.k8s.io "ghost" not found, role.rbac.authorization.k8s.io "gone" not found, unsupported role reference kind: "Thing"]',
    );
  });

  it("are reported by rulesFor next to the rules that did resolve", () => {
    assert.deepEqual(rulesFor(app, "dev", source), {
      rules: [podReader],
      errors: [
        'clusterrole.rbac.authorization.k8s.io "ghost" not found',
        'clusterrole.rbac.authorization.k8s.io "ghost" not found',
        'role.rbac.authorization.k8s.io "gone" not found',
        'unsupported role reference kind: "Thing"',
      ],
    });
    assert.deepEqual(rulesFor(app, "", source).errors.length, 2);
  });
});
