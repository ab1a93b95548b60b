// `kubectl logs -f` for the demo: waits for the container to start, streams its log, and follows the next
// container instance after a restart (tailLines=0 when the same instance's stream merely reconnects).
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { isNotFound, type KubeClient } from "../../client/index.ts";
import { pause } from "../shared/shutdown.ts";

const POLL_MS = 500;

export async function followPodLogs(
  client: KubeClient,
  pod: { namespace: string; name: string },
  out: NodeJS.WritableStream,
  signal: AbortSignal,
): Promise<void> {
  const path = `/api/v1/namespaces/${pod.namespace}/pods/${pod.name}/log`;
  let followedRestart: number | undefined;
  while (!signal.aborted) {
    const restarts = await startedContainerRestarts(client, pod, signal);
    if (restarts === undefined) return;
    const sameInstance = restarts === followedRestart;
    followedRestart = restarts;
    try {
      const stream = await client.transport.stream({
        path,
        query: { follow: "true", ...(sameInstance ? { tailLines: "0" } : {}) },
        signal,
      });
      for await (const chunk of stream.body) out.write(chunk as Buffer);
      stream.close();
    } catch (error) {
      if (signal.aborted) return;
      if (!isNotFound(error))
        out.write(`[incluster demo] following logs failed: ${(error as Error).message}\n`);
    }
    await pause(POLL_MS, signal);
  }
}

/** Waits until the Pod's first container has started; its restart count, or undefined when stopped/gone. */
async function startedContainerRestarts(
  client: KubeClient,
  ref: { namespace: string; name: string },
  signal: AbortSignal,
): Promise<number | undefined> {
  while (!signal.aborted) {
    try {
      const pod = await client.resource<Pod>("pods").get(ref.name, { namespace: ref.namespace, signal });
      const status = pod.status?.containerStatuses?.[0];
      if (status?.state?.running || status?.state?.terminated) return status.restartCount ?? 0;
    } catch (error) {
      if (signal.aborted || isNotFound(error)) return undefined;
    }
    await pause(POLL_MS, signal);
  }
  return undefined;
}
