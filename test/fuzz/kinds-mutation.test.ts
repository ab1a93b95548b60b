// Mutation fuzzing of the built-in kinds added with the controllers, CRDs and admission (Jobs, CronJobs,
// workloads, quota, PDB, HPA, CSR, CRDs and a custom resource, admission policies and webhooks, ...): a
// valid body of each has one to three of its fields replaced by a value of the wrong shape (null, a
// number, a list, a huge or malformed string), then is created, replaced, patched or written to /status.
// Property: never a 5xx (each bad input gets a 4xx Status naming it), no unhandled rejection in the
// server. FUZZ_CASES=n runs more cases (default 2000); FUZZ_SEED=n replays a run (CI: a fixed seed).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import fc from "fast-check";
import pino from "pino";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

const CASES = Number(process.env.FUZZ_CASES ?? 2000);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : process.env.CI ? 20261204 : undefined;

let c: TestCluster;
const serverErrors: string[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
before(async () => {
  process.on("unhandledRejection", onUnhandled);
  c = await startTestCluster({
    logger: pino({ level: "error" }, { write: (line: string) => void serverErrors.push(line) }),
    limits: { requestTimeoutMs: 20_000 },
  });
});
after(async () => {
  process.off("unhandledRejection", onUnhandled);
  await c.stop();
});

const tpl = {
  metadata: { labels: { app: "a" } },
  spec: {
    restartPolicy: "Never",
    containers: [
      { name: "c", image: "busybox", ports: [{ containerPort: 80 }], resources: { limits: { cpu: "1" } } },
    ],
  },
};
const sel = { matchLabels: { app: "a" }, matchExpressions: [{ key: "app", operator: "In", values: ["a"] }] };
const B: [string, any][] = [
  [
    "/apis/batch/v1/namespaces/default/jobs",
    {
      apiVersion: "batch/v1",
      kind: "Job",
      spec: {
        completions: 3,
        parallelism: 2,
        completionMode: "Indexed",
        backoffLimitPerIndex: 1,
        maxFailedIndexes: 1,
        podFailurePolicy: {
          rules: [
            { action: "FailJob", onExitCodes: { operator: "In", values: [1] } },
            { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] },
          ],
        },
        successPolicy: { rules: [{ succeededIndexes: "0-1", succeededCount: 1 }] },
        template: tpl,
      },
    },
  ],
  [
    "/apis/batch/v1/namespaces/default/cronjobs",
    {
      apiVersion: "batch/v1",
      kind: "CronJob",
      spec: {
        schedule: "*/5 * * * *",
        timeZone: "Etc/UTC",
        startingDeadlineSeconds: 10,
        jobTemplate: { spec: { template: tpl } },
      },
    },
  ],
  [
    "/apis/apps/v1/namespaces/default/statefulsets",
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      spec: {
        replicas: 1,
        serviceName: "s",
        selector: sel,
        template: tpl,
        ordinals: { start: 1 },
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0, maxUnavailable: 1 } },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Delete" },
        volumeClaimTemplates: [
          {
            metadata: { name: "d" },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
          },
        ],
      },
    },
  ],
  [
    "/apis/apps/v1/namespaces/default/daemonsets",
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      spec: {
        selector: sel,
        template: tpl,
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "10%", maxSurge: 0 } },
      },
    },
  ],
  [
    "/apis/apps/v1/namespaces/default/deployments",
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      spec: {
        replicas: 1,
        selector: sel,
        template: tpl,
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: 1 } },
      },
    },
  ],
  [
    "/api/v1/namespaces/default/replicationcontrollers",
    {
      apiVersion: "v1",
      kind: "ReplicationController",
      spec: { replicas: 1, selector: { app: "a" }, template: tpl },
    },
  ],
  [
    "/api/v1/namespaces/default/resourcequotas",
    {
      apiVersion: "v1",
      kind: "ResourceQuota",
      spec: {
        hard: { pods: "10", "requests.cpu": "1" },
        scopeSelector: { matchExpressions: [{ scopeName: "PriorityClass", operator: "In", values: ["x"] }] },
      },
    },
  ],
  [
    "/api/v1/namespaces/default/limitranges",
    {
      apiVersion: "v1",
      kind: "LimitRange",
      spec: {
        limits: [
          {
            type: "Container",
            max: { cpu: "2" },
            min: { cpu: "100m" },
            default: { cpu: "1" },
            defaultRequest: { cpu: "500m" },
            maxLimitRequestRatio: { cpu: "4" },
          },
        ],
      },
    },
  ],
  ["/api/v1/namespaces/default/pods", { apiVersion: "v1", kind: "Pod", spec: tpl.spec }],
  [
    "/apis/policy/v1/namespaces/default/poddisruptionbudgets",
    {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      spec: { minAvailable: 1, selector: sel, unhealthyPodEvictionPolicy: "AlwaysAllow" },
    },
  ],
  [
    "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers",
    {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "d" },
        minReplicas: 1,
        maxReplicas: 3,
        metrics: [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
          },
        ],
        behavior: { scaleUp: { policies: [{ type: "Pods", value: 1, periodSeconds: 10 }] } },
      },
    },
  ],
  [
    "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers",
    {
      apiVersion: "autoscaling/v1",
      kind: "HorizontalPodAutoscaler",
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "d" },
        minReplicas: 1,
        maxReplicas: 3,
        targetCPUUtilizationPercentage: 50,
      },
    },
  ],
  [
    "/apis/certificates.k8s.io/v1/certificatesigningrequests",
    {
      apiVersion: "certificates.k8s.io/v1",
      kind: "CertificateSigningRequest",
      spec: {
        request:
          "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KLS0tLS1FTkQgQ0VSVElGSUNBVEUgUkVRVUVTVC0tLS0tCg==",
        signerName: "kubernetes.io/kube-apiserver-client",
        usages: ["client auth"],
        expirationSeconds: 600,
      },
    },
  ],
  [
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      spec: {
        group: "x.io",
        names: { plural: "ws", kind: "W" },
        scope: "Namespaced",
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            subresources: {
              status: {},
              scale: { specReplicasPath: ".spec.r", statusReplicasPath: ".status.r" },
            },
            additionalPrinterColumns: [{ name: "R", type: "integer", jsonPath: ".spec.r" }],
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  spec: {
                    type: "object",
                    "x-kubernetes-validations": [{ rule: "self.r >= 0", messageExpression: "'bad'" }],
                    properties: {
                      r: { type: "integer", maximum: 5 },
                      s: { type: "string", pattern: "^a", maxLength: 3 },
                      l: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
                      m: { type: "object", additionalProperties: { type: "string" } },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    },
  ],
  [
    "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies",
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      spec: {
        failurePolicy: "Fail",
        paramKind: { apiVersion: "v1", kind: "ConfigMap" },
        matchConstraints: {
          resourceRules: [
            { apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"] },
          ],
        },
        matchConditions: [{ name: "m", expression: "true" }],
        variables: [{ name: "v", expression: "object.spec.replicas" }],
        validations: [{ expression: "variables.v < 5", messageExpression: "'x'", reason: "Invalid" }],
        auditAnnotations: [{ key: "k", valueExpression: "'v'" }],
      },
    },
  ],
  [
    "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings",
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      spec: {
        policyName: "p",
        validationActions: ["Deny"],
        paramRef: { name: "x", namespace: "default", parameterNotFoundAction: "Deny" },
        matchResources: {
          namespaceSelector: sel,
          resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["*"], resources: ["pods"] }],
        },
      },
    },
  ],
  [
    "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      webhooks: [
        {
          name: "a.b.c",
          clientConfig: { url: "https://127.0.0.1:1/x", caBundle: "" },
          rules: [
            {
              apiGroups: [""],
              apiVersions: ["v1"],
              operations: ["CREATE"],
              resources: ["configmaps"],
              scope: "*",
            },
          ],
          sideEffects: "None",
          admissionReviewVersions: ["v1"],
          failurePolicy: "Ignore",
          timeoutSeconds: 1,
          matchConditions: [{ name: "n", expression: "true" }],
          namespaceSelector: sel,
          objectSelector: sel,
        },
      ],
    },
  ],
  [
    "/apis/networking.k8s.io/v1/namespaces/default/ingresses",
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      spec: {
        ingressClassName: "n",
        tls: [{ hosts: ["a.b"], secretName: "s" }],
        rules: [
          {
            host: "a.b",
            http: {
              paths: [
                { path: "/", pathType: "Prefix", backend: { service: { name: "s", port: { number: 80 } } } },
              ],
            },
          },
        ],
      },
    },
  ],
  [
    "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies",
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      spec: {
        podSelector: sel,
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          {
            from: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }, { namespaceSelector: sel }],
            ports: [{ port: 80, endPort: 90, protocol: "TCP" }],
          },
        ],
      },
    },
  ],
  [
    "/api/v1/namespaces/default/persistentvolumeclaims",
    {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      spec: {
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: "1Gi" } },
        selector: sel,
        dataSource: { kind: "PersistentVolumeClaim", name: "x" },
      },
    },
  ],
  [
    "/api/v1/persistentvolumes",
    {
      apiVersion: "v1",
      kind: "PersistentVolume",
      spec: {
        capacity: { storage: "1Gi" },
        accessModes: ["ReadWriteOnce"],
        hostPath: { path: "/tmp/x" },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: "a", operator: "In", values: ["b"] }] }],
          },
        },
      },
    },
  ],
  [
    "/apis/scheduling.k8s.io/v1/priorityclasses",
    {
      apiVersion: "scheduling.k8s.io/v1",
      kind: "PriorityClass",
      value: 10,
      globalDefault: false,
      preemptionPolicy: "Never",
    },
  ],
  [
    "/apis/storage.k8s.io/v1/storageclasses",
    {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      provisioner: "a/b",
      parameters: { a: "b" },
      allowedTopologies: [{ matchLabelExpressions: [{ key: "a", values: ["b"] }] }],
    },
  ],
  [
    "/apis/apiregistration.k8s.io/v1/apiservices",
    {
      apiVersion: "apiregistration.k8s.io/v1",
      kind: "APIService",
      spec: {
        group: "x.io",
        version: "v1",
        groupPriorityMinimum: 1,
        versionPriority: 1,
        service: { name: "s", namespace: "default", port: 443 },
        caBundle: "",
      },
    },
  ],
  [
    "/api/v1/namespaces/default/events",
    {
      apiVersion: "v1",
      kind: "Event",
      involvedObject: { kind: "Pod", name: "p", namespace: "default" },
      reason: "R",
      message: "m",
      type: "Normal",
      series: { count: 2, lastObservedTime: "2025-01-01T00:00:00.000000Z" },
      eventTime: "2025-01-01T00:00:00.000000Z",
      reportingComponent: "a",
      reportingInstance: "b",
      action: "A",
    },
  ],
];
const weird = fc.constantFrom<unknown>(
  null,
  true,
  0,
  -1,
  1.5,
  2147483647,
  2147483648,
  -2147483649,
  1e308,
  2 ** 53 + 2,
  "",
  "x",
  "-",
  "%",
  "101%",
  "-1%",
  "1e3",
  "0x10",
  "Infinity",
  "NaN",
  "1Ei",
  "9999999999999999999Ei",
  "ッ",
  "a\nb",
  [],
  [null],
  [1],
  [""],
  {},
  { a: 1 },
  { "": "" },
  "* * * * * *",
  "@yearly",
  "0-99999999999",
  "1-0",
  "((",
  "self.a.b.c",
  "a".repeat(300),
);

