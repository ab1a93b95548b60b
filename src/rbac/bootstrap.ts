// The user-facing part of kube-apiserver's bootstrap RBAC policy as data
// (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go and its testdata/cluster-roles.yaml).
// Lists are sorted like upstream's RuleOrDie(); keys follow the Go struct order so JSON matches the apiserver's.
import type { ClusterRole, ClusterRoleBinding, LabelSelector, PolicyRule, Subject } from "../meta/types.ts";
import { PRIVILEGED_GROUP, RBAC_API_VERSION, RBAC_GROUP } from "./constants.ts";

const READ = ["get", "list", "watch"];
const WRITE = ["create", "update", "patch", "delete", "deletecollection"];
const READ_WRITE = [...READ, ...WRITE];

const AGGREGATE_TO_ADMIN = "rbac.authorization.k8s.io/aggregate-to-admin";
const AGGREGATE_TO_EDIT = "rbac.authorization.k8s.io/aggregate-to-edit";
const AGGREGATE_TO_VIEW = "rbac.authorization.k8s.io/aggregate-to-view";

const sorted = (list: string[]) => [...list].sort();

function rule(
  verbs: string[],
  apiGroups: string[],
  resources: string[],
  resourceNames?: string[],
): PolicyRule {
  return {
    verbs: sorted(verbs),
    apiGroups: sorted(apiGroups),
    resources: sorted(resources),
    ...(resourceNames ? { resourceNames: sorted(resourceNames) } : {}),
  };
}

const CERTIFICATES_GROUP = "certificates.k8s.io";

/** The approver role of one of Kubernetes' signers (clusterRoles' "system:certificates.k8s.io:*-approver"). */
function signerApprover(role: string, signer: string): ClusterRole {
  return clusterRole(`system:certificates.k8s.io:${role}`, [
    rule(["approve"], [CERTIFICATES_GROUP], ["signers"], [signer]),
  ]);
}

function urls(verbs: string[], nonResourceURLs: string[]): PolicyRule {
  return { verbs: sorted(verbs), nonResourceURLs: sorted(nonResourceURLs) };
}

function bootstrapMetadata(name: string, extraLabels: Record<string, string> = {}) {
  return {
    name,
    labels: { "kubernetes.io/bootstrapping": "rbac-defaults", ...extraLabels },
    annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" },
  };
}

function clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>): ClusterRole {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: "ClusterRole",
    metadata: bootstrapMetadata(name, labels),
    rules,
  };
}

/** An aggregated role ships with empty rules; the aggregation controller (aggregate.ts) fills them. */
function aggregatedClusterRole(
  name: string,
  selectLabel: string,
  labels?: Record<string, string>,
): ClusterRole {
  const selector: LabelSelector = { matchLabels: { [selectLabel]: "true" } };
  return {
    ...clusterRole(name, [], labels),
    aggregationRule: { clusterRoleSelectors: [selector] },
  };
}

