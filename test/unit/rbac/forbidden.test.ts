// 403 texts (rbac.md §5.2, serviceaccount-and-api-server.md §4.8) and the parser.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Status } from "../../../src/meta/status.ts";
import type { Attributes } from "../../../src/meta/types.ts";
import {
  authorize,
  type ForbiddenInfo,
  forbiddenMessage,
  missingRolesInReason,
  parseForbidden,
  sourceFromObjects,
} from "../../../src/rbac/index.ts";
import { clusterBinding, pathRequest, person, request, saSubject, serviceAccount } from "./fixtures.ts";

describe("forbiddenMessage reproduces real apiserver texts", () => {
  it("namespaced list (kubernetes-client/java#2762), full Status body", () => {
    const a = request(serviceAccount("bluezero", "default"), "list", "pods", { namespace: "bluezero" });
    const { message, details } = forbiddenMessage(a, "");
    assert.equal(
      message,
      'pods is forbidden: User "system:serviceaccount:bluezero:default" cannot list resource "pods" in API group "" in the namespace "bluezero"',
    );
    assert.equal(
      JSON.stringify(Status.forbidden(message, a.resource, a.apiGroup, a.name)),
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods is forbidden: User \\"system:serviceaccount:bluezero:default\\" cannot list resource \\"pods\\" in API group \\"\\" in the namespace \\"bluezero\\"","reason":"Forbidden","details":{"kind":"pods"},"code":403}',
    );
    assert.deepEqual(details, { kind: "pods" });
  });

  it("cluster scope with a missing ClusterRole (kube-state-metrics#1368), reason from the evaluator", () => {
    const ksm = serviceAccount("monitor", "kube-state-metrics");
    const source = sourceFromObjects([
      clusterBinding("kube-state-metrics", "kube-state-metrics", [
        saSubject("kube-state-metrics", "monitor"),
      ]),
    ]);
    const a = request(ksm, "list", "deployments", { group: "apps" });
    const { reason } = authorize(a, source);
    assert.equal(
      forbiddenMessage(a, reason).message,
      'deployments.apps is forbidden: User "system:serviceaccount:monitor:kube-state-metrics" cannot list resource "deployments" in API group "apps" at the cluster scope: RBAC: clusterrole.rbac.authorization.k8s.io "kube-state-metrics" not found',
    );
    assert.deepEqual(forbiddenMessage(a, reason).details, { group: "apps", kind: "deployments" });
  });

  it("non-resource path (SUSE-Cloud/socok8s#173) with empty details", () => {
    const a = pathRequest(serviceAccount("ucp", "airship-ucp-mariadb-mariadb"), "get", "/version/");
    const { message, details } = forbiddenMessage(a, "");
    assert.equal(
      message,
      'forbidden: User "system:serviceaccount:ucp:airship-ucp-mariadb-mariadb" cannot get path "/version/"',
    );
    assert.deepEqual(details, {});
    assert.equal(
      JSON.stringify(Status.forbidden(message, "", "", "")),
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"forbidden: User \\"system:serviceaccount:ucp:airship-ucp-mariadb-mariadb\\" cannot get path \\"/version/\\"","reason":"Forbidden","details":{},"code":403}',
    );
  });

  const examples: [Attributes, string, object][] = [
    [
      request(serviceAccount("ns", "sa"), "create", "pods", {
        namespace: "ns",
        subresource: "exec",
        name: "web-0",
      }),
      'pods "web-0" is forbidden: User "system:serviceaccount:ns:sa" cannot create resource "pods/exec" in API group "" in the namespace "ns"',
      { name: "web-0", kind: "pods" },
    ],
    [
      request(person("bob"), "impersonate", "serviceaccounts", { namespace: "dev", name: "foo" }),
      'serviceaccounts "foo" is forbidden: User "bob" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "dev"',
      { name: "foo", kind: "serviceaccounts" },
    ],
    [
      request(person("u"), "get", "deployments", { namespace: "ns", group: "apps", name: "web" }),
      'deployments.apps "web" is forbidden: User "u" cannot get resource "deployments" in API group "apps" in the namespace "ns"',
      { name: "web", group: "apps", kind: "deployments" },
    ],
    [
      request(person("u"), "list", "nodes"),
      'nodes is forbidden: User "u" cannot list resource "nodes" in API group "" at the cluster scope',
      { kind: "nodes" },
    ],
    [
      request(person("u"), "create", "serviceaccounts", {
        namespace: "ns",
        subresource: "token",
        name: "sa",
      }),
      'serviceaccounts "sa" is forbidden: User "u" cannot create resource "serviceaccounts/token" in API group "" in the namespace "ns"',
      { name: "sa", kind: "serviceaccounts" },
    ],
    [
      pathRequest(person("u"), "get", "/openid/v1/jwks"),
      'forbidden: User "u" cannot get path "/openid/v1/jwks"',
      {},
    ],
    [
      request(serviceAccount("default", "default"), "list", "pods", { namespace: "default" }),
      'pods is forbidden: User "system:serviceaccount:default:default" cannot list resource "pods" in API group "" in the namespace "default"',
      { kind: "pods" },
    ],
  ];
  for (const [a, message, details] of examples) {
    it(message, () => assert.deepEqual(forbiddenMessage(a, ""), { message, details }));
  }

  it("html-escapes only & < > of the inner text, never the reason, and %q-quotes", () => {
    const a = pathRequest(person('we"ird\\'), "get", "/a<b>&c");
    assert.equal(
      forbiddenMessage(a, "RBAC: <x> & y").message,
      'forbidden: User "we\\"ird\\\\" cannot get path "/a&lt;b&gt;&amp;c": RBAC: <x> & y',
    );
    const control = pathRequest(person("tab\there\u00a0\u0001"), "get", "/");
    assert.equal(
      forbiddenMessage(control, "").message,
      'forbidden: User "tab\\there\\u00a0\\x01" cannot get path "/"',
    );
  });
});

