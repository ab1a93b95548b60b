// startServer(): the local Kubernetes-compatible API server, in-process, on loopback HTTPS.
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import pino, { type Logger } from "pino";
import type { StoredObject } from "../meta/types.ts";
import { certificatesAdmission } from "./admission/certificates.ts";
import { defaultStorageClass } from "./admission/default-storage-class.ts";
import { limitRanger } from "./admission/limit-ranger.ts";
import { namespaceLifecycle } from "./admission/namespace-lifecycle.ts";
import { validatingAdmissionPolicy } from "./admission/policy/validating.ts";
import { priorityAdmission } from "./admission/priority.ts";
import { rbacEscalation } from "./admission/rbac-escalation.ts";
import { resourceQuotaAdmission } from "./admission/resource-quota.ts";
import { serviceAccountAdmission } from "./admission/service-account.ts";
import { storageObjectInUseProtection } from "./admission/storage-object-in-use.ts";
import { webhookAdmission } from "./admission/webhook/dispatch.ts";
import { openAuditLog } from "./audit.ts";
import { Authenticator, type StaticToken } from "./authn/index.ts";
import type { ServiceAccountTokenConfig, TokenObjectLookup } from "./authn/serviceaccount-tokens.ts";
import { Authorizer } from "./authz/index.ts";
import { bootstrap } from "./bootstrap.ts";
import type { AuditRecord, MetricsSource, PodExecSource, PodLogSource, PodPortForwarder } from "./context.ts";
import { type Clock, REAL_CLOCK } from "./controllers/clock.ts";
import { startAggregationController } from "./controllers/clusterrole-aggregation.ts";
import type { Controller, ControllerContext } from "./controllers/context.ts";
import { startCronJobController } from "./controllers/cronjob.ts";
import { startCsrSigningController } from "./controllers/csr-signing.ts";
import { startDaemonSetController } from "./controllers/daemonset.ts";
import { startDisruptionController } from "./controllers/disruption.ts";
import { startEndpointsController } from "./controllers/endpoints.ts";
import { startFlowSchemaStatusController } from "./controllers/flowschema-status.ts";
import { startGarbageCollector } from "./controllers/garbage-collector.ts";
import { startHorizontalController } from "./controllers/horizontal.ts";
import { type BatchControllerOptions, startJobControllers } from "./controllers/job.ts";
import { startLegacyTokenController } from "./controllers/legacy-tokens.ts";
import { startRootCaController, startServiceAccountController } from "./controllers/namespace-defaults.ts";
import { startNamespaceDeletionController } from "./controllers/namespace-deletion.ts";
import { startPersistentVolumeController } from "./controllers/persistent-volumes.ts";
import { startReplicationManager } from "./controllers/replication-controller.ts";
import { startResourceQuotaController } from "./controllers/resource-quota.ts";
import { startServiceIPAddressController } from "./controllers/service-ipaddresses.ts";
import { startStatefulSetController } from "./controllers/statefulset.ts";
import { startVolumeProtectionController } from "./controllers/volume-protection.ts";
import { startDeploymentController, startReplicaSetController } from "./controllers/workloads.ts";
import { startCrdController } from "./crd/controller.ts";
import type { ResourceHandlerContext } from "./handlers/resources.ts";
import { defaultLimits, type ServerLimits } from "./http/limits.ts";
import { createApiServer } from "./http/server.ts";
import { LogSink } from "./log-sink.ts";
import { adminKubeconfig, loadOrCreatePki, type Pki } from "./pki/index.ts";
import { ObjectService } from "./registry/objects.ts";
import { ResourceRegistry } from "./registry/resource-registry.ts";
import { RESOURCES } from "./registry/resources.ts";
import { groupVersion, type ResourceDef, storageKey } from "./registry/types.ts";
import { Store } from "./storage/index.ts";

export const DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local";

