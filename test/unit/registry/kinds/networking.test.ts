// networking.k8s.io kinds: validation messages as pkg/apis/networking/validation prints them (cases after
// validation_test.go's TestValidateIngress*, TestValidateNetworkPolicy, TestValidateIngressClass), defaults
// and Table cells as printers.go.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../../src/meta/types.ts";
import { ingress, validateIngress } from "../../../../src/server/registry/kinds/networking/ingress.ts";
import {
  defaultIngressClass,
  ingressClass,
  validateIngressClass,
} from "../../../../src/server/registry/kinds/networking/ingressclass.ts";
import {
  defaultNetworkPolicy,
  formatLabelSelector,
  networkPolicy,
  validateNetworkPolicy,
} from "../../../../src/server/registry/kinds/networking/networkpolicy.ts";
import type { FieldCause } from "../../../../src/server/registry/types.ts";

const text = (errs: FieldCause[]) => errs.map((e) => `${e.field}: ${e.message}`);
const backend = { service: { name: "svc", port: { number: 80 } } };
const ing = (spec: Record<string, unknown>, annotations?: Record<string, string>): KubeObject => ({
  metadata: { name: "i", namespace: "ns", ...(annotations ? { annotations } : {}) },
  spec,
});
const path = (p: Record<string, unknown>) => ({
  rules: [{ host: "foo.com", http: { paths: [{ backend, ...p }] } }],
});

