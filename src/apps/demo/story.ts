// The demo's story on any cluster reachable through `client`: seed workloads, apply deploy/base as on a
// real cluster, wait for the pod-counter Pod the Deployment creates, introduce it, then stream its log.
import { fileURLToPath } from "node:url";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { KubeClient } from "../../client/index.ts";
import { pause } from "../shared/shutdown.ts";
import { applyAll } from "./apply.ts";
import { followPodLogs } from "./follow-logs.ts";
import type { DemoFacts } from "./introduction.ts";
import { renderKustomization } from "./manifests.ts";
import { seedWorkloads } from "./seed.ts";

/** deploy/base of this package (src/apps/demo and dist/apps/demo are both three levels down). */
export const DEPLOY_BASE = fileURLToPath(new URL("../../../deploy/base", import.meta.url));
const POD_COUNTER = { namespace: "incluster", labelSelector: "app.kubernetes.io/name=pod-counter" };

export interface StoryOptions {
  deployDir?: string;
  kubectl?: string;
  out: NodeJS.WritableStream;
  /** Stops the story (Ctrl-C). */
  signal: AbortSignal;
  /** Stops following the log; later than `signal`, so the Pod's own shutdown lines are shown. */
  logsSignal: AbortSignal;
  /** Prints the introduction; gets what the story found out. */
  introduce: (facts: Pick<DemoFacts, "seededPods" | "renderer" | "applied" | "pod">) => void;
}

export async function runDemoStory(client: KubeClient, options: StoryOptions): Promise<void> {
  const seededPods = await seedWorkloads(client);
  const manifests = await renderKustomization(options.deployDir ?? DEPLOY_BASE, options.kubectl);
  const applied = await applyAll(client, manifests.objects);
  const pod = await waitForStartedPod(client, options.signal);
  if (!pod) return;
  options.introduce({ seededPods, renderer: manifests.renderer, applied, pod });
  const name = pod.metadata?.name ?? "";
  await followPodLogs(client, { namespace: POD_COUNTER.namespace, name }, options.out, options.logsSignal);
}

/** The pod-counter Pod once the runtime has given it an IP. */
async function waitForStartedPod(client: KubeClient, signal: AbortSignal): Promise<Pod | undefined> {
  while (!signal.aborted) {
    const { items } = await client.resource<Pod>("pods").list(POD_COUNTER);
    const started = items.find((pod) => pod.status?.podIP && !pod.metadata?.deletionTimestamp);
    if (started) return started;
    await pause(200, signal);
  }
  return undefined;
}
