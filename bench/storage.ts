// Storage benchmark: loads 20,000 realistic ~4 KB pods, then measures list(limit=500) pages/s, get/s, a
// label-filtered list, watch fan-out and RSS; with --durable also durable load, reopen and group-commit rates.
// Run: node_modules/.bin/node --expose-gc bench/storage.ts [--durable] [--pods N]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject, StoredObject } from "../src/meta/types.ts";
import type { ResourceIndexer } from "../src/server/storage/index.ts";
import { Store } from "../src/server/storage/index.ts";

const args = process.argv.slice(2);
const PODS = Number(args[args.indexOf("--pods") + 1]) || 20_000;
const durable = args.includes("--durable");
const NAMESPACES = 50;

const podIndexer: ResourceIndexer = {
  namespaced: true,
  fields: (o: StoredObject) => {
    const spec = o.spec as { nodeName?: string; serviceAccountName?: string };
    const status = o.status as { phase?: string };
    return {
      "metadata.name": o.metadata.name,
      "metadata.namespace": o.metadata.namespace ?? "",
      "spec.nodeName": spec.nodeName ?? "",
      "spec.serviceAccountName": spec.serviceAccountName ?? "",
      "status.phase": status.phase ?? "",
    };
  },
};

function realisticPod(i: number): KubeObject {
  const ns = `team-${i % NAMESPACES}`;
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

function rate(label: string, ops: number, ms: number, unit = "ops/s"): void {
  console.log(
    `${label.padEnd(38)} ${Math.round((ops / ms) * 1000)
      .toLocaleString("en-US")
      .padStart(12)} ${unit}  (${ops} in ${ms.toFixed(0)} ms)`,
  );
}

function timeLoop(durationMs: number, fn: () => void): { ops: number; ms: number } {
  const start = performance.now();
  let ops = 0;
  while (performance.now() - start < durationMs) {
    for (let k = 0; k < 100; k++) fn();
    ops += 100;
  }
  return { ops, ms: performance.now() - start };
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;

const dir = durable ? mkdtempSync(join(tmpdir(), "incluster-bench-")) : undefined;
globalThis.gc?.();
const rssBefore = process.memoryUsage().rss;

const store = await Store.open({ dataDir: dir, resources: { pods: podIndexer } });
let start = performance.now();
// Issue writes in waves like concurrent clients would; durable mode then group-commits each wave.
for (let i = 0; i < PODS; i += 500) {
  const wave = Array.from({ length: Math.min(500, PODS - i) }, (_, j) => realisticPod(i + j));
  await Promise.all(wave.map((o) => store.create("pods", o)));
}
const loadMs = performance.now() - start;
const sample = store.list("pods", { limit: 1 }).items[0];
console.log(
  `pods: ${PODS}, avg JSON ${(sample.json.length / 1024).toFixed(1)} KB, mode: ${durable ? "durable (fsync)" : "memory"}`,
);
rate("load (create)", PODS, loadMs, "pods/s");

const keys: [string, string][] = store.list("pods").items.map((e) => [e.namespace, e.name]);
let pages = 0;
start = performance.now();
while (performance.now() - start < 2000) {
  let after: string | undefined;
  do {
    const page = store.list("pods", { limit: 500, startAfter: after });
    pages++;
    after = page.more ? page.lastKey : undefined;
  } while (after);
}
rate("list(limit=500) all namespaces", pages, performance.now() - start, "pages/s");

let nsPages = timeLoop(1000, () => store.list("pods", { namespace: "team-7", limit: 500 }));
rate("list(limit=500) one namespace", nsPages.ops, nsPages.ms, "pages/s");

nsPages = timeLoop(1000, () =>
  store.list("pods", {
    limit: 500,
    filter: (e) => e.labels.tier === "frontend" && e.fields["status.phase"] === "Running",
  }),
);
rate("list(limit=500) label+field filter", nsPages.ops, nsPages.ms, "pages/s");

let k = 0;
const gets = timeLoop(1000, () => {
  const [ns, name] = keys[k++ % keys.length];
  store.get("pods", ns, name);
});
rate("get", gets.ops, gets.ms, "gets/s");

const watchers = 100;
let delivered = 0;
for (let w = 0; w < watchers; w++) store.watch("pods", { fromRV: store.currentRV() }, () => delivered++);
const updates = 2000;
start = performance.now();
const batch: Promise<unknown>[] = [];
for (let i = 0; i < updates; i++) {
  const e = store.get("pods", keys[i][0], keys[i][1]);
  if (!e) continue;
  const obj = e.object();
  (obj.status as { phase: string }).phase = "Succeeded";
  batch.push(store.update("pods", obj, { expectedRV: e.rv }));
}
await Promise.all(batch);
rate(`update + fan-out to ${watchers} watchers`, updates, performance.now() - start, "updates/s");
console.log(`events delivered: ${delivered.toLocaleString("en-US")}`);

globalThis.gc?.();
const mem = process.memoryUsage();
console.log(
  `RSS ${mb(mem.rss)} (before load ${mb(rssBefore)}), heap used ${mb(mem.heapUsed)} of ${mb(mem.heapTotal)}, external ${mb(mem.external)}`,
);

if (dir) {
  await store.close();
  start = performance.now();
  const reopened = await Store.open({ dataDir: dir, resources: { pods: podIndexer } });
  console.log(`reopen (replay ${reopened.count("pods")} pods): ${(performance.now() - start).toFixed(0)} ms`);
  start = performance.now();
  await reopened.compact();
  console.log(`compact (snapshot write): ${(performance.now() - start).toFixed(0)} ms`);
  await reopened.close();
  start = performance.now();
  const fromSnapshot = await Store.open({ dataDir: dir, resources: { pods: podIndexer } });
  console.log(
    `reopen from snapshot (${fromSnapshot.count("pods")} pods): ${(performance.now() - start).toFixed(0)} ms`,
  );
  await fromSnapshot.close();
  rmSync(dir, { recursive: true, force: true });
}
