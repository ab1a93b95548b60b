// HorizontalPodAutoscaler (v2 validation, defaults, printer; v1↔v2 conversion as pkg/apis/autoscaling/v1
// conversion.go) and PodDisruptionBudget (pkg/apis/policy/validation; printPodDisruptionBudget).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject, StoredObject } from "../../../src/meta/types.ts";
import {
  BEHAVIOR_ANNOTATION,
  CONDITIONS_ANNOTATION,
  CURRENT_METRICS_ANNOTATION,
  hpaV1ToV2,
  hpaV2ToV1,
  METRICS_ANNOTATION,
} from "../../../src/server/registry/kinds/autoscaling/conversion.ts";
import {
  formatMetrics,
  horizontalPodAutoscaler,
} from "../../../src/server/registry/kinds/autoscaling/horizontalpodautoscaler.ts";
import { horizontalPodAutoscalerV1 } from "../../../src/server/registry/kinds/autoscaling/horizontalpodautoscaler-v1.ts";
import { setDisruptionAllowedCondition } from "../../../src/server/registry/kinds/policy/disruption.ts";
import { podDisruptionBudget } from "../../../src/server/registry/kinds/policy/poddisruptionbudget.ts";
import type { StrategyContext } from "../../../src/server/registry/types.ts";

const NOW = Date.parse("2024-06-01T12:00:00Z");
const created = { creationTimestamp: "2024-06-01T11:58:00Z" };
const errors = (obj: KubeObject, validate = horizontalPodAutoscaler.validate!) =>
  validate(obj).map((c) => `${c.field}: ${c.message}`);

const ref = { apiVersion: "apps/v1", kind: "Deployment", name: "web" };
const cpu = (averageUtilization: number) => ({
  type: "Resource",
  resource: { name: "cpu", target: { type: "Utilization", averageUtilization } },
});

