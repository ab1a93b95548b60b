// The HorizontalPodAutoscaler controller for resource metrics, ported from kubernetes
// pkg/controller/podautoscaler/horizontal.go (reconcileAutoscaler, computeReplicasForMetrics,
// computeStatusForResourceMetricGeneric, validateAndParseSelector, setCondition, setStatus; a recent
// stored copy, with AmbiguousSelector and setCurrentReplicasAndMetricsInStatus): every sync
// period (15 s) each HPA reads its target's /scale, asks the local runtime's usage (what metrics.k8s.io
// serves) for the Pods its selector picks, proposes replicas per metric (the highest wins), bounds them
// (horizontal-behavior.ts), writes the target's /scale and its own /status, and records events.
// Pods, Object and External metrics need a custom/external metrics API, which this server has not:
// they fail as upstream's do without one.
import {
  type LabelSelectorExpr,
  matchesLabels,
  parseLabelSelector,
  SelectorParseError,
} from "../../meta/labels.ts";
import { formatMilli, quantityMilli } from "../../meta/quantity.ts";
import type { KubeObject, StoredObject } from "../../meta/types.ts";
import type { MetricsSource } from "../context.ts";
import { isCustomResourceDef, setAt } from "../crd/resource-defs.ts";
import { scaleOf } from "../handlers/scale.ts";
import {
  asMap,
  asMaps,
  asNumber,
  asString,
  asStrings,
  deepEqual,
  type Json,
} from "../registry/json-access.ts";
import { rfc3339 } from "../registry/objects.ts";
import { type ResourceDef, storageKey } from "../registry/types.ts";
import type { Clock } from "./clock.ts";
import { CONTROLLER_USER, type Controller, type ControllerContext, controller } from "./context.ts";
import { eventRecorder } from "./events.ts";
import {
  type ConditionUpdate,
  newHistory,
  normalizeDesiredReplicas,
  normalizeDesiredReplicasWithBehaviors,
  type ScalingHistory,
  type ScalingRules,
  storeScaleEvent,
} from "./horizontal-behavior.ts";
import {
  MetricsError,
  type PodSample,
  type ReplicaResult,
  rawResourceReplicas,
  resourceMetrics,
  resourceReplicas,
} from "./horizontal-replicas.ts";

/** --horizontal-pod-autoscaler-sync-period. */
export const HPA_SYNC_PERIOD_MS = 15_000;
const COMPONENT = "horizontal-pod-autoscaler";

export interface HorizontalControllerOptions {
  clock: Clock;
  /** The runtime's usage (the PodMetricsRouter); without it every resource metric is unavailable. */
  metrics?: MetricsSource;
  syncPeriodMs?: number;
}

type Condition = {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason: string;
  message: string;
};

/** An error with the ScalingActive condition upstream sets for it. */
class MetricError extends Error {
  readonly reason: string;
  readonly conditionMessage: string;
  constructor(message: string, reason: string, conditionMessage = message) {
    super(message);
    this.reason = reason;
    this.conditionMessage = conditionMessage;
  }
}

