// Service validation beyond ports (core validation ValidateService, ValidateServiceClusterIPsRelatedFields,
// ValidateNonSpecialIP, validateServiceExternalTrafficPolicy), on Services as the strategy hands them over.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../../src/meta/types.ts";
import { validateService } from "../../../src/server/registry/validation.ts";

const svc = (spec: Record<string, unknown>): KubeObject => ({
  metadata: { name: "s", namespace: "ns" },
  spec: {
    type: "ClusterIP",
    sessionAffinity: "None",
    internalTrafficPolicy: "Cluster",
    ports: [{ port: 80, protocol: "TCP", targetPort: 80 }],
    ...spec,
  },
});
const lines = (obj: KubeObject, old?: KubeObject) =>
  validateService(obj, old).map((e) => `${e.field}: ${e.message}`);

test("cluster IPs: valid addresses, in step with clusterIP, one per family", () => {
  assert.deepEqual(lines(svc({ clusterIP: "10.96.0.9", clusterIPs: ["10.96.0.9"] })), []);
  assert.deepEqual(lines(svc({ clusterIP: "banana", clusterIPs: ["banana"] })), [
    'spec.clusterIPs[0]: Invalid value: "banana": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
  ]);
  assert.deepEqual(lines(svc({ clusterIP: "10.96.0.9", clusterIPs: ["10.96.0.8"] })), [
    'spec.clusterIPs: Invalid value: []string{"10.96.0.8"}: first value must match `clusterIP`',
  ]);
  assert.deepEqual(lines(svc({ clusterIPs: ["10.96.0.8"] })), [
    'spec.clusterIPs: Invalid value: []string{"10.96.0.8"}: must be empty when `clusterIP` is not specified',
  ]);
  assert.deepEqual(lines(svc({ clusterIP: "10.96.0.8", clusterIPs: ["10.96.0.8", "10.96.0.9"] })), [
    'spec.clusterIPs: Invalid value: []string{"10.96.0.8", "10.96.0.9"}: may specify no more than one IP for each IP family',
  ]);
  assert.deepEqual(lines(svc({ clusterIP: "None", clusterIPs: ["None", "10.96.0.9"] })), [
    `spec.clusterIPs: Invalid value: []string{"None", "10.96.0.9"}: 'None' must be the first and only value`,
  ]);
  assert.deepEqual(lines(svc({ ipFamilies: ["IPv5", "IPv4", "IPv4"], ipFamilyPolicy: "Sometimes" })), [
    'spec.ipFamilies[0]: Unsupported value: "IPv5": supported values: "IPv4", "IPv6"',
    'spec.ipFamilies[2]: Duplicate value: "IPv4"',
    'spec.ipFamilyPolicy: Unsupported value: "Sometimes": supported values: "PreferDualStack", "RequireDualStack", "SingleStack"',
  ]);
});

test("headless NodePort/LoadBalancer Services, and ExternalName with families", () => {
  assert.deepEqual(
    lines(
      svc({ type: "NodePort", clusterIP: "None", clusterIPs: ["None"], externalTrafficPolicy: "Cluster" }),
    ),
    [`spec.clusterIPs[0]: Invalid value: "None": may not be set to 'None' for NodePort services`],
  );
  assert.deepEqual(
    lines(
      svc({
        type: "ExternalName",
        externalName: "example.com",
        ipFamilies: ["IPv4"],
        ipFamilyPolicy: "SingleStack",
      }),
    ),
    [
      "spec.ipFamilies: Forbidden: may not be set for ExternalName services",
      "spec.ipFamilyPolicy: Forbidden: may not be set for ExternalName services",
    ],
  );
});

test("externalIPs may not be special addresses", () => {
  assert.deepEqual(
    lines(svc({ externalIPs: ["1.2.3.4", "127.0.0.1", "0.0.0.0", "x"], externalTrafficPolicy: "Cluster" })),
    [
      'spec.externalIPs[1]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      'spec.externalIPs[2]: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)',
      'spec.externalIPs[3]: Invalid value: "x": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ],
  );
});

