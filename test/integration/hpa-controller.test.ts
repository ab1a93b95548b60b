// The HorizontalPodAutoscaler controller on the real server with a ManualClock and a scripted usage
// source (what the runtime's PodMetricsRouter answers): a Deployment scaled up on CPU above target, held
// by the 5-minute downscale stabilization, then scaled down; status, conditions and events as upstream's
// horizontal.go writes them; metric kinds without a metrics API and a missing target; kubectl 1.33's
// `get hpa` and `describe hpa`. The test plays the kubelet: it binds the Deployment's Pods and marks them
// Running and Ready.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { MetricsSource } from "../../src/server/context.ts";
import { ManualClock } from "../../src/server/controllers/clock.ts";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

const NS = "default";
const HPAS = `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers`;
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NS}/deployments`;
const KUBECTL_133 = "/usr/lib/google-cloud-sdk/bin/kubectl.1.33";
const clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));

/** CPU each `web` Pod uses, in nanocores; memory is fixed. `db` Pods' containers use 32 MiB and 1 MiB. */
let cpuPerPod = 0;
const MiB = 1024 ** 2;
const usageOf = (name: string) =>
  name.startsWith("web-")
    ? [{ name: "main", usage: { cpuNanoCores: cpuPerPod, memoryBytes: 32 * MiB } }]
    : name.startsWith("burst-")
      ? [{ name: "main", usage: { cpuNanoCores: 400_000_000, memoryBytes: MiB } }]
      : name.startsWith("db-")
        ? [
            { name: "main", usage: { cpuNanoCores: 1_000_000, memoryBytes: 32 * MiB } },
            { name: "side", usage: { cpuNanoCores: 1_000_000, memoryBytes: MiB } },
          ]
        : undefined;
const source: MetricsSource = {
  node: () => undefined,
  pod: (ref) => {
    const containers = ref.node === "n1" ? usageOf(ref.name) : undefined;
    return containers && { timestamp: clock.now(), windowMs: 15_000, containers };
  },
};

let c: TestCluster;

async function ok(method: string, path: string, body?: unknown) {
  const r = await c.admin(method, path, body);
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
  return r.json;
}

/** The kubelet's part: every `app` Pod bound to n1, Running and Ready since ten minutes ago. */
async function runPods(app = "web"): Promise<number> {
  await c.server.settle();
  const pods = (await ok("GET", `/api/v1/namespaces/${NS}/pods?labelSelector=app%3D${app}`)).items;
  const since = new Date(clock.now().getTime() - 600_000).toISOString().replace(/\.\d+Z$/, "Z");
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    if (!pod.spec.nodeName)
      await ok("POST", `/api/v1/namespaces/${NS}/pods/${pod.metadata.name}/binding`, {
        apiVersion: "v1",
        kind: "Binding",
        metadata: { name: pod.metadata.name },
        target: { kind: "Node", name: "n1" },
      });
    if (pod.status?.phase === "Running") continue;
    const latest = await ok("GET", `/api/v1/namespaces/${NS}/pods/${pod.metadata.name}`);
    latest.status = {
      phase: "Running",
      startTime: since,
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: since }],
    };
    await ok("PUT", `/api/v1/namespaces/${NS}/pods/${pod.metadata.name}/status`, latest);
  }
  await c.server.settle();
  return pods.length;
}

/** One sync period passes: the controller reconciles every HPA once. */
async function sync(ms = 15_000) {
  clock.step(ms);
  await c.server.settle();
}

const hpaOf = async (name: string) => ok("GET", `${HPAS}/${name}`);
const replicasOf = async () => (await ok("GET", `${DEPLOYMENTS}/web`)).spec.replicas;
const conditionsOf = (hpa: {
  status: { conditions: { type: string; status: string; reason: string; message: string }[] };
}) => hpa.status.conditions.map(({ type, status, reason, message }) => ({ type, status, reason, message }));
async function eventsOf(name: string): Promise<string[]> {
  const list = await ok("GET", `/api/v1/namespaces/${NS}/events`);
  return list.items
    .sort((a: { lastTimestamp: string }, b: { lastTimestamp: string }) =>
      a.lastTimestamp.localeCompare(b.lastTimestamp),
    )
    .filter(
      (e: { involvedObject: { kind: string; name: string } }) =>
        e.involvedObject.kind === "HorizontalPodAutoscaler" && e.involvedObject.name === name,
    )
    .map((e: { type: string; reason: string; message: string }) => `${e.type} ${e.reason} ${e.message}`);
}

before(async () => {
  c = await startTestCluster({ metrics: source, clock });
  await ok("POST", "/api/v1/nodes", { metadata: { name: "n1" } });
  await ok("POST", DEPLOYMENTS, {
    metadata: { name: "web" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [
            { name: "main", image: "busybox", resources: { requests: { cpu: "100m", memory: "64Mi" } } },
          ],
        },
      },
    },
  });
  assert.equal(await runPods(), 2);
  await ok("POST", DEPLOYMENTS, {
    metadata: { name: "api" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "api" } },
      template: {
        metadata: { labels: { app: "api" } },
        spec: { containers: [{ name: "main", image: "busybox" }] },
      },
    },
  });
});
after(() => c?.stop());

describe("scaling a Deployment on CPU utilization", () => {
  test("80% of the request against a 50% target: two Pods become four, with status, conditions and an event", async () => {
    cpuPerPod = 80_000_000; // 80m of 100m
    await ok("POST", HPAS, {
      metadata: { name: "web" },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        minReplicas: 1,
        maxReplicas: 10,
        metrics: [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
          },
        ],
      },
    });
    await c.server.settle();
    assert.equal((await hpaOf("web")).status.conditions, undefined, "nothing happens before one sync period");
    await sync();
    assert.equal(await replicasOf(), 4);
    const hpa = await hpaOf("web");
    assert.equal(hpa.status.currentReplicas, 2);
    assert.equal(hpa.status.desiredReplicas, 4);
    assert.equal(
      hpa.status.lastScaleTime,
      clock
        .now()
        .toISOString()
        .replace(/\.\d+Z$/, "Z"),
    );
    assert.deepEqual(hpa.status.currentMetrics, [
      {
        type: "Resource",
        resource: { name: "cpu", current: { averageUtilization: 80, averageValue: "80m" } },
      },
    ]);
    assert.deepEqual(conditionsOf(hpa), [
      {
        type: "AbleToScale",
        status: "True",
        reason: "SucceededRescale",
        message: "the HPA controller was able to update the target scale to 4",
      },
      {
        type: "ScalingActive",
        status: "True",
        reason: "ValidMetricFound",
        message:
          "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
      },
      {
        type: "ScalingLimited",
        status: "False",
        reason: "DesiredWithinRange",
        message: "the desired count is within the acceptable range",
      },
    ]);
    assert.deepEqual(await eventsOf("web"), [
      "Normal SuccessfulRescale New size: 4; reason: cpu resource utilization (percentage of request) above target",
    ]);
  });

  test("at 48% (within the 10% tolerance) four Pods stay four", async () => {
    assert.equal(await runPods(), 4);
    cpuPerPod = 48_000_000;
    await sync();
    assert.equal(await replicasOf(), 4);
    const hpa = await hpaOf("web");
    assert.equal(hpa.status.currentReplicas, 4);
    assert.equal(hpa.status.desiredReplicas, 4);
    assert.equal(hpa.status.currentMetrics[0].resource.current.averageUtilization, 48);
    assert.equal(conditionsOf(hpa)[0]?.reason, "ReadyForNewScale");
  });

  test("at 10% the 5-minute stabilization window holds four, then the Deployment scales down to one", async () => {
    cpuPerPod = 10_000_000;
    await sync();
    assert.equal(await replicasOf(), 4, "recent recommendations of 4 win");
    let hpa = await hpaOf("web");
    assert.deepEqual(conditionsOf(hpa)[0], {
      type: "AbleToScale",
      status: "True",
      reason: "ScaleDownStabilized",
      message:
        "recent recommendations were higher than current one, applying the highest recent recommendation",
    });
    assert.equal(hpa.status.desiredReplicas, 4);
    await sync(300_000);
    assert.equal(await replicasOf(), 1);
    hpa = await hpaOf("web");
    assert.equal(hpa.status.desiredReplicas, 1);
    assert.equal(conditionsOf(hpa)[0]?.reason, "SucceededRescale");
    assert.deepEqual(await eventsOf("web"), [
      "Normal SuccessfulRescale New size: 4; reason: cpu resource utilization (percentage of request) above target",
      "Normal SuccessfulRescale New size: 1; reason: All metrics below target",
    ]);
  });

  test("kubectl 1.33 get hpa shows the target as cpu: 10%/50% and describe shows conditions and events", async () => {
    await runPods();
    const get = await c.kubectl(["get", "hpa", "web", "-n", NS], { binary: KUBECTL_133 });
    assert.equal(get.code, 0, get.stderr);
    const [header, row] = get.stdout.trimEnd().split("\n");
    assert.deepEqual(header?.split(/\s{2,}/), [
      "NAME",
      "REFERENCE",
      "TARGETS",
      "MINPODS",
      "MAXPODS",
      "REPLICAS",
      "AGE",
    ]);
    assert.deepEqual(row?.split(/\s{2,}/).slice(0, 6), [
      "web",
      "Deployment/web",
      "cpu: 10%/50%",
      "1",
      "10",
      "4",
    ]);
    const describe = await c.kubectl(["describe", "hpa", "web", "-n", NS], { binary: KUBECTL_133 });
    assert.equal(describe.code, 0, describe.stderr);
    assert.match(
      describe.stdout,
      /resource cpu on pods {2}\(as a percentage of request\): {2}10% \(10m\) \/ 50%/,
    );
    assert.match(describe.stdout, /Deployment pods: +4 current \/ 1 desired/);
    assert.match(
      describe.stdout,
      /AbleToScale +True +SucceededRescale +the HPA controller was able to update the target scale to 1/,
    );
    assert.match(
      describe.stdout,
      /Normal +SuccessfulRescale .*New size: 1; reason: All metrics below target/,
    );
  });
});

describe("a StatefulSet on one container's memory (ContainerResource, AverageValue)", () => {
  test("32 MiB in container main against 16 MiB: two Pods become four; the status names the container", async () => {
    await ok("POST", `/apis/apps/v1/namespaces/${NS}/statefulsets`, {
      metadata: { name: "db" },
      spec: {
        replicas: 2,
        podManagementPolicy: "Parallel",
        serviceName: "db",
        selector: { matchLabels: { app: "db" } },
        template: {
          metadata: { labels: { app: "db" } },
          spec: {
            containers: [
              { name: "main", image: "busybox" },
              { name: "side", image: "busybox" },
            ],
          },
        },
      },
    });
    assert.equal(await runPods("db"), 2);
    await ok("POST", HPAS, {
      metadata: { name: "db" },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: "db" },
        maxReplicas: 8,
        metrics: [
          {
            type: "ContainerResource",
            containerResource: {
              name: "memory",
              container: "main",
              target: { type: "AverageValue", averageValue: "16Mi" },
            },
          },
        ],
      },
    });
    await sync();
    assert.equal((await ok("GET", `/apis/apps/v1/namespaces/${NS}/statefulsets/db`)).spec.replicas, 4);
    const hpa = await hpaOf("db");
    assert.deepEqual(hpa.status.currentMetrics, [
      {
        type: "ContainerResource",
        containerResource: { name: "memory", current: { averageValue: String(32 * MiB) }, container: "main" },
      },
    ]);
    assert.deepEqual(await eventsOf("db"), [
      "Normal SuccessfulRescale New size: 4; reason: memory resource above target",
    ]);
  });
});

describe("spec.behavior", () => {
  test("a scale-up policy of one Pod per minute limits 8 wanted replicas to 2, then holds them for the period", async () => {
    await ok("POST", DEPLOYMENTS, {
      metadata: { name: "burst" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "burst" } },
        template: {
          metadata: { labels: { app: "burst" } },
          spec: {
            containers: [{ name: "main", image: "busybox", resources: { requests: { cpu: "100m" } } }],
          },
        },
      },
    });
    assert.equal(await runPods("burst"), 1);
    await ok("POST", HPAS, {
      metadata: { name: "burst" },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "burst" },
        maxReplicas: 10,
        metrics: [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
          },
        ],
        behavior: { scaleUp: { policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] } },
      },
    });
    const limited = {
      type: "ScalingLimited",
      status: "True",
      reason: "ScaleUpLimit",
      message: "the desired replica count is increasing faster than the maximum scale rate",
    };
    await sync();
    const replicas = async () => (await ok("GET", `${DEPLOYMENTS}/burst`)).spec.replicas;
    assert.equal(await replicas(), 2, "400% of the request against 50% wants 8");
    assert.deepEqual(conditionsOf(await hpaOf("burst"))[2], limited);
    assert.equal(await runPods("burst"), 2);
    await sync();
    assert.equal(await replicas(), 2, "the policy's minute has not passed");
    assert.deepEqual(conditionsOf(await hpaOf("burst"))[2], limited);
    await sync(60_000);
    assert.equal(await replicas(), 3);
    assert.deepEqual(await eventsOf("burst"), [
      "Normal SuccessfulRescale New size: 2; reason: cpu resource utilization (percentage of request) above target",
      "Normal SuccessfulRescale New size: 3; reason: cpu resource utilization (percentage of request) above target",
    ]);
  });
});

describe("a custom resource with a scale subresource", () => {
  test("below minReplicas it is scaled through its specReplicasPath; then, without usage, ScalingActive is False", async () => {
    await ok("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
      metadata: { name: "crawlers.example.com" },
      spec: {
        group: "example.com",
        scope: "Namespaced",
        names: { plural: "crawlers", singular: "crawler", kind: "Crawler" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            subresources: {
              status: {},
              scale: {
                specReplicasPath: ".spec.size",
                statusReplicasPath: ".status.size",
                labelSelectorPath: ".status.selector",
              },
            },
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  spec: { type: "object", properties: { size: { type: "integer" } } },
                  status: {
                    type: "object",
                    properties: { size: { type: "integer" }, selector: { type: "string" } },
                  },
                },
              },
            },
          },
        ],
      },
    });
    const CRAWLERS = `/apis/example.com/v1/namespaces/${NS}/crawlers`;
    const crawler = await eventually(
      async () => {
        const r = await c.admin("POST", CRAWLERS, {
          apiVersion: "example.com/v1",
          kind: "Crawler",
          metadata: { name: "c1" },
          spec: { size: 1 },
        });
        return r.status === 201 && r.json;
      },
      30_000,
      "the CRD to be served",
    );
    await ok("PUT", `${CRAWLERS}/c1/status`, { ...crawler, status: { size: 1, selector: "app=crawler" } });
    await ok("POST", HPAS, {
      metadata: { name: "crawler" },
      spec: {
        scaleTargetRef: { apiVersion: "example.com/v1", kind: "Crawler", name: "c1" },
        minReplicas: 3,
        maxReplicas: 5,
      },
    });
    await sync();
    assert.equal((await ok("GET", `${CRAWLERS}/c1`)).spec.size, 3);
    const hpa = await hpaOf("crawler");
    assert.deepEqual(conditionsOf(hpa), [
      {
        type: "AbleToScale",
        status: "True",
        reason: "SucceededRescale",
        message: "the HPA controller was able to update the target scale to 3",
      },
    ]);
    assert.equal(hpa.status.desiredReplicas, 3);
    assert.deepEqual(await eventsOf("crawler"), [
      "Normal SuccessfulRescale New size: 3; reason: Current number of replicas below Spec.MinReplicas",
    ]);
    // The next sync reads usage: there is none for these (absent) Pods.
    await sync();
    const active = conditionsOf(await hpaOf("crawler")).find((x) => x.type === "ScalingActive");
    assert.deepEqual(active, {
      type: "ScalingActive",
      status: "False",
      reason: "FailedGetResourceMetric",
      message:
        "the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API",
    });
  });
});

describe("what the controller cannot compute", () => {
  test("a Pods metric: ScalingActive False FailedGetPodsMetric, no scaling, warning events", async () => {
    await ok("POST", HPAS, {
      metadata: { name: "custom" },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api" },
        minReplicas: 1,
        maxReplicas: 10,
        metrics: [
          {
            type: "Pods",
            pods: {
              metric: { name: "requests_per_second" },
              target: { type: "AverageValue", averageValue: "10" },
            },
          },
        ],
      },
    });
    await sync();
    assert.equal((await ok("GET", `${DEPLOYMENTS}/api`)).spec.replicas, 1);
    const hpa = await hpaOf("custom");
    // setCurrentReplicasAndMetricsInStatus: a metric that failed is a zero-valued MetricStatus.
    assert.deepEqual(hpa.status.currentMetrics, [{ type: "" }]);
    const active = conditionsOf(hpa).find((x) => x.type === "ScalingActive");
    assert.equal(active?.status, "False");
    assert.equal(active?.reason, "FailedGetPodsMetric");
    const inner =
      "unable to get metric requests_per_second: unable to fetch metrics from custom metrics API: no known available metric versions found";
    assert.equal(active?.message, `the HPA was unable to compute the replica count: ${inner}`);
    // Both in the same second: compared as a set.
    assert.deepEqual(
      (await eventsOf("custom")).sort(),
      [
        `Warning FailedGetPodsMetric ${inner}`,
        `Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 1), first error is: failed to get pods metric value: ${inner}`,
      ].sort(),
    );
  });

  test("a missing target: AbleToScale False FailedGetScale naming it", async () => {
    await ok("POST", HPAS, {
      metadata: { name: "orphan" },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "nope" },
        maxReplicas: 3,
      },
    });
    await sync();
    const hpa = await hpaOf("orphan");
    assert.deepEqual(conditionsOf(hpa), [
      {
        type: "AbleToScale",
        status: "False",
        reason: "FailedGetScale",
        message: `the HPA controller was unable to get the target's current scale: deployments.apps "nope" not found`,
      },
    ]);
    assert.deepEqual(await eventsOf("orphan"), [`Warning FailedGetScale deployments.apps "nope" not found`]);
  });

  test("two HPAs picking the same Pods: both ScalingActive False AmbiguousSelector, nothing scaled", async () => {
    await ok("POST", HPAS, {
      metadata: { name: "web-twin" },
      spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, maxReplicas: 10 },
    });
    const replicas = await replicasOf();
    cpuPerPod = 10_000_000;
    await sync();
    await sync(); // the second sync knows both HPAs' selectors
    assert.equal(await replicasOf(), replicas);
    const message =
      "pods by selector app=web are controlled by multiple HPAs: [default/web default/web-twin]";
    for (const name of ["web", "web-twin"]) {
      const active = conditionsOf(await hpaOf(name)).find((x) => x.type === "ScalingActive");
      assert.deepEqual(active, {
        type: "ScalingActive",
        status: "False",
        reason: "AmbiguousSelector",
        message,
      });
      const events = await eventsOf(name);
      assert.ok(events.includes(`Warning AmbiguousSelector ${message}`), events.join("\n"));
      assert.ok(events.includes(`Warning FailedComputeMetricsReplicas ${message}`), events.join("\n"));
    }
  });
});
