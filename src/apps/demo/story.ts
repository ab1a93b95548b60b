// The demo's story on any cluster reachable through `client`: seed workloads, apply deploy/overlays/discovery
// as on a real cluster (two leader-elected pod-counter replicas, and the endpoints watcher probing each one's
// /metrics through Service pod-counter-metrics), wait for their Pods, introduce them, then stream their logs.
import { fileURLToPath } from "node:url";
import type { Deployment } from "kubernetes-types/apps/v1.d.ts";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { KubeClient } from "../../client/index.ts";
import type { KubeObject } from "../../meta/types.ts";
import { pause } from "../shared/shutdown.ts";
import { applyAll } from "./apply.ts";
import { followPodLogs } from "./follow-logs.ts";
import type { DemoFacts } from "./introduction.ts";
import { renderKustomization } from "./manifests.ts";
import { prefixedLines } from "./prefixed-lines.ts";
import { seedWorkloads } from "./seed.ts";

/** deploy/overlays/discovery of this package (src/apps/demo and dist/apps/demo are both three levels down). */
export const DEMO_OVERLAY = fileURLToPath(new URL("../../../deploy/overlays/discovery", import.meta.url));
const NAMESPACE = "incluster";
const POD_COUNTER = "pod-counter";
const WATCHER = "endpoints-watcher";

export interface StoryOptions {
  deployDir?: string;
  kubectl?: string;
  out: NodeJS.WritableStream;
  /** Stops the story (Ctrl-C). */
  signal: AbortSignal;
  /** Stops following the logs; later than `signal`, so the Pods' own shutdown lines are shown. */
  logsSignal: AbortSignal;
  /** Prints the introduction; gets what the story found out. */
  introduce: (facts: Pick<DemoFacts, "seededPods" | "renderer" | "applied" | "counters" | "watcher">) => void;
}

export async function runDemoStory(client: KubeClient, options: StoryOptions): Promise<void> {
  const seededPods = await seedWorkloads(client);
  const manifests = await renderKustomization(options.deployDir ?? DEMO_OVERLAY, options.kubectl);
  const applied = await applyAll(client, manifests.objects);
  const counters = await waitForStartedPods(
    client,
    POD_COUNTER,
    replicas(manifests.objects, POD_COUNTER),
    options.signal,
  );
  const watchers = await waitForStartedPods(
    client,
    WATCHER,
    replicas(manifests.objects, WATCHER),
    options.signal,
  );
  if (!counters || !watchers) return;
  options.introduce({ seededPods, renderer: manifests.renderer, applied, counters, watcher: watchers[0] });
  await Promise.all(
    [...counters, ...watchers].map((pod) => {
      const name = pod.metadata?.name ?? "";
      const container = pod.spec?.containers[0]?.name ?? "";
      const out = prefixedLines(options.out, `[pod/${name}/${container}] `);
      return followPodLogs(client, { namespace: NAMESPACE, name }, out, options.logsSignal).finally(() =>
        out.end(),
      );
    }),
  );
}

/** The rendered Deployment's replicas; 0 when the manifests have no such Deployment (nothing to wait for). */
function replicas(objects: KubeObject[], name: string): number {
  const deployment = objects.find((o) => o.kind === "Deployment" && o.metadata?.name === name) as
    | Deployment
    | undefined;
  return deployment ? (deployment.spec?.replicas ?? 1) : 0;
}

/** The Deployment's Pods once the runtime has given `count` of them an IP, in name order. */
async function waitForStartedPods(
  client: KubeClient,
  name: string,
  count: number,
  signal: AbortSignal,
): Promise<Pod[] | undefined> {
  const selector = { namespace: NAMESPACE, labelSelector: `app.kubernetes.io/name=${name}` };
  while (!signal.aborted) {
    const { items } = await client.resource<Pod>("pods").list(selector);
    const started = items.filter((pod) => pod.status?.podIP && !pod.metadata?.deletionTimestamp);
    if (started.length >= count)
      return started.sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
    await pause(200, signal);
  }
  return undefined;
}
