// core/v1 Pod: SetDefaults_Pod/PodSpec (pkg/apis/core/v1/defaults.go) with the Priority and
// DefaultTolerationSeconds admission defaults, the strategy's status on create, ValidatePod
// (validation/pod.ts), and printPod — READY, the STATUS kubectl users know (CrashLoopBackOff,
// Completed, Init:0/1, Terminating…) and RESTARTS with the time since the last restart.

import type { Container, Pod, PodStatus, PodTemplateSpec } from "kubernetes-types/core/v1.d.ts";
import { quantityError, quantityMilli } from "../../../../meta/quantity.ts";
import type { KubeObject, Mutable } from "../../../../meta/types.ts";
import { humanDuration } from "../../duration.ts";
import { asList, asMap, asNumber, asString, cloneJson, type Json } from "../../json-access.ts";
import { dropDisabledPodFields } from "../../pod-disabled-fields.ts";
import { AGE_COLUMN, column, NAME_COLUMN, wide } from "../../printers/columns.ts";
import { age, nameOf, timeOf } from "../../printers/format.ts";
import type { TableRowCondition } from "../../tables.ts";
import type { ResourceDef } from "../../types.ts";
import { validatePod } from "../../validation/pod.ts";
import { fields } from "../fields.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";

/** SetDefaults_PodSpec and container defaults: every Pod spec, a workload's template included. */
export function defaultPodSpec(spec: Mutable<NonNullable<Pod["spec"]>>): void {
  if (!spec.restartPolicy) spec.restartPolicy = "Always";
  spec.dnsPolicy ??= "ClusterFirst";
  spec.schedulerName ??= "default-scheduler";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  for (const v of spec.volumes ?? []) defaultVolume(v);
  // SetDefaults_EphemeralContainer is SetDefaults_Container on its EphemeralContainerCommon.
  const ephemeral = (spec.ephemeralContainers ?? []) as Mutable<Container>[];
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...ephemeral])
    defaultContainer(c);
}

/** SetDefaults_Container, with its ports, env fieldRefs, probes and hooks. */
function defaultContainer(c: Mutable<Container>): void {
  c.terminationMessagePath ??= "/dev/termination-log";
  c.terminationMessagePolicy ??= "File";
  const tag = c.image?.includes("@") ? "digest" : (c.image?.split("/").pop()?.split(":")[1] ?? "latest");
  c.imagePullPolicy ??= tag === "latest" ? "Always" : "IfNotPresent";
  c.resources ??= {};
  for (const p of c.ports ?? []) p.protocol ??= "TCP";
  // SetDefaults_ObjectFieldSelector.
  for (const e of c.env ?? []) if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ||= "v1";
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) if (probe) defaultProbe(probe);
  for (const hook of [c.lifecycle?.postStart, c.lifecycle?.preStop])
    if (hook?.httpGet) defaultHTTPGet(hook.httpGet);
}

type Volume = Mutable<NonNullable<NonNullable<Pod["spec"]>["volumes"]>[number]>;
const DEFAULT_FILE_MODE = 0o644;

/** SetDefaults_Volume (no source means emptyDir), the volume sources' defaultMode (0644), hostPath's type
 * and SetDefaults_ServiceAccountTokenProjection (an hour). */
function defaultVolume(v: Volume): void {
  const { name: _, ...sources } = v;
  if (Object.values(sources).every((s) => s == null)) v.emptyDir = {};
  for (const source of [v.secret, v.configMap, v.downwardAPI, v.projected])
    if (source) source.defaultMode ??= DEFAULT_FILE_MODE;
  if (v.hostPath) v.hostPath.type ??= "";
  for (const s of v.projected?.sources ?? [])
    if (s.serviceAccountToken) s.serviceAccountToken.expirationSeconds ??= 3600;
  // SetDefaults_ObjectFieldSelector in downward API files.
  const projectedFiles = (v.projected?.sources ?? []).flatMap((s) => s.downwardAPI?.items ?? []);
  for (const f of [...(v.downwardAPI?.items ?? []), ...projectedFiles])
    if (f.fieldRef) f.fieldRef.apiVersion ||= "v1";
}

type Probe = Mutable<NonNullable<Container["livenessProbe"]>>;

/** SetDefaults_Probe (zero means unset, as in Go). */
function defaultProbe(probe: Probe): void {
  if (!probe.timeoutSeconds) probe.timeoutSeconds = 1;
  if (!probe.periodSeconds) probe.periodSeconds = 10;
  if (!probe.successThreshold) probe.successThreshold = 1;
  if (!probe.failureThreshold) probe.failureThreshold = 3;
  if (probe.httpGet) defaultHTTPGet(probe.httpGet);
}