/** Every path into a JSON value, as keys and indexes. */
function paths(
  o: unknown,
  p: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(p);
  if (o && typeof o === "object")
    for (const k of Object.keys(o)) paths((o as any)[k], [...p, Array.isArray(o) ? Number(k) : k], out);
  return out;
}

/** A copy of o with the value at p replaced (a path through a replaced scalar is skipped). */
function setAt(o: any, p: (string | number)[], v: unknown): any {
  if (p.length === 0) return v;
  const copy = structuredClone(o);
  let cur = copy;
  for (const k of p.slice(0, -1)) {
    if (!cur || typeof cur !== "object") return copy;
    cur = cur[k];
  }
  if (cur && typeof cur === "object") cur[p.at(-1) as string] = v;
  return copy;
}

test(`mutated bodies of the new kinds never get a 5xx: ${CASES} cases`, {
  timeout: Math.max(120_000, CASES * 200),
}, async () => {
  const crd = B.find(([, b]) => b.kind === "CustomResourceDefinition")?.[1];
  const made = await c.admin("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
    ...crd,
    metadata: { name: "ws.x.io" },
  });
  assert.equal(made.status, 201, made.text);
  const served = async () => (await c.admin("GET", "/apis/x.io/v1")).status === 200;
  for (let i = 0; i < 100 && !(await served()); i++) await new Promise((r) => setTimeout(r, 100));
  const targets: [string, any][] = [
    ...B,
    [
      "/apis/x.io/v1/namespaces/default/ws",
      {
        apiVersion: "x.io/v1",
        kind: "W",
        spec: { r: 1, s: "a", l: ["a", "b"], m: { a: "b" } },
        status: { r: 1 },
      },
    ],
  ];
  const statusPaths = [
    ["status"],
    ["status", "conditions"],
    ["status", "replicas"],
    ["status", "completedIndexes"],
    ["status", "active"],
    ["status", "lastScheduleTime"],
  ];
  const cases = fc.constantFrom(...targets).chain(([path, base]) => {
    const ps = paths(base).filter((p) => p.length > 0 && p[0] !== "apiVersion" && p[0] !== "kind");
    return fc.tuple(
      fc.constant(path),
      fc.constant(base),
      fc.array(fc.tuple(fc.constantFrom(...ps, ...statusPaths), weird), { minLength: 1, maxLength: 3 }),
    );
  });
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      cases,
      fc.constantFrom("POST", "PUT", "PATCH", "STATUS"),
      async ([path, base, muts], method) => {
        const name = `m${++n}`;
        let obj: any = { ...base, metadata: { name } };
        for (const [p, v] of muts) obj = setAt(obj, p, v);
        if (!obj || typeof obj !== "object" || Array.isArray(obj)) obj = { value: obj };
        Object.assign(obj, { apiVersion: base.apiVersion, kind: base.kind, metadata: { name } });
        let r: { status: number; text: string };
        if (method === "POST") r = await c.admin("POST", path, obj);
        else {
          const created = await c.admin("POST", path, { ...base, metadata: { name } });
          if (method === "PATCH")
            r = await c.admin("PATCH", `${path}/${name}`, obj, "application/merge-patch+json");
          else {
            obj.metadata.resourceVersion = created.json?.metadata?.resourceVersion;
            r = await c.admin("PUT", `${path}/${name}${method === "STATUS" ? "/status" : ""}`, obj);
          }
        }
        assert.ok(
          r.status < 500,
          `${method} ${base.kind} ${JSON.stringify(muts)}: ${r.status} ${r.text}\n${serverErrors.at(-1) ?? ""}`,
        );
      },
    ),
    { numRuns: CASES, seed: SEED, endOnFailure: true },
  );
  assert.deepEqual(unhandled, []);
});
