// Starting the local pod runtime next to the API server for `incluster cluster up`. The runtime runs
// in-process under its own identity, like a real kubelet: a client certificate for system:node:<name>
// (group system:nodes) issued by the cluster CA, allowed by ClusterRole incluster-node.
import type { Logger } from "pino";
import { createInlineCaProvider } from "../client/ca.ts";
import { type ClientCertificate, KubeClient } from "../client/index.ts";
import {
  DEFAULT_NODE_NAME,
  NODE_CLUSTER_ROLE,
  nodeClusterRoleBinding,
  nodeUser,
  type PodExecRouter,
  type PodLogStore,
  type PodMetricsRouter,
  type PodPortForwardRouter,
  type RunningRuntime,
  startRuntime,
} from "../kubelet/index.ts";
import type { RunningServer } from "../server/index.ts";

export interface LocalRuntimeOptions {
  server: RunningServer;
  /** The store already given to startServer({ podLogs }). */
  logs: PodLogStore;
  /** The router already given to startServer({ podPortForward }). */
  portForward?: PodPortForwardRouter;
  /** The router already given to startServer({ podExec }). */
  exec?: PodExecRouter;
  /** The router already given to startServer({ metrics }). */
  metrics?: PodMetricsRouter;
  /** The runtime's own directory (pod volumes, logs). */
  dir: string;
  allowHostCommands: boolean;
  /** Paths Pods must never see (the cluster's data dir with its CA key). */
  hiddenPaths?: string[];
  logger: Logger;
  nodeName?: string;
}

const FIELD_MANAGER = "incluster-kubelet";

/** A client that authenticates with a certificate; nothing touches the disk. */
function certificateClient(server: RunningServer, certificate: ClientCertificate): KubeClient {
  return new KubeClient({
    server: server.url,
    namespace: "default",
    source: "explicit",
    ca: createInlineCaProvider(server.caPem, "the cluster CA"),
    insecureSkipTLSVerify: false,
    clientCertificate: certificate,
    warnings: [],
    close: () => undefined,
  });
}

/** Grants the node identity its ClusterRole (as the admin), then starts the runtime under that identity. */
export async function startLocalRuntime(o: LocalRuntimeOptions): Promise<RunningRuntime> {
  const nodeName = o.nodeName ?? DEFAULT_NODE_NAME;
  const admin = certificateClient(o.server, {
    cert: o.server.pki.adminCertPem,
    key: o.server.pki.adminKeyPem,
  });
  try {
    const binding = nodeClusterRoleBinding(nodeName);
    const apply = { force: true, fieldManager: FIELD_MANAGER };
    await admin
      .resource("clusterroles")
      .patch(NODE_CLUSTER_ROLE.metadata.name, NODE_CLUSTER_ROLE, "apply", apply);
    await admin.resource("clusterrolebindings").patch(binding.metadata.name, binding, "apply", apply);
  } finally {
    admin.close();
  }
  const identity = await o.server.pki.issueClientCert({
    commonName: nodeUser(nodeName),
    organizations: ["system:nodes"],
  });
  return startRuntime({
    client: certificateClient(o.server, { cert: identity.certPem, key: identity.keyPem }),
    nodeName,
    dataDir: o.dir,
    persistentVolumesDir: o.server.persistentVolumesDir,
    logs: o.logs,
    portForward: o.portForward,
    exec: o.exec,
    metrics: o.metrics,
    allowHostCommands: o.allowHostCommands,
    hiddenPaths: o.hiddenPaths,
    logger: o.logger,
  });
}
