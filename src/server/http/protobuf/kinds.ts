// Which message a body's envelope names: apiVersion → kind → qualified message name.
const KINDS: Record<string, Record<string, string>> = {
  v1: {
    Namespace: "core.Namespace",
    ServiceAccount: "core.ServiceAccount",
    Secret: "core.Secret",
    ConfigMap: "core.ConfigMap",
    Service: "core.Service",
    Pod: "core.Pod",
    Endpoints: "core.Endpoints",
    Event: "core.Event",
    Node: "core.Node",
    Binding: "core.Binding",
  },
  "apps/v1": { Deployment: "apps.Deployment", ReplicaSet: "apps.ReplicaSet" },
  "autoscaling/v1": { Scale: "autoscaling.Scale" },
  "discovery.k8s.io/v1": { EndpointSlice: "discovery.EndpointSlice" },
  "rbac.authorization.k8s.io/v1": {
    Role: "rbac.Role",
    ClusterRole: "rbac.ClusterRole",
    RoleBinding: "rbac.RoleBinding",
    ClusterRoleBinding: "rbac.ClusterRoleBinding",
  },
  "authentication.k8s.io/v1": {
    TokenRequest: "authn.TokenRequest",
    TokenReview: "authn.TokenReview",
    SelfSubjectReview: "authn.SelfSubjectReview",
  },
  "authorization.k8s.io/v1": {
    SelfSubjectAccessReview: "authz.SelfSubjectAccessReview",
    SelfSubjectRulesReview: "authz.SelfSubjectRulesReview",
    SubjectAccessReview: "authz.SubjectAccessReview",
    LocalSubjectAccessReview: "authz.LocalSubjectAccessReview",
  },
};

/** The message for a kind, or undefined when we have no schema for it. */
export function messageForKind(apiVersion: string, kind: string): string | undefined {
  // metav1.DeleteOptions is registered in every group version under the group's apiVersion.
  if (kind === "DeleteOptions") return "meta.DeleteOptions";
  return Object.hasOwn(KINDS, apiVersion) && Object.hasOwn(KINDS[apiVersion], kind)
    ? KINDS[apiVersion][kind]
    : undefined;
}
