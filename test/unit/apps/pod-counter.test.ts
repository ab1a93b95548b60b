// The pod-counter's sentences, JSON records, breakdown order and gauge series.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Registry } from "prom-client";
import { fromEntries } from "../../../src/apps/pod-counter/count.ts";
import { countRecord, countSentence } from "../../../src/apps/pod-counter/format.ts";
import { PodCountGauge } from "../../../src/apps/pod-counter/gauge.ts";
import { phaseSelector } from "../../../src/apps/pod-counter/query.ts";

describe("countSentence", () => {
  test("the seed's sentence, then scope, selectors and breakdown", () => {
    assert.equal(countSentence({ total: 32 }, {}), "There are 32 pods in the cluster");
    assert.equal(countSentence({ total: 1 }, {}), "There is 1 pod in the cluster");
    assert.equal(countSentence({ total: 0 }, { namespace: "shop" }), "There are 0 pods in namespace shop");
    assert.equal(
      countSentence({ total: 2 }, { labelSelector: "app=web", fieldSelector: "spec.nodeName=n1" }),
      "There are 2 pods matching app=web,spec.nodeName=n1 in the cluster",
    );
    assert.equal(
      countSentence(
        fromEntries([
          ["shop", 4],
          ["blog", 2],
          ["empty", 0],
        ]),
        { by: "namespace" },
      ),
      "There are 6 pods in the cluster (blog: 2, shop: 4)",
    );
    assert.equal(
      countSentence(
        fromEntries([
          ["Running", 5],
          ["Pending", 1],
          ["Failed", 0],
        ]),
        { by: "phase", namespace: "shop" },
      ),
      "There are 6 pods in namespace shop (Pending: 1, Running: 5)",
    );
  });
});

test("countRecord: only the facts that apply", () => {
  assert.deepEqual(countRecord({ total: 3 }, {}), { count: 3, scope: "cluster" });
  assert.deepEqual(
    countRecord(fromEntries([["Running", 3]]), { namespace: "a", labelSelector: "x=y", by: "phase" }),
    {
      count: 3,
      scope: "namespace",
      namespace: "a",
      labelSelector: "x=y",
      by: "phase",
      counts: { Running: 3 },
    },
  );
});

test("phaseSelector narrows the user's field selector", () => {
  assert.equal(phaseSelector(undefined, "Running"), "status.phase=Running");
  assert.equal(phaseSelector("spec.nodeName=n1", "Failed"), "spec.nodeName=n1,status.phase=Failed");
});

describe("PodCountGauge", () => {
  const series = async (registry: Registry) =>
    (await registry.metrics()).split("\n").filter((line) => line.startsWith("incluster_pods{"));

  test("one series for a plain count", async () => {
    const registry = new Registry();
    new PodCountGauge(registry, { namespace: "shop" }).record({ total: 4 });
    assert.deepEqual(await series(registry), [
      'incluster_pods{scope="namespace",namespace="shop",phase=""} 4',
    ]);
  });
  test("per namespace, replacing vanished namespaces", async () => {
    const registry = new Registry();
    const gauge = new PodCountGauge(registry, { by: "namespace" });
    gauge.record(
      fromEntries([
        ["a", 1],
        ["b", 2],
      ]),
    );
    gauge.record(fromEntries([["b", 3]]));
    assert.deepEqual(await series(registry), ['incluster_pods{scope="cluster",namespace="b",phase=""} 3']);
  });
  test("every phase, zeros included", async () => {
    const registry = new Registry();
    new PodCountGauge(registry, { by: "phase" }).record(fromEntries([["Running", 2]]));
    const lines = await series(registry);
    assert.equal(lines.length, 5);
    assert.ok(lines.includes('incluster_pods{scope="cluster",namespace="",phase="Running"} 2'));
    assert.ok(lines.includes('incluster_pods{scope="cluster",namespace="",phase="Failed"} 0'));
  });
});