function viewRules(): PolicyRule[] {
  return [
    rule(
      READ,
      [""],
      [
        "pods",
        "replicationcontrollers",
        "replicationcontrollers/scale",
        "serviceaccounts",
        "services",
        "services/status",
        "endpoints",
        "persistentvolumeclaims",
        "persistentvolumeclaims/status",
        "configmaps",
      ],
    ),
    rule(
      READ,
      [""],
      [
        "limitranges",
        "resourcequotas",
        "bindings",
        "events",
        "pods/status",
        "resourcequotas/status",
        "namespaces/status",
        "replicationcontrollers/status",
        "pods/log",
      ],
    ),
    // Reading namespaces through a RoleBinding reaches only that namespace's own object.
    rule(READ, [""], ["namespaces"]),
    rule(READ, ["discovery.k8s.io"], ["endpointslices"]),
    rule(
      READ,
      ["apps"],
      [
        "controllerrevisions",
        "statefulsets",
        "statefulsets/status",
        "statefulsets/scale",
        "daemonsets",
        "daemonsets/status",
        "deployments",
        "deployments/status",
        "deployments/scale",
        "replicasets",
        "replicasets/status",
        "replicasets/scale",
      ],
    ),
    rule(READ, ["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
    rule(READ, ["batch"], ["jobs", "cronjobs", "cronjobs/status", "jobs/status"]),
    rule(
      READ,
      ["extensions"],
      [
        "daemonsets",
        "daemonsets/status",
        "deployments",
        "deployments/scale",
        "deployments/status",
        "ingresses",
        "ingresses/status",
        "replicasets",
        "replicasets/scale",
        "replicasets/status",
        "replicationcontrollers/scale",
        "networkpolicies",
      ],
    ),
    rule(READ, ["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
    rule(READ, ["networking.k8s.io"], ["networkpolicies", "ingresses", "ingresses/status"]),
  ];
}

function editRules(): PolicyRule[] {
  const podAccess = ["pods/attach", "pods/proxy", "pods/exec", "pods/portforward"];
  return [
    // Read on escalating resources.
    rule(READ, [""], [...podAccess, "secrets", "services/proxy"]),
    rule(["impersonate"], [""], ["serviceaccounts"]),
    rule(WRITE, [""], ["pods", ...podAccess]),
    rule(["create"], [""], ["pods/eviction"]),
    rule(
      WRITE,
      [""],
      [
        "replicationcontrollers",
        "replicationcontrollers/scale",
        "serviceaccounts",
        "services",
        "services/proxy",
        "persistentvolumeclaims",
        "configmaps",
        "secrets",
        "events",
      ],
    ),
    rule(["create"], [""], ["serviceaccounts/token"]),
    rule(
      WRITE,
      ["apps"],
      [
        "statefulsets",
        "statefulsets/scale",
        "daemonsets",
        "deployments",
        "deployments/scale",
        "deployments/rollback",
        "replicasets",
        "replicasets/scale",
      ],
    ),
    rule(WRITE, ["autoscaling"], ["horizontalpodautoscalers"]),
    rule(WRITE, ["batch"], ["jobs", "cronjobs"]),
    rule(
      WRITE,
      ["extensions"],
      [
        "daemonsets",
        "deployments",
        "deployments/scale",
        "deployments/rollback",
        "ingresses",
        "replicasets",
        "replicasets/scale",
        "replicationcontrollers/scale",
        "networkpolicies",
      ],
    ),
    rule(WRITE, ["policy"], ["poddisruptionbudgets"]),
    rule(WRITE, ["networking.k8s.io"], ["networkpolicies", "ingresses"]),
    rule(READ_WRITE, ["coordination.k8s.io"], ["leases"]),
  ];
}

const HEALTH = ["/livez", "/readyz", "/healthz"];

/** Bootstrap ClusterRoles; admin/edit/view have empty rules until aggregated. */
export function bootstrapClusterRoles(): ClusterRole[] {
  return [
    clusterRole("cluster-admin", [rule(["*"], ["*"], ["*"]), urls(["*"], ["*"])]),
    aggregatedClusterRole("admin", AGGREGATE_TO_ADMIN),
    aggregatedClusterRole("edit", AGGREGATE_TO_EDIT, { [AGGREGATE_TO_ADMIN]: "true" }),
    aggregatedClusterRole("view", AGGREGATE_TO_VIEW, { [AGGREGATE_TO_EDIT]: "true" }),
    clusterRole(
      "system:aggregate-to-admin",
      [
        rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]),
        rule(READ_WRITE, [RBAC_GROUP], ["roles", "rolebindings"]),
      ],
      { [AGGREGATE_TO_ADMIN]: "true" },
    ),
    clusterRole("system:aggregate-to-edit", editRules(), { [AGGREGATE_TO_EDIT]: "true" }),
    clusterRole("system:aggregate-to-view", viewRules(), { [AGGREGATE_TO_VIEW]: "true" }),
    clusterRole("system:basic-user", [
      rule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
      rule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"]),
    ]),
    clusterRole("system:discovery", [
      urls(
        ["get"],
        [...HEALTH, "/version", "/version/", "/openapi", "/openapi/*", "/api", "/api/*", "/apis", "/apis/*"],
      ),
    ]),
    clusterRole("system:public-info-viewer", [urls(["get"], [...HEALTH, "/version", "/version/"])]),
    // Slash-ended variants keep clients generated from older OpenAPI documents working.
    clusterRole("system:service-account-issuer-discovery", [
      urls(
        ["get"],
        [
          "/.well-known/openid-configuration",
          "/.well-known/openid-configuration/",
          "/openid/v1/jwks",
          "/openid/v1/jwks/",
        ],
      ),
    ]),
    clusterRole("system:auth-delegator", [
      rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
      rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
    ]),
    clusterRole("system:monitoring", [
      urls(["get"], ["/metrics", "/metrics/slis", ...HEALTH, "/livez/*", "/readyz/*", "/healthz/*"]),
    ]),
    // CertificateSigningRequests: who may ask for node certificates and who may approve for each signer.
    clusterRole("system:node-bootstrapper", [
      rule(["create", "get", "list", "watch"], [CERTIFICATES_GROUP], ["certificatesigningrequests"]),
    ]),
    clusterRole("system:certificates.k8s.io:certificatesigningrequests:nodeclient", [
      rule(["create"], [CERTIFICATES_GROUP], ["certificatesigningrequests/nodeclient"]),
    ]),
    clusterRole("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", [
      rule(["create"], [CERTIFICATES_GROUP], ["certificatesigningrequests/selfnodeclient"]),
    ]),
    signerApprover("kube-apiserver-client-approver", "kubernetes.io/kube-apiserver-client"),
    signerApprover("kube-apiserver-client-kubelet-approver", "kubernetes.io/kube-apiserver-client-kubelet"),
    signerApprover("kubelet-serving-approver", "kubernetes.io/kubelet-serving"),
    signerApprover("legacy-unknown-approver", "kubernetes.io/legacy-unknown"),
  ];
}

const group = (name: string): Subject => ({ kind: "Group", apiGroup: RBAC_GROUP, name });

function clusterRoleBinding(role: string, subjects: Subject[]): ClusterRoleBinding {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: "ClusterRoleBinding",
    metadata: bootstrapMetadata(role),
    subjects,
    roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: role },
  };
}

/** Bootstrap ClusterRoleBindings, each named after the ClusterRole it binds. */
export function bootstrapClusterRoleBindings(): ClusterRoleBinding[] {
  return [
    clusterRoleBinding("cluster-admin", [group(PRIVILEGED_GROUP)]),
    clusterRoleBinding("system:monitoring", [group("system:monitoring")]),
    clusterRoleBinding("system:discovery", [group("system:authenticated")]),
    clusterRoleBinding("system:basic-user", [group("system:authenticated")]),
    clusterRoleBinding("system:public-info-viewer", [
      group("system:authenticated"),
      group("system:unauthenticated"),
    ]),
    clusterRoleBinding("system:service-account-issuer-discovery", [group("system:serviceaccounts")]),
  ];
}