describe("HorizontalPodAutoscaler v2", () => {
  test("defaults: minReplicas 1, 80% CPU when no metrics, behavior rules filled in", () => {
    const obj: KubeObject = {
      metadata: { name: "h" },
      spec: {
        scaleTargetRef: ref,
        maxReplicas: 3,
        behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
      },
    };
    horizontalPodAutoscaler.defaults!(obj);
    const spec = obj.spec as any;
    assert.equal(spec.minReplicas, 1);
    assert.deepEqual(spec.metrics, [cpu(80)]);
    assert.deepEqual(spec.behavior.scaleDown, {
      stabilizationWindowSeconds: 60,
      selectPolicy: "Max",
      policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
    });
    assert.deepEqual(spec.behavior.scaleUp, {
      stabilizationWindowSeconds: 0,
      selectPolicy: "Max",
      policies: [
        { type: "Pods", value: 4, periodSeconds: 15 },
        { type: "Percent", value: 100, periodSeconds: 15 },
      ],
    });
  });

  test("validation (ValidateHorizontalPodAutoscalerSpec)", () => {
    const hpa = (spec: object): KubeObject => ({
      metadata: { name: "h" },
      spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 3, ...spec },
    });
    const cases: [object, string[]][] = [
      [{ metrics: [cpu(50)] }, []],
      [
        { minReplicas: 0 },
        [
          "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1",
          "spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas",
        ],
      ],
      [
        {
          metrics: [
            {
              type: "Pods",
              resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 5 } },
            },
          ],
        },
        [
          // Only one source is present, so none is "the given metric source only" (typesPresent.Len() == 1).
          "spec.metrics[0].pods: Required value: must populate information for the given metric source",
        ],
      ],
      [
        {
          metrics: [
            { type: "External", external: { metric: { name: "q" }, target: { type: "Value", value: "0" } } },
          ],
        },
        [
          'spec.metrics[0].external.target.value: Invalid value: resource.Quantity{i:resource.int64Amount{value:0, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"0", Format:"DecimalSI"}: must be positive',
        ],
      ],
      [
        {
          behavior: {
            scaleUp: {
              stabilizationWindowSeconds: 4000,
              selectPolicy: "Most",
              policies: [{ type: "Pods", value: 0, periodSeconds: 2000 }],
            },
            scaleDown: { policies: [] },
          },
        },
        [
          "spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 4000: must be less than or equal to 3600",
          'spec.behavior.scaleUp.selectPolicy: Unsupported value: "Most": supported values: "Disabled", "Max", "Min"',
          "spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero",
          "spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 2000: must be less than or equal to 1800",
          "spec.behavior.scaleDown.policies: Required value: must specify at least one Policy",
        ],
      ],
      [
        { maxReplicas: 0 },
        [
          "spec.maxReplicas: Invalid value: 0: must be greater than 0",
          "spec.maxReplicas: Invalid value: 0: must be greater than or equal to `minReplicas`",
        ],
      ],
      [
        { scaleTargetRef: { name: "x/y" } },
        [
          "spec.scaleTargetRef.kind: Required value",
          "spec.scaleTargetRef.name: Invalid value: \"x/y\": may not contain '/'",
        ],
      ],
      [
        { metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization" } } }] },
        [
          "spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization",
        ],
      ],
      [
        { metrics: [cpu(0)] },
        ["spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0"],
      ],
      [
        {
          metrics: [
            {
              type: "Pods",
              pods: { metric: { name: "qps" }, target: { type: "Bogus", averageValue: "-1" } },
            },
          ],
        },
        [
          'spec.metrics[0].pods.target.type: Invalid value: "Bogus": must be either Utilization, Value, or AverageValue',
          'spec.metrics[0].pods.target.averageValue: Invalid value: resource.Quantity{i:resource.int64Amount{value:-1, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"-1", Format:"DecimalSI"}: must be positive',
        ],
      ],
      [
        { metrics: [{ type: "Object" }] },
        ["spec.metrics[0].object: Required value: must populate information for the given metric source"],
      ],
      [
        { metrics: [{ type: "Magic" }] },
        // validateMetricSpec reports an unknown type twice; the 422 message shows it once (ToAggregate).
        [
          'spec.metrics[0].type: Unsupported value: "Magic": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"',
        ],
      ],
    ];
    for (const [spec, want] of cases) assert.deepEqual(errors(hpa(spec)), want, JSON.stringify(spec));
  });

  test("printer: TARGETS as formatHPAMetrics, MINPODS <unset>, REPLICAS from status (printHorizontalPodAutoscaler)", () => {
    const p = horizontalPodAutoscaler.printer!;
    assert.deepEqual(
      p.columns.map((c) => c.name),
      ["Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"],
    );
    const obj: KubeObject = {
      metadata: { name: "web", ...created },
      spec: { scaleTargetRef: ref, maxReplicas: 10, metrics: [cpu(50)] },
      status: {
        currentReplicas: 4,
        currentMetrics: [
          { type: "Resource", resource: { name: "cpu", current: { averageUtilization: 42 } } },
        ],
      },
    };
    assert.deepEqual(p.cells(obj, NOW), ["web", "Deployment/web", "cpu: 42%/50%", "<unset>", 10, 4, "2m"]);
    const specs = [
      {
        type: "External",
        external: { metric: { name: "q" }, target: { type: "AverageValue", averageValue: "100m" } },
      },
      {
        type: "Pods",
        pods: { metric: { name: "qps" }, target: { type: "AverageValue", averageValue: "1k" } },
      },
      { type: "Object", object: { metric: { name: "hits" }, target: { type: "Value", value: "10" } } },
    ];
    assert.equal(formatMetrics(specs as never, []), "<unknown>/100m (avg), <unknown>/1k + 1 more...");
    assert.equal(
      formatMetrics(
        [specs[1]] as never,
        [{ type: "Pods", pods: { current: { averageValue: "500" } } }] as never,
      ),
      "500/1k",
    );
    assert.equal(formatMetrics([], []), "<none>");
    assert.equal(
      formatMetrics(
        [
          {
            type: "Resource",
            resource: { name: "memory", target: { type: "AverageValue", averageValue: "1Gi" } },
          },
        ] as never,
        [],
      ),
      "memory: <unknown>/1Gi",
    );
  });
});

