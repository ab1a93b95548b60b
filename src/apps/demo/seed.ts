// Something to count: a few namespaces with Pods, like a small real cluster. The Pods run the project's
// image as `incluster demo pause` (the local runtime runs no other image), each serving its readiness
// probe on its own Pod IP, and the `web` Services give `incluster endpoints watch` ready endpoints to show.
import type { Pod, Service } from "kubernetes-types/core/v1.d.ts";
import { isAlreadyExists, type KubeClient } from "../../client/index.ts";

export const DEMO_IMAGE = "ghcr.io/incluster/incluster:latest";
const PAUSE_PORT = 8080;

interface Workload {
  namespace: string;
  app: string;
  replicas: number;
}

export const SEED_WORKLOADS: readonly Workload[] = [
  { namespace: "shop", app: "web", replicas: 3 },
  { namespace: "shop", app: "cart", replicas: 1 },
  { namespace: "blog", app: "web", replicas: 2 },
];

/** Creates the namespaces, Services and Pods that are missing; resolves with the number of Pods seeded. */
export async function seedWorkloads(client: KubeClient): Promise<number> {
  let pods = 0;
  for (const namespace of new Set(SEED_WORKLOADS.map((w) => w.namespace))) {
    await createIfMissing(() => client.resource("namespaces").create({ metadata: { name: namespace } }));
  }
  for (const workload of SEED_WORKLOADS) {
    await createIfMissing(() => client.resource<Service>("services").create(service(workload)));
    for (let i = 1; i <= workload.replicas; i++) {
      await createIfMissing(() => client.resource<Pod>("pods").create(pausePod(workload, i)));
      pods++;
    }
  }
  return pods;
}

async function createIfMissing(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
}

function service({ namespace, app }: Workload): Service {
  return {
    metadata: { name: app, namespace, labels: { app } },
    spec: { selector: { app }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
  };
}

function pausePod({ namespace, app }: Workload, index: number): Pod {
  return {
    metadata: { name: `${app}-${index}`, namespace, labels: { app } },
    spec: {
      containers: [
        {
          name: app,
          image: DEMO_IMAGE,
          args: ["demo", "pause", `--port=${PAUSE_PORT}`, "--address=$(POD_IP)"],
          env: [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
          ports: [{ name: "http", containerPort: PAUSE_PORT }],
          readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 5 },
        },
      ],
    },
  };
}