/** SetDefaults_HTTPGetAction. */
function defaultHTTPGet(action: Mutable<NonNullable<Probe["httpGet"]>>): void {
  if (!action.path) action.path = "/";
  if (!action.scheme) action.scheme = "HTTP";
}

/** A workload's Pod template gets the PodSpec defaults only (SetDefaults_PodTemplateSpec has none of its own). */
export function defaultPodTemplate(template: Mutable<PodTemplateSpec> | undefined): void {
  if (template?.spec) defaultPodSpec(template.spec);
}

/** For a bare Pod also SetDefaults_Pod (enableServiceLinks) and the DefaultTolerationSeconds admission plugin. */
function defaultPod(pod: Mutable<Pod>): void {
  const spec = pod.spec;
  if (!spec) return;
  defaultPodSpec(spec);
  spec.enableServiceLinks ??= true;
  // defaultHostNetworkPorts: a host-network Pod's ports are host ports (templates keep theirs unset).
  if (spec.hostNetwork)
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])])
      for (const p of c.ports ?? []) if (!p.hostPort) p.hostPort = p.containerPort;
  // spec.priority and preemptionPolicy are the Priority admission plugin's (admission/priority.ts).
  // DefaultTolerationSeconds admission: tolerate not-ready/unreachable nodes for 5 minutes.
  spec.tolerations ??= [];
  for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
    if (!spec.tolerations.some((t) => t.key === key)) {
      spec.tolerations.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 });
    }
  }
}

/** The Pod with a defaulted copy of its spec (defaultPod changes only the spec). */
function defaultedCopy(pod: KubeObject): KubeObject {
  const copy = pod.spec === undefined ? { ...pod } : { ...pod, spec: cloneJson(pod.spec) };
  defaultPod(copy as Mutable<Pod>);
  return copy;
}

/** podEphemeralContainersStrategy.PrepareForUpdate (pkg/registry/core/pod/strategy.go
 * dropNonEphemeralContainerUpdates): only spec.ephemeralContainers comes from the request, decoded (so
 * defaulted); spec, status and the metadata ResetObjectMetaForStatus restores stay as stored. */
function keepEphemeralContainersOnly(pod: Mutable<Pod>, old: Pod): void {
  const ephemeralContainers = pod.spec?.ephemeralContainers;
  pod.spec = cloneJson(old.spec ?? {}) as Mutable<NonNullable<Pod["spec"]>>;
  if (ephemeralContainers) pod.spec.ephemeralContainers = ephemeralContainers;
  else delete pod.spec.ephemeralContainers;
  pod.status = old.status;
  pod.metadata ??= {};
  const meta = pod.metadata;
  for (const key of RESET_FOR_STATUS) {
    const value = old.metadata?.[key];
    if (value === undefined) delete meta[key];
    else (meta as Record<string, unknown>)[key] = value;
  }
  for (const c of pod.spec.ephemeralContainers ?? []) defaultContainer(c as Mutable<Container>);
}

/** metav1.ResetObjectMetaForStatus: what a status-like write keeps from the stored object. */
const RESET_FOR_STATUS = [
  "deletionTimestamp",
  "generation",
  "selfLink",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
] as const;

const QOS_RESOURCES = ["cpu", "memory"];

/** qos.ComputePodQOS (pod-level resources are alpha, off, in v1.33): containers and init containers' cpu and
 * memory; Guaranteed when every container limits both and requests equal limits, BestEffort with none. */
export function computePodQOS(pod: Pod): "Guaranteed" | "Burstable" | "BestEffort" {
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  const add = (sums: Map<string, bigint>, list: Record<string, unknown> | undefined, found?: Set<string>) => {
    for (const [name, q] of Object.entries(list ?? {})) {
      if (!QOS_RESOURCES.includes(name)) continue;
      const text = typeof q === "number" ? String(q) : asString(q);
      const milli = quantityError(text) ? 0n : quantityMilli(text);
      if (milli <= 0n) continue;
      found?.add(name);
      sums.set(name, (sums.get(name) ?? 0n) + milli);
    }
  };
  let guaranteed = true;
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    add(requests, c.resources?.requests);
    const found = new Set<string>();
    add(limits, c.resources?.limits, found);
    if (!found.has("cpu") || !found.has("memory")) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed) for (const [name, q] of requests) if (limits.get(name) !== q) guaranteed = false;
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable";
}

const DOCS = {
  podIP:
    "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
  nodeName:
    "NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.",
  nominatedNodeName:
    "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.",
  readinessGates:
    'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates',
};

const NODE_UNREACHABLE_POD_REASON = "NodeLost";

