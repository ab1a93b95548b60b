// `incluster demo pause`: a stand-in workload for the seeded demo Pods, like Kubernetes' pause image.
// It does nothing but answer /healthz and /readyz (ready at once) until SIGTERM.
import { AppMetrics } from "../shared/metrics.ts";
import { startProbeServer } from "../shared/probe-server.ts";
import { untilAborted } from "../shared/shutdown.ts";

export async function runPause(options: {
  port?: number;
  address?: string;
  signal: AbortSignal;
}): Promise<void> {
  const metrics = new AppMetrics();
  metrics.setReadiness({ ready: true });
  const server =
    options.port === undefined
      ? undefined
      : await startProbeServer({ port: options.port, host: options.address, metrics });
  await untilAborted(options.signal);
  await server?.close();
}
