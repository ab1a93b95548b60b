// startRuntime(): the local pod runtime. A client of the API server like the real kubelet: it registers
// its Node, schedules unbound Pods onto it, follows its Pods through an informer and runs each one as host
// processes (see pod-worker.ts), serving their logs through a PodLogStore the API server can read.
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { ConfigMap, Pod, Secret, Service } from "kubernetes-types/core/v1.d.ts";
import pino, { type Logger } from "pino";
import { DEFAULT_SERVICE_ACCOUNT_DIR } from "../client/config.ts";
import { createClient, type Informer, type KubeClient } from "../client/index.ts";
import { type BackoffSettings, CrashLoopBackOff } from "./backoff.ts";
import { detectCgroups } from "./cgroups.ts";
import type { RuntimeCgroups } from "./cgroups-pod.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { SandboxConfig } from "./container-launch.ts";
import { kubernetesServiceEnv } from "./env.ts";
import { EventRecorder } from "./events.ts";
import type { PodExecRouter } from "./exec.ts";
import { inclusterEntrypoint } from "./images.ts";
import { closeInheritedDescriptors } from "./inherited-fds.ts";
import { PodLogStore } from "./logs.ts";
import { detectMountNamespace } from "./mount-namespace.ts";
import { startNodeNetwork } from "./network/node-network.ts";
import { findPortHolder } from "./network/port-holders.ts";
import { NodeRegistration, nodeLabels } from "./node.ts";
import { LoopbackIpPool } from "./pod-ips.ts";
import { PodWorker, type WorkerDeps } from "./pod-worker.ts";
import type { PodLookup, PodPortForwardRouter } from "./port-forward.ts";
import { ProcessRecords } from "./process-records.ts";
import { appDirsFor, baseSteps, DEFAULT_MAX_PROCESSES, detectSandbox } from "./sandbox.ts";
import { LocalScheduler } from "./scheduler.ts";
import { TokenManager } from "./token-manager.ts";
import { type PodMetricsRouter, UsageSampler } from "./usage.ts";
import { VolumeManager } from "./volumes.ts";
import { PersistentVolumeSource } from "./volumes-persistent.ts";

export const DEFAULT_NODE_NAME = "local";

