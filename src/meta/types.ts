// Shared shapes used across client, server and tools. Pure types: no runtime code.
import type { ObjectMeta as ReadonlyObjectMeta } from "kubernetes-types/meta/v1.d.ts";

/** kubernetes-types marks server-set fields readonly; the server and controllers set them. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export type ObjectMeta = Mutable<ReadonlyObjectMeta>;

/** Any Kubernetes object as it travels on the wire. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** A stored object always has metadata with a name. */
export interface StoredObject extends KubeObject {
  metadata: ObjectMeta & { name: string; resourceVersion: string; uid: string };
}

/** The authenticated identity of a request (authentication.k8s.io/v1 UserInfo). */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What the authorizer sees (k8s.io/apiserver authorizer.Attributes). */
export type Attributes = ResourceAttributes | NonResourceAttributes;

export interface ResourceAttributes {
  resourceRequest: true;
  user: UserInfo;
  verb: string;
  namespace: string;
  apiGroup: string;
  apiVersion?: string;
  resource: string;
  subresource: string;
  name: string;
}

export interface NonResourceAttributes {
  resourceRequest: false;
  user: UserInfo;
  verb: string;
  path: string;
}

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: string; // "User" | "Group" | "ServiceAccount"
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: string; // "Role" | "ClusterRole"
  name: string;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string; // In | NotIn | Exists | DoesNotExist
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface Role extends KubeObject {
  metadata: ObjectMeta & { name: string };
  rules?: PolicyRule[];
}

export interface ClusterRole extends Role {
  aggregationRule?: { clusterRoleSelectors?: LabelSelector[] };
}

export interface RoleBinding extends KubeObject {
  metadata: ObjectMeta & { name: string };
  subjects?: Subject[];
  roleRef: RoleRef;
}

export type ClusterRoleBinding = RoleBinding;
