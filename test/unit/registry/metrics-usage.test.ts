import assert from "node:assert/strict";
import { test } from "node:test";
import {
  goDurationString,
  metricsCells,
  usageList,
} from "../../../src/server/registry/kinds/metrics/usage.ts";

test("usage quantities as metrics-server's uint64Quantity: nanocores DecimalSI, bytes BinarySI", () => {
  const cases: [number, number, string, string][] = [
    [0, 0, "0", "0"],
    [5, 1000, "5n", "1k"],
    [1_234_000, 1023, "1234u", "1023"],
    [250_000_000, 52_428_800, "250m", "50Mi"],
    [2_000_000_000, 2 * 1024 ** 3, "2", "2Gi"],
    [1_500_000_001, 52_429_800, "1500000001n", "52429800"],
  ];
  for (const [cpu, memory, wantCpu, wantMemory] of cases)
    assert.deepEqual(usageList({ cpuNanoCores: cpu, memoryBytes: memory }), {
      cpu: wantCpu,
      memory: wantMemory,
    });
});

test("windows print as Go's time.Duration", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [999, "999ms"],
    [1_002, "1.002s"],
    [15_000, "15s"],
    [61_500, "1m1.5s"],
    [3_600_000, "1h0m0s"],
  ];
  for (const [ms, want] of cases) assert.equal(goDurationString(ms), want, String(ms));
});

test("a PodMetrics row sums its containers exactly; a NodeMetrics row shows its usage", () => {
  const pod = {
    kind: "PodMetrics",
    metadata: { name: "p" },
    window: "15s",
    containers: [
      { name: "a", usage: { cpu: "1234567n", memory: "50Mi" } },
      { name: "b", usage: { cpu: "250m", memory: "1k" } },
      { name: "c", usage: { cpu: "2", memory: "4Ki" } },
    ],
  };
  assert.deepEqual(metricsCells(pod), ["p", "2251234567n", "52433896", "15s"]);
  const node = {
    kind: "NodeMetrics",
    metadata: { name: "n" },
    window: "1s",
    usage: { cpu: "3", memory: "1Gi" },
  };
  assert.deepEqual(metricsCells(node), ["n", "3", "1Gi", "1s"]);
});