export interface RuntimeOptions {
  /** The API client (its identity needs the rights listed in node-identity.ts). Or give kubeconfig. */
  client?: KubeClient;
  kubeconfig?: string;
  context?: string;
  /** Default "local". */
  nodeName?: string;
  /** Pod volumes, scratch space and (unless `logs` is given) container logs live here. */
  dataDir: string;
  /**
   * The API server's persistentVolumesDir (RunningServer.persistentVolumesDir): persistentVolumeClaim
   * volumes are mounted only from volumes its local-path provisioner made there. Unset: no claim is mounted.
   */
  persistentVolumesDir?: string;
  /** Share one store with startServer({ podLogs }) so `kubectl logs` reaches these containers. */
  logs?: PodLogStore;
  /** Share one router with startServer({ podPortForward }) so `kubectl port-forward` reaches these Pods. */
  portForward?: PodPortForwardRouter;
  /** Share one router with startServer({ podExec }) so `kubectl exec`/`attach` reach these containers. */
  exec?: PodExecRouter;
  /** Share one router with startServer({ metrics }) so `kubectl top` reads these containers' usage. */
  metrics?: PodMetricsRouter;
  /** How often container and node usage is sampled (metrics-server's resolution). Default 15 s. */
  usageIntervalMs?: number;
  /** Run containers that set `command` on this host. Off by default: any Pod creator could run anything. */
  allowHostCommands?: boolean;
  /** CrashLoopBackOff timing; defaults 10 s → 5 min. */
  backoff?: BackoffSettings;
  /** What Pods get as KUBERNETES_SERVICE_HOST/PORT; default: the client's server URL. */
  apiServer?: { host: string; port: number };
  /** "auto" (default) detects; false forces INCLUSTER_SERVICEACCOUNT_DIR mode; true fails if unavailable. */
  mountNamespace?: "auto" | boolean;
  /**
   * The Pod sandbox for the incluster image (Linux, root): "auto" (default) detects; true fails when the
   * host cannot provide it; false runs the image unsandboxed (as root, only with allowHostCommands).
   */
  sandbox?: "auto" | boolean;
  /** RLIMIT_NPROC for sandbox users (per uid, threads count). Default 4096. */
  maxProcesses?: number;
  /**
   * Container resource limits through cgroups (v2 or v1, root on Linux): "auto" (default) detects; true
   * fails when the host cannot provide them; false runs containers unlimited.
   */
  cgroups?: "auto" | boolean;
  /** pids.max of each Pod's cgroup (the kubelet's podPidsLimit). Default 4096; 0: unlimited. */
  podPidsLimit?: number;
  /** Paths Pods must never see even if they lie inside the app directory (the cluster's data dir). */
  hiddenPaths?: string[];
  /** Clock for token refresh decisions (tests move it forward). */
  clock?: Clock;
  /** Volume re-sync period (token refresh checks). Default 60 s, as the kubelet's pod sync. */
  volumeSyncIntervalMs?: number;
  /** Node heartbeat period. Default 30 s. */
  nodeStatusIntervalMs?: number;
  /** Where Pod IPs start (default 127.0.1.1); give runtimes sharing a host different ranges. */
  firstPodIP?: string;
  /**
   * A network namespace per Pod through the CNI plugins (Linux, root): "auto" (default) detects; true
   * fails when the host cannot provide it; false keeps Pods in the host's network with loopback Pod IPs.
   */
  network?: "auto" | boolean;
  /** The node's Pod CIDR (default 10.244.<N>.0/24, N distinct per data dir). */
  podCIDR?: string;
  /** Where the CNI plugins are (default /usr/lib/cni). */
  cniPath?: string;
  /** Bind unscheduled Pods to this node (default true). */
  schedule?: boolean;
  /** How long running containers get to stop when the runtime itself stops. Default 5 s. */
  shutdownGraceMs?: number;
  logger?: Logger;
}

export interface RunningRuntime {
  nodeName: string;
  logs: PodLogStore;
  /** Whether containers get their own mount namespace (volumes at their mountPath). */
  mountNamespace: boolean;
  /** Whether the incluster image runs in the Pod sandbox. */
  sandboxed: boolean;
  /** The cgroup version containers are limited with; absent: no limits (see the start-up log). */
  cgroups?: { version: 1 | 2; parents: string[] };
  /** The Pod network when Pods get their own namespace (bridge, Pod CIDR). */
  network?: { bridge: string; podCIDR: string; network: string; netnsPrefix: string; chainPrefix: string };
  client: KubeClient;
  stop(): Promise<void>;
}

function apiServerOf(client: KubeClient): { host: string; port: number } {
  const url = new URL(client.config.server);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return { host, port: url.port ? Number(url.port) : 443 };
}

async function mountMode(option: RuntimeOptions["mountNamespace"], log: Logger): Promise<boolean> {
  if (option === false) {
    log.info(
      "mount namespaces disabled: the ServiceAccount directory is announced through INCLUSTER_SERVICEACCOUNT_DIR",
    );
    return false;
  }
  const support = await detectMountNamespace();
  if (!support.available) {
    if (option === true) throw new Error(`mount namespaces were required but ${support.detail}`);
    log.warn(
      `containers run without their own mount namespace (${support.detail}): volumes are not visible at their mountPath; ` +
        "the ServiceAccount directory is announced through INCLUSTER_SERVICEACCOUNT_DIR",
    );
    return false;
  }
  await mkdir(DEFAULT_SERVICE_ACCOUNT_DIR, { recursive: true }).then((created) => {
    if (created) log.info(`created the empty mount point ${DEFAULT_SERVICE_ACCOUNT_DIR} on the host`);
  });
  log.info(`containers get a private mount namespace (${support.detail}): volumes appear at their mountPath`);
  return true;
}

