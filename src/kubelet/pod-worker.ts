// One Pod's life on this node (the kubelet's pod worker + syncPod, for processes): set up the sandbox
// (Pod IP, volumes), run init containers in order, then the containers; restart them by restartPolicy with
// the CrashLoopBackOff delay; probe them; report status through pods/{name}/status; and on deletion stop
// them gracefully (SIGTERM, grace period, SIGKILL) before deleting the Pod object for good.
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Container, ObjectReference, Pod, PodStatus, Service } from "kubernetes-types/core/v1.d.ts";
import type { Logger } from "pino";
import { isNotFound, type KubeClient } from "../client/index.ts";
import { type CrashLoopBackOff, goDuration } from "./backoff.ts";
import type { ContainerCgroup } from "./cgroups.ts";
import { placeContainer, type RuntimeCgroups } from "./cgroups-pod.ts";
import { rfc3339 } from "./clock.ts";
import { type LaunchPlan, planLaunch, type SandboxConfig } from "./container-launch.ts";
import { ContainerProcess, type ExitInfo, type ProcessSpec } from "./container-process.ts";
import {
  type ContainerRecord,
  containerStatus,
  type Exit,
  newRecord,
  type RunningInstance,
} from "./container-status.ts";
import type { ObjectSource } from "./env.ts";
import { EphemeralContainers } from "./ephemeral.ts";
import type { EventRecorder, EventType } from "./events.ts";
import type { ImagePolicy } from "./images.ts";
import {
  ContainerCommands,
  FAILED_POST_START_HOOK,
  FAILED_PRE_STOP_HOOK,
  type HookTarget,
  MINIMUM_GRACE_PERIOD_MS,
  POST_START_HOOK_ERROR,
  POST_START_HOOK_FAILED,
  PRE_STOP_HOOK_FAILED,
  runLifecycleHandler,
  runPreStop,
} from "./lifecycle-hooks.ts";
import type { PodLogStore } from "./logs.ts";
import { inNamespaceOf } from "./mount-namespace.ts";
import { inNetns } from "./network/host.ts";
import type { PodNetworks } from "./network/pod-network.ts";
import type { PortHolder } from "./network/port-holders.ts";
import { HOST_IP, type LoopbackIpPool } from "./pod-ips.ts";
import { buildPodStatus } from "./pod-status.ts";
import { ContainerProber, type ProbeKind } from "./prober.ts";
import { CONTAINER_ID_ENV, type ProcessRecords } from "./process-records.ts";
import { inSandboxOf, SETUP_ENV } from "./sandbox.ts";
import { podServiceEnv } from "./service-env.ts";
import { hasSidecars, TerminationOrdering } from "./termination-order.ts";
import type { TokenManager } from "./token-manager.ts";
import type { VolumeManager } from "./volumes.ts";

export interface WorkerDeps {
  client: KubeClient;
  volumes: VolumeManager;
  logs: PodLogStore;
  ips: LoopbackIpPool;
  tokens: TokenManager;
  objects: ObjectSource;
  events: EventRecorder;
  backoff: CrashLoopBackOff;
  policy: ImagePolicy;
  mountNamespace: boolean;
  /** Running instances on disk, so a restarted runtime can kill what a crashed one left. */
  records?: ProcessRecords;
  /** The Pod sandbox for the incluster image, when this host provides one. */
  sandbox?: SandboxConfig;
  /** Resource limits (cgroups-pod.ts); without a manager, limits go unenforced and Pods are told. */
  cgroups?: RuntimeCgroups;
  serviceEnv: ReadonlyMap<string, string>;
  /** Pods with their own network namespace (root on Linux); absent: Pods share the host's network. */
  network?: PodNetworks;
  /** The Pod's resolv.conf text (kubelet DNS configurer), for Pods with their own network. */
  podResolvConf?: (pod: Pod) => string;
  /** The Services of a namespace (the runtime's informer cache), for the service links. */
  services?: (namespace: string) => Service[];
  /** The `kubernetes` Service variables for hostNetwork Pods (default serviceEnv). */
  hostServiceEnv?: ReadonlyMap<string, string>;
  /**
   * Host-network mode only: who holds a port (host.ts port-holders), to name the other Pod when a
   * container declaring that port fails.
   */
  portHolder?: (port: number, protocol: "TCP" | "UDP" | "SCTP") => Promise<PortHolder | undefined>;
  /** How often volumes are re-synced (token refresh checks, ConfigMap contents). Kubelet: ~1 min. */
  volumeSyncIntervalMs: number;
  log: Logger;
}

export interface RunningContainer {
  process: ContainerProcess;
  /** The container's command (inside the sandbox: below its init). */
  pid: number;
  /** The Pod's network namespace, when it has its own. */
  netns?: string;
  /** The container's cgroup: exec'd processes join it. */
  cgroup?: ContainerCgroup;
}