export interface ServerOptions {
  /** TCP port; 0 picks a free one (tests). Default 6443. */
  port?: number;
  /** Listen address; loopback by default. */
  host?: string;
  /** Persist state, PKI and the admin kubeconfig here; in-memory when absent. */
  dataDir?: string;
  /** Reuse PKI across servers (tests start many). */
  pki?: Pki;
  saKeyAlgorithm?: "RS256" | "ES256";
  issuer?: string;
  anonymous?: boolean;
  staticTokens?: StaticToken[];
  logger?: Logger;
  logLevel?: string;
  /** Event history kept for watches (older resourceVersions get 410 Expired). */
  historySize?: number;
  podLogs?: PodLogSource;
  /** The local runtime's port-forward side (share one with startRuntime, as podLogs). */
  podPortForward?: PodPortForwarder;
  /** Serves pods/exec and pods/attach (the local runtime's PodExecRouter). */
  podExec?: PodExecSource;
  /** Serves metrics.k8s.io (`kubectl top`): the local runtime's PodMetricsRouter. */
  metrics?: MetricsSource;
  /** Write audit.k8s.io/v1 events (Metadata level) as JSON lines here; default <dataDir>/audit.log. */
  auditLogPath?: string;
  audit?: (event: AuditRecord) => void;
  /** Request, connection and watch limits; each unset one keeps kube-apiserver's default (docs/server.md). */
  limits?: Partial<ServerLimits>;
  /** The time objects are stamped with and the Job/CronJob controllers schedule by; tests pass a ManualClock. */
  clock?: Clock;
  /** The Job controller's pod-failure back-off (docs/server.md, "Jobs and CronJobs"). */
  batch?: Pick<BatchControllerOptions, "podFailureBackoffMs">;
  /** Where the local-path provisioner puts volume directories; default <dataDir>/volumes, else a temp dir. */
  persistentVolumesDir?: string;
}

export type { ServerLimits } from "./http/limits.ts";