async function cgroupMode(options: RuntimeOptions, log: Logger): Promise<RuntimeCgroups | undefined> {
  if (options.cgroups === false) {
    log.warn("cgroups are disabled: container resource limits are not enforced");
    return { detail: "cgroups are disabled in this runtime's options" };
  }
  const found = await detectCgroups();
  const podPidsLimit = options.podPidsLimit ?? DEFAULT_MAX_PROCESSES;
  if (!found.manager) {
    if (options.cgroups === true) throw new Error(`cgroups were required but ${found.detail}`);
    log.warn(
      `no container resource limits (${found.detail}): resources.limits are not enforced and Pods that set them get the condition incluster.dev/ResourcesApplied=False`,
    );
    return { detail: found.detail };
  }
  const removed = await found.manager.removeLeftovers().catch((error: Error) => {
    log.warn({ err: error.message }, "cannot remove the cgroups of an earlier run");
    return 0;
  });
  if (removed > 0) log.warn(`removed the cgroups of ${removed} earlier run(s)`);
  log.info(`container resource limits are enforced through ${found.detail}`);
  return { manager: found.manager, detail: found.detail, ...(podPidsLimit > 0 ? { podPidsLimit } : {}) };
}

async function sandboxMode(options: RuntimeOptions, log: Logger): Promise<SandboxConfig | undefined> {
  const stateDir = path.join(options.dataDir, "sandbox");
  const entrypoint = inclusterEntrypoint();
  const appDirs = appDirsFor(entrypoint);
  const hidden = [options.dataDir, ...(options.hiddenPaths ?? [])].map((p) => path.resolve(p));
  if (options.sandbox === false) {
    log.warn("the Pod sandbox is disabled: the incluster image runs as this user and sees this host's files");
    return undefined;
  }
  const support = await detectSandbox(entrypoint[0], appDirs);
  if (!support.available) {
    if (options.sandbox === true) throw new Error(`the Pod sandbox was required but ${support.detail}`);
    const who = process.getuid?.() === 0 ? "refused (the runtime runs as root)" : "run as this user";
    log.warn(
      `no Pod sandbox (${support.detail}): containers of the incluster image are ${who}, ` +
        "see this host's files, share its PID namespace and /tmp, and have no process limit",
    );
    return undefined;
  }
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  log.info(`the incluster image runs in the Pod sandbox (${support.detail})`);
  return {
    stateDir,
    steps: baseSteps(appDirs, hidden),
    node: entrypoint[0],
    maxProcesses: options.maxProcesses ?? DEFAULT_MAX_PROCESSES,
  };
}