type Expected = Omit<ForbiddenInfo, "anonymous"> & { anonymous?: boolean };

function expectParsed(text: string, expected: Expected): void {
  assert.deepEqual(parseForbidden(text), { anonymous: false, ...expected });
}

describe("parseForbidden round-trips forbiddenMessage", () => {
  const users = [
    serviceAccount("test-in-cluster", "default"),
    person("alice"),
    person("system:anonymous", "system:unauthenticated"),
    person('odd "user" \\ <&>'),
    person("ünïcode"),
  ];
  const requests = (u: (typeof users)[number]): Attributes[] => [
    request(u, "list", "pods"),
    request(u, "watch", "pods", { namespace: "dev" }),
    request(u, "get", "deployments", { namespace: "prod", group: "apps", name: "web" }),
    request(u, "update", "deployments", {
      namespace: "prod",
      group: "apps",
      subresource: "scale",
      name: "web",
    }),
    request(u, "create", "pods", { namespace: "ns", subresource: "exec", name: "web-0" }),
    request(u, "get", "nodes", { subresource: "proxy", name: "node-1" }),
    request(u, "create", "selfsubjectaccessreviews", { group: "authorization.k8s.io" }),
    request(u, "get", "widgets", { namespace: "x", group: "example.com", name: "w.1" }),
    request(u, "get", "namespaces", { namespace: "dev", name: "dev" }),
    pathRequest(u, "get", "/healthz"),
    pathRequest(u, "post", "/a b/<c>&d"),
  ];
  const reasons = [
    "",
    'RBAC: clusterrole.rbac.authorization.k8s.io "x" not found',
    "RBAC: [a, b]\nwebhook: denied",
  ];

  let count = 0;
  for (const u of users) {
    for (const a of requests(u)) {
      for (const reason of reasons) {
        count++;
        const { message } = forbiddenMessage(a, reason);
        it(message.slice(0, 160), () => {
          const info = parseForbidden(message);
          assert.ok(info);
          assert.equal(info.user, u.username);
          assert.equal(info.verb, a.verb);
          assert.equal(info.reason, reason || undefined);
          assert.equal(info.anonymous, u.username === "system:anonymous");
          if (a.resourceRequest) {
            assert.equal(info.resource, a.resource);
            assert.equal(info.subresource, a.subresource || undefined);
            assert.equal(info.apiGroup, a.apiGroup);
            assert.equal(info.name, a.name || undefined);
            assert.equal(info.namespace, a.namespace || undefined);
            assert.equal(info.path, undefined);
          } else {
            assert.equal(info.path, a.path);
            assert.equal(info.resource, undefined);
            assert.equal(info.namespace, undefined);
          }
        });
      }
    }
  }
  it("covers many combinations", () => assert.ok(count >= 150));
});

describe("parseForbidden details", () => {
  it("recognises a ServiceAccount identity", () => {
    expectParsed(
      'pods is forbidden: User "system:serviceaccount:test-in-cluster:default" cannot list resource "pods" in API group "" at the cluster scope',
      {
        user: "system:serviceaccount:test-in-cluster:default",
        verb: "list",
        resource: "pods",
        apiGroup: "",
        serviceAccount: { namespace: "test-in-cluster", name: "default" },
      },
    );
  });

  it("flags system:anonymous as no credentials", () => {
    const info = parseForbidden('forbidden: User "system:anonymous" cannot get path "/api"');
    assert.equal(info?.anonymous, true);
    assert.equal(info?.serviceAccount, undefined);
  });
});