describe("HorizontalPodAutoscaler printer: TestPrintHPA (pkg/printers/internalversion/printers_test.go)", () => {
  const rcRef = { name: "some-rc", kind: "ReplicationController" };
  const external = (target: object) => ({
    type: "External",
    external: { metric: { name: "m", selector: { matchLabels: { label: "value" } } }, target },
  });
  const cases: [string, object | undefined, object | undefined, string][] = [
    [
      "external, average value, no current",
      external({ type: "AverageValue", averageValue: "100m" }),
      undefined,
      "<unknown>/100m (avg)",
    ],
    [
      "external, average value",
      external({ type: "AverageValue", averageValue: "100m" }),
      { type: "External", external: { current: { averageValue: "50m" } } },
      "50m/100m (avg)",
    ],
    ["external, value, no current", external({ type: "Value", value: "100m" }), undefined, "<unknown>/100m"],
    [
      "external, value",
      external({ type: "Value", value: "100m" }),
      { type: "External", external: { current: { value: "50m" } } },
      "50m/100m",
    ],
    [
      "pods, no current",
      {
        type: "Pods",
        pods: { metric: { name: "m" }, target: { type: "AverageValue", averageValue: "100m" } },
      },
      undefined,
      "<unknown>/100m",
    ],
    [
      "pods",
      {
        type: "Pods",
        pods: { metric: { name: "m" }, target: { type: "AverageValue", averageValue: "100m" } },
      },
      { type: "Pods", pods: { current: { averageValue: "50m" } } },
      "50m/100m",
    ],
    [
      "object, no current",
      {
        type: "Object",
        object: {
          describedObject: { kind: "Service", name: "s" },
          metric: { name: "m" },
          target: { type: "Value", value: "100m" },
        },
      },
      undefined,
      "<unknown>/100m",
    ],
    [
      "object",
      {
        type: "Object",
        object: {
          describedObject: { kind: "Service", name: "s" },
          metric: { name: "m" },
          target: { type: "Value", value: "100m" },
        },
      },
      { type: "Object", object: { current: { value: "50m" } } },
      "50m/100m",
    ],
    [
      "resource value, no current",
      { type: "Resource", resource: { name: "cpu", target: { type: "AverageValue", averageValue: "100m" } } },
      undefined,
      "cpu: <unknown>/100m",
    ],
    [
      "resource value",
      { type: "Resource", resource: { name: "cpu", target: { type: "AverageValue", averageValue: "100m" } } },
      { type: "Resource", resource: { name: "cpu", current: { averageValue: "50m" } } },
      "cpu: 50m/100m",
    ],
    [
      "resource utilization, no current",
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
      },
      undefined,
      "cpu: <unknown>/80%",
    ],
    [
      "resource utilization",
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
      },
      {
        type: "Resource",
        resource: { name: "cpu", current: { averageValue: "50m", averageUtilization: 50 } },
      },
      "cpu: 50%/80%",
    ],
    [
      "container resource utilization",
      {
        type: "ContainerResource",
        containerResource: {
          name: "cpu",
          container: "app",
          target: { type: "Utilization", averageUtilization: 80 },
        },
      },
      {
        type: "ContainerResource",
        containerResource: { name: "cpu", container: "app", current: { averageUtilization: 50 } },
      },
      "cpu: 50%/80%",
    ],
  ];
  test("minReplicas unset, no metrics: <none> and <unset>; a zero creation time is <unknown>", () => {
    const obj: KubeObject = {
      metadata: { name: "some-hpa" },
      spec: { scaleTargetRef: rcRef, maxReplicas: 10 },
      status: { currentReplicas: 4, desiredReplicas: 5 },
    };
    assert.deepEqual(horizontalPodAutoscaler.printer!.cells(obj, NOW), [
      "some-hpa",
      "ReplicationController/some-rc",
      "<none>",
      "<unset>",
      10,
      4,
      "<unknown>",
    ]);
  });
  for (const [name, metric, current, want] of cases)
    test(name, () => {
      const obj: KubeObject = {
        metadata: { name: "some-hpa" },
        spec: { scaleTargetRef: rcRef, minReplicas: 2, maxReplicas: 10, metrics: [metric] },
        status: { currentReplicas: 4, desiredReplicas: 5, ...(current ? { currentMetrics: [current] } : {}) },
      };
      assert.deepEqual(horizontalPodAutoscaler.printer!.cells(obj, NOW), [
        "some-hpa",
        "ReplicationController/some-rc",
        want,
        "2",
        10,
        4,
        "<unknown>",
      ]);
    });
});