interface PodSummary {
  ready: number;
  total: number;
  reason: string;
  restarts: number;
  lastRestart: number; // epoch ms, -Infinity when never
}

/** Keeps the latest lastState.terminated.finishedAt seen (metav1.Time.Before on the zero time). */
function laterRestart(current: number, status: Json): number {
  const finished = timeOf(asMap(asMap(status.lastState).terminated).finishedAt);
  return finished !== undefined && finished > current ? finished : current;
}

const isRestartableInit = (c: Json | undefined) => c?.restartPolicy === "Always";
const hasCondition = (conditions: unknown[], type: string) =>
  conditions.some((c) => asMap(c).type === type && asMap(c).status === "True");

function isInitializedConditionTrue(conditions: unknown[]): boolean {
  const initialized = conditions.map(asMap).find((c) => c.type === "Initialized");
  return initialized?.status === "True";
}

/** The STATUS column's reason for a terminated container without one: Signal:N or ExitCode:N. */
function terminatedReason(terminated: Json, prefix: string): string {
  if (asString(terminated.reason)) return `${prefix}${terminated.reason}`;
  const signal = asNumber(terminated.signal);
  return signal !== 0 ? `${prefix}Signal:${signal}` : `${prefix}ExitCode:${asNumber(terminated.exitCode)}`;
}

function summarize(pod: KubeObject): PodSummary {
  const spec = asMap(pod.spec);
  const status = asMap(pod.status);
  const conditions = asList(status.conditions);
  const initSpecs = new Map(asList(spec.initContainers).map((c) => [asString(asMap(c).name), asMap(c)]));
  const initStatuses = asList(status.initContainerStatuses).map(asMap);

  let total = asList(spec.containers).length;
  for (const c of initSpecs.values()) if (isRestartableInit(c)) total++;
  let ready = 0;
  let restarts = 0;
  let lastRestart = Number.NEGATIVE_INFINITY;
  let sidecarRestarts = 0;
  let lastSidecarRestart = Number.NEGATIVE_INFINITY;

  let reason = asString(status.reason) || asString(status.phase);
  for (const c of conditions.map(asMap)) {
    if (c.type === "PodScheduled" && c.reason === "SchedulingGated") reason = "SchedulingGated";
  }

  let initializing = false;
  for (const [i, container] of initStatuses.entries()) {
    restarts += asNumber(container.restartCount);
    lastRestart = laterRestart(lastRestart, container);
    const restartable = isRestartableInit(initSpecs.get(asString(container.name)));
    if (restartable) {
      sidecarRestarts += asNumber(container.restartCount);
      lastSidecarRestart = laterRestart(lastSidecarRestart, container);
    }
    const state = asMap(container.state);
    const terminated = state.terminated == null ? undefined : asMap(state.terminated);
    const waitingReason = asString(asMap(state.waiting).reason);
    if (terminated && asNumber(terminated.exitCode) === 0) continue;
    if (restartable && container.started === true) {
      if (container.ready === true) ready++;
      continue;
    }
    if (terminated) reason = terminatedReason(terminated, "Init:");
    else if (waitingReason && waitingReason !== "PodInitializing") reason = `Init:${waitingReason}`;
    else reason = `Init:${i}/${initSpecs.size}`;
    initializing = true;
    break;
  }

  if (!initializing || isInitializedConditionTrue(conditions)) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = asList(status.containerStatuses).map(asMap);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i];
      restarts += asNumber(container.restartCount);
      lastRestart = laterRestart(lastRestart, container);
      const state = asMap(container.state);
      const waitingReason = asString(asMap(state.waiting).reason);
      if (waitingReason) reason = waitingReason;
      else if (state.terminated != null) reason = terminatedReason(asMap(state.terminated), "");
      else if (container.ready === true && state.running != null) {
        hasRunning = true;
        ready++;
      }
    }
    // A pod whose last container completed but another still runs is Running (or NotReady).
    if (reason === "Completed" && hasRunning)
      reason = hasCondition(conditions, "Ready") ? "Running" : "NotReady";
  }

  const deleting = pod.metadata?.deletionTimestamp != null;
  const phase = asString(status.phase);
  if (deleting && status.reason === NODE_UNREACHABLE_POD_REASON) reason = "Unknown";
  else if (deleting && phase !== "Succeeded" && phase !== "Failed") reason = "Terminating";

  return { ready, total, reason, restarts, lastRestart };
}

function readinessGates(pod: KubeObject): string {
  const gates = asList(asMap(pod.spec).readinessGates).map(asMap);
  if (gates.length === 0) return "<none>";
  const conditions = asList(asMap(pod.status).conditions).map(asMap);
  const satisfied = gates.filter(
    (g) => conditions.find((c) => c.type === g.conditionType)?.status === "True",
  );
  return `${satisfied.length}/${gates.length}`;
}