const isSidecar = (record: ContainerRecord) => record.init && record.spec.restartPolicy === "Always";

/** Retry delay for problems that may fix themselves (a missing ConfigMap, a failed TokenRequest). */
const RETRY_MS = 2000;
/** When the Pod object vanished without a graceful deletion, processes still get this long. */
const FORCED_GRACE_MS = 2000;
/** How much of a failed container's log becomes its termination message (FallbackToLogsOnError). */
const MAX_MESSAGE_BYTES = 2048;

export class PodWorker {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly #deps: WorkerDeps;
  readonly #log: Logger;
  readonly #records: ContainerRecord[];
  readonly #ephemeral: EphemeralContainers;
  #pod: Pod;
  #podIP: string | undefined;
  /** The Pod's network namespace when it has one. */
  #netns: string | undefined;
  /** Runs exec hooks in the Pod's containers (created on first use). */
  #commands: ContainerCommands | undefined;
  /** Host path of the Pod's resolv.conf, mounted at /etc/resolv.conf in its containers. */
  #resolvConf: string | undefined;
  #startTime: string | undefined;
  #sandboxReady = false;
  #volumeDirs = new Map<string, string>();
  /** Finished for good (Succeeded/Failed): nothing runs or restarts any more. */
  #terminal: boolean;
  #terminating: Promise<void> | undefined;
  #closed = false;
  #syncing: Promise<void> | undefined;
  #syncAgain = false;
  readonly #timers = new Set<NodeJS.Timeout>();
  #volumeTimer: NodeJS.Timeout | undefined;
  #statusSending: Promise<void> | undefined;
  #statusDirty = false;
  #pending = "";
  #lastSent = "";
  #lastMountErrors = "";
  readonly #securityNotApplied = new Map<string, string[]>();
  /** Container name → resource fields no cgroup enforces (this host has none usable). */
  readonly #resourcesNotApplied = new Map<string, string[]>();
  /** Container name → who holds the port it needed (host-network mode). */
  readonly #portConflicts = new Map<string, string>();

  /** The Pod IP once its sandbox is set up (port-forward dials it). */
  get podIP(): string | undefined {
    return this.#podIP;
  }

  /** The Pod's network namespace, when it has its own. */
  get netns(): string | undefined {
    return this.#netns;
  }