export async function startRuntime(options: RuntimeOptions): Promise<RunningRuntime> {
  const log = options.logger ?? pino({ level: "info", base: { component: "kubelet" } }, pino.destination(2));
  closeInheritedDescriptors(); // before anything is spawned: exec probes and host commands run as they are
  const ownClient = !options.client;
  const client =
    options.client ??
    (await createClient({ kubeconfig: options.kubeconfig, context: options.context, inCluster: false }));
  const nodeName = options.nodeName ?? DEFAULT_NODE_NAME;
  const clock = options.clock ?? systemClock;
  const podsDir = path.join(options.dataDir, "pods");
  // A crashed runtime may have left containers running: kill exactly those before running the Pods again.
  const records = new ProcessRecords(path.join(options.dataDir, "containers"));
  const reaped = await records.reapLeftovers();
  if (reaped > 0) log.warn(`killed ${reaped} container process group(s) left by an earlier run`);
  await rm(podsDir, { recursive: true, force: true });
  await mkdir(podsDir, { recursive: true, mode: 0o750 });
  const logs = options.logs ?? new PodLogStore(path.join(options.dataDir, "logs"));
  const mountNamespace = await mountMode(options.mountNamespace, log);
  const sandbox = await sandboxMode(options, log);
  const cgroups = await cgroupMode(options, log);
  if (options.allowHostCommands) {
    log.warn("host commands are allowed: any Pod that sets `command` runs it on this host as this user");
  }

  const configMaps = client.resource<ConfigMap>("configmaps").informer({ allNamespaces: true });
  const secrets = client.resource<Secret>("secrets").informer({ allNamespaces: true });
  // Service links: like the kubelet, containers start only once the Services have been listed.
  const services = client.resource<Service>("services").informer({ allNamespaces: true });
  const objects = {
    configMap: (ns: string, name: string) => configMaps.store.get(ns, name),
    secret: (ns: string, name: string) => secrets.store.get(ns, name),
  };
  const events = new EventRecorder(client, { component: "kubelet", host: nodeName }, log);
  const tokens = new TokenManager(
    (spec) =>
      client.createToken(spec.namespace, spec.serviceAccount, {
        audiences: spec.audiences,
        expirationSeconds: spec.expirationSeconds,
        ...(spec.pod ? { boundObjectRef: { apiVersion: "v1", kind: "Pod", ...spec.pod } } : {}),
      }),
    {
      clock,
      onIssued: (spec, issued) =>
        log.debug(
          { pod: `${spec.namespace}/${spec.pod?.name}`, expires: issued.expirationTimestamp.toISOString() },
          "requested a ServiceAccount token",
        ),
    },
  );
  const api = options.apiServer ?? apiServerOf(client);
  const network = await startNodeNetwork({
    mode: options.network ?? "auto",
    dataDir: options.dataDir,
    podCIDR: options.podCIDR,
    cniPath: options.cniPath,
    client,
    log,
  });
  const podApi = network?.apiService ?? api;
  const workers = new Map<string, PodWorker>();
  const deps: WorkerDeps = {
    client,
    volumes: new VolumeManager(
      podsDir,
      { objects, token: (spec) => tokens.get(spec) },
      new PersistentVolumeSource(client, options.persistentVolumesDir, nodeName),
      { allowHostPath: Boolean(options.allowHostCommands) },
    ),
    logs,
    ips: new LoopbackIpPool(options.firstPodIP),
    tokens,
    objects,
    events,
    backoff: new CrashLoopBackOff(options.backoff, clock),
    policy: { allowHostCommands: Boolean(options.allowHostCommands) },
    mountNamespace,
    sandbox,
    ...(cgroups ? { cgroups } : {}),
    records,
    serviceEnv: kubernetesServiceEnv(podApi.host, podApi.port),
    hostServiceEnv: kubernetesServiceEnv(api.host, api.port),
    services: (namespace) => services.store.byNamespace(namespace),
    ...(network ? { network: network.pods, podResolvConf: network.resolvConf } : {}),
    ...(network
      ? {}
      : {
          portHolder: (port: number, protocol: "TCP" | "UDP" | "SCTP") =>
            findPortHolder(port, protocol, (pid) => {
              for (const w of workers.values())
                if (w.mainPids().includes(pid)) return `${w.namespace}/${w.name}`;
              return undefined;
            }),
        }),
    volumeSyncIntervalMs: options.volumeSyncIntervalMs ?? 60_000,
    log,
  };

  const stopExec = options.exec?.register(nodeName, {
    container: (uid, name) => workers.get(uid)?.runningContainer(name),
    allowHostCommands: Boolean(options.allowHostCommands),
    mountNamespace,
  });

  const resyncNamespace = (object: ConfigMap | Secret) => {
    for (const worker of workers.values())
      if (worker.namespace === object.metadata?.namespace) worker.resync();
  };
  for (const informer of [configMaps, secrets] as Informer<ConfigMap | Secret>[]) {
    informer.on("add", resyncNamespace);
    informer.on("update", resyncNamespace);
    informer.on("delete", resyncNamespace);
    informer.on("error", (error) =>
      log.warn({ err: error.message }, "watch of Pod dependencies failed; retrying"),
    );
  }
  services.on("error", (error) => log.warn({ err: error.message }, "watch of Services failed; retrying"));
  await Promise.all([configMaps.synced, secrets.synced, services.synced]);

  const node = new NodeRegistration(client, nodeName, log);
  await node.register(options.nodeStatusIntervalMs ?? 30_000);

  const pods = client
    .resource<Pod>("pods")
    .informer({ allNamespaces: true, fieldSelector: `spec.nodeName=${nodeName}`, autoStart: false });
  const adopt = (pod: Pod) => {
    const worker = new PodWorker(deps, pod);
    workers.set(worker.uid, worker);
    worker.start();
    if (pod.metadata?.deletionTimestamp) void worker.terminate();
  };
  pods.on("add", adopt);
  pods.on("update", (pod) => {
    const worker = workers.get(pod.metadata?.uid ?? "");
    if (worker) worker.update(pod);
    else adopt(pod);
  });
  pods.on("delete", (pod) => {
    const uid = pod.metadata?.uid ?? "";
    const worker = workers.get(uid);
    workers.delete(uid);
    void worker?.remove();
  });
  pods.on("error", (error) => log.warn({ err: error.message }, "pod watch failed; retrying"));
  pods.start();
  await pods.synced;
  const findPod: PodLookup = (namespace, name) => {
    for (const w of workers.values()) if (w.namespace === namespace && w.name === name) return w;
    return undefined;
  };
  options.portForward?.serve(findPod);
  // Usage is read from /proc (usage-proc.ts): elsewhere metrics.k8s.io answers as metrics-server without data.
  const sampleUsage = Boolean(options.metrics) && process.platform === "linux";
  if (options.metrics && !sampleUsage)
    log.warn(
      `resource usage is not sampled on ${process.platform} (it is read from /proc): kubectl top has no data`,
    );
  const usage = sampleUsage
    ? new UsageSampler({
        running: () =>
          [...workers.values()].flatMap((w) => w.runningProcesses().map((p) => ({ uid: w.uid, ...p }))),
        intervalMs: options.usageIntervalMs,
        onError: (error) => log.warn({ err: error.message }, "sampling resource usage failed"),
      })
    : undefined;
  const stopMetrics = usage && options.metrics?.register(nodeName, usage);
  usage?.start();

  const scheduler =
    options.schedule === false
      ? undefined
      : new LocalScheduler({ client, nodeName, nodeLabels: nodeLabels(nodeName), events, log });
  await scheduler?.start();
  log.info(
    {
      node: nodeName,
      hostCommands: Boolean(options.allowHostCommands),
      mountNamespace,
      sandbox: Boolean(sandbox),
      cgroups: cgroups?.manager ? `v${cgroups.manager.version}` : false,
      network: network ? network.names.subnet : false,
    },
    "pod runtime ready",
  );

  let stopping: Promise<void> | undefined;
  return {
    nodeName,
    logs,
    mountNamespace,
    sandboxed: Boolean(sandbox),
    ...(cgroups?.manager
      ? { cgroups: { version: cgroups.manager.version, parents: cgroups.manager.parents } }
      : {}),
    ...(network
      ? {
          network: {
            bridge: network.names.bridge,
            podCIDR: network.names.subnet,
            network: network.names.network,
            netnsPrefix: network.names.netnsPrefix,
            chainPrefix: network.names.chainPrefix,
          },
        }
      : {}),
    client,
    stop: () => {
      stopping ??= (async () => {
        scheduler?.stop();
        options.portForward?.stop(findPod);
        stopExec?.();
        stopMetrics?.();
        await usage?.stop();
        pods.stop();
        const grace = options.shutdownGraceMs ?? 5000;
        await Promise.all([...workers.values()].map((w) => w.shutdown(grace)));
        workers.clear();
        await cgroups?.manager
          ?.removeAll()
          .catch((error: Error) => log.warn({ err: error.message }, "cannot remove the runtime's cgroups"));
        await network?.stop();
        await node.stop();
        configMaps.stop();
        secrets.stop();
        services.stop();
        await events.flush();
        if (ownClient) client.close();
      })();
      return stopping;
    },
  };
}