describe("parseForbidden legacy formats", () => {
  it("1.7–1.13 namespaced", () => {
    expectParsed('pods is forbidden: User "x" cannot list pods in the namespace "ns"', {
      user: "x",
      verb: "list",
      resource: "pods",
      apiGroup: "",
      namespace: "ns",
    });
  });

  it("1.7–1.13 cluster scope", () => {
    expectParsed('nodes is forbidden: User "x" cannot list nodes at the cluster scope', {
      user: "x",
      verb: "list",
      resource: "nodes",
      apiGroup: "",
    });
  });

  it("group-qualified resource with subresource and a name", () => {
    expectParsed(
      'deployments.apps "web" is forbidden: User "x" cannot update deployments.apps/scale in the namespace "ns"',
      {
        user: "x",
        verb: "update",
        resource: "deployments",
        apiGroup: "apps",
        subresource: "scale",
        name: "web",
        namespace: "ns",
      },
    );
  });

  it("1.6 with kubectl's suffix", () => {
    expectParsed('User "sally" cannot list pods in the namespace "default". (get pods)', {
      user: "sally",
      verb: "list",
      resource: "pods",
      apiGroup: "",
      namespace: "default",
    });
  });

  it("early text/plain with groups", () => {
    expectParsed('User "bob" groups [dev system:authenticated] cannot delete secrets at the cluster scope.', {
      user: "bob",
      verb: "delete",
      resource: "secrets",
      apiGroup: "",
    });
  });

  it("legacy non-resource text without the forbidden prefix", () => {
    expectParsed('User "x" cannot get path "/logs"', { user: "x", verb: "get", path: "/logs" });
  });
});

describe("parseForbidden finds the message inside longer text", () => {
  const seed =
    'pods is forbidden: User "system:serviceaccount:test-in-cluster:default" cannot list resource "pods" in API group "" at the cluster scope';
  const seedInfo: Expected = {
    user: "system:serviceaccount:test-in-cluster:default",
    verb: "list",
    resource: "pods",
    apiGroup: "",
    serviceAccount: { namespace: "test-in-cluster", name: "default" },
  };

  it("a Go panic with a stack trace", () => {
    expectParsed(`panic: ${seed}\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:42 +0x1d`, seedInfo);
  });

  it("kubectl output, reason limited to its line", () => {
    expectParsed(
      `Error from server (Forbidden): ${seed}: RBAC: clusterrole.rbac.authorization.k8s.io "pod-reader" not found\nnext line`,
      { ...seedInfo, reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "pod-reader" not found' },
    );
  });

  it("a JSON Status body", () => {
    expectParsed(JSON.stringify(Status.forbidden(`${seed}: RBAC: x`, "pods", "", "")), {
      ...seedInfo,
      reason: "RBAC: x",
    });
  });

  it("a klog line with a %q-quoted error", () => {
    const line = `E0101 00:00:00.000000 1 reflector.go:166] "Unhandled Error" err="k8s.io/client-go/tools/cache/reflector.go:251: Failed to watch *v1.Pod: failed to list *v1.Pod: ${seed.replace(/"/g, '\\"')}" logger="UnhandledError"`;
    expectParsed(line, seedInfo);
  });

  it("a JSON log line whose message Go's encoder HTML-escaped", () => {
    const message = forbiddenMessage(pathRequest(person("a&b"), "get", "/x<y>"), "").message;
    const line = JSON.stringify({ level: "error", error: message })
      .replace(/&/g, "\\u0026")
      .replace(/</g, "\\u003c");
    expectParsed(line, { user: "a&b", verb: "get", path: "/x<y>" });
  });

  it("a fragment of an escaped literal whose opening quote was cut", () => {
    expectParsed(`...: ${seed.replace(/"/g, '\\"')}\\"}`, seedInfo);
  });
});

describe("parseForbidden ignores 403s that are not authorization denials", () => {
  const others = [
    'pods "redis" is forbidden: error looking up service account default/default: serviceaccount "default" not found',
    'pods "x" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false',
    "exceeded quota: compute, requested: pods=1, used: pods=10, limited: pods=10",
    'clusterroles.rbac.authorization.k8s.io "x" is forbidden: user "u" (groups=["g"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["get"]}',
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}',
    "",
  ];
  for (const text of others) {
    it(text.slice(0, 80) || "(empty)", () => assert.equal(parseForbidden(text), null));
  }
});

describe("missingRolesInReason", () => {
  it("lists each missing Role and ClusterRole once", () => {
    assert.deepEqual(
      missingRolesInReason(
        'RBAC: [clusterrole.rbac.authorization.k8s.io "a" not found, role.rbac.authorization.k8s.io "b" not found, clusterrole.rbac.authorization.k8s.io "a" not found]',
      ),
      [
        { kind: "ClusterRole", name: "a" },
        { kind: "Role", name: "b" },
      ],
    );
    assert.deepEqual(missingRolesInReason(undefined), []);
  });
});
