// Runs an app body only while this replica holds a Lease, like client-go controllers started with
// --leader-elect. Standbys stay ready (they are healthy, and a rollout must be able to proceed) and log
// who leads; a lost Lease stops the body through its signal and the replica campaigns again instead of
// exiting, so a network blip does not cost a Pod restart.
import { Gauge } from "prom-client";
import type { LeaderElectionOptions } from "../../client/index.ts";
import type { AppContext } from "./app.ts";
import { EXIT, type ExitCode } from "./exit-codes.ts";

export type LeaderElectFlags = Pick<
  LeaderElectionOptions,
  "lease" | "identity" | "leaseDuration" | "renewDeadline" | "retryPeriod"
>;

export async function runAsLeader(
  app: AppContext,
  election: LeaderElectFlags,
  body: (leading: AppContext) => Promise<ExitCode>,
): Promise<ExitCode> {
  // client-go's metric (k8s.io/component-base leaderelection metrics), so existing dashboards work.
  const status = new Gauge({
    name: "leader_election_master_status",
    help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease.",
    labelNames: ["name"],
    registers: [app.metrics.registry],
  });
  status.set({ name: election.lease }, 0);
  let exit: ExitCode = EXIT.ok;
  while (!app.signal.aborted) {
    let leading: Promise<ExitCode> | undefined;
    const elector = app.client.leaderElection({
      ...election,
      signal: app.signal,
      onNewLeader: (leader) => {
        app.reporter.succeeded();
        if (leader === elector.identity)
          app.log.info({ lease: election.lease, identity: leader }, "became leader");
        else if (leader)
          app.log.info({ lease: election.lease, leader }, `standing by: ${leader} holds the lease`);
      },
      onStartedLeading: (signal) => {
        status.set({ name: election.lease }, 1);
        leading = body({ ...app, signal });
      },
      onError: (error) => app.reporter.failed(error),
    });
    app.log.info({ lease: election.lease, identity: elector.identity }, "campaigning for the lease");
    app.metrics.setReadiness(() =>
      elector.isLeader || !app.reporter.current
        ? { ready: true }
        : { ready: false, reason: `leader election: ${app.reporter.current.summary}` },
    );
    await elector.run();
    status.set({ name: election.lease }, 0);
    if (leading) exit = await leading;
    if (!app.signal.aborted) app.log.warn({ lease: election.lease }, "lost the lease; campaigning again");
  }
  return exit;
}
