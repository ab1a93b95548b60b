// `incluster demo` (`npm start`): the local cluster, the seeded workloads, deploy/base and the pod-counter's
// log in one command; `incluster demo pause`: the stand-in workload of the seeded Pods.
import { type Command, InvalidArgumentError } from "commander";
import { introduction } from "../apps/demo/introduction.ts";
import { runPause } from "../apps/demo/pause.ts";
import { runDemoStory } from "../apps/demo/story.ts";
import { EXIT } from "../apps/shared/exit-codes.ts";
import { terminationSignal, untilAborted } from "../apps/shared/shutdown.ts";
import { startDemoCluster } from "./demo-cluster.ts";

const DEFAULT_DATA_DIR = ".incluster/demo";

export function registerDemoCommands(program: Command): void {
  const demo = program
    .command("demo")
    .description("run the pod-counter in a local cluster (API server + pod runtime), no cluster needed")
    .option("--api-port <port>", "API server port (a free one if taken; 0: any free one)", parseApiPort, 6443)
    .option("--data-dir <dir>", "keys, kubeconfig, Pod volumes and logs", DEFAULT_DATA_DIR)
    .action(async (flags: { apiPort: number; dataDir: string }) => {
      const signal = terminationSignal({
        timeoutMs: 15_000,
        onTimeout: () => process.stderr.write("stopping took longer than 15 s; exiting\n"),
      });
      const out = process.stdout;
      const cluster = await startDemoCluster({ dataDir: flags.dataDir, port: flags.apiPort });
      if (cluster.portTaken) {
        out.write(
          `Port ${cluster.portTaken} is taken, so the API server listens on ${cluster.server.url} instead.\n`,
        );
      }
      const logs = new AbortController();
      const story = runDemoStory(cluster.admin, {
        out,
        signal,
        logsSignal: logs.signal,
        introduce: (facts) =>
          out.write(
            introduction({
              ...facts,
              serverUrl: cluster.server.url,
              portTaken: cluster.portTaken,
              kubeconfigPath: cluster.kubeconfigPath,
            }),
          ),
      });
      let code: number = EXIT.ok;
      try {
        await Promise.race([story, untilAborted(signal)]);
      } catch (error) {
        process.stderr.write(`incluster demo failed: ${(error as Error).message}\n`);
        code = EXIT.failure;
      }
      out.write(
        "\nStopping: the pod runtime sends its Pods SIGTERM (their last lines follow), then the API server stops.\n",
      );
      await cluster.stopPods();
      // The followed log ends with the container; give it a moment to deliver the Pod's last lines.
      await Promise.race([
        story.catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, 3000).unref()),
      ]);
      logs.abort();
      await story.catch(() => undefined);
      await cluster.stop();
      process.exit(code);
    });

  demo
    .command("pause")
    .description("a stand-in workload (like the pause image): answers /healthz and /readyz until SIGTERM")
    .option("--port <port>", "serve the probes on this port")
    .option("--address <address>", "listen address, e.g. the Pod IP")
    .action(async (flags: { port?: string; address?: string }) => {
      const signal = terminationSignal({ timeoutMs: 5000 });
      await runPause({
        port: flags.port === undefined ? undefined : Number(flags.port),
        address: flags.address,
        signal,
      });
      process.exit(EXIT.ok);
    });
}

function parseApiPort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidArgumentError("expected a port number from 0 to 65535 (0: any free port)");
  }
  return port;
}