export function startHorizontalController(c: ControllerContext, o: HorizontalControllerOptions): Controller {
  const def = c.registry.find("autoscaling", "v2", "horizontalpodautoscalers")!;
  const HPAS = storageKey(def);
  const syncPeriod = o.syncPeriodMs ?? HPA_SYNC_PERIOD_MS;
  const record = eventRecorder(c, o.clock, COMPONENT);
  const histories = new Map<string, ScalingHistory>();
  const timers = new Map<string, () => void>();
  /** The selectors of the HPAs synced so far (upstream's hpaSelectors), to find two scaling the same Pods. */
  const selectors = new Map<string, { namespace: string; selector: LabelSelectorExpr }>();

  // The fixed-interval rate limiter of upstream's queue: an HPA is synced one period after it is added
  // or changed, then every period.
  const schedule = (key: string) => {
    if (timers.has(key)) return;
    timers.set(
      key,
      o.clock.after(syncPeriod, () => {
        timers.delete(key);
        ctl.enqueue(key);
      }),
    );
  };

  async function reconcile(key: string): Promise<void> {
    const [namespace, name] = key.split("/") as [string, string];
    const hpa = c.store.get(HPAS, namespace, name)?.object();
    if (!hpa || hpa.metadata.deletionTimestamp) {
      histories.delete(key);
      selectors.delete(key);
      timers.get(key)?.();
      timers.delete(key);
      return;
    }
    try {
      await reconcileAutoscaler(hpa, key);
    } finally {
      schedule(key);
    }
  }

  async function reconcileAutoscaler(hpa: StoredObject, key: string): Promise<void> {
    const now = o.clock.now();
    const spec = asMap(hpa.spec);
    const ref = asMap(spec.scaleTargetRef);
    const namespace = hpa.metadata.namespace ?? "";
    const original = asMap(hpa.status);
    const status: Json = structuredClone(original);
    const setCondition = (type: string, s: "True" | "False", reason: string, message: string) => {
      const list = asMaps(status.conditions) as Condition[];
      let cond = list.find((x) => x.type === type);
      if (!cond) {
        cond = { type, status: "", reason: "", message: "" };
        list.push(cond);
      }
      if (cond.status !== s) cond.lastTransitionTime = rfc3339(now);
      Object.assign(cond, { status: s, reason, message });
      status.conditions = list;
    };
    const apply = (u: ConditionUpdate) => setCondition(u.type, u.status, u.reason, u.message);
    const event = (type: "Normal" | "Warning", reason: string, message: string) =>
      record(hpa, type, reason, message);
    /** setStatus: the status rebuilt in HorizontalPodAutoscalerStatus's field order, omitempty as Go. */
    const setStatus = (current: number, desired: number, metrics: Json[] | undefined, rescaled: boolean) => {
      const lastScaleTime = rescaled ? rfc3339(now) : status.lastScaleTime;
      const conditions = status.conditions;
      for (const k of Object.keys(status)) delete status[k];
      Object.assign(status, {
        ...(lastScaleTime ? { lastScaleTime } : {}),
        ...(current ? { currentReplicas: current } : {}),
        desiredReplicas: desired,
        ...(metrics?.length ? { currentMetrics: metrics } : {}),
        ...(conditions ? { conditions } : {}),
      });
    };
    const writeStatus = () => updateStatusIfNeeded(hpa, original, status);

    const target = scaleTarget(asString(ref.apiVersion), asString(ref.kind));
    const scale = target.def && c.store.get(storageKey(target.def), namespace, asString(ref.name))?.object();
    if (!target.def || !scale) {
      // The scale client's NotFound names the target's group resource.
      const resource = target.def && [target.def.resource, target.def.group].filter(Boolean).join(".");
      const message = target.error ?? `${resource} "${asString(ref.name)}" not found`;
      await event("Warning", "FailedGetScale", message);
      setCondition(
        "AbleToScale",
        "False",
        "FailedGetScale",
        `the HPA controller was unable to get the target's current scale: ${message}`,
      );
      await writeStatus();
      return;
    }
    const scaleObj = scaleOf(scale as never, target.def);
    setCondition(
      "AbleToScale",
      "True",
      "SucceededGetScale",
      "the HPA controller was able to get the target's current scale",
    );
    const specReplicas = asNumber(asMap(scaleObj.spec).replicas);
    const currentReplicas = specReplicas;
    const history = histories.get(key) ?? newHistory(currentReplicas, now.getTime());
    histories.set(key, history);

    const minReplicas = typeof spec.minReplicas === "number" ? spec.minReplicas : 1;
    const maxReplicas = asNumber(spec.maxReplicas);
    let desiredReplicas = 0;
    let rescaleReason = "";
    let rescale = true;
    let metricStatuses: Json[] | undefined;
    if (specReplicas === 0 && minReplicas !== 0) {
      rescale = false;
      setCondition(
        "ScalingActive",
        "False",
        "ScalingDisabled",
        "scaling is disabled since the replica count of the target is zero",
      );
    } else if (currentReplicas > maxReplicas) {
      rescaleReason = "Current number of replicas above Spec.MaxReplicas";
      desiredReplicas = maxReplicas;
    } else if (currentReplicas < minReplicas) {
      rescaleReason = "Current number of replicas below Spec.MinReplicas";
      desiredReplicas = minReplicas;
    } else {
      const computed = computeReplicasForMetrics(hpa, scaleObj, namespace, now, setCondition);
      for (const e of computed.events) await event("Warning", e.reason, e.message);
      if (computed.error) {
        // setCurrentReplicasAndMetricsInStatus: the metrics that could be read, zero-valued the others.
        setStatus(currentReplicas, asNumber(status.desiredReplicas), computed.statuses, false);
        await writeStatus();
        await event("Warning", "FailedComputeMetricsReplicas", computed.error);
        return;
      }
      metricStatuses = computed.statuses;
      let rescaleMetric = "";
      if (computed.replicas > desiredReplicas) {
        desiredReplicas = computed.replicas;
        rescaleMetric = computed.metric;
      }
      if (desiredReplicas > currentReplicas) rescaleReason = `${rescaleMetric} above target`;
      if (desiredReplicas < currentReplicas) rescaleReason = "All metrics below target";
      const behavior = asMap(spec.behavior);
      const bounds = { currentReplicas, desiredReplicas, minReplicas, maxReplicas };
      const normalized = spec.behavior
        ? normalizeDesiredReplicasWithBehaviors(
            history,
            {
              ...bounds,
              scaleUp: behavior.scaleUp as ScalingRules,
              scaleDown: behavior.scaleDown as ScalingRules,
            },
            now.getTime(),
          )
        : normalizeDesiredReplicas(history, bounds, now.getTime());
      normalized.conditions.forEach(apply);
      desiredReplicas = normalized.replicas;
      rescale = desiredReplicas !== currentReplicas;
    }

    if (rescale) {
      try {
        await writeScale(target.def, namespace, asString(ref.name), desiredReplicas);
      } catch (err) {
        const message = (err as Error).message;
        await event(
          "Warning",
          "FailedRescale",
          `New size: ${desiredReplicas}; reason: ${rescaleReason}; error: ${message}`,
        );
        setCondition(
          "AbleToScale",
          "False",
          "FailedUpdateScale",
          `the HPA controller was unable to update the target scale: ${message}`,
        );
        setStatus(currentReplicas, asNumber(status.desiredReplicas), metricStatuses, false);
        await writeStatus();
        return;
      }
      setCondition(
        "AbleToScale",
        "True",
        "SucceededRescale",
        `the HPA controller was able to update the target scale to ${desiredReplicas}`,
      );
      await event("Normal", "SuccessfulRescale", `New size: ${desiredReplicas}; reason: ${rescaleReason}`);
      const behavior = spec.behavior
        ? (spec.behavior as { scaleUp: ScalingRules; scaleDown: ScalingRules })
        : undefined;
      storeScaleEvent(history, behavior, currentReplicas, desiredReplicas, now.getTime());
    } else desiredReplicas = currentReplicas;
    setStatus(currentReplicas, desiredReplicas, metricStatuses, rescale);
    await writeStatus();
  }

  /** RESTMappings(GroupKind) + the scale client: the served def of the kind, which must have /scale. */
  function scaleTarget(apiVersion: string, kind: string): { def?: ResourceDef; error?: string } {
    const parts = apiVersion.split("/");
    if (parts.length > 2 || (parts.some((p) => p === "") && apiVersion !== ""))
      return { error: `unexpected GroupVersion string: ${apiVersion}` };
    const group = parts.length === 2 ? parts[0]! : "";
    const defs = c.registry.defs.filter((d) => !d.virtual && (d.group ?? "") === group && d.kind === kind);
    if (defs.length === 0) return { error: `no matches for kind "${kind}" in group "${group}"` };
    const def = defs.find((d) => d.subresources?.some((s) => s.name === "scale"));
    // The scale client's 404 for a kind without /scale.
    return def ? { def } : { error: "the server could not find the requested resource" };
  }

  async function writeScale(target: ResourceDef, namespace: string, name: string, replicas: number) {
    const path = (isCustomResourceDef(target) && target.scale?.specReplicasPath) || ".spec.replicas";
    await c.objects.guaranteedUpdate(
      target,
      namespace,
      name,
      (current) => {
        const next = structuredClone(current) as unknown as Json;
        setAt(next, path, replicas);
        return next as unknown as KubeObject;
      },
      { user: CONTROLLER_USER, manager: "kube-controller-manager", managerSubresource: "scale" },
    );
  }

  async function updateStatusIfNeeded(hpa: StoredObject, original: Json, status: Json): Promise<void> {
    if (deepEqual(original, status)) return;
    try {
      await c.objects.guaranteedUpdate(
        def,
        hpa.metadata.namespace ?? "",
        hpa.metadata.name,
        (latest) => ({ ...latest, status }),
        {
          user: CONTROLLER_USER,
          subresource: "status",
        },
      );
    } catch (err) {
      await record(hpa, "Warning", "FailedUpdateStatus", (err as Error).message);
    }
  }

  /** computeReplicasForMetrics: each metric's proposal, the highest wins; failures as upstream. */
  function computeReplicasForMetrics(
    hpa: StoredObject,
    scale: KubeObject,
    namespace: string,
    now: Date,
    setCondition: (type: string, s: "True" | "False", reason: string, message: string) => void,
  ): {
    replicas: number;
    metric: string;
    statuses: Json[];
    error?: string;
    events: { reason: string; message: string }[];
  } {
    const events: { reason: string; message: string }[] = [];
    const selectorString = asString(asMap(scale.status).selector);
    if (!selectorString) {
      events.push({ reason: "SelectorRequired", message: "selector is required" });
      setCondition(
        "ScalingActive",
        "False",
        "InvalidSelector",
        "the HPA target's scale is missing a selector",
      );
      return { replicas: -1, metric: "", statuses: [], error: "selector is required", events };
    }
    // validateAndParseSelector
    const fail = (reason: string, message: string) => {
      events.push({ reason, message });
      setCondition("ScalingActive", "False", reason, message);
      return { replicas: -1, metric: "", statuses: [], error: message, events };
    };
    let selector: LabelSelectorExpr;
    try {
      selector = parseLabelSelector(selectorString);
    } catch (err) {
      const message = err instanceof SelectorParseError ? err.message : String(err);
      return fail(
        "InvalidSelector",
        `couldn't convert selector into a corresponding internal selector object: ${message}`,
      );
    }
    const key = `${namespace}/${hpa.metadata.name}`;
    selectors.set(key, { namespace, selector });
    const pods = c.store
      .list("pods", { namespace, filter: (e) => matchesLabels(selector, e.labels as Record<string, string>) })
      .items.map((e) => e.object());
    // hpasControllingPodsUnderSelector: every HPA (whose selector is known) picking one of these Pods.
    const selecting = [...selectors]
      .filter(
        ([, s]) =>
          s.namespace === namespace && pods.some((p) => matchesLabels(s.selector, p.metadata?.labels ?? {})),
      )
      .map(([k]) => k)
      .sort();
    if (selecting.length > 1)
      return fail(
        "AmbiguousSelector",
        `pods by selector ${selectorString} are controlled by multiple HPAs: [${selecting.join(" ")}]`,
      );
    const specReplicas = asNumber(asMap(scale.spec).replicas);
    const specs = asMaps(asMap(hpa.spec).metrics);
    const statuses: Json[] = specs.map(() => ({ type: "" }));
    let replicas = 0;
    let metric = "";
    let invalid = 0;
    let firstError: MetricError | undefined;
    specs.forEach((m, i) => {
      try {
        const r = computeReplicasForMetric(m, specReplicas, namespace, pods, now);
        statuses[i] = r.status;
        if (replicas === 0 || r.replicas > replicas) {
          replicas = r.replicas;
          metric = r.metric;
        }
      } catch (err) {
        const e =
          err instanceof MetricError
            ? err
            : new MetricError((err as Error).message, "FailedGetResourceMetric");
        // getUnableComputeReplicaCountCondition records the metric's failure as an event.
        events.push({ reason: e.reason, message: e.conditionMessage });
        firstError ??= e;
        invalid++;
      }
    });
    if (firstError && (invalid >= specs.length || replicas < specReplicas)) {
      setCondition(
        "ScalingActive",
        "False",
        firstError.reason,
        `the HPA was unable to compute the replica count: ${firstError.conditionMessage}`,
      );
      const error = `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError.message}`;
      return { replicas: -1, metric: "", statuses, error, events };
    }
    setCondition(
      "ScalingActive",
      "True",
      "ValidMetricFound",
      `the HPA was able to successfully calculate a replica count from ${metric}`,
    );
    return { replicas, metric, statuses, events };
  }

  /** computeReplicasForMetric for one MetricSpec. */
  function computeReplicasForMetric(
    m: Json,
    specReplicas: number,
    namespace: string,
    pods: KubeObject[],
    now: Date,
  ): { replicas: number; metric: string; status: Json } {
    const type = asString(m.type);
    if (type === "Resource" || type === "ContainerResource") {
      const source = asMap(type === "Resource" ? m.resource : m.containerResource);
      const resource = asString(source.name);
      const container = type === "ContainerResource" ? asString(source.container) : "";
      const reason = type === "Resource" ? "FailedGetResourceMetric" : "FailedGetContainerResourceMetric";
      try {
        const { current, replicas, metric } = resourceStatus(
          asMap(source.target),
          resource,
          container,
          specReplicas,
          namespace,
          pods,
          now,
        );
        // ResourceMetricStatus {name, current}; ContainerResourceMetricStatus {name, current, container}.
        const status =
          type === "Resource" ? { name: resource, current } : { name: resource, current, container };
        return {
          replicas,
          metric,
          status: { type, [type === "Resource" ? "resource" : "containerResource"]: status },
        };
      } catch (err) {
        throw new MetricError((err as Error).message, reason);
      }
    }
    // No custom or external metrics API is served: the errors upstream's clients give then (the custom
    // metrics client finds no version in discovery — k8s.io/metrics pkg/client/custom_metrics/versions.go —
    // wrapped by podautoscaler/metrics/rest_metrics_client.go; the external one gets a 404).
    const source = asMap(m[lowerFirst(type)]);
    const metric = asMap(source.metric);
    const name = asString(metric.name);
    const noCustomApi =
      "unable to fetch metrics from custom metrics API: no known available metric versions found";
    if (type === "Pods") {
      const inner = `unable to get metric ${name}: ${noCustomApi}`;
      throw new MetricError(`failed to get pods metric value: ${inner}`, "FailedGetPodsMetric", inner);
    }
    if (type === "Object") {
      const ref = asMap(source.describedObject);
      // Upstream's format string takes its arguments in this order.
      const inner = `unable to get metric ${name}: ${asString(ref.kind)} on ${namespace} ${asString(ref.name)}/${noCustomApi}`;
      throw new MetricError(`failed to get object metric value: ${inner}`, "FailedGetObjectMetric", inner);
    }
    if (type === "External") {
      const inner =
        `unable to get external metric ${namespace}/${name}/${goLabelSelector(metric.selector)}: ` +
        `unable to fetch metrics from external metrics API: the server could not find the requested resource (get ${name}.external.metrics.k8s.io)`;
      const wrapped =
        asMap(source.target).averageValue !== undefined
          ? `failed to get ${name} external metric: ${inner}`
          : `failed to get external metric ${name}: ${inner}`;
      throw new MetricError(wrapped, "FailedGetExternalMetric", inner);
    }
    const message = `unknown metric source type "${type}"`;
    throw new MetricError(message, "InvalidMetricSourceType");
  }

  /** computeStatusForResourceMetricGeneric */
  function resourceStatus(
    target: Json,
    resource: string,
    container: string,
    currentReplicas: number,
    namespace: string,
    pods: KubeObject[],
    now: Date,
  ): { current: Json; replicas: number; metric: string } {
    const fetch = () => {
      try {
        return resourceMetrics(samplesOf(namespace, pods), resource, container, namespace);
      } catch (err) {
        throw new MetricsError(`unable to get metrics for resource ${resource}: ${(err as Error).message}`);
      }
    };
    const wrap = (f: () => ReplicaResult) => {
      try {
        return f();
      } catch (err) {
        throw new MetricsError(`failed to get ${resource} utilization: ${(err as Error).message}`);
      }
    };
    if (target.averageValue !== undefined) {
      const r = wrap(() => {
        const { metrics, timestamp } = fetch();
        const targetUsage = milliOf(target.averageValue);
        return rawResourceReplicas({ currentReplicas, targetUsage, resource, pods, metrics, timestamp, now });
      });
      return {
        replicas: r.replicas,
        metric: `${resource} resource`,
        current: { averageValue: formatMilli(BigInt(r.rawValue)) },
      };
    }
    if (typeof target.averageUtilization !== "number")
      throw new MetricsError(
        "invalid resource metric source: neither a utilization target nor a value target was set",
      );
    const targetUtilization = target.averageUtilization;
    const r = wrap(() => {
      const { metrics, timestamp } = fetch();
      return resourceReplicas({
        currentReplicas,
        targetUtilization,
        resource,
        container,
        pods,
        metrics,
        timestamp,
        now,
      });
    });
    return {
      replicas: r.replicas,
      metric: `${resource} resource utilization (percentage of request)`,
      current: { averageUtilization: r.utilization, averageValue: formatMilli(BigInt(r.rawValue)) },
    };
  }

  /** What metrics.k8s.io would list for the Pods (scheduled ones the runtime has usage for), in milli-units. */
  function samplesOf(namespace: string, pods: KubeObject[]): PodSample[] {
    const samples: PodSample[] = [];
    const sorted = [...pods].sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
    for (const pod of sorted) {
      const node = asString(asMap(pod.spec).nodeName);
      if (!node || !o.metrics) continue;
      const name = pod.metadata?.name ?? "";
      const usage = o.metrics.pod({ node, namespace, name, uid: pod.metadata?.uid ?? "" });
      if (!usage) continue;
      samples.push({
        name,
        timestamp: new Date(Math.floor(usage.timestamp.getTime() / 1000) * 1000), // metav1.Time: whole seconds
        windowMs: usage.windowMs,
        containers: usage.containers.map((ct) => ({
          name: ct.name,
          // Quantity.MilliValue() of the nanocores (rounded up) and of the bytes.
          usage: {
            cpu: Math.ceil(Math.max(0, ct.usage.cpuNanoCores) / 1e6),
            memory: Math.max(0, Math.floor(ct.usage.memoryBytes)) * 1000,
          },
        })),
      });
    }
    return samples;
  }

  const ctl = controller(c, "horizontal-pod-autoscaler", reconcile, []);
  c.store.watch(HPAS, { fromRV: c.store.currentRV() }, (ev) =>
    schedule(`${ev.entry.namespace}/${ev.entry.name}`),
  );
  for (const e of c.store.list(HPAS).items) schedule(`${e.namespace}/${e.name}`);
  return ctl;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** %+v of a *metav1.LabelSelector: its generated String() ("nil" for none). */
function goLabelSelector(v: unknown): string {
  if (v == null) return "nil";
  const sel = asMap(v);
  const labels = Object.entries(asMap(sel.matchLabels))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, x]) => `${k}: ${String(x)},`)
    .join("");
  const exprs = asMaps(sel.matchExpressions)
    .map(
      (e) =>
        `LabelSelectorRequirement{Key:${asString(e.key)},Operator:${asString(e.operator)},Values:[${asStrings(e.values).join(" ")}],},`,
    )
    .join("");
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}

/** Quantity.MilliValue() of a quantity string (rounded up). */
const milliOf = (q: unknown): number => Number(quantityMilli(String(q)));
