// A small resource table covering the shapes the OpenAPI generator must handle: namespaced and
// cluster-scoped kinds, subresources in the same and in another group, create-only reviews, and a
// kind kubernetes-types does not describe.
import type { ResourceDef } from "../../../src/server/registry/types.ts";

const CRUD = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

export function fixtureDefs(): ResourceDef[] {
  return [
    {
      group: "",
      version: "v1",
      resource: "pods",
      singular: "pod",
      kind: "Pod",
      listKind: "PodList",
      namespaced: true,
      verbs: CRUD,
      subresources: [
        { name: "status", kind: "Pod", verbs: ["get", "patch", "update"] },
        { name: "binding", kind: "Binding", verbs: ["create"] },
        { name: "log", kind: "Pod", verbs: ["get"] },
      ],
    },
    {
      group: "",
      version: "v1",
      resource: "serviceaccounts",
      singular: "serviceaccount",
      kind: "ServiceAccount",
      listKind: "ServiceAccountList",
      namespaced: true,
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
    },
    {
      group: "",
      version: "v1",
      resource: "services",
      singular: "service",
      kind: "Service",
      listKind: "ServiceList",
      namespaced: true,
      verbs: CRUD,
    },
    {
      group: "",
      version: "v1",
      resource: "namespaces",
      singular: "namespace",
      kind: "Namespace",
      listKind: "NamespaceList",
      namespaced: false,
      verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
      subresources: [{ name: "finalize", kind: "Namespace", verbs: ["update"] }],
    },
    {
      group: "rbac.authorization.k8s.io",
      version: "v1",
      resource: "clusterroles",
      singular: "clusterrole",
      kind: "ClusterRole",
      listKind: "ClusterRoleList",
      namespaced: false,
      verbs: CRUD,
    },
    {
      group: "rbac.authorization.k8s.io",
      version: "v1",
      resource: "rolebindings",
      singular: "rolebinding",
      kind: "RoleBinding",
      listKind: "RoleBindingList",
      namespaced: true,
      verbs: CRUD,
    },
    {
      group: "discovery.k8s.io",
      version: "v1",
      resource: "endpointslices",
      singular: "endpointslice",
      kind: "EndpointSlice",
      listKind: "EndpointSliceList",
      namespaced: true,
      verbs: CRUD,
    },
    {
      group: "authentication.k8s.io",
      version: "v1",
      resource: "tokenreviews",
      singular: "tokenreview",
      kind: "TokenReview",
      listKind: "TokenReviewList",
      namespaced: false,
      verbs: ["create"],
      virtual: true,
    },
    {
      group: "authorization.k8s.io",
      version: "v1",
      resource: "localsubjectaccessreviews",
      singular: "localsubjectaccessreview",
      kind: "LocalSubjectAccessReview",
      listKind: "LocalSubjectAccessReviewList",
      namespaced: true,
      verbs: ["create"],
      virtual: true,
    },
    {
      group: "example.incluster.dev",
      version: "v1alpha1",
      resource: "widgets",
      singular: "widget",
      kind: "Widget",
      listKind: "WidgetList",
      namespaced: true,
      verbs: CRUD,
    },
  ];
}

export const KIND_GVKS = fixtureDefs()
  .filter((d) => !d.virtual)
  .flatMap((d) => [
    { group: d.group, version: d.version, kind: d.kind },
    { group: d.group, version: d.version, kind: d.listKind },
  ]);

export type Json = Record<string, unknown>;

/** Follows a JSON pointer such as "#/components/schemas/io.k8s.api.core.v1.Pod". */
export function resolvePointer(doc: unknown, ref: string): unknown {
  let cur = doc;
  for (const part of ref.replace(/^#\//, "").split("/")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Json)[part.replaceAll("~1", "/").replaceAll("~0", "~")];
  }
  return cur;
}

/** Every "$ref" value anywhere in a document. */
export function allRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) allRefs(n, out);
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else allRefs(v, out);
    }
  }
  return out;
}