function podIP(status: Json): string {
  const ips = asList(status.podIPs);
  return (ips.length > 0 ? asString(asMap(ips[0]).ip) : asString(status.podIP)) || "<none>";
}

const COMPLETED: Record<string, TableRowCondition[]> = {
  Succeeded: [
    {
      type: "Completed",
      status: "True",
      reason: "Succeeded",
      message: "The pod has completed successfully.",
    },
  ],
  Failed: [{ type: "Completed", status: "True", reason: "Failed", message: "The pod failed." }],
};

export const pod: ResourceDef = {
  group: "",
  version: "v1",
  resource: "pods",
  singular: "pod",
  kind: "Pod",
  listKind: "PodList",
  namespaced: true,
  shortNames: ["po"],
  categories: ["all"],
  verbs: CRUD,
  subresources: [
    { name: "status", kind: "Pod", verbs: GET_PATCH_UPDATE },
    { name: "binding", kind: "Binding", verbs: ["create"] },
    { name: "ephemeralcontainers", kind: "Pod", verbs: GET_PATCH_UPDATE },
    { name: "log", kind: "Pod", verbs: ["get"] },
    { name: "exec", kind: "PodExecOptions", verbs: ["create", "get"] },
    { name: "attach", kind: "PodAttachOptions", verbs: ["create", "get"] },
    { name: "eviction", kind: "Eviction", group: "policy", version: "v1", verbs: ["create"] },
    { name: "portforward", kind: "PodPortForwardOptions", verbs: ["create", "get"] },
  ],
  selectableFields: fields(
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
  ),
  returnsDeletedObject: true,
  defaults: (o) => defaultPod(o as Mutable<Pod>),
  prepare(o, old) {
    dropDisabledPodFields(o, old);
    if (old) return;
    const pod = o as Mutable<Pod>;
    pod.status = { phase: "Pending", qosClass: computePodQOS(pod) };
    // applySchedulingGatedCondition.
    if ((pod.spec?.schedulingGates ?? []).length > 0)
      pod.status.conditions = [
        {
          type: "PodScheduled",
          status: "False",
          reason: "SchedulingGated",
          message: "Scheduling is blocked due to non-empty scheduling gates",
        },
      ];
  },
  // podStatusStrategy.PrepareForUpdate: a /status write keeps spec, ownerReferences (old kubelets corrupted
  // them) and deletionTimestamp, and a status without qosClass keeps the stored one.
  statusKeepsMetadata: ["ownerReferences", "deletionTimestamp"],
  // podEphemeralContainersStrategy.GetResetFieldsFilter: its writer owns spec.ephemeralContainers only.
  resetFields: { ephemeralcontainers: { include: [["spec", "ephemeralContainers"]] } },
  prepareSubresource(subresource, o, old) {
    if (subresource === "ephemeralcontainers") keepEphemeralContainersOnly(o as Mutable<Pod>, old as Pod);
    const status = o.status as Mutable<PodStatus> | undefined;
    const stored = (old.status as PodStatus | undefined)?.qosClass;
    if (subresource === "status" && status && !status.qosClass && stored) status.qosClass = stored;
  },
  // The stored Pod is compared as upstream reads it back: decoded, so defaulted (objects stored before a
  // default was added — probe thresholds, host-network ports — must not read as changed specs).
  validate: (o, old, subresource) => validatePod(o, old && defaultedCopy(old), subresource),
  printer: {
    columns: [
      NAME_COLUMN,
      column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
      column("Status", "string", "The aggregate status of the containers in this pod."),
      column(
        "Restarts",
        "string",
        "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
      ),
      AGE_COLUMN,
      wide("IP", "string", DOCS.podIP),
      wide("Node", "string", DOCS.nodeName),
      wide("Nominated Node", "string", DOCS.nominatedNodeName),
      wide("Readiness Gates", "string", DOCS.readinessGates),
    ],
    cells(pod, now) {
      const s = summarize(pod);
      const restarts =
        s.restarts !== 0 && s.lastRestart !== Number.NEGATIVE_INFINITY
          ? `${s.restarts} (${humanDuration(now - s.lastRestart)} ago)`
          : String(s.restarts);
      const status = asMap(pod.status);
      return [
        nameOf(pod),
        `${s.ready}/${s.total}`,
        s.reason,
        restarts,
        age(pod, now),
        podIP(status),
        asString(asMap(pod.spec).nodeName) || "<none>",
        asString(status.nominatedNodeName) || "<none>",
        readinessGates(pod),
      ];
    },
    conditions: (pod) => COMPLETED[asString(asMap(pod.status).phase)],
  },
};
