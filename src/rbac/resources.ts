// Well-known built-in resources (as discovery reports them) so tools can resolve "deploy" or "Deployment".

export interface ResourceInfo {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
}

function define(
  group: string,
  version: string,
  namespaced: boolean,
  entries: [plural: string, kind: string, shortNames?: string[]][],
): ResourceInfo[] {
  return entries.map(([plural, kind, shortNames = []]) => ({
    group,
    version,
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    shortNames,
  }));
}

/** Order matters for ambiguous names: the first match wins (core "events" before events.k8s.io). */
export const WELL_KNOWN_RESOURCES: readonly ResourceInfo[] = [
  ...define("", "v1", true, [
    ["pods", "Pod", ["po"]],
    ["services", "Service", ["svc"]],
    ["endpoints", "Endpoints", ["ep"]],
    ["configmaps", "ConfigMap", ["cm"]],
    ["secrets", "Secret"],
    ["serviceaccounts", "ServiceAccount", ["sa"]],
    ["persistentvolumeclaims", "PersistentVolumeClaim", ["pvc"]],
    ["events", "Event", ["ev"]],
    ["replicationcontrollers", "ReplicationController", ["rc"]],
    ["limitranges", "LimitRange", ["limits"]],
    ["resourcequotas", "ResourceQuota", ["quota"]],
    ["podtemplates", "PodTemplate"],
    ["bindings", "Binding"],
  ]),
  ...define("", "v1", false, [
    ["namespaces", "Namespace", ["ns"]],
    ["nodes", "Node", ["no"]],
    ["persistentvolumes", "PersistentVolume", ["pv"]],
    ["componentstatuses", "ComponentStatus", ["cs"]],
  ]),
  ...define("apps", "v1", true, [
    ["deployments", "Deployment", ["deploy"]],
    ["statefulsets", "StatefulSet", ["sts"]],
    ["daemonsets", "DaemonSet", ["ds"]],
    ["replicasets", "ReplicaSet", ["rs"]],
    ["controllerrevisions", "ControllerRevision"],
  ]),
  ...define("batch", "v1", true, [
    ["jobs", "Job"],
    ["cronjobs", "CronJob", ["cj"]],
  ]),
  ...define("autoscaling", "v2", true, [["horizontalpodautoscalers", "HorizontalPodAutoscaler", ["hpa"]]]),
  ...define("policy", "v1", true, [["poddisruptionbudgets", "PodDisruptionBudget", ["pdb"]]]),
  ...define("rbac.authorization.k8s.io", "v1", true, [
    ["roles", "Role"],
    ["rolebindings", "RoleBinding"],
  ]),
  ...define("rbac.authorization.k8s.io", "v1", false, [
    ["clusterroles", "ClusterRole"],
    ["clusterrolebindings", "ClusterRoleBinding"],
  ]),
  ...define("discovery.k8s.io", "v1", true, [["endpointslices", "EndpointSlice"]]),
  ...define("networking.k8s.io", "v1", true, [
    ["ingresses", "Ingress", ["ing"]],
    ["networkpolicies", "NetworkPolicy", ["netpol"]],
  ]),
  ...define("networking.k8s.io", "v1", false, [["ingressclasses", "IngressClass"]]),
  ...define("coordination.k8s.io", "v1", true, [["leases", "Lease"]]),
  ...define("events.k8s.io", "v1", true, [["events", "Event", ["ev"]]]),
  ...define("storage.k8s.io", "v1", false, [["storageclasses", "StorageClass", ["sc"]]]),
  ...define("apiextensions.k8s.io", "v1", false, [
    ["customresourcedefinitions", "CustomResourceDefinition", ["crd", "crds"]],
  ]),
  ...define("authentication.k8s.io", "v1", false, [
    ["tokenreviews", "TokenReview"],
    ["selfsubjectreviews", "SelfSubjectReview"],
  ]),
  ...define("authorization.k8s.io", "v1", false, [
    ["selfsubjectaccessreviews", "SelfSubjectAccessReview"],
    ["selfsubjectrulesreviews", "SelfSubjectRulesReview"],
    ["subjectaccessreviews", "SubjectAccessReview"],
  ]),
  ...define("authorization.k8s.io", "v1", true, [["localsubjectaccessreviews", "LocalSubjectAccessReview"]]),
];

function names(info: ResourceInfo): string[] {
  return [info.plural, info.singular, info.kind.toLowerCase(), ...info.shortNames];
}

/**
 * Resolves a plural, singular, short name or Kind, optionally group-qualified after the first dot
 * ("deploy", "deployments.apps", "Deployment", "ev.events.k8s.io"). Case-insensitive, like kubectl.
 */
export function resolveResource(input: string): ResourceInfo | undefined {
  const text = input.trim().toLowerCase();
  const dot = text.indexOf(".");
  const name = dot < 0 ? text : text.slice(0, dot);
  const group = dot < 0 ? undefined : text.slice(dot + 1);
  return WELL_KNOWN_RESOURCES.find(
    (r) => (group === undefined || r.group === group) && names(r).includes(name),
  );
}

/** The table entry for an exact plural resource in a group, if it is well known. */
export function findResource(plural: string, group: string): ResourceInfo | undefined {
  return WELL_KNOWN_RESOURCES.find((r) => r.plural === plural && r.group === group);
}
