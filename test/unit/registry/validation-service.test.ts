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