describe("HorizontalPodAutoscaler v1 ↔ v2 conversion", () => {
  test("targetCPUUtilizationPercentage ↔ a CPU Utilization metric", () => {
    const v1: KubeObject = {
      apiVersion: "autoscaling/v1",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "h" },
      spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 70 },
      status: { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 65 },
    };
    const v2 = hpaV1ToV2(v1);
    assert.equal(v2.apiVersion, "autoscaling/v2");
    assert.deepEqual((v2.spec as any).metrics, [cpu(70)]);
    assert.deepEqual((v2.status as any).currentMetrics, [
      { type: "Resource", resource: { name: "cpu", current: { averageUtilization: 65 } } },
    ]);
    assert.deepEqual(hpaV2ToV1(v2), v1);
    // v1 encodes a fresh status in its field order, zeros included.
    const fresh = hpaV2ToV1({
      metadata: { name: "h" },
      spec: { scaleTargetRef: ref, maxReplicas: 1 },
      status: { desiredReplicas: 0 },
    });
    assert.equal(JSON.stringify(fresh.status), '{"currentReplicas":0,"desiredReplicas":0}');
  });

  test("other metrics, behavior and conditions ride in annotations and come back", () => {
    const memory = {
      type: "Resource",
      resource: { name: "memory", target: { type: "AverageValue", averageValue: "1Gi" } },
    };
    const behavior = { scaleDown: { stabilizationWindowSeconds: 30 } };
    const conditions = [{ type: "AbleToScale", status: "True", reason: "ReadyForNewScale" }];
    const current = [{ type: "Resource", resource: { name: "memory", current: { averageValue: "512Mi" } } }];
    const v2: KubeObject = {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "h", annotations: { keep: "me" } },
      spec: { scaleTargetRef: ref, minReplicas: 2, maxReplicas: 4, metrics: [memory, cpu(60)], behavior },
      status: { currentReplicas: 2, desiredReplicas: 2, currentMetrics: current, conditions },
    };
    const v1 = hpaV2ToV1(v2);
    const spec = v1.spec as any;
    assert.equal(spec.targetCPUUtilizationPercentage, 60);
    assert.equal(spec.metrics, undefined);
    const annotations = v1.metadata!.annotations!;
    assert.deepEqual(JSON.parse(annotations[METRICS_ANNOTATION]), [memory]);
    assert.deepEqual(JSON.parse(annotations[BEHAVIOR_ANNOTATION]), behavior);
    assert.deepEqual(JSON.parse(annotations[CONDITIONS_ANNOTATION]), conditions);
    assert.deepEqual(JSON.parse(annotations[CURRENT_METRICS_ANNOTATION]), current);
    assert.equal(annotations.keep, "me");
    const back = hpaV1ToV2(v1);
    assert.deepEqual(back.metadata, { name: "h", annotations: { keep: "me" } });
    assert.deepEqual((back.spec as any).metrics, [cpu(60), memory]);
    assert.deepEqual((back.spec as any).behavior, behavior);
    assert.deepEqual((back.status as any).conditions, conditions);
  });

  test("the v1 def is a view of v2's storage, printer fed the v2 form", () => {
    assert.equal(horizontalPodAutoscalerV1.storage?.def, horizontalPodAutoscaler);
    const v1: KubeObject = {
      metadata: { name: "h", ...created },
      spec: { scaleTargetRef: ref, maxReplicas: 5, targetCPUUtilizationPercentage: 70 },
    };
    assert.deepEqual(horizontalPodAutoscalerV1.printer!.cells(v1, NOW), [
      "h",
      "Deployment/web",
      "cpu: <unknown>/70%",
      "<unset>",
      5,
      0,
      "2m",
    ]);
  });
  test("a v1 update keeps the stored status annotations and leaves generation alone (none before 1.37)", () => {
    const conditions = JSON.stringify([{ type: "AbleToScale", status: "True" }]);
    const old = {
      apiVersion: "autoscaling/v1",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "h", generation: 4, annotations: { [CONDITIONS_ANNOTATION]: conditions } },
      spec: { scaleTargetRef: ref, maxReplicas: 5 },
    } as unknown as StoredObject;
    const same: KubeObject = {
      ...old,
      metadata: { name: "h", annotations: { [CONDITIONS_ANNOTATION]: "[]" } },
    };
    horizontalPodAutoscalerV1.prepare!(same, old, {} as StrategyContext);
    assert.deepEqual(same.metadata?.annotations, { [CONDITIONS_ANNOTATION]: conditions });
    assert.equal(same.metadata?.generation, undefined);
    const more: KubeObject = {
      ...old,
      metadata: {
        name: "h",
        annotations: {
          [METRICS_ANNOTATION]: JSON.stringify([
            {
              type: "Resource",
              resource: { name: "memory", target: { type: "AverageValue", averageValue: "1Gi" } },
            },
          ]),
        },
      },
    };
    horizontalPodAutoscalerV1.prepare!(more, old, {} as StrategyContext);
    assert.equal(more.metadata?.generation, undefined, "the registry keeps the stored generation");
    assert.deepEqual(JSON.parse(more.metadata?.annotations?.[METRICS_ANNOTATION] ?? "[]").length, 1);
    assert.equal(more.metadata?.annotations?.[CONDITIONS_ANNOTATION], conditions);
  });
});