  constructor(deps: WorkerDeps, pod: Pod) {
    this.#deps = deps;
    this.#pod = pod;
    this.uid = pod.metadata?.uid ?? "";
    this.namespace = pod.metadata?.namespace ?? "default";
    this.name = pod.metadata?.name ?? "";
    this.#log = deps.log.child({ pod: `${this.namespace}/${this.name}` });
    const previous = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    const record = (c: Container, init: boolean) =>
      newRecord(
        c,
        init,
        previous.find((s) => s.name === c.name),
      );
    this.#records = [
      ...(pod.spec?.initContainers ?? []).map((c) => record(c, true)),
      ...(pod.spec?.containers ?? []).map((c) => record(c, false)),
    ];
    this.#ephemeral = new EphemeralContainers(pod);
    const phase = pod.status?.phase;
    this.#terminal = phase === "Succeeded" || phase === "Failed";
    this.#startTime = pod.status?.startTime;
  }

  start(): void {
    if (this.#terminal) return;
    this.#volumeTimer = setInterval(() => this.#kick(), this.#deps.volumeSyncIntervalMs);
    this.#kick();
  }

  /** Init and regular containers, then ephemeral ones. */
  #allRecords(): ContainerRecord[] {
    return [...this.#records, ...this.#ephemeral.records];
  }

  /** The main processes of its running containers (to tell which Pod a process belongs to). */
  mainPids(): number[] {
    return this.#allRecords().flatMap((r) => (r.instance?.process.pid ? [r.instance.process.pid] : []));
  }

  /** Its running containers and the roots of their process trees (resource usage, usage.ts). */
  runningProcesses(): { container: string; pid: number; startedAt: number; cgroup?: ContainerCgroup }[] {
    return this.#allRecords().flatMap(({ spec, instance }) =>
      instance?.process.pid
        ? [
            {
              container: spec.name,
              pid: instance.process.pid,
              startedAt: instance.startedAt,
              ...(instance.cgroup ? { cgroup: instance.cgroup } : {}),
            },
          ]
        : [],
    );
  }

  /** A running container, for pods/exec and pods/attach (the kubelet's findContainer sees running ones only). */
  runningContainer(name: string): RunningContainer | undefined {
    const instance = this.#allRecords().find((r) => r.spec.name === name)?.instance;
    const pid = instance?.process.commandPid();
    if (!instance || !pid) return undefined;
    return {
      process: instance.process,
      pid,
      ...(this.#netns ? { netns: this.#netns } : {}),
      ...(instance.cgroup ? { cgroup: instance.cgroup } : {}),
    };
  }

  /** A newer version of the Pod object. */
  update(pod: Pod): void {
    this.#pod = pod;
    if (pod.metadata?.deletionTimestamp) {
      void this.terminate();
      return;
    }
    this.#kick();
  }

  /** Something the Pod may use changed (a ConfigMap or Secret in its namespace). */
  resync(): void {
    this.#kick();
  }

  /** Graceful deletion: stop everything within the grace period, report, then delete the Pod object. */
  terminate(): Promise<void> {
    this.#terminating ??= this.#terminate();
    return this.#terminating;
  }

  /** The Pod object is gone: stop what still runs and free everything the Pod held. */
  async remove(): Promise<void> {
    this.#closed = true;
    this.#stopTimers();
    this.#abortPostStart();
    await this.#syncing; // a volume write in flight would race the removal of the Pod's directory
    await this.#stopContainers(FORCED_GRACE_MS, false);
    await this.#cleanup();
  }

  /** The runtime stops: end the processes, keep the Pod object (a node going down). */
  async shutdown(graceMs: number): Promise<void> {
    this.#closed = true;
    this.#stopTimers();
    this.#abortPostStart();
    await this.#stopContainers(graceMs, false);
    await this.#tearDownNetwork(this.#deps.network);
    await this.#removeCgroups();
  }

  // ------------------------------------------------------------------------------------------ sync loop

  #kick(): void {
    if (this.#closed || this.#terminating) return;
    if (this.#syncing) {
      this.#syncAgain = true;
      return;
    }
    this.#syncing = (async () => {
      do {
        this.#syncAgain = false;
        await this.#sync().catch((error: Error) => {
          this.#log.error({ err: error.message }, "pod sync failed");
          this.#after(RETRY_MS);
        });
      } while (this.#syncAgain && !this.#closed && !this.#terminating);
    })().finally(() => {
      this.#syncing = undefined;
    });
  }

  async #sync(): Promise<void> {
    if (this.#terminal) return;
    if (!this.#podIP) {
      this.#startTime ??= rfc3339();
      if (!(await this.#setUpNetwork())) return;
    }
    const volumes = await this.#deps.volumes.sync(this.#podWithStatus());
    if (this.#closed || this.#terminating) return;
    this.#volumeDirs = volumes.dirs;
    if (volumes.errors.length > 0) {
      const summary = volumes.errors.join("\n");
      if (summary !== this.#lastMountErrors) {
        for (const message of volumes.errors) this.#event(undefined, "Warning", "FailedMount", message);
      }
      this.#lastMountErrors = summary;
      if (!this.#sandboxReady) {
        this.#publish();
        this.#after(RETRY_MS);
        return;
      }
    } else {
      this.#lastMountErrors = "";
    }
    this.#sandboxReady = true;
    // Ephemeral containers start once, initialized or not (computePodActions).
    for (const record of this.#ephemeral.pending(this.#pod)) await this.#startOrWait(record);

    const policy = this.#pod.spec?.restartPolicy ?? "Always";
    // Init containers: one at a time, each must succeed before the next. Sidecars (restartPolicy
    // Always) only have to have started, and keep running (and restarting) next to the containers.
    for (const record of this.#records.filter((r) => r.init)) {
      if (isSidecar(record)) {
        if (!record.instance) await this.#startOrWait(record);
        if (!record.instance?.prober.started) return this.#publish();
        continue;
      }
      if (record.instance) return this.#publish();
      const exit = record.lastExit;
      if (exit?.exitCode === 0) continue;
      if (exit && policy === "Never") return this.#finish();
      await this.#startOrWait(record);
      return this.#publish();
    }
    for (const record of this.#records.filter((r) => !r.init)) {
      if (record.instance) continue;
      const exit = record.lastExit;
      const restart = !exit || policy === "Always" || (policy === "OnFailure" && exit.exitCode !== 0);
      if (restart) await this.#startOrWait(record);
    }
    const done = this.#records.every((r) => r.init || (!r.instance && r.lastExit && !r.waiting));
    if (done) return this.#finish();
    this.#publish();
  }

  /** The Pod IP: its own network namespace (CNI), the host's for hostNetwork, else a loopback address. */
  async #setUpNetwork(): Promise<boolean> {
    const network = this.#deps.network;
    if (this.#pod.spec?.hostNetwork) {
      this.#podIP = HOST_IP;
      // The host's /etc/resolv.conf, unless the Pod asks for the cluster DNS on the host network.
      if (this.#pod.spec.dnsPolicy === "ClusterFirstWithHostNet") await this.#writeResolvConf();
      return true;
    }
    if (!network) {
      this.#podIP = this.#deps.ips.allocate(this.uid, this.#pod.status?.podIP);
      return true;
    }
    try {
      const sandbox = await network.setUp(this.#pod);
      if (this.#closed || this.#terminating) return false;
      this.#netns = sandbox.netns;
      this.#podIP = sandbox.podIPs[0];
      await this.#writeResolvConf();
      return true;
    } catch (error) {
      // The kubelet's event when RunPodSandbox fails (pkg/kubelet/kuberuntime/kuberuntime_manager.go).
      this.#event(
        undefined,
        "Warning",
        "FailedCreatePodSandBox",
        `Failed to create pod sandbox: failed to setup network for sandbox "${this.uid}": ${(error as Error).message}`,
      );
      this.#publish();
      this.#after(RETRY_MS);
      return false;
    }
  }

  /** The Pod's resolv.conf on the host, for its containers' /etc/resolv.conf (node networking only). */
  async #writeResolvConf(): Promise<void> {
    if (!this.#deps.podResolvConf) return;
    const dir = this.#deps.volumes.podDir(this.uid);
    await mkdir(dir, { recursive: true, mode: 0o750 });
    this.#resolvConf = path.join(dir, "resolv.conf");
    await writeFile(this.#resolvConf, this.#deps.podResolvConf(this.#pod), { mode: 0o644 });
  }

  /** Every container has finished for good (sidecars are stopped now): the Pod is Succeeded or Failed. */
  async #finish(): Promise<void> {
    this.#terminal = true;
    this.#stopTimers();
    // Later sidecars stop first, as on deletion; ephemeral containers are not in the ordering and stop at once.
    const sidecars = [...this.#records.filter(isSidecar), ...this.#ephemeral.records].filter(
      (r) => r.instance,
    );
    const ordering = new TerminationOrdering(
      this.#pod,
      sidecars.map((r) => r.spec.name),
    );
    await Promise.all(
      sidecars.map((record) =>
        this.#killContainer(
          record,
          record.instance!,
          `Stopping container ${record.spec.name}`,
          this.#graceMs(),
          ordering,
        ),
      ),
    );
    // A finished Pod keeps its IP in status, not its lease (the kubelet kills a completed Pod's sandbox).
    await this.#tearDownNetwork(this.#deps.network);
    this.#publish();
  }

  async #startOrWait(record: ContainerRecord): Promise<void> {
    const key = `${this.uid}/${record.spec.name}`;
    const exit = record.lastExit;
    if (exit) {
      const remaining = this.#deps.backoff.remainingMs(key, exit.finishedAt);
      if (remaining > 0) {
        const delay = goDuration(this.#deps.backoff.delayMs(key));
        if (record.waiting?.reason !== "CrashLoopBackOff") {
          this.#event(
            record,
            "Warning",
            "BackOff",
            `Back-off restarting failed container ${record.spec.name} in pod ${this.#podRef()}`,
          );
        }
        record.waiting = {
          reason: "CrashLoopBackOff",
          message: `back-off ${delay} restarting failed container=${record.spec.name} pod=${this.#podRef()}`,
        };
        this.#after(remaining);
        return;
      }
    }
    let plan = await planLaunch({
      pod: this.#podWithStatus(),
      container: record.spec,
      podDir: this.#deps.volumes.podDir(this.uid),
      volumeDirs: this.#volumeDirs,
      objects: this.#deps.objects,
      serviceEnv: podServiceEnv(
        this.#pod,
        this.#deps.services?.(this.namespace) ?? [],
        this.#pod.spec?.hostNetwork && this.#deps.hostServiceEnv
          ? this.#deps.hostServiceEnv
          : this.#deps.serviceEnv,
      ),
      policy: this.#deps.policy,
      mountNamespace: this.#deps.mountNamespace,
      sandbox: this.#deps.sandbox,
      resolvConf: this.#resolvConf,
    });
    plan = this.#inTargetNamespace(record, plan);
    if (this.#closed || this.#terminating) return;
    if (!plan.ok) {
      if (record.waiting?.message !== plan.message) {
        this.#event(
          record,
          "Warning",
          plan.reason === "ErrImageNeverPull" ? "ErrImageNeverPull" : "Failed",
          `Error: ${plan.message}`,
        );
      }
      record.waiting = { reason: plan.reason, message: plan.message };
      if (plan.retry) this.#after(RETRY_MS);
      return;
    }
    const id = `incluster://${randomBytes(32).toString("hex")}`;
    const placed = await placeContainer(this.#deps.cgroups, this.#pod, record.spec, id);
    if (this.#closed || this.#terminating) {
      if (placed.ok) await placed.cgroup?.remove().catch(() => undefined);
      return;
    }
    if (!placed.ok) {
      if (record.waiting?.message !== placed.message)
        this.#event(record, "Warning", "Failed", `Error: ${placed.message}`);
      record.waiting = { reason: "CreateContainerError", message: placed.message };
      this.#after(RETRY_MS);
      return;
    }
    if (exit) this.#deps.backoff.next(key, exit.finishedAt);
    this.#securityNotApplied.set(record.spec.name, plan.notApplied);
    this.#resourcesNotApplied.set(record.spec.name, placed.notApplied);
    for (const warning of plan.warnings) this.#event(record, "Warning", warning.reason, warning.message);
    // Every container of the Pod enters its network namespace (nsenter execs: same process, same pid).
    let spec = this.#netns ? { ...plan.spec, argv: inNetns(this.#netns, plan.spec.argv) } : plan.spec;
    // Outermost: the spawned process joins the cgroup first, everything after runs limited.
    if (placed.cgroup) spec = { ...spec, argv: placed.cgroup.joinArgv(spec.argv) };
    this.#launch(record, spec, plan.imageID, id, placed.cgroup);
    await this.#postStart(record, spec);
  }

  /** An ephemeral container with targetContainerName joins the PID namespace of that running container. */
  #inTargetNamespace(record: ContainerRecord, plan: LaunchPlan): LaunchPlan {
    const target = this.#ephemeral.targetOf(record);
    if (!plan.ok || !target) return plan;
    const running = this.runningContainer(target);
    const spec = running && this.#ephemeral.inTargetNamespace(plan.spec, running.process);
    if (!spec) {
      const message = `cannot share the process namespace of container "${target}": it is not running`;
      return { ok: false, reason: "CreateContainerError", message, retry: true };
    }
    return { ...plan, spec };
  }

  #launch(
    record: ContainerRecord,
    spec: ProcessSpec,
    imageID: string,
    id: string,
    cgroup: ContainerCgroup | undefined,
  ): void {
    if (record.everStarted) record.restartCount++;
    record.everStarted = true;
    record.imageID = imageID;
    record.waiting = undefined;
    const log = this.#deps.logs.openInstance({
      namespace: this.namespace,
      pod: this.name,
      uid: this.uid,
      container: record.spec.name,
      containerID: id,
      restartCount: record.restartCount,
    });
    this.#event(
      record,
      "Normal",
      "Pulled",
      `Container image "${record.spec.image}" already present on machine`,
    );
    const process = new ContainerProcess(
      {
        ...spec,
        env: { ...spec.env, [CONTAINER_ID_ENV]: id },
        ...(record.spec.stdin ? { stdin: { once: Boolean(record.spec.stdinOnce) } } : {}),
      },
      log,
    );
    const startedAt = Date.now();
    if (process.pid !== undefined) {
      this.#deps.records
        ?.add(id, process.pid)
        .catch((error: Error) =>
          this.#log.warn({ err: error.message }, "cannot record the container's process"),
        );
    }
    // Probes start once the postStart hook has succeeded (the kubelet sees the container Running only then).
    const postStart = record.spec.lifecycle?.postStart ? new AbortController() : undefined;
    const prober = this.#newProber(
      record,
      spec,
      process,
      postStart ? { name: record.spec.name } : record.spec,
    );
    const instance: RunningInstance = { id, process, startedAt, prober, log, finished: Promise.resolve() };
    if (postStart) instance.postStart = postStart;
    if (cgroup) instance.cgroup = cgroup;
    instance.finished = process.exited.then((info) => this.#exited(record, instance, info));
    record.instance = instance;
    this.#event(record, "Normal", "Created", `Created container: ${record.spec.name}`);
    this.#event(record, "Normal", "Started", `Started container ${record.spec.name}`);
    this.#log.info(
      { container: record.spec.name, pid: process.pid, restartCount: record.restartCount },
      "container started",
    );
  }

  #newProber(record: ContainerRecord, spec: ProcessSpec, process: ContainerProcess, probed: Container) {
    return new ContainerProber(
      probed,
      this.#probeTarget(record, spec, () => process.commandPid()),
      {
        changed: () => this.#publish(),
        unhealthy: (_kind, message) => this.#event(record, "Warning", "Unhealthy", message),
        restart: (kind) => void this.#restartForProbe(record, kind),
      },
    );
  }

  // ------------------------------------------------------------------------------------------ lifecycle hooks

  /**
   * startContainer's step 4: the postStart hook blocks this sync (so the next containers start after it,
   * as in the kubelet); on failure the container is killed (preStop included) and restartPolicy applies.
   */
  async #postStart(record: ContainerRecord, spec: ProcessSpec): Promise<void> {
    const instance = record.instance;
    const handler = record.spec.lifecycle?.postStart;
    const abort = instance?.postStart;
    if (!instance || !handler || !abort) return;
    void instance.process.exited.then(() => abort.abort());
    this.#publish(); // still ContainerCreating, meanwhile
    const failure = await runLifecycleHandler(handler, this.#hookTarget(record), abort.signal);
    instance.postStart = undefined;
    if (this.#closed || this.#terminating) return; // the Pod's termination stops it
    if (failure === undefined) {
      if (record.instance === instance)
        instance.prober = this.#newProber(record, spec, instance.process, record.spec);
      this.#publish();
      return;
    }
    this.#log.warn({ container: record.spec.name, err: failure }, "postStart hook failed");
    this.#event(record, "Warning", FAILED_POST_START_HOOK, POST_START_HOOK_FAILED);
    await this.#killContainer(record, instance, FAILED_POST_START_HOOK, this.#graceMs());
    // Until the next start, the container waits with the hook's message (the kubelet's reasonCache).
    const policy = this.#pod.spec?.restartPolicy ?? "Always";
    const exitCode = record.lastExit?.exitCode ?? 0;
    if (isSidecar(record) || policy === "Always" || (policy === "OnFailure" && exitCode !== 0))
      record.waiting = { reason: POST_START_HOOK_ERROR, message: failure };
  }

  /**
   * killContainer: the Killing event, the preStop hook within the grace period, then SIGTERM and, after
   * what is left of the grace period (never less than 2 s), SIGKILL.
   */
  async #killContainer(
    record: ContainerRecord,
    instance: RunningInstance,
    message: string | undefined,
    graceMs: number,
    ordering?: TerminationOrdering,
  ): Promise<void> {
    instance.prober.stop();
    instance.postStart?.abort();
    if (message) this.#event(record, "Normal", "Killing", message);
    const preStop = record.spec.lifecycle?.preStop;
    if (preStop && graceMs > 0 && instance.process.running) {
      const abort = new AbortController();
      void instance.process.exited.then(() => abort.abort());
      graceMs = await runPreStop(preStop, this.#hookTarget(record), graceMs, abort.signal, (failure) => {
        this.#log.warn({ container: record.spec.name, err: failure }, "preStop hook failed");
        this.#event(record, "Warning", FAILED_PRE_STOP_HOOK, PRE_STOP_HOOK_FAILED);
      });
    }
    // Sidecars wait for the containers they serve (whole seconds off the grace period, as upstream).
    if (ordering && graceMs > 0)
      graceMs -= Math.floor((await ordering.waitForTurn(record.spec.name, graceMs)) / 1000) * 1000;
    await instance.process.terminate(Math.max(graceMs, MINIMUM_GRACE_PERIOD_MS));
    await instance.finished;
    ordering?.containerTerminated(record.spec.name);
  }

  #hookTarget(record: ContainerRecord): HookTarget {
    this.#commands ??= new ContainerCommands(
      {
        container: (_uid, name) => this.runningContainer(name),
        allowHostCommands: this.#deps.policy.allowHostCommands,
        mountNamespace: this.#deps.mountNamespace,
      },
      { namespace: this.namespace, name: this.name, uid: this.uid },
    );
    const commands = this.#commands;
    return {
      pod: this.#pod,
      container: record.spec,
      podIP: this.#podIP ?? HOST_IP,
      isolated: this.#netns !== undefined,
      exec: (command, signal) => commands.run(record.spec.name, command, signal),
      podWarning: (reason, message) => this.#event(undefined, "Warning", reason, message),
    };
  }

  async #exited(record: ContainerRecord, instance: RunningInstance, info: ExitInfo): Promise<void> {
    instance.prober.stop();
    await Promise.all([instance.log.close(), this.#deps.records?.remove(instance.id).catch(() => undefined)]);
    // The kernel's OOM killer ended a process of the container: the runtime reports OOMKilled, as containerd does.
    const oomKilled = (await instance.cgroup?.oomKilled()) ?? false;
    await instance.cgroup
      ?.remove()
      .catch((error: Error) =>
        this.#log.warn({ err: error.message }, "cannot remove the container's cgroup"),
      );
    const exit: Exit = {
      containerID: instance.id,
      exitCode: info.exitCode,
      ...(info.signal ? { signal: info.signal } : {}),
      reason: info.startError
        ? "StartError"
        : oomKilled
          ? "OOMKilled"
          : info.exitCode === 0
            ? "Completed"
            : "Error",
      startedAt: instance.startedAt,
      finishedAt: info.finishedAt,
    };
    const message =
      info.startError ?? this.#terminationMessage(record, instance.log.lastLines(), info.exitCode);
    if (message) exit.message = message;
    if (exit.exitCode !== 0 && !this.#terminating && !this.#closed) await this.#checkPorts(record);
    record.previousExit = record.lastExit;
    record.lastExit = exit;
    record.instance = undefined;
    this.#log.info(
      { container: record.spec.name, exitCode: exit.exitCode, signal: exit.signal },
      "container exited",
    );
    if (this.#terminating || this.#closed) return;
    this.#kick();
  }

  /**
   * Pods share the host's ports here: when a container that declares ports fails while another process
   * holds one of them, say who (Event + condition), since the app's own message cannot name the other Pod.
   */
  async #checkPorts(record: ContainerRecord): Promise<void> {
    const holderOf = this.#deps.portHolder;
    if (!holderOf) return;
    const self = `${this.namespace}/${this.name}`;
    for (const port of record.spec.ports ?? []) {
      const protocol = (port.protocol ?? "TCP") as "TCP" | "UDP" | "SCTP";
      const holder = await holderOf(port.containerPort, protocol).catch(() => undefined);
      if (!holder || holder.pod === self) continue;
      const who = holder.pod
        ? `Pod ${holder.pod}`
        : holder.pid
          ? `process ${holder.pid} on this host (not a Pod)`
          : "another process on this host";
      const message = `port ${port.containerPort}/${protocol} is already in use by ${who}: Pods share this host's network (the runtime gives each Pod its own network namespace only as root on Linux)`;
      if (this.#portConflicts.get(record.spec.name) !== message)
        this.#event(record, "Warning", "PortConflict", `Container ${record.spec.name} failed: ${message}`);
      this.#portConflicts.set(record.spec.name, message);
      return;
    }
    this.#portConflicts.delete(record.spec.name);
  }

  #terminationMessage(record: ContainerRecord, lines: string[], exitCode: number): string | undefined {
    if (record.spec.terminationMessagePolicy !== "FallbackToLogsOnError" || exitCode === 0) return undefined;
    let text = lines.join("\n");
    while (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) text = text.slice(text.indexOf("\n") + 1 || 1);
    return text || undefined;
  }

  async #restartForProbe(record: ContainerRecord, kind: ProbeKind): Promise<void> {
    const instance = record.instance;
    if (!instance || this.#terminating) return;
    const probe = kind === "liveness" ? record.spec.livenessProbe : record.spec.startupProbe;
    await this.#killContainer(
      record,
      instance,
      `Container ${record.spec.name} failed ${kind} probe, will be restarted`,
      this.#graceMs(probe?.terminationGracePeriodSeconds),
    );
  }

  #probeTarget(record: ContainerRecord, spec: ProcessSpec, pid: () => number | undefined) {
    return {
      podIP: this.#podIP ?? HOST_IP,
      isolated: this.#netns !== undefined,
      ports: record.spec.ports ?? [],
      exec: (command: readonly string[]) => {
        // Exec probes run in the container's cgroup, as a runtime's ExecSync does.
        const cgroup = record.instance?.cgroup;
        const limited = (argv: string[]) => (cgroup ? cgroup.joinArgv(argv) : argv);
        if (spec.sandbox) {
          const target = pid();
          if (!target) return new Error("the container's process is not running");
          return {
            argv: limited(inSandboxOf(target, spec.sandbox, command)),
            env: { ...SETUP_ENV },
            cwd: "/",
          };
        }
        if (!this.#deps.policy.allowHostCommands) {
          return new Error(
            "exec probes run commands on the host; start the runtime with --allow-host-commands to use them",
          );
        }
        const target = pid();
        const argv = this.#deps.mountNamespace && target ? inNamespaceOf(target, command) : [...command];
        return { argv: limited(argv), env: spec.env, cwd: spec.cwd };
      },
    };
  }

  // ------------------------------------------------------------------------------------------ termination

  async #terminate(): Promise<void> {
    this.#stopTimers();
    this.#abortPostStart();
    await this.#syncing;
    const graceMs = this.#graceMs();
    this.#log.info({ graceMs }, "pod deletion requested; stopping containers");
    await this.#stopContainers(graceMs, true);
    // The sandbox goes before the Pod object (StopPodSandbox): once deleted, its IP answers no more.
    await this.#tearDownNetwork(this.#deps.network);
    if (this.#closed) return;
    this.#terminal = true;
    this.#publish(true);
    await this.#statusIdle();
    try {
      await this.#deps.client.resource<Pod>("pods").delete(this.name, {
        namespace: this.namespace,
        gracePeriodSeconds: 0,
        preconditions: { uid: this.uid },
      });
    } catch (error) {
      if (!isNotFound(error))
        this.#log.warn({ err: (error as Error).message }, "could not delete the terminated pod");
    }
  }

  /** Deletion (announce) runs preStop hooks; a vanished Pod object or the runtime's stop does not. */
  async #stopContainers(graceMs: number, announce: boolean): Promise<void> {
    const running = this.#allRecords().filter((r) => r.instance);
    const ordering =
      announce && hasSidecars(this.#pod)
        ? new TerminationOrdering(
            this.#pod,
            running.map((r) => r.spec.name),
          )
        : undefined;
    await Promise.all(
      running.map(async (record) => {
        const instance = record.instance!;
        if (announce)
          return this.#killContainer(
            record,
            instance,
            `Stopping container ${record.spec.name}`,
            graceMs,
            ordering,
          );
        instance.prober.stop();
        await instance.process.terminate(graceMs);
        await instance.finished;
      }),
    );
    for (const record of this.#allRecords()) {
      if (record.waiting && !record.lastExit) record.waiting = { reason: "ContainerCreating" };
      if (record.waiting?.reason === "CrashLoopBackOff") record.waiting = undefined;
    }
  }

  #graceMs(override?: number): number {
    const seconds =
      override ??
      this.#pod.metadata?.deletionGracePeriodSeconds ??
      this.#pod.spec?.terminationGracePeriodSeconds ??
      30;
    return Math.max(0, seconds) * 1000;
  }

  async #cleanup(): Promise<void> {
    const { ips, volumes, tokens, backoff, events, logs, network } = this.#deps;
    ips.release(this.uid);
    await this.#tearDownNetwork(network);
    tokens.forgetPod(this.uid);
    backoff.forget(`${this.uid}/`);
    events.forget(this.uid);
    await Promise.all([
      volumes.cleanup(this.uid),
      logs.removePod(this.namespace, this.name, this.uid),
      this.#removeCgroups(),
    ]);
  }

  async #removeCgroups(): Promise<void> {
    await this.#deps.cgroups?.manager
      ?.removePod(this.uid)
      .catch((error: Error) => this.#log.warn({ err: error.message }, "cannot remove the Pod's cgroup"));
  }

  async #tearDownNetwork(network: PodNetworks | undefined): Promise<void> {
    if (!network) return;
    this.#netns = undefined;
    await network
      .tearDown(this.uid)
      .catch((error: Error) => this.#log.warn({ err: error.message }, "cannot tear down the Pod network"));
  }

  #abortPostStart(): void {
    for (const record of this.#records) record.instance?.postStart?.abort();
  }

  #stopTimers(): void {
    clearInterval(this.#volumeTimer);
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Syncs again after delayMs (back-off ends, retry after a transient problem). */
  #after(delayMs: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#kick();
    }, delayMs);
    this.#timers.add(timer);
  }

  // ------------------------------------------------------------------------------------------ status

  #podWithStatus(): Pod {
    const ip = this.#podIP;
    return {
      ...this.#pod,
      status: {
        ...this.#pod.status,
        hostIP: HOST_IP,
        hostIPs: [{ ip: HOST_IP }],
        ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
      },
    };
  }

  #status(terminal: boolean): PodStatus {
    for (const record of this.#records)
      if (record.instance?.prober.ready) this.#portConflicts.delete(record.spec.name);
    const init = this.#records.filter((r) => r.init).map(containerStatus);
    const regular = this.#records.filter((r) => !r.init).map(containerStatus);
    const ephemeral = this.#ephemeral.statuses(this.#pod);
    this.#deps.logs.setStatuses(this.namespace, this.name, this.uid, [...init, ...regular, ...ephemeral]);
    const status = buildPodStatus({
      pod: this.#pod,
      sandboxReady: this.#sandboxReady && !terminal,
      initStatuses: init,
      statuses: regular,
      terminal,
      hostIP: HOST_IP,
      podIP: this.#podIP,
      startTime: this.#startTime,
      now: new Date(),
      securityNotApplied: this.#securityNotApplied,
      resourcesNotApplied: this.#resourcesNotApplied,
      portConflicts: this.#portConflicts,
    });
    if (ephemeral.length > 0) status.ephemeralContainerStatuses = ephemeral;
    return status;
  }

  /** Sends the status if it changed; one PATCH in flight at a time, the latest state wins. */
  #publish(terminal = this.#terminal): void {
    if (this.#closed) return;
    const status = this.#status(terminal);
    const body = JSON.stringify({ status });
    if (body === this.#lastSent) return;
    this.#statusDirty = true;
    this.#pending = body;
    this.#statusSending ??= this.#sendStatus().finally(() => {
      this.#statusSending = undefined;
    });
  }

  async #sendStatus(): Promise<void> {
    while (this.#statusDirty && !this.#closed) {
      this.#statusDirty = false;
      const body = this.#pending;
      try {
        const updated = await this.#deps.client.requestJson<Pod>({
          method: "PATCH",
          path: `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods/${encodeURIComponent(this.name)}/status`,
          contentType: "application/merge-patch+json",
          body,
        });
        this.#lastSent = body;
        if (updated.metadata?.uid === this.uid) this.#pod = { ...this.#pod, status: updated.status };
      } catch (error) {
        if (isNotFound(error)) return;
        this.#log.warn({ err: (error as Error).message }, "pod status update failed; retrying");
        this.#statusDirty = true;
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }

  async #statusIdle(): Promise<void> {
    while (this.#statusSending) await this.#statusSending;
  }

  #podRef(): string {
    return `${this.name}_${this.namespace}(${this.uid})`;
  }

  #specList(record: ContainerRecord): string {
    if (record.init) return "initContainers";
    return this.#ephemeral.has(record) ? "ephemeralContainers" : "containers";
  }

  #event(record: ContainerRecord | undefined, type: EventType, reason: string, message: string): void {
    const ref: ObjectReference = {
      apiVersion: "v1",
      kind: "Pod",
      namespace: this.namespace,
      name: this.name,
      uid: this.uid,
    };
    if (record) ref.fieldPath = `spec.${this.#specList(record)}{${record.spec.name}}`;
    this.#deps.events.record(ref, type, reason, message);
  }
}
