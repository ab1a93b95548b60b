// Realistic Pods for the benchmarks (~4 KB of JSON once stored): labels, annotations, an owner reference, two
// containers with env/ports/probes/resources, a projected ServiceAccount volume, tolerations and a full status.
// Spread over NAMESPACES namespaces ("team-0" … "team-49"), 400 distinct apps.
import type { KubeObject } from "../../src/meta/types.ts";

export const NAMESPACES = 50;

export function namespaceOf(i: number, namespaces = NAMESPACES): string {
  return `team-${i % namespaces}`;
}

export function realisticPod(i: number, namespaces = NAMESPACES): KubeObject {
  const ns = namespaceOf(i, namespaces);
  const app = `svc-${i % 400}`;
  const name = `${app}-${(i * 2654435761).toString(36).slice(-10)}-${i.toString(36)}`;
  const uid = `${i.toString(16).padStart(8, "0")}-1b2c-4d3e-8f90-${(i * 7919).toString(16).padStart(12, "0").slice(-12)}`;
  const container = (n: string, image: string) => ({
    name: n,
    image,
    ports: [{ containerPort: 8080, name: "http", protocol: "TCP" }],
    env: [
      { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
      {
        name: "POD_NAMESPACE",
        valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } },
      },
      { name: "LOG_LEVEL", value: "info" },
    ],
    resources: { limits: { cpu: "500m", memory: "512Mi" }, requests: { cpu: "100m", memory: "128Mi" } },
    volumeMounts: [
      {
        name: "kube-api-access-x7k2p",
        readOnly: true,
        mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
      },
    ],
    readinessProbe: {
      httpGet: { path: "/healthz", port: 8080, scheme: "HTTP" },
      periodSeconds: 10,
      timeoutSeconds: 1,
    },
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    imagePullPolicy: "IfNotPresent",
  });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      generateName: `${app}-`,
      namespace: ns,
      uid,
      creationTimestamp: "2025-05-01T10:00:00Z",
      labels: { app, "pod-template-hash": "7d9f8c6b5", tier: i % 3 === 0 ? "frontend" : "backend" },
      annotations: {
        "kubectl.kubernetes.io/restartedAt": "2025-05-01T09:59:00Z",
        "prometheus.io/scrape": "true",
      },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: `${app}-7d9f8c6b5`,
          uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      containers: [
        container("app", `registry.example.com/${app}:1.${i % 20}.0`),
        container("sidecar", "envoyproxy/envoy:v1.30"),
      ],
      volumes: [
        {
          name: "kube-api-access-x7k2p",
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
              { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
              {
                downwardAPI: {
                  items: [
                    { path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } },
                  ],
                },
              },
            ],
          },
        },
      ],
      nodeName: `node-${i % 100}`,
      serviceAccountName: "default",
      restartPolicy: "Always",
      dnsPolicy: "ClusterFirst",
      schedulerName: "default-scheduler",
      terminationGracePeriodSeconds: 30,
      tolerations: [
        {
          key: "node.kubernetes.io/not-ready",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
        {
          key: "node.kubernetes.io/unreachable",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
      ],
    },
    status: {
      phase: i % 10 === 0 ? "Pending" : "Running",
      conditions: ["Initialized", "Ready", "ContainersReady", "PodScheduled"].map((type) => ({
        type,
        status: "True",
        lastProbeTime: null,
        lastTransitionTime: "2025-05-01T10:00:05Z",
      })),
      hostIP: `10.0.${i % 100}.1`,
      podIP: `10.244.${(i >> 8) & 255}.${i & 255}`,
      podIPs: [{ ip: `10.244.${(i >> 8) & 255}.${i & 255}` }],
      startTime: "2025-05-01T10:00:00Z",
      qosClass: "Burstable",
      containerStatuses: ["app", "sidecar"].map((n) => ({
        name: n,
        ready: true,
        restartCount: 0,
        image: `registry.example.com/${app}:1.0.0`,
        imageID: `registry.example.com/${app}@sha256:${"ab12".repeat(16)}`,
        containerID: `containerd://${"9f8e".repeat(16)}`,
        started: true,
        state: { running: { startedAt: "2025-05-01T10:00:03Z" } },
      })),
    },
  };
}