describe("PodDisruptionBudget", () => {
  const pdb = (spec: object): KubeObject => ({
    metadata: { name: "p" },
    spec: { selector: { matchLabels: { app: "a" } }, ...spec },
  });

  test("validation (ValidatePodDisruptionBudgetSpec)", () => {
    const cases: [object, string[]][] = [
      [{ minAvailable: 1 }, []],
      [{ maxUnavailable: "50%" }, []],
      [{ minAvailable: -1 }, ["spec.minAvailable: Invalid value: -1: must be greater than or equal to 0"]],
      [
        { maxUnavailable: "101%" },
        [
          'spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"101%"}: must not be greater than 100%',
        ],
      ],
      [
        { minAvailable: "x" },
        [
          "spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"x\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        ],
      ],
      [
        { minAvailable: 1, maxUnavailable: 1 },
        [
          "spec: Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(0xc000000000), Selector:(*v1.LabelSelector)(0xc000000000), MaxUnavailable:(*intstr.IntOrString)(0xc000000000), UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}: minAvailable and maxUnavailable cannot be both set",
        ],
      ],
      [
        { minAvailable: 1, unhealthyPodEvictionPolicy: "Never" },
        [
          'spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"',
        ],
      ],
    ];
    for (const [spec, want] of cases)
      assert.deepEqual(errors(pdb(spec), podDisruptionBudget.validate!), want, JSON.stringify(spec));
  });

  test("TestValidateMinAvailablePodDisruptionBudgetSpec's values (pkg/apis/policy/validation)", () => {
    for (const ok of ["0%", "1%", "100%", 0, 1, 100])
      assert.deepEqual(errors(pdb({ minAvailable: ok }), podDisruptionBudget.validate!), [], String(ok));
    for (const bad of ["1.1%", "nope", "-1%", "101%", -1])
      assert.ok(errors(pdb({ minAvailable: bad }), podDisruptionBudget.validate!).length > 0, String(bad));
  });

  test("defaults: a fresh status reads zeros; printer (printPodDisruptionBudget)", () => {
    const obj = pdb({ minAvailable: 22 });
    podDisruptionBudget.defaults!(obj);
    assert.deepEqual(obj.status, {
      disruptionsAllowed: 0,
      currentHealthy: 0,
      desiredHealthy: 0,
      expectedPods: 0,
    });
    const p = podDisruptionBudget.printer!;
    assert.deepEqual(
      p.cells(
        {
          ...pdb({ minAvailable: 22 }),
          metadata: { name: "pdb1", ...created },
          status: { disruptionsAllowed: 5 },
        },
        NOW,
      ),
      ["pdb1", "22", "N/A", 5, "2m"],
    );
    assert.deepEqual(
      p.cells(
        {
          ...pdb({ maxUnavailable: "10%" }),
          metadata: { name: "pdb2", ...created },
          status: { disruptionsAllowed: 5 },
        },
        NOW,
      ),
      ["pdb2", "N/A", "10%", 5, "2m"],
    );
  });

  test("the DisruptionAllowed condition keeps its transition time while its status holds", () => {
    const status: Record<string, unknown> = { disruptionsAllowed: 1, observedGeneration: 2 };
    setDisruptionAllowedCondition(status, new Date("2024-06-01T12:00:00Z"));
    assert.deepEqual(status.conditions, [
      {
        type: "DisruptionAllowed",
        status: "True",
        observedGeneration: 2,
        lastTransitionTime: "2024-06-01T12:00:00Z",
        reason: "SufficientPods",
        message: "",
      },
    ]);
    setDisruptionAllowedCondition(status, new Date("2024-06-01T12:05:00Z"));
    assert.equal((status.conditions as any)[0].lastTransitionTime, "2024-06-01T12:00:00Z");
    status.disruptionsAllowed = 0;
    setDisruptionAllowedCondition(status, new Date("2024-06-01T12:06:00Z"));
    assert.deepEqual((status.conditions as any)[0], {
      type: "DisruptionAllowed",
      status: "False",
      observedGeneration: 2,
      lastTransitionTime: "2024-06-01T12:06:00Z",
      reason: "InsufficientPods",
      message: "",
    });
  });
});