describe("Ingress validation", () => {
  const cases: [string, KubeObject, string[]][] = [
    ["valid prefix path", ing(path({ path: "/foo", pathType: "Prefix" })), []],
    [
      "no rules and no default backend",
      ing({}),
      [
        "spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified",
      ],
    ],
    [
      "pathType required",
      ing(path({ path: "/" })),
      ["spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"],
    ],
    [
      "unsupported pathType",
      ing(path({ path: "/", pathType: "Regex" })),
      [
        'spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
      ],
    ],
    [
      "relative Exact path",
      ing(path({ path: "foo", pathType: "Exact" })),
      ['spec.rules[0].http.paths[0].path: Invalid value: "foo": must be an absolute path'],
    ],
    [
      "double slash and dot suffix",
      ing(path({ path: "/a//b/.", pathType: "Prefix" })),
      [
        "spec.rules[0].http.paths[0].path: Invalid value: \"/a//b/.\": must not contain '//'",
        "spec.rules[0].http.paths[0].path: Invalid value: \"/a//b/.\": cannot end with '/.'",
      ],
    ],
    ["ImplementationSpecific may be empty", ing(path({ pathType: "ImplementationSpecific" })), []],
    [
      "IP host",
      ing({ rules: [{ host: "127.0.0.1" }] }),
      ['spec.rules[0].host: Invalid value: "127.0.0.1": must be a DNS name, not an IP address'],
    ],
    ["wildcard host", ing({ rules: [{ host: "*.foo.com" }] }), []],
    [
      "bad wildcard host",
      ing({ rules: [{ host: "foo.*.com" }] }),
      [
        "spec.rules[0].host: Invalid value: \"foo.*.com\": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    ],
    [
      "both port name and number",
      ing({ defaultBackend: { service: { name: "svc", port: { name: "http", number: 80 } } } }),
      ['spec.defaultBackend: Invalid value: "": cannot set both port name & port number'],
    ],
    [
      "no port",
      ing({ defaultBackend: { service: { name: "svc", port: {} } } }),
      ["spec.defaultBackend: Required value: port name or number is required"],
    ],
    [
      "resource and service backends",
      ing({ defaultBackend: { ...backend, resource: { kind: "Bucket", name: "b" } } }),
      ['spec.defaultBackend: Invalid value: "": cannot set both resource and service backends'],
    ],
    [
      "service name must be a DNS-1035 label",
      ing({ defaultBackend: { service: { name: "1svc", port: { number: 80 } } } }),
      [
        "spec.defaultBackend.service.name: Invalid value: \"1svc\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      ],
    ],
    [
      "class annotation and ingressClassName disagree",
      ing({ defaultBackend: backend, ingressClassName: "a" }, { "kubernetes.io/ingress.class": "b" }),
      [
        'annotations.kubernetes.io/ingress.class: Invalid value: "b": must match `ingressClassName` when both are specified',
      ],
    ],
  ];
  for (const [name, obj, want] of cases) test(name, () => assert.deepEqual(text(validateIngress(obj)), want));

  test("an update keeps a stored invalid TLS secret name", () => {
    const old = ing({ defaultBackend: backend, tls: [{ secretName: "Bad_Name" }] });
    assert.equal(
      validateIngress(ing({ defaultBackend: backend, tls: [{ secretName: "Bad_Name" }] })).length,
      1,
    );
    assert.deepEqual(
      validateIngress(ing({ defaultBackend: backend, tls: [{ secretName: "Bad_Name" }] }), old),
      [],
    );
  });
});

describe("Ingress table", () => {
  test("hosts beyond three collapse, TLS opens 443, status addresses sorted", () => {
    const obj = {
      metadata: { name: "web", creationTimestamp: "2024-01-01T00:00:00Z" },
      spec: { rules: ["a.com", "b.com", "", "c.com", "d.com"].map((host) => ({ host })), tls: [{}] },
      status: {
        loadBalancer: { ingress: [{ ip: "10.0.0.2" }, { hostname: "lb.example.com" }, { ip: "10.0.0.1" }] },
      },
    };
    const cells = ingress.printer!.cells(obj, Date.parse("2024-01-01T00:00:30Z"));
    assert.deepEqual(cells, [
      "web",
      "<none>",
      "a.com,b.com,c.com + 2 more...",
      "10.0.0.1,10.0.0.2,lb.example.com",
      "80, 443",
      "30s",
    ]);
    assert.equal(ingress.printer!.cells({ metadata: { name: "x" }, spec: { rules: [{}] } }, 0)[2], "*");
  });
});

describe("IngressClass", () => {
  test("parameters.scope defaults to Cluster; the Parameters column as printers.go", () => {
    const ic: KubeObject = {
      metadata: { name: "c" },
      spec: { controller: "example.com/c", parameters: { kind: "K", name: "n" } },
    };
    defaultIngressClass(ic);
    assert.equal((ic.spec as { parameters: { scope: string } }).parameters.scope, "Cluster");
    assert.equal(ingressClass.printer!.cells(ic, 0)[2], "K/n");
    assert.deepEqual(validateIngressClass(ic), []);
  });

  test("controller and parameters are validated", () => {
    const ic = (spec: Record<string, unknown>): KubeObject => ({ metadata: { name: "c" }, spec });
    assert.deepEqual(text(validateIngressClass(ic({}))), ["spec.controller: Required value"]);
    assert.deepEqual(text(validateIngressClass(ic({ controller: "foo" }))), [
      'spec.controller: Invalid value: "foo": must be a domain-prefixed path (such as "acme.io/foo")',
    ]);
    assert.deepEqual(
      text(
        validateIngressClass(
          ic({ controller: "example.com/c", parameters: { kind: "K", name: "n", scope: "Namespace" } }),
        ),
      ),
      ["spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'"],
    );
    assert.deepEqual(
      text(validateIngressClass(ic({ controller: "example.com/d" }), ic({ controller: "example.com/c" }))),
      ['spec.controller: Invalid value: "example.com/d": field is immutable'],
    );
  });
});

describe("NetworkPolicy", () => {
  const np = (spec: Record<string, unknown>): KubeObject => ({
    metadata: { name: "np", namespace: "ns" },
    spec,
  });

  test("defaults: TCP ports, Egress policy type only with egress rules", () => {
    const a = np({ podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] });
    defaultNetworkPolicy(a);
    assert.deepEqual((a.spec as Record<string, unknown>).policyTypes, ["Ingress"]);
    assert.equal(
      (a.spec as { ingress: { ports: { protocol: string }[] }[] }).ingress[0]!.ports[0]!.protocol,
      "TCP",
    );
    const b = np({ podSelector: {}, egress: [{}] });
    defaultNetworkPolicy(b);
    assert.deepEqual((b.spec as Record<string, unknown>).policyTypes, ["Ingress", "Egress"]);
  });

  const cases: [string, Record<string, unknown>, string[]][] = [
    [
      "empty peer",
      { podSelector: {}, ingress: [{ from: [{}] }] },
      ["spec.ingress[0].from[0]: Required value: must specify a peer"],
    ],
    [
      "ipBlock with another peer",
      { podSelector: {}, ingress: [{ from: [{ podSelector: {}, ipBlock: { cidr: "10.0.0.0/8" } }] }] },
      ["spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer"],
    ],
    [
      "except outside the cidr",
      {
        podSelector: {},
        egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["11.0.0.0/16", "10.0.0.0/8"] } }] }],
      },
      [
        'spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "11.0.0.0/16": must be a strict subset of `cidr`',
        'spec.egress[0].to[0].ipBlock.except[1]: Invalid value: "10.0.0.0/8": must be a strict subset of `cidr`',
      ],
    ],
    [
      "bad cidr",
      { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "10.0.0/8" } }] }] },
      [
        'spec.egress[0].to[0].ipBlock.cidr: Invalid value: "10.0.0/8": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
      ],
    ],
    [
      "IPv6 subset",
      { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "fd00::/8", except: ["fd00:1::/32"] } }] }] },
      [],
    ],
    [
      "endPort below port",
      { podSelector: {}, ingress: [{ ports: [{ protocol: "TCP", port: 90, endPort: 80 }] }] },
      ["spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`"],
    ],
    [
      "endPort with a named port",
      { podSelector: {}, ingress: [{ ports: [{ port: "http", endPort: 80 }] }] },
      [
        "spec.ingress[0].ports[0].endPort: Invalid value: 80: may not be specified when `port` is non-numeric",
      ],
    ],
    [
      "bad protocol",
      { podSelector: {}, ingress: [{ ports: [{ protocol: "ICMP", port: 1 }] }] },
      [
        'spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
      ],
    ],
    [
      "three policy types",
      { podSelector: {}, policyTypes: ["Ingress", "Egress", "Ingress"] },
      [
        'spec.policyTypes: Invalid value: []networking.PolicyType{"Ingress", "Egress", "Ingress"}: may not specify more than two policyTypes',
      ],
    ],
    [
      "unknown policy type",
      { podSelector: {}, policyTypes: ["Both"] },
      ['spec.policyTypes[0]: Unsupported value: "Both": supported values: "Ingress", "Egress"'],
    ],
  ];
  for (const [name, spec, want] of cases)
    test(name, () => assert.deepEqual(text(validateNetworkPolicy(np(spec))), want));

  test("an update keeps CIDRs the stored policy already had", () => {
    const spec = { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "bogus" } }] }] };
    assert.equal(validateNetworkPolicy(np(spec)).length, 1);
    assert.deepEqual(validateNetworkPolicy(np(spec), np(spec)), []);
  });

  test("Pod-Selector column", () => {
    assert.equal(formatLabelSelector({}), "<none>");
    assert.equal(formatLabelSelector(undefined), "<none>");
    assert.equal(
      formatLabelSelector({
        matchLabels: { b: "2", a: "1" },
        matchExpressions: [{ key: "env", operator: "In", values: ["x", "y"] }],
      }),
      "a=1,b=2,env in (x,y)",
    );
    assert.equal(networkPolicy.printer!.columns[1]!.name, "Pod-Selector");
  });
});
