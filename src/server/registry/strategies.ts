// Per-kind defaulting (what kube-apiserver's defaulters and strategies fill in), attached to the
// resource table at startup. Validation lives in validation.ts; Services in service-strategy.ts.
import type { Namespace, Pod, Secret, Service } from "kubernetes-types/core/v1.d.ts";
import type { Mutable } from "../../meta/types.ts";
import type { Store } from "../storage/index.ts";
import { ServiceAllocators } from "./service-allocators.ts";
import { prepareService } from "./service-strategy.ts";
import type { ResourceDef } from "./types.ts";
import * as v from "./validation.ts";

/** SetDefaults_PodSpec and container defaults; for a bare Pod (not a workload's template) also
 * SetDefaults_Pod (enableServiceLinks) and the Priority and DefaultTolerationSeconds admission plugins. */
export function defaultPod(pod: Mutable<Pod>, isCreate: boolean, template = false): void {
  const spec = pod.spec;
  if (!spec) return;
  if (!spec.restartPolicy) spec.restartPolicy = "Always";
  spec.dnsPolicy ??= "ClusterFirst";
  spec.schedulerName ??= "default-scheduler";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    c.terminationMessagePath ??= "/dev/termination-log";
    c.terminationMessagePolicy ??= "File";
    const tag = c.image?.includes("@") ? "digest" : (c.image?.split("/").pop()?.split(":")[1] ?? "latest");
    c.imagePullPolicy ??= tag === "latest" ? "Always" : "IfNotPresent";
    c.resources ??= {};
    for (const p of c.ports ?? []) p.protocol ??= "TCP";
  }
  if (template) return;
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= "PreemptLowerPriority";
  spec.priority ??= 0;
  // DefaultTolerationSeconds admission: tolerate not-ready/unreachable nodes for 5 minutes.
  spec.tolerations ??= [];
  for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
    if (!spec.tolerations.some((t) => t.key === key)) {
      spec.tolerations.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 });
    }
  }
  if (isCreate) pod.status = { phase: "Pending", qosClass: "BestEffort" };
}

function defaultNamespace(ns: Mutable<Namespace>, isCreate: boolean): void {
  ns.metadata ??= {};
  const meta = ns.metadata;
  meta.labels = { ...meta.labels, "kubernetes.io/metadata.name": meta.name ?? "" };
  ns.spec ??= {};
  ns.spec.finalizers ??= ["kubernetes"];
  if (isCreate) ns.status = { phase: "Active" };
}

function defaultSecret(secret: Secret & { stringData?: Record<string, string> }): void {
  secret.type ??= "Opaque";
  if (secret.stringData) {
    secret.data = { ...secret.data };
    for (const [k, val] of Object.entries(secret.stringData))
      secret.data[k] = Buffer.from(val).toString("base64");
    delete secret.stringData;
  }
}

interface Workload {
  spec?: {
    replicas?: number;
    revisionHistoryLimit?: number;
    progressDeadlineSeconds?: number;
    strategy?: {
      type?: string;
      rollingUpdate?: { maxUnavailable?: string | number; maxSurge?: string | number };
    };
    template?: { spec?: Pod["spec"] };
  };
}

/** apps/v1 SetDefaults_Deployment / SetDefaults_ReplicaSet. */
function defaultWorkload(obj: Workload, kind: string): void {
  obj.spec ??= {};
  obj.spec.replicas ??= 1;
  if (kind === "Deployment") {
    obj.spec.revisionHistoryLimit ??= 10;
    obj.spec.progressDeadlineSeconds ??= 600;
    obj.spec.strategy ??= {};
    const strategy = obj.spec.strategy;
    if (!strategy.type) strategy.type = "RollingUpdate";
    if (strategy.type === "RollingUpdate") {
      strategy.rollingUpdate ??= {};
      strategy.rollingUpdate.maxUnavailable ??= "25%";
      strategy.rollingUpdate.maxSurge ??= "25%";
    }
  }
  if (obj.spec.template) defaultPod(obj.spec.template as Mutable<Pod>, false, true);
}

/** Returns the table with prepare/validate hooks wired for the kinds that need them. */
export function withStrategies(defs: ResourceDef[], store: Store): ResourceDef[] {
  const allocators = new ServiceAllocators(store);
  return defs.map((def) => {
    if (def.group === "apps" && (def.kind === "Deployment" || def.kind === "ReplicaSet")) {
      const validate =
        def.kind === "Deployment"
          ? v.validateDeployment
          : def.kind === "ReplicaSet"
            ? v.validateReplicaSet
            : undefined;
      return { ...def, prepare: (o) => defaultWorkload(o as Workload, def.kind), validate };
    }
    const key = def.group ? `${def.resource}.${def.group}` : def.resource;
    switch (key) {
      case "pods":
        return {
          ...def,
          prepare: (o, old) => defaultPod(o as Mutable<Pod>, !old),
          validate: (o, old) => v.validatePod(o, old),
        };
      case "services":
        return {
          ...def,
          prepare: (o, old) => prepareService(o as Service, old as Service | undefined, allocators),
          validate: (o, old) => v.validateService(o, old),
        };
      case "namespaces":
        return {
          ...def,
          prepare: (o, old) => defaultNamespace(o as Mutable<Namespace>, !old),
          validate: (o, old) => v.validateNamespace(o, old),
        };
      case "secrets":
        return {
          ...def,
          prepare: (o) => defaultSecret(o as Secret),
          validate: (o, old) => v.validateSecret(o, old),
        };
      case "configmaps":
        return { ...def, validate: (o, old) => v.validateConfigMap(o, old) };
      case "serviceaccounts":
        return { ...def, validate: (o, old) => v.validateServiceAccount(o, old) };
      case "nodes":
        return { ...def, validate: (o, old) => v.validateNode(o, old) };
      case "events":
        return { ...def, validate: (o, old) => v.validateEvent(o, old) };
      case "endpointslices.discovery.k8s.io":
        return { ...def, validate: (o, old) => v.validateEndpointSlice(o, old) };
      case "roles.rbac.authorization.k8s.io":
      case "clusterroles.rbac.authorization.k8s.io":
        return { ...def, validate: (o, old) => v.validateRole(o, old, def.namespaced) };
      case "rolebindings.rbac.authorization.k8s.io":
      case "clusterrolebindings.rbac.authorization.k8s.io":
        return { ...def, validate: (o, old) => v.validateRoleBinding(o, old, def.namespaced) };
      default:
        return def;
    }
  });
}
