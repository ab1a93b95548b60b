// The Pod strategy around validation (pkg/registry/core/pod/strategy.go): PrepareForCreate's QoS class
// (qos.ComputePodQOS, after TestComputePodQOS's cases) and SchedulingGated condition, and updates compared
// against the stored Pod as upstream decodes it (defaulted).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../src/meta/types.ts";
import { computePodQOS, pod as podDef } from "../../../src/server/registry/kinds/core/pod.ts";

const withResources = (...resources: object[]) =>
  ({ spec: { containers: resources.map((r, i) => ({ name: `c${i}`, image: "i", resources: r })) } }) as never;

describe("ComputePodQOS", () => {
  const cases: [string, object[], string][] = [
    ["no resources", [{}], "BestEffort"],
    ["zero requests", [{ requests: { cpu: "0", memory: "0" } }], "BestEffort"],
    [
      "only non-compute resources",
      [{ requests: { "example.com/gpu": "1" }, limits: { "example.com/gpu": "1" } }],
      "BestEffort",
    ],
    [
      "cpu and memory limits equal to requests",
      [{ requests: { cpu: "100m", memory: "1Gi" }, limits: { cpu: "0.1", memory: "1Gi" } }],
      "Guaranteed",
    ],
    [
      "every container guaranteed",
      [
        { requests: { cpu: "1", memory: "1G" }, limits: { cpu: "1", memory: "1G" } },
        { requests: { cpu: "2", memory: "2G" }, limits: { cpu: "2", memory: "2G" } },
      ],
      "Guaranteed",
    ],
    ["memory limit missing", [{ requests: { cpu: "1" }, limits: { cpu: "1" } }], "Burstable"],
    [
      "request below limit",
      [{ requests: { cpu: "1", memory: "1G" }, limits: { cpu: "2", memory: "1G" } }],
      "Burstable",
    ],
    [
      "one container best effort",
      [{ requests: { cpu: "1", memory: "1G" }, limits: { cpu: "1", memory: "1G" } }, {}],
      "Burstable",
    ],
  ];
  for (const [name, resources, qos] of cases)
    test(name, () => assert.equal(computePodQOS(withResources(...resources)), qos));
});

describe("PrepareForCreate and ValidateUpdate", () => {
  const make = (spec: object): KubeObject =>
    ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns" }, spec }) as KubeObject;

  test("a gated Pod starts with the SchedulingGated condition and its QoS class", () => {
    const p = make({
      schedulingGates: [{ name: "example.com/gate" }],
      containers: [
        {
          name: "c",
          image: "i",
          resources: { limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "1", memory: "1Gi" } },
        },
      ],
    });
    podDef.defaults?.(p);
    podDef.prepare?.(p, undefined, { store: undefined as never });
    assert.deepEqual(p.status, {
      phase: "Pending",
      qosClass: "Guaranteed",
      conditions: [
        {
          type: "PodScheduled",
          status: "False",
          reason: "SchedulingGated",
          message: "Scheduling is blocked due to non-empty scheduling gates",
        },
      ],
    });
  });

  test("a stored Pod missing a newer default still updates (compared defaulted)", () => {
    const probe = { exec: { command: ["true"] } };
    const stored = make({ containers: [{ name: "c", image: "i", livenessProbe: probe }] });
    podDef.defaults?.(stored);
    // As written before probe thresholds were defaulted.
    const container = (stored.spec as { containers: { livenessProbe: object }[] }).containers[0];
    container.livenessProbe = { ...probe };
    const next = structuredClone(stored);
    next.metadata = { ...next.metadata, labels: { a: "b" } };
    podDef.defaults?.(next);
    assert.deepEqual(podDef.validate?.(next, stored as never, ""), []);
  });
});