export interface RunningServer {
  url: string;
  port: number;
  caPem: string;
  /** Admin kubeconfig (client certificate in system:masters), YAML. */
  kubeconfig: string;
  /** Path of the written kubeconfig when a data dir is used. */
  kubeconfigPath?: string;
  /** Where audit events go, if anywhere. */
  auditLogPath?: string;
  pki: Pki;
  store: Store;
  tokens: ServiceAccountTokenConfig;
  context: ResourceHandlerContext;
  /** Where provisioned PersistentVolumes live (give it to the runtime, which mounts only volumes from here). */
  persistentVolumesDir: string;
  /** Resolves when every controller has drained its queue (deterministic tests). */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

function storeLookup(store: Store): TokenObjectLookup {
  const meta = (resource: string, namespace: string, name: string) => {
    const e = store.get(resource, namespace, name);
    if (!e) return undefined;
    const obj = e.object();
    return { obj, uid: e.uid, deletionTimestamp: obj.metadata.deletionTimestamp };
  };
  return {
    serviceAccount: (ns, name) => meta("serviceaccounts", ns, name),
    pod: (ns, name) => meta("pods", ns, name),
    node: (name) => meta("nodes", "", name),
    secret: (ns, name) => {
      const found = meta("secrets", ns, name);
      if (!found) return undefined;
      const encoded = (found.obj.data as Record<string, string> | undefined)?.token;
      return {
        uid: found.uid,
        deletionTimestamp: found.deletionTimestamp,
        token: encoded ? Buffer.from(encoded, "base64").toString() : undefined,
      };
    },
  };
}

/** Drops undefined values, so `{ maxConnections: undefined }` keeps the default. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  // Never pino.destination(2): its synchronous writes block the event loop when stderr's disk is full.
  const logSink = opts.logger ? undefined : new LogSink(2);
  const log =
    opts.logger ?? pino({ level: opts.logLevel ?? "warn", base: { component: "apiserver" } }, logSink);
  const [store, pki] = await Promise.all([
    Store.open({
      dataDir: opts.dataDir ? path.join(opts.dataDir, "store") : undefined,
      historySize: opts.historySize,
    }),
    opts.pki ?? loadOrCreatePki({ dataDir: opts.dataDir, saKeyAlgorithm: opts.saKeyAlgorithm }), // files in <dataDir>/pki
  ]);

  const registry = new ResourceRegistry(RESOURCES);
  // Every served def has its storage key space, custom resources included (registered as they are added).
  const registered = new Set<string>();
  const registerStorage = (def: ResourceDef) => {
    const key = storageKey(def);
    if (def.virtual || registered.has(key)) return;
    registered.add(key);
    const selectable = Object.entries(def.selectableFields ?? {});
    const indexer = {
      namespaced: def.namespaced,
      fields: (obj: StoredObject) => {
        const f: Record<string, string> = {
          "metadata.name": obj.metadata.name,
          "metadata.namespace": obj.metadata.namespace ?? "",
        };
        for (const [k, get] of selectable) f[k] = get(obj);
        return f;
      },
    };
    const shared = def.storage;
    if (shared) store.view(key, { ...shared, target: storageKey(shared.def), indexer });
    else store.register(key, indexer);
  };
  for (const def of registry.defs) registerStorage(def);
  registry.onChange(({ added }) => {
    for (const def of added) registerStorage(def);
  });

  const issuer = opts.issuer ?? DEFAULT_ISSUER;
  const tokens: ServiceAccountTokenConfig = {
    issuer,
    apiAudiences: [issuer],
    signingKey: pki.serviceAccountKey,
  };
  const authz = new Authorizer(store); // follows RBAC objects through storage watches, bootstrap included
  const clock = opts.clock ?? REAL_CLOCK;
  // Upstream's order: built-in plugins, MutatingAdmissionWebhook, ValidatingAdmissionPolicy,
  // ValidatingAdmissionWebhook (mutating steps all run before validating ones).
  const webhooks = webhookAdmission(store, log);
  const policies = validatingAdmissionPolicy(
    store,
    (apiVersion, kind) => registry.defs.find((d) => groupVersion(d) === apiVersion && d.kind === kind),
    log,
  );
  const objects = new ObjectService(
    store,
    [
      namespaceLifecycle,
      limitRanger,
      serviceAccountAdmission,
      priorityAdmission,
      defaultStorageClass,
      storageObjectInUseProtection,
      certificatesAdmission(authz),
      rbacEscalation(authz),
      webhooks.mutating,
      policies.plugin,
      webhooks.validating,
      resourceQuotaAdmission, // last, as upstream: it charges only what every other plugin let through
    ],
    () => clock.now(),
  );
  const authn = new Authenticator({
    serviceAccounts: tokens,
    lookup: storeLookup(store),
    staticTokens: opts.staticTokens,
    anonymous: opts.anonymous,
  });
  // Deleting an identity object must revoke cached token identities at once.
  for (const r of ["serviceaccounts", "pods", "secrets", "nodes"]) {
    store.watch(r, { fromRV: store.currentRV() }, (ev) => {
      if (ev.type !== "ADDED") authn.invalidateCache();
    });
  }

  const auditPath = opts.auditLogPath ?? (opts.dataDir ? path.join(opts.dataDir, "audit.log") : undefined);
  if (auditPath) await mkdir(path.dirname(auditPath), { recursive: true });
  const auditLog = auditPath ? openAuditLog(auditPath) : undefined;
  const audit =
    auditLog || opts.audit
      ? (r: AuditRecord) => {
          auditLog?.record(r);
          opts.audit?.(r);
        }
      : undefined;

  const host = opts.host ?? "127.0.0.1";
  const context: ResourceHandlerContext = {
    store,
    registry,
    pki,
    tokens,
    authn,
    authz,
    objects,
    log,
    logSink,
    limits: { ...defaultLimits(), ...definedOnly(opts.limits ?? {}) },
    url: "",
    now: () => clock.now(),
    podLogs: opts.podLogs,
    podPortForward: opts.podPortForward,
    podExec: opts.podExec,
    metrics: opts.metrics,
    audit,
  };
  const api = createApiServer(context, {
    key: pki.servingKeyPem,
    cert: pki.servingCertPem,
    ca: pki.caCertPem,
  });
  const { server } = api;
  const wantedPort = opts.port ?? 6443;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EADDRINUSE") return reject(err);
      reject(
        new Error(
          `${host}:${wantedPort} is already in use — is another API server running (incluster cluster up, npm start)? ` +
            "Stop it (incluster cluster down) or choose another port (--port).",
          { cause: err },
        ),
      );
    });
    server.listen(wantedPort, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  context.url = url;

  await bootstrap(store, objects, registry, port);
  const tempVolumesDir =
    opts.persistentVolumesDir || opts.dataDir
      ? undefined
      : await mkdtemp(path.join(os.tmpdir(), "incluster-volumes-"));
  const persistentVolumesDir = path.resolve(
    opts.persistentVolumesDir ?? tempVolumesDir ?? path.join(opts.dataDir ?? "", "volumes"),
  );
  await mkdir(persistentVolumesDir, { recursive: true, mode: 0o700 });

  const controllerContext: ControllerContext = { store, objects, registry, pki, tokens, log, host, port };
  const controllers: Controller[] = [
    startServiceAccountController(controllerContext),
    startRootCaController(controllerContext),
    startNamespaceDeletionController(controllerContext),
    startAggregationController(controllerContext),
    startFlowSchemaStatusController(controllerContext),
    startServiceIPAddressController(controllerContext),
    startLegacyTokenController(controllerContext),
    startEndpointsController(controllerContext),
    startDeploymentController(controllerContext, clock),
    startReplicaSetController(controllerContext, clock),
    startStatefulSetController(controllerContext, clock),
    startDaemonSetController(controllerContext, clock),
    startReplicationManager(controllerContext),
    startResourceQuotaController(controllerContext),
    startDisruptionController(controllerContext),
    startHorizontalController(controllerContext, { clock, metrics: opts.metrics }),
    ...startJobControllers(controllerContext, { ...opts.batch, clock }),
    startCronJobController(controllerContext, { clock }),
    startGarbageCollector(controllerContext),
    startCsrSigningController(controllerContext),
    startCrdController(controllerContext),
    startPersistentVolumeController(controllerContext, { clock, volumesDir: persistentVolumesDir }),
    startVolumeProtectionController(controllerContext),
  ];
  const settle = async () => {
    for (let i = 0; i < 5; i++) await Promise.all(controllers.map((c) => c.idle())); // controllers feed each other
  };
  await settle();

  // Rendered when first read (YAML loads then), or now when it is written to the data dir.
  let kubeconfig: string | undefined;
  const adminConfig = () => {
    kubeconfig ??= adminKubeconfig({ server: url, pki });
    return kubeconfig;
  };
  let kubeconfigPath: string | undefined;
  if (opts.dataDir) {
    await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
    kubeconfigPath = path.join(opts.dataDir, "admin.kubeconfig");
    await writeFile(kubeconfigPath, adminConfig(), { mode: 0o600 });
    await chmod(kubeconfigPath, 0o600); // cluster-admin's client key; writeFile's mode only applies to a new file
  }
  log.info({ url }, "API server ready");

  return {
    url,
    port,
    caPem: pki.caCertPem,
    get kubeconfig() {
      return adminConfig();
    },
    kubeconfigPath,
    auditLogPath: auditPath,
    pki,
    store,
    tokens,
    context,
    persistentVolumesDir,
    settle,
    stop: async () => {
      api.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await auditLog?.close();
      webhooks.stop();
      policies.stop();
      await store.close();
      if (tempVolumesDir) await rm(tempVolumesDir, { recursive: true, force: true });
    },
  };
}