test("traffic policies, session affinity, duplicate node ports", () => {
  assert.deepEqual(lines(svc({ externalTrafficPolicy: "Local" })), [
    'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services',
  ]);
  assert.deepEqual(lines(svc({ type: "NodePort", externalTrafficPolicy: "Nearby" })), [
    'spec.externalTrafficPolicy: Unsupported value: "Nearby": supported values: "Cluster", "Local"',
  ]);
  assert.deepEqual(
    lines(svc({ type: "LoadBalancer", externalTrafficPolicy: "Local", allocateLoadBalancerNodePorts: true })),
    ["spec.healthCheckNodePort: Required value"],
  );
  assert.deepEqual(lines(svc({ loadBalancerSourceRanges: ["10.0.0.0/8"] })), [
    "spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'",
  ]);
  assert.deepEqual(lines(svc({ internalTrafficPolicy: "Anywhere" })), [
    'spec.internalTrafficPolicy: Unsupported value: "Anywhere": supported values: "Cluster", "Local"',
  ]);
  assert.deepEqual(
    lines(
      svc({ sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } } }),
    ),
    [
      "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400",
    ],
  );
  assert.deepEqual(lines(svc({ sessionAffinityConfig: { clientIP: { timeoutSeconds: 10 } } })), [
    "spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None",
  ]);
  assert.deepEqual(
    lines(
      svc({
        type: "NodePort",
        externalTrafficPolicy: "Cluster",
        ports: [
          { name: "a", port: 80, protocol: "TCP", nodePort: 30001 },
          { name: "b", port: 81, protocol: "TCP", nodePort: 30001 },
        ],
      }),
    ),
    ["spec.ports[1].nodePort: Duplicate value: 30001"],
  );
});

test("updates: the primary cluster IP may not be unset or changed", () => {
  const old = svc({
    clusterIP: "10.96.0.9",
    clusterIPs: ["10.96.0.9"],
    ipFamilies: ["IPv4"],
    ipFamilyPolicy: "SingleStack",
  });
  assert.deepEqual(lines(svc({ ipFamilies: ["IPv4"], ipFamilyPolicy: "SingleStack" }), old), [
    "spec.clusterIPs[0]: Invalid value: []string(nil): primary clusterIP can not be unset",
  ]);
});

