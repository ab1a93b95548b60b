// Validation messages compared with kube-apiserver's (the strings kubectl prints).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Status } from "../../../src/meta/status.ts";
import type { KubeObject } from "../../../src/meta/types.ts";
import type { FieldCause } from "../../../src/server/registry/types.ts";
import * as v from "../../../src/server/registry/validation.ts";

/** "field: message" lines, as they appear in the Status message. */
const lines = (causes: FieldCause[]) => causes.map((c) => `${c.field}: ${c.message}`);
const meta = (obj: KubeObject, kind: string, namespaced = true) =>
  lines(v.validateObjectMeta(obj, { namespaced, kind }));

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

describe("validateObjectMeta", () => {
  test("name required", () => {
    assert.deepEqual(meta({ metadata: { namespace: "default" } }, "Pod"), [
      "metadata.name: Required value: name or generateName is required",
    ]);
  });

  test("subdomain names (Pod, ConfigMap, …)", () => {
    assert.deepEqual(meta({ metadata: { name: "Foo_bar", namespace: "default" } }, "ConfigMap"), [
      `metadata.name: Invalid value: "Foo_bar": ${SUBDOMAIN_MSG}`,
    ]);
    assert.deepEqual(
      meta({ metadata: { name: "a".repeat(254), namespace: "default" } }, "Pod")[0]
        .split(": ")
        .slice(-1),
      ["must be no more than 253 characters"],
    );
  });

  test("namespace names are DNS-1123 labels; service names DNS-1035 labels", () => {
    assert.deepEqual(meta({ metadata: { name: "Team_A" } }, "Namespace", false), [
      `metadata.name: Invalid value: "Team_A": ${LABEL_MSG}`,
    ]);
    assert.deepEqual(meta({ metadata: { name: "team.a" } }, "Namespace", false), [
      'metadata.name: Invalid value: "team.a": must not contain dots',
    ]);
    assert.deepEqual(meta({ metadata: { name: "1web", namespace: "ns" } }, "Service"), [
      `metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
    ]);
  });

  test("RBAC names only need to be path segments", () => {
    assert.deepEqual(meta({ metadata: { name: "system:Aggregate-To-View" } }, "ClusterRole", false), []);
    assert.deepEqual(meta({ metadata: { name: "a/b%" } }, "ClusterRole", false), [
      `metadata.name: Invalid value: "a/b%": may not contain '/'`,
      `metadata.name: Invalid value: "a/b%": may not contain '%'`,
    ]);
  });

  test("generateName is validated as a prefix (a trailing dash is fine)", () => {
    assert.deepEqual(
      meta({ metadata: { generateName: "web-", name: "web-x7k2p", namespace: "ns" } }, "Pod"),
      [],
    );
    assert.deepEqual(
      meta({ metadata: { generateName: "Web-", name: "web-x7k2p", namespace: "ns" } }, "Pod"),
      [`metadata.generateName: Invalid value: "Web-": ${SUBDOMAIN_MSG}`],
    );
  });

  test("namespace required for namespaced kinds, forbidden for cluster-scoped ones", () => {
    assert.deepEqual(meta({ metadata: { name: "p" } }, "Pod"), ["metadata.namespace: Required value"]);
    assert.deepEqual(meta({ metadata: { name: "n", namespace: "default" } }, "Node", false), [
      "metadata.namespace: Forbidden: not allowed on this type",
    ]);
  });

  test("label keys and values", () => {
    assert.deepEqual(
      meta({ metadata: { name: "p", namespace: "ns", labels: { "-bad": "ok", good: "bad value" } } }, "Pod"),
      [
        `metadata.labels: Invalid value: "-bad": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
        `metadata.labels: Invalid value: "bad value": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      ],
    );
  });

  test("annotations: keys are qualified names case-insensitively, 256 KiB in total", () => {
    assert.deepEqual(
      meta({ metadata: { name: "p", namespace: "ns", annotations: { "Example.com/Key": "v" } } }, "Pod"),
      [],
    );
    assert.deepEqual(
      meta({ metadata: { name: "p", namespace: "ns", annotations: { big: "x".repeat(256 * 1024) } } }, "Pod"),
      ["metadata.annotations: Too long: must have at most 262144 bytes"],
    );
  });

  test("finalizers: qualified, or one of the standard names", () => {
    assert.deepEqual(
      meta(
        { metadata: { name: "p", namespace: "ns", finalizers: ["kubernetes", "cleanup", "example.com/x"] } },
        "Pod",
      ),
      [
        'metadata.finalizers[1]: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified',
      ],
    );
    assert.deepEqual(
      meta({ metadata: { name: "p", namespace: "ns", finalizers: ["orphan", "foregroundDeletion"] } }, "Pod"),
      [
        'metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set',
      ],
    );
  });

  test("ownerReferences need apiVersion, kind, name and uid", () => {
    assert.deepEqual(
      meta(
        {
          metadata: {
            name: "p",
            namespace: "ns",
            ownerReferences: [{ apiVersion: "apps/", kind: "", name: "rs", uid: "" }],
          },
        },
        "Pod",
      ),
      [
        'metadata.ownerReferences.apiVersion: Invalid value: "apps/": version must not be empty',
        'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
        'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
      ],
    );
  });

  test("the cause message composes into upstream's Status message", () => {
    const causes = [
      ...v.validateObjectMeta(
        { metadata: { name: "x", namespace: "ns" } },
        { namespaced: true, kind: "Pod" },
      ),
    ];
    causes.push(...v.validatePod({ metadata: { name: "x" }, spec: { containers: [{ name: "app" }] } }));
    assert.equal(
      Status.invalid("Pod", "", "x", causes).message,
      'Pod "x" is invalid: spec.containers[0].image: Required value',
    );
  });
});

describe("validateUpdateMeta", () => {
  const old: KubeObject = {
    metadata: {
      name: "p",
      namespace: "ns",
      uid: "u1",
      creationTimestamp: "2024-01-01T00:00:00Z",
      generation: 3,
    },
  };
  test("immutable identity fields", () => {
    const now: KubeObject = {
      metadata: {
        name: "p",
        namespace: "ns",
        uid: "u2",
        creationTimestamp: "2024-02-01T10:20:30Z",
        generation: 2,
      },
    };
    assert.deepEqual(lines(v.validateUpdateMeta(old, now)), [
      "metadata.generation: Invalid value: 2: must not be decremented",
      'metadata.uid: Invalid value: "u2": field is immutable',
      "metadata.creationTimestamp: Invalid value: 2024-02-01 10:20:30 +0000 UTC: field is immutable",
    ]);
  });
  test("no new finalizers while deleting", () => {
    const deleting: KubeObject = {
      metadata: { ...old.metadata, deletionTimestamp: "2024-03-01T00:00:00Z", finalizers: ["a/x"] },
    };
    const now: KubeObject = { metadata: { ...deleting.metadata, finalizers: ["a/x", "b/y", "a/z"] } };
    assert.deepEqual(lines(v.validateUpdateMeta(deleting, now)), [
      'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"a/z", "b/y"}',
    ]);
  });
  test("unchanged metadata is valid", () =>
    assert.deepEqual(v.validateUpdateMeta(old, structuredClone(old)), []));
});

describe("validatePod", () => {
  const pod = (spec: object): KubeObject => ({ metadata: { name: "p", namespace: "ns" }, spec });

  test("containers are required", () => {
    assert.deepEqual(lines(v.validatePod(pod({}))), ["spec.containers: Required value"]);
  });

  test("container names, images, duplicates, ports, env, mounts and policies", () => {
    const causes = v.validatePod(
      pod({
        volumes: [
          { name: "data", emptyDir: {} },
          { name: "data", emptyDir: {} },
          { name: "cfg", configMap: { name: "c" }, secret: { secretName: "s" } },
        ],
        containers: [
          { name: "App", image: "nginx", env: [{ name: "A=B" }] },
          {
            name: "side",
            image: " busybox",
            ports: [{ containerPort: 0 }, { containerPort: 80, name: "http", protocol: "HTTP" }],
            volumeMounts: [
              { name: "missing", mountPath: "/m" },
              { name: "data", mountPath: "/m" },
            ],
          },
          { name: "side", image: "x" },
        ],
        restartPolicy: "Sometimes",
        dnsPolicy: "Bogus",
        serviceAccountName: "Bad_SA",
      }),
    );
    assert.deepEqual(lines(causes), [
      'spec.volumes[1].name: Duplicate value: "data"',
      "spec.volumes[2].configMap: Forbidden: may not specify more than 1 volume type", // secret is checked first
      `spec.containers[0].name: Invalid value: "App": ${LABEL_MSG}`,
      `spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`,
      "spec.containers[1].ports[0].containerPort: Required value",
      'spec.containers[1].ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      'spec.containers[1].volumeMounts[0].name: Not found: "missing"',
      'spec.containers[1].volumeMounts[1].mountPath: Invalid value: "/m": must be unique',
      'spec.containers[2].name: Duplicate value: "side"',
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      'spec.dnsPolicy: Unsupported value: "Bogus": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
      `spec.serviceAccountName: Invalid value: "Bad_SA": ${SUBDOMAIN_MSG}`,
      'spec.containers[1].image: Invalid value: " busybox": must not have leading or trailing whitespace',
    ]);
  });

  test("init containers share the name space with containers", () => {
    assert.deepEqual(
      lines(
        v.validatePod(
          pod({
            containers: [{ name: "a", image: "x" }],
            initContainers: [{ name: "a", image: "y", restartPolicy: "Never" }],
          }),
        ),
      ),
      [
        'spec.initContainers[0].restartPolicy: Unsupported value: "Never": supported values: "Always"',
        'spec.initContainers[0].name: Duplicate value: "a"',
      ],
    );
  });

  test("ephemeral containers cannot be set on create", () => {
    assert.deepEqual(
      lines(
        v.validatePod(
          pod({ containers: [{ name: "a", image: "x" }], ephemeralContainers: [{ name: "d", image: "x" }] }),
        ),
      ),
      ["spec.ephemeralContainers: Forbidden: cannot be set on create"],
    );
  });

  test("updates may change images, activeDeadlineSeconds and add tolerations, nothing else", () => {
    const old = pod({
      containers: [{ name: "a", image: "nginx:1" }],
      tolerations: [{ key: "k", operator: "Exists" }],
    });
    const allowed = pod({
      containers: [{ name: "a", image: "nginx:2" }],
      activeDeadlineSeconds: 60,
      tolerations: [
        { key: "k", operator: "Exists" },
        { key: "j", operator: "Exists" },
      ],
    });
    assert.deepEqual(v.validatePod(allowed, old), []);
    const [cause] = v.validatePod(
      pod({
        containers: [{ name: "a", image: "nginx:1", ports: [{ containerPort: 80 }] }],
        tolerations: [{ key: "k", operator: "Exists" }],
      }),
      old,
    );
    assert.equal(cause.field, "spec");
    assert.ok(
      cause.message.startsWith(
        "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n",
      ),
    );
    assert.deepEqual(lines(v.validatePod(pod({ containers: [{ name: "a", image: "nginx:1" }] }), old)), [
      "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds",
    ]);
  });
});

describe("validateService", () => {
  /** As the strategy hands Services over: internalTrafficPolicy and port protocols defaulted. */
  const svc = (spec: { type?: string; ports?: object[] } & Record<string, unknown>): KubeObject => ({
    metadata: { name: "s", namespace: "ns" },
    spec: {
      ...(spec.type === "ExternalName" ? {} : { internalTrafficPolicy: "Cluster" }),
      ...spec,
      ...(spec.ports ? { ports: spec.ports.map((p) => ({ protocol: "TCP", ...p })) } : {}),
    },
  });

  test("ports, type, names and duplicates", () => {
    assert.deepEqual(lines(v.validateService(svc({ type: "ClusterIP" }))), ["spec.ports: Required value"]);
    assert.deepEqual(
      lines(
        v.validateService(
          svc({
            type: "Magic",
            ports: [
              { port: 80, protocol: "TCP" },
              { port: 80, name: "b", protocol: "TCP" },
            ],
          }),
        ),
      ),
      [
        "spec.ports[0].name: Required value",
        'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
        'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
      ],
    );
    assert.deepEqual(lines(v.validateService(svc({ ports: [{ port: 0, targetPort: "Http_Port" }] }))), [
      "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
      'spec.ports[0].targetPort: Invalid value: "Http_Port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    ]);
  });

  test("headless services need no ports; ExternalName needs externalName and no cluster IP", () => {
    // As the strategy leaves it: clusterIPs mirrors clusterIP.
    assert.deepEqual(v.validateService(svc({ clusterIP: "None", clusterIPs: ["None"] })), []);
    assert.deepEqual(lines(v.validateService(svc({ type: "ExternalName", clusterIP: "10.0.0.1" }))), [
      "spec.clusterIPs: Forbidden: may not be set for ExternalName services",
      "spec.externalName: Required value",
    ]);
  });

  test("nodePort is forbidden for ClusterIP; the cluster IP may not change", () => {
    assert.deepEqual(
      lines(v.validateService(svc({ type: "ClusterIP", ports: [{ port: 80, nodePort: 30080 }] }))),
      ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    );
    const old = svc({ clusterIP: "10.96.0.10", clusterIPs: ["10.96.0.10"], ports: [{ port: 80 }] });
    assert.deepEqual(
      lines(
        v.validateService(
          svc({ clusterIP: "10.96.0.11", clusterIPs: ["10.96.0.11"], ports: [{ port: 80 }] }),
          old,
        ),
      ),
      ['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set'],
    );
  });
});

describe("RBAC", () => {
  test("rule shapes (rbac.md §3.5)", () => {
    const role: KubeObject = {
      rules: [
        { verbs: [], apiGroups: [""], resources: ["pods"] },
        { verbs: ["get"] },
        { verbs: ["get"], nonResourceURLs: ["/healthz"] },
        { verbs: ["get"], nonResourceURLs: ["/metrics"], resources: ["pods"] },
        { verbs: ["get"], apiGroups: [""], resources: ["pods", "secrets"], resourceNames: ["a"] },
      ],
    };
    assert.deepEqual(lines(v.validateRole(role)), [
      "rules[0].verbs: Required value: verbs must contain at least one value",
      "rules[1].apiGroups: Required value: resource rules must supply at least one api group",
      "rules[1].resources: Required value: resource rules must supply at least one resource",
      'rules[2].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs',
      'rules[3].nonResourceURLs: Invalid value: []string{"/metrics"}: namespaced rules cannot apply to non-resource URLs',
      'rules[3].nonResourceURLs: Invalid value: []string{"/metrics"}: rules cannot apply to both regular resources and non-resource URLs',
    ]);
    assert.deepEqual(
      v.validateClusterRole({ rules: [{ verbs: ["get"], nonResourceURLs: ["/healthz", "/healthz/*"] }] }),
      [],
    );
  });

  test("roleRef is required, and its kind must fit the binding", () => {
    assert.deepEqual(lines(v.validateRoleBinding({ metadata: { name: "rb" } })), [
      'roleRef.apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"',
      'roleRef.kind: Unsupported value: "": supported values: "Role", "ClusterRole"',
      "roleRef.name: Required value",
    ]);
    const ref = { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "r" };
    assert.deepEqual(lines(v.validateClusterRoleBinding({ roleRef: ref })), [
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
    ]);
  });

  test("cannot change roleRef on update", () => {
    const old: KubeObject = { roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "a" } };
    const now: KubeObject = { roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "b" } };
    assert.deepEqual(lines(v.validateRoleBinding(now, old)), [
      'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"b"}: cannot change roleRef',
    ]);
  });

  test("subjects: kinds, apiGroups, and ServiceAccount namespaces in ClusterRoleBindings", () => {
    const roleRef = { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" };
    const subjects = [
      { kind: "ServiceAccount", name: "builder" },
      { kind: "User", name: "alice" },
      { kind: "Group", name: "devs", apiGroup: "example.com" },
      { kind: "Robot", name: "r2" },
      { kind: "ServiceAccount", name: "Bad", namespace: "ns", apiGroup: "rbac.authorization.k8s.io" },
    ];
    assert.deepEqual(lines(v.validateClusterRoleBinding({ roleRef, subjects })), [
      "subjects[0].namespace: Required value",
      'subjects[2].apiGroup: Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"',
      'subjects[3].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
      `subjects[4].name: Invalid value: "Bad": ${SUBDOMAIN_MSG}`,
      'subjects[4].apiGroup: Unsupported value: "rbac.authorization.k8s.io": supported values: ""',
    ]);
    assert.deepEqual(
      v.validateRoleBinding({ roleRef, subjects: [{ kind: "ServiceAccount", name: "builder" }] }),
      [],
    );
  });
});

describe("core kinds", () => {
  test("Secret: service-account-token needs its annotation; keys; tls data", () => {
    assert.deepEqual(
      lines(v.validateSecret({ metadata: { name: "t" }, type: "kubernetes.io/service-account-token" })),
      ["metadata.annotations[kubernetes.io/service-account.name]: Required value"],
    );
    assert.deepEqual(
      lines(v.validateSecret({ metadata: { name: "s" }, type: "kubernetes.io/tls", data: { "a b": "" } })),
      [
        `data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
        "data[tls.crt]: Required value",
        "data[tls.key]: Required value",
      ],
    );
    assert.deepEqual(lines(v.validateSecret({ metadata: { name: "s" }, stringData: { "..x": "v" } })), [
      `data[..x]: Invalid value: "..x": must not start with '..'`,
    ]);
  });

  test("Secret and ConfigMap updates: type and immutable content", () => {
    assert.deepEqual(
      lines(
        v.validateSecret(
          { type: "kubernetes.io/tls", data: { "tls.crt": "", "tls.key": "" } },
          { type: "Opaque" },
        ),
      ),
      ['type: Invalid value: "kubernetes.io/tls": field is immutable'],
    );
    assert.deepEqual(
      lines(v.validateConfigMap({ data: { a: "2" } }, { immutable: true, data: { a: "1" } })),
      [
        "immutable: Forbidden: field is immutable when `immutable` is set",
        "data: Forbidden: field is immutable when `immutable` is set",
      ],
    );
  });

  test("ConfigMap keys may not repeat across data and binaryData", () => {
    assert.deepEqual(lines(v.validateConfigMap({ data: { k: "v" }, binaryData: { k: "" } })), [
      'data[k]: Invalid value: "k": duplicate of key present in binaryData',
    ]);
  });

  test("Namespace spec.finalizers", () => {
    assert.deepEqual(v.validateNamespace({ spec: { finalizers: ["kubernetes"] } }), []);
    assert.deepEqual(lines(v.validateNamespace({ spec: { finalizers: ["custom"] } })), [
      'spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
    ]);
  });

  test("EndpointSlice addressType", () => {
    assert.deepEqual(lines(v.validateEndpointSlice({ addressType: "IPv5" })), [
      'addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"',
    ]);
    assert.deepEqual(lines(v.validateEndpointSlice({ endpoints: [{ addresses: [] }] })), [
      "addressType: Required value",
      "endpoints[0].addresses: Required value: must contain at least 1 address",
    ]);
    // Addresses are IPs of the slice's type (they become iptables rules and DNS answers).
    const injected = "10.0.0.1\n-A INPUT -j ACCEPT";
    assert.deepEqual(
      lines(
        v.validateEndpointSlice({
          addressType: "IPv4",
          endpoints: [{ addresses: ["10.244.0.2", injected] }, { addresses: ["fd00::1"] }],
        }),
      ),
      [
        `endpoints[0].addresses[1]: Invalid value: ${JSON.stringify(injected)}: must be a valid IPv4 address`,
        'endpoints[1].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address',
      ],
    );
    assert.deepEqual(
      lines(v.validateEndpointSlice({ addressType: "IPv6", endpoints: [{ addresses: ["10.0.0.1"] }] })),
      ['endpoints[0].addresses[0]: Invalid value: "10.0.0.1": must be a valid IPv6 address'],
    );
    assert.deepEqual(lines(v.validateEndpointSlice({ addressType: "IPv6" }, { addressType: "IPv4" })), [
      'addressType: Invalid value: "IPv6": field is immutable',
    ]);
  });

  test("Node taints", () => {
    assert.deepEqual(
      lines(
        v.validateNode({
          spec: { taints: [{ key: "dedicated", value: "gpu", effect: "NoRun" }, { key: "k" }] },
        }),
      ),
      [
        'spec.taints[0].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
        "spec.taints[1].effect: Required value",
      ],
    );
  });

  test("Event namespaces must agree", () => {
    const event = (ns: string, involvedNs: string): KubeObject => ({
      metadata: { name: "e", namespace: ns },
      involvedObject: { kind: "Pod", name: "p", namespace: involvedNs },
    });
    assert.deepEqual(v.validateEvent(event("default", "default")), []);
    assert.deepEqual(lines(v.validateEvent(event("default", "other"))), [
      'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
    ]);
  });

  test("ServiceAccount has no checks beyond metadata", () => {
    assert.deepEqual(v.validateServiceAccount({ metadata: { name: "sa" } }), []);
    assert.deepEqual(meta({ metadata: { name: "My SA", namespace: "ns" } }, "ServiceAccount"), [
      `metadata.name: Invalid value: "My SA": ${SUBDOMAIN_MSG}`,
    ]);
  });
});
