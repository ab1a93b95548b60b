// The served resources, as data. Everything else (discovery, routing, storage key spaces,
// field selectors, OpenAPI) is derived from this table.
import type { KubeObject } from "../../meta/types.ts";
import { KINDS } from "./kinds/index.ts";
import { CREATE_ONLY, CRUD } from "./kinds/verbs.ts";
import type { ResourceDef } from "./types.ts";

/** Reads a dotted path ("spec.nodeName") from an object as a string ("" when absent). */
export function fieldPath(path: string): (obj: KubeObject) => string {
  const parts = path.split(".");
  return (obj) => {
    let cur: unknown = obj;
    for (const p of parts) {
      if (cur === null || typeof cur !== "object") return "";
      cur = (cur as Record<string, unknown>)[p];
    }
    return cur === undefined || cur === null ? "" : String(cur);
  };
}

function fields(...paths: string[]): Record<string, (obj: KubeObject) => string> {
  return Object.fromEntries(paths.map((p) => [p, fieldPath(p)]));
}

const core = (d: Omit<ResourceDef, "group" | "version" | "listKind">): ResourceDef => ({
  group: "",
  version: "v1",
  listKind: `${d.kind}List`,
  ...d,
});

export const RESOURCES: ResourceDef[] = [
  core({
    resource: "namespaces",
    returnsDeletedObject: true,
    singular: "namespace",
    kind: "Namespace",
    namespaced: false,
    shortNames: ["ns"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    subresources: [
      { name: "status", kind: "Namespace", verbs: ["get", "patch", "update"] },
      { name: "finalize", kind: "Namespace", verbs: ["update"] },
    ],
    selectableFields: fields("status.phase"),
  }),
  core({
    resource: "serviceaccounts",
    returnsDeletedObject: true,
    singular: "serviceaccount",
    kind: "ServiceAccount",
    namespaced: true,
    shortNames: ["sa"],
    verbs: CRUD,
    subresources: [
      {
        name: "token",
        kind: "TokenRequest",
        group: "authentication.k8s.io",
        version: "v1",
        verbs: ["create"],
      },
    ],
  }),
  core({
    resource: "secrets",
    singular: "secret",
    kind: "Secret",
    namespaced: true,
    verbs: CRUD,
    selectableFields: fields("type"),
  }),
  core({
    resource: "configmaps",
    singular: "configmap",
    kind: "ConfigMap",
    namespaced: true,
    shortNames: ["cm"],
    verbs: CRUD,
  }),
  core({
    resource: "pods",
    returnsDeletedObject: true,
    singular: "pod",
    kind: "Pod",
    namespaced: true,
    shortNames: ["po"],
    categories: ["all"],
    verbs: CRUD,
    subresources: [
      { name: "status", kind: "Pod", verbs: ["get", "patch", "update"] },
      { name: "binding", kind: "Binding", verbs: ["create"] },
      { name: "log", kind: "Pod", verbs: ["get"] },
      { name: "eviction", kind: "Eviction", group: "policy", version: "v1", verbs: ["create"] },
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
  }),
  core({
    resource: "services",
    returnsDeletedObject: true,
    singular: "service",
    kind: "Service",
    namespaced: true,
    shortNames: ["svc"],
    categories: ["all"],
    verbs: CRUD,
    subresources: [{ name: "status", kind: "Service", verbs: ["get", "patch", "update"] }],
    selectableFields: fields("spec.clusterIP", "spec.type"),
  }),
  core({
    resource: "endpoints",
    singular: "endpoints",
    kind: "Endpoints",
    namespaced: true,
    shortNames: ["ep"],
    verbs: CRUD,
  }),
  core({
    resource: "nodes",
    returnsDeletedObject: true,
    singular: "node",
    kind: "Node",
    namespaced: false,
    shortNames: ["no"],
    verbs: CRUD,
    subresources: [{ name: "status", kind: "Node", verbs: ["get", "patch", "update"] }],
    selectableFields: fields("spec.unschedulable"),
  }),
  core({
    resource: "events",
    singular: "event",
    kind: "Event",
    namespaced: true,
    shortNames: ["ev"],
    verbs: CRUD,
    selectableFields: fields(
      "involvedObject.kind",
      "involvedObject.namespace",
      "involvedObject.name",
      "involvedObject.uid",
      "involvedObject.apiVersion",
      "involvedObject.resourceVersion",
      "involvedObject.fieldPath",
      "reason",
      "reportingComponent",
      "source",
      "type",
    ),
  }),
  ...(["Deployment", "ReplicaSet"] as const).map(
    (kind): ResourceDef => ({
      group: "apps",
      version: "v1",
      resource: `${kind.toLowerCase()}s`,
      singular: kind.toLowerCase(),
      kind,
      listKind: `${kind}List`,
      namespaced: true,
      shortNames: [kind === "Deployment" ? "deploy" : "rs"],
      categories: ["all"],
      verbs: CRUD,
      subresources: [
        { name: "status", kind, verbs: ["get", "patch", "update"] },
        {
          name: "scale",
          kind: "Scale",
          group: "autoscaling",
          version: "v1",
          verbs: ["get", "patch", "update"],
        },
      ],
    }),
  ),
  {
    group: "discovery.k8s.io",
    version: "v1",
    resource: "endpointslices",
    singular: "endpointslice",
    kind: "EndpointSlice",
    listKind: "EndpointSliceList",
    namespaced: true,
    verbs: CRUD,
    selectableFields: fields("addressType"),
  },
  ...KINDS,
  ...(["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"] as const).map(
    (kind): ResourceDef => ({
      group: "rbac.authorization.k8s.io",
      version: "v1",
      resource: `${kind.toLowerCase()}s`,
      singular: kind.toLowerCase(),
      kind,
      listKind: `${kind}List`,
      namespaced: !kind.startsWith("Cluster"),
      verbs: CRUD,
    }),
  ),
  ...(
    [
      ["authentication.k8s.io", "TokenReview", false],
      ["authentication.k8s.io", "SelfSubjectReview", false],
      ["authorization.k8s.io", "SelfSubjectAccessReview", false],
      ["authorization.k8s.io", "SelfSubjectRulesReview", false],
      ["authorization.k8s.io", "SubjectAccessReview", false],
      ["authorization.k8s.io", "LocalSubjectAccessReview", true],
    ] as const
  ).map(
    ([group, kind, namespaced]): ResourceDef => ({
      group,
      version: "v1",
      resource: `${kind.toLowerCase()}s`,
      singular: kind.toLowerCase(),
      kind,
      listKind: `${kind}List`,
      namespaced,
      verbs: CREATE_ONLY,
      virtual: true,
    }),
  ),
];

// kubectl lists CRDs before validating kinds without a PATCH operation; the local server serves the
// API read-only (empty) so that probe succeeds, and says clearly that it does not run custom resources.
RESOURCES.push({
  group: "apiextensions.k8s.io",
  version: "v1",
  resource: "customresourcedefinitions",
  singular: "customresourcedefinition",
  kind: "CustomResourceDefinition",
  listKind: "CustomResourceDefinitionList",
  namespaced: false,
  shortNames: ["crd", "crds"],
  verbs: ["get", "list", "watch"],
});

// kubectl 1.27 asks for SelfSubjectReview in v1alpha1/v1beta1 (GA in 1.28); serve those too.
RESOURCES.push(
  ...(["v1beta1", "v1alpha1"] as const).map(
    (version): ResourceDef => ({
      group: "authentication.k8s.io",
      version,
      resource: "selfsubjectreviews",
      singular: "selfsubjectreview",
      kind: "SelfSubjectReview",
      listKind: "SelfSubjectReviewList",
      namespaced: false,
      verbs: CREATE_ONLY,
      virtual: true,
    }),
  ),
);