// TestValidateServiceCreate's cases for the fields below (pkg/apis/core/validation/validation_test.go), with
// the messages ValidateService gives them.
const LB = { type: "LoadBalancer", externalTrafficPolicy: "Cluster", allocateLoadBalancerNodePorts: true };
const createCases: [string, Record<string, unknown>, string[], Record<string, string>?][] = [
  [
    "valid LoadBalancer source ranges",
    { ...LB, loadBalancerSourceRanges: ["10.0.0.0/8", " 1.2.3.4/32 "] },
    [],
  ],
  [
    "invalid LoadBalancer source range",
    { ...LB, loadBalancerSourceRanges: ["10.0.0.0/8", "not-a-cidr", "10.0.0.1"] },
    [
      'spec.LoadBalancerSourceRanges[1]: Invalid value: "not-a-cidr": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
      'spec.LoadBalancerSourceRanges[2]: Invalid value: "10.0.0.1": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    ],
  ],
  [
    "sloppy source range (leading zeros) is tolerated",
    { ...LB, loadBalancerSourceRanges: ["010.0.0.0/08"] },
    [],
  ],
  [
    "source-range annotation on a non-LoadBalancer, with a bad value",
    {},
    [
      "metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]: Forbidden: may only be used when `type` is 'LoadBalancer'",
      'metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]: Invalid value: "x": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    ],
    { "service.beta.kubernetes.io/load-balancer-source-ranges": "10.0.0.0/8, x" },
  ],
  [
    "the field wins over the annotation",
    { ...LB, loadBalancerSourceRanges: ["10.0.0.0/8"] },
    [],
    { "service.beta.kubernetes.io/load-balancer-source-ranges": "x" },
  ],
  [
    "topology-mode must match topology-aware-hints",
    {},
    [
      'metadata.annotations[service.kubernetes.io/topology-mode]: Invalid value: "Auto": must match annotations[service.kubernetes.io/topology-aware-hints] when both are specified',
    ],
    {
      "service.kubernetes.io/topology-aware-hints": "disabled",
      "service.kubernetes.io/topology-mode": "Auto",
    },
  ],
  [
    "allocateLoadBalancerNodePorts nil on a LoadBalancer",
    { ...LB, allocateLoadBalancerNodePorts: undefined },
    ["allocateLoadBalancerNodePorts: Required value"],
  ],
  [
    "allocateLoadBalancerNodePorts on a ClusterIP Service",
    { allocateLoadBalancerNodePorts: false },
    ["spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'"],
  ],
  ["valid loadBalancerClass", { ...LB, loadBalancerClass: "example.com/internal-vip" }, []],
  [
    "invalid loadBalancerClass",
    { ...LB, loadBalancerClass: "Bad Class" },
    [
      "spec.loadBalancerClass: Invalid value: \"Bad Class\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ],
  ],
  [
    "loadBalancerClass on a ClusterIP Service",
    { loadBalancerClass: "example.com/internal-vip" },
    ["spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'"],
  ],
  [
    "internalTrafficPolicy nil on a ClusterIP Service",
    { internalTrafficPolicy: undefined },
    ["spec.internalTrafficPolicy: Required value"],
  ],
  [
    "internalTrafficPolicy nil on an ExternalName Service is fine",
    { type: "ExternalName", externalName: "example.com", internalTrafficPolicy: undefined, ports: [] },
    [],
  ],
  [
    "invalid appProtocol",
    { ports: [{ port: 80, protocol: "TCP", targetPort: 80, appProtocol: "-bad" }] },
    [
      "spec.ports[0].appProtocol: Invalid value: \"-bad\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ],
  ],
  [
    "valid appProtocol",
    { ports: [{ port: 80, protocol: "TCP", targetPort: 80, appProtocol: "kubernetes.io/h2c" }] },
    [],
  ],
  ["missing protocol", { ports: [{ port: 80, targetPort: 80 }] }, ["spec.ports[0].protocol: Required value"]],
  [
    "trafficDistribution other than PreferClose",
    { trafficDistribution: "PreferSameZone" },
    ['spec.trafficDistribution: Unsupported value: "PreferSameZone": supported values: "PreferClose"'],
  ],
  [
    "healthCheckNodePort without Local",
    { ...LB, healthCheckNodePort: 31000 },
    [
      "spec.healthCheckNodePort: Invalid value: 31000: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
    ],
  ],
  [
    "sessionAffinity ClientIP with timeoutSeconds 0",
    { sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } } },
    [
      "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400",
    ],
  ],
];

for (const [name, spec, want, annotations] of createCases) {
  test(`ValidateService: ${name}`, () => {
    const obj = svc(spec);
    if (annotations) obj.metadata = { ...obj.metadata, annotations };
    assert.deepEqual(lines(obj), want);
  });
}

test("ValidateServiceUpdate: loadBalancerClass may not change on a LoadBalancer", () => {
  const old = svc({ ...LB, loadBalancerClass: "example.com/a" });
  assert.deepEqual(lines(svc({ ...LB, loadBalancerClass: "example.com/b" }), old), [
    'spec.loadBalancerClass: Invalid value: "example.com/b": may not change once set',
  ]);
  assert.deepEqual(lines(svc({ ...LB }), old), [
    "spec.loadBalancerClass: Invalid value: null: may not change once set",
  ]);
});

test("ValidateServiceStatusUpdate: load balancer ingress", () => {
  const old = svc({ ...LB });
  const withStatus = (spec: Record<string, unknown>, ingress: object[]) => ({
    ...svc(spec),
    status: { loadBalancer: { ingress } },
  });
  assert.deepEqual(
    lines(withStatus(LB, [{ ip: "1.2.3.4", ipMode: "VIP" }, { hostname: "lb.example.com" }]), old),
    [],
  );
  assert.deepEqual(
    lines(
      withStatus(LB, [
        { ip: "1.2.3.x" },
        { hostname: "1.2.3.4", ipMode: "Proxy" },
        { ip: "1.2.3.4", ipMode: "Direct" },
      ]),
      old,
    ),
    [
      'status.loadBalancer.ingress[0].ip: Invalid value: "1.2.3.x": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      "status.loadBalancer.ingress[0].ipMode: Required value: must be specified when `ip` is set",
      "status.loadBalancer.ingress[1].ipMode: Forbidden: may not be specified when `ip` is not set",
      'status.loadBalancer.ingress[1].hostname: Invalid value: "1.2.3.4": must be a DNS name, not an IP address',
      'status.loadBalancer.ingress[2].ipMode: Unsupported value: "Direct": supported values: "Proxy", "VIP"',
    ],
  );
  assert.deepEqual(lines(withStatus({}, [{ ip: "1.2.3.4", ipMode: "VIP" }]), svc({})), [
    "status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'",
  ]);
});
