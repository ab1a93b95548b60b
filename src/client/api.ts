// The client: createClient() loads the configuration and returns a KubeClient; client.resource("pods")
// gives typed CRUD, paged lists, counts, resilient watches and informers for one resource.
import type { Duplex } from "node:stream";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { DeleteOptions as DeleteOptionsBody, Preconditions } from "kubernetes-types/meta/v1.d.ts";
import type { Status } from "../meta/status.ts";
import type { KubeObject } from "../meta/types.ts";
import { type ClusterConfig, type LoadConfigOptions, loadConfig } from "./config.ts";
import { ListItemCounter } from "./count-items.ts";
import { isApiError } from "./errors.ts";
import { Informer, type InformerOptions } from "./informer.ts";
import { JsonCutter } from "./json-cutter.ts";
import { type LeaderElectionOptions, LeaderElector } from "./leader-election.ts";
import {
  type CountedPage,
  checkList,
  countObjects,
  DEFAULT_PAGE_SIZE,
  iterateItems,
  type ListOptions,
  METADATA_ACCEPT,
  METADATA_LIST_ACCEPT,
  metadataNotSupported,
  type ObjectList,
  type PageRequest,
  selectorString,
  toMetadataList,
  toPartialObjectMetadata,
} from "./list.ts";
import { EVENT_MANAGED_FIELDS, LIST_MANAGED_FIELDS, withoutManagedFields } from "./managed-fields.ts";
import {
  type ExecOptions,
  type ExecResult,
  openStreamSession,
  runToEnd,
  type StreamSession,
  type StreamSessionOptions,
} from "./pod-exec.ts";
import { type PodLogOptions, PodLogs } from "./pod-logs.ts";
import {
  listenPortForward,
  openPortForwardStream,
  type PortForwarder,
  type PortForwardOptions,
  type PortForwardStreamOptions,
  type PortSpec,
} from "./port-forward.ts";
import { apiVersionOf, Discovery, type ResourceRef, resourcePath } from "./resources.ts";
import {
  type AccessResult,
  type CanIOptions,
  type CreateTokenOptions,
  canI,
  createToken,
  type Identity,
  type IssuedToken,
  type ReviewContext,
  type Rules,
  rules,
  whoami,
} from "./reviews.ts";
import { shareRepeatedStrings } from "./share-strings.ts";
import { type RequestOptions, type Response, Transport, type TransportOptions } from "./transport.ts";
import { type ApiObject, Watcher, type WatcherOptions, type WatchSource } from "./watch.ts";
import type { RawWatchEvent } from "./watch-decoder.ts";
import { openWatchStream } from "./watch-stream.ts";

/** qps, burst, timeoutMs, retries, onWarning, userAgent, onRequest: see TransportOptions. */
export type ClientOptions = TransportOptions;

/** Loads the configuration (explicit options, in-cluster, kubeconfig) and builds a client. */
export async function createClient(options: LoadConfigOptions & ClientOptions = {}): Promise<KubeClient> {
  return new KubeClient(await loadConfig(options), options);
}

export class KubeClient {
  readonly config: ClusterConfig;
  readonly transport: Transport;
  readonly discovery: Discovery;
  readonly #reviews: ReviewContext;
  #pods: PodClient | undefined;

  constructor(config: ClusterConfig, options: ClientOptions = {}) {
    this.config = config;
    this.transport = new Transport(config, options);
    this.discovery = new Discovery(this.transport);
    this.#reviews = {
      transport: this.transport,
      namespace: config.namespace,
      credentials: config.credentials,
      resolve: (ref) => this.discovery.resolve(ref),
    };
  }

  /** The default namespace (from the ServiceAccount, kubeconfig context or options). */
  get namespace(): string {
    return this.config.namespace;
  }

  /** Any API path; non-2xx rejects with a typed error. */
  request(options: RequestOptions): Promise<Response> {
    return this.transport.request(options);
  }

  requestJson<T>(options: RequestOptions): Promise<T> {
    return this.transport.requestJson<T>(options);
  }

  /**
   * A client for one resource: "pods", "v1/pods", "apps/v1/deployments", "deployments.apps", "deploy",
   * or an explicit ref. Type it with kubernetes-types: `client.resource<Pod>("pods")`.
   */
  resource<T extends ApiObject = KubeObject>(ref: string | ResourceRef): ResourceClient<T> {
    return new ResourceClient<T>(this, ref);
  }

  /** Pods: everything resource("pods") does, plus logs, exec, attach and port-forward. */
  get pods(): PodClient {
    this.#pods ??= new PodClient(this);
    return this.#pods;
  }

  whoami(): Promise<Identity> {
    return whoami(this.#reviews);
  }

  canI(verb: string, resource: string, options?: CanIOptions): Promise<AccessResult> {
    return canI(this.#reviews, verb, resource, options);
  }

  rules(namespace?: string): Promise<Rules> {
    return rules(this.#reviews, namespace);
  }

  createToken(namespace: string, serviceAccount: string, options?: CreateTokenOptions): Promise<IssuedToken> {
    return createToken(this.#reviews, namespace, serviceAccount, options);
  }

  /** A leader elector on a Lease, with client-go's semantics; call `run()` to campaign (see LeaderElector). */
  leaderElection(options: LeaderElectionOptions): LeaderElector {
    return new LeaderElector(this, options);
  }

  /** Closes connections and stops following the token and CA files. */
  close(): void {
    this.transport.close();
    this.config.close();
  }
}

export interface GetOptions {
  namespace?: string;
  /** Only metadata (PartialObjectMetadata). */
  metadataOnly?: boolean;
  signal?: AbortSignal;
}

export interface WriteOptions {
  /** Default: the object's metadata.namespace, then the client's namespace. */
  namespace?: string;
  /** Write a subresource of the object: "status" (client-go's UpdateStatus/Patch(..., "status")), "scale". */
  subresource?: string;
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: "Strict" | "Warn" | "Ignore";
  signal?: AbortSignal;
}

export type PatchType = "merge" | "json" | "strategic" | "apply";

export interface PatchOptions extends WriteOptions {
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean;
}

export interface DeleteOptions {
  namespace?: string;
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  gracePeriodSeconds?: number;
  preconditions?: Preconditions;
  dryRun?: boolean;
  signal?: AbortSignal;
}

export type WatchOptions = Pick<
  ListOptions,
  "namespace" | "allNamespaces" | "labelSelector" | "fieldSelector" | "metadataOnly"
> &
  Omit<WatcherOptions, "random"> & {
    /** Silence after which the connection is presumed dead. Default 150 s. */
    inactivityTimeoutMs?: number;
  };

export type ResourceInformerOptions<T = ApiObject> = Pick<
  ListOptions,
  "namespace" | "allNamespaces" | "labelSelector" | "fieldSelector" | "metadataOnly"
> &
  InformerOptions<T> & {
    inactivityTimeoutMs?: number;
    /**
     * Informers drop `metadata.managedFields` (server-side apply bookkeeping: ~85 % of a Pod's metadata,
     * ~40 % of a whole Pod) before caching, as client-go's TransformStripManagedFields does for the
     * controllers that install it, unless this is true. A GET still returns them.
     */
    keepManagedFields?: boolean;
  };

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

/** The field manager server-side apply records when none is given. */
export const DEFAULT_FIELD_MANAGER = "incluster";

export class ResourceClient<T extends ApiObject> {
  readonly #client: KubeClient;
  readonly #input: string | ResourceRef;
  #resolved: Promise<ResourceRef> | undefined;
  #known: ResourceRef | undefined;

  constructor(client: KubeClient, ref: string | ResourceRef) {
    this.#client = client;
    this.#input = ref;
    if (typeof ref !== "string") this.#known = ref;
  }

  /** The resolved group/version/resource (discovery may be needed for names that are not built in). */
  ref(): Promise<ResourceRef> {
    if (this.#known) return Promise.resolve(this.#known);
    this.#resolved ??= this.#client.discovery.resolve(this.#input as string).then(
      (ref) => (this.#known = ref),
      (error) => {
        this.#resolved = undefined;
        throw error;
      },
    );
    return this.#resolved;
  }

  async get(name: string, options: GetOptions = {}): Promise<T> {
    const ref = await this.ref();
    const object = await this.#client.transport.requestJson<T>({
      path: resourcePath(ref, { namespace: this.#namespace(ref, options.namespace), name }),
      accept: options.metadataOnly ? METADATA_ACCEPT : undefined,
      signal: options.signal,
    });
    return options.metadataOnly ? (toPartialObjectMetadata(object) as unknown as T) : object;
  }

  /** One request: everything, or one page when `limit` is set (then pass metadata.continue back). */
  async list(options: ListOptions = {}): Promise<ObjectList<T>> {
    const ref = await this.ref();
    return this.#listPage(ref, options, {
      limit: options.limit,
      continue: options.continue,
      resourceVersion: options.resourceVersion,
      resourceVersionMatch: options.resourceVersionMatch,
    });
  }

  /** Every object, fetched in pages of `limit` (default 500); only one page is held in memory. */
  async *iterate(options: ListOptions = {}): AsyncGenerator<T> {
    const ref = await this.ref();
    yield* iterateItems<T>((page) => this.#listPage(ref, options, page), {
      pageSize: options.limit ?? DEFAULT_PAGE_SIZE,
      resourceVersion: options.resourceVersion,
      resourceVersionMatch: options.resourceVersionMatch,
    });
  }

  /** How many objects match, without keeping them (see countObjects). */
  async count(options: Omit<ListOptions, "limit" | "continue" | "metadataOnly"> = {}): Promise<number> {
    const ref = await this.ref();
    const probe = (page: PageRequest) =>
      this.#listPage(ref, { ...options, metadataOnly: false }, page, undefined, true) as Promise<
        ObjectList<unknown>
      >;
    let metadataOnly = true;
    // Pages are metadata-only; a server that cannot do that (406) gets asked for full objects instead.
    const pages = async (page: PageRequest) => {
      try {
        return await this.#countPage(ref, { ...options, metadataOnly }, page);
      } catch (error) {
        if (!metadataOnly || !isApiError(error) || error.code !== 406) throw error;
        metadataOnly = false;
        return this.#countPage(ref, { ...options, metadataOnly }, page);
      }
    };
    return countObjects(probe, pages, { resourceVersion: options.resourceVersion });
  }

  async create(object: T, options: WriteOptions = {}): Promise<T> {
    const ref = await this.ref();
    return this.#client.transport.requestJson<T>({
      method: "POST",
      path: resourcePath(ref, {
        namespace: this.#namespace(ref, options.namespace ?? object.metadata?.namespace),
      }),
      query: writeQuery(options),
      body: withTypeMeta(ref, object),
      signal: options.signal,
    });
  }

  /** PUT; metadata.resourceVersion (if set) guards against lost updates (409 Conflict). */
  async update(object: T, options: WriteOptions = {}): Promise<T> {
    const ref = await this.ref();
    const name = object.metadata?.name;
    if (!name) throw new Error("update needs metadata.name");
    return this.#client.transport.requestJson<T>({
      method: "PUT",
      path: resourcePath(ref, {
        namespace: this.#namespace(ref, options.namespace ?? object.metadata?.namespace),
        name,
        subresource: options.subresource,
      }),
      query: writeQuery(options),
      body: withTypeMeta(ref, object),
      signal: options.signal,
    });
  }

  /**
   * merge (RFC 7386), json (RFC 6902 operations), strategic (built-in kinds only), or apply (server-side
   * apply: pass the fields you own; apiVersion, kind and metadata.name are filled in).
   */
  async patch(name: string, patch: unknown, type: PatchType, options: PatchOptions = {}): Promise<T> {
    const ref = await this.ref();
    const namespace = this.#namespace(ref, options.namespace);
    let body = patch;
    if (type === "apply" && typeof patch === "object" && patch !== null && !Array.isArray(patch)) {
      const partial = patch as ApiObject;
      body = withTypeMeta(ref, {
        ...partial,
        metadata: { ...partial.metadata, name, ...(namespace ? { namespace } : {}) },
      });
    }
    return this.#client.transport.requestJson<T>({
      method: "PATCH",
      path: resourcePath(ref, { namespace, name, subresource: options.subresource }),
      query: {
        ...writeQuery({
          ...options,
          fieldManager: options.fieldManager ?? (type === "apply" ? DEFAULT_FIELD_MANAGER : undefined),
        }),
        force: type === "apply" && options.force ? "true" : undefined,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
      contentType: PATCH_CONTENT_TYPES[type],
      signal: options.signal,
    });
  }

  /** Resolves with the deleted object (or the object marked for deletion), or a Success Status. */
  async delete(name: string, options: DeleteOptions = {}): Promise<T | Status> {
    const ref = await this.ref();
    const body: DeleteOptionsBody = { apiVersion: "v1", kind: "DeleteOptions" };
    if (options.propagationPolicy) body.propagationPolicy = options.propagationPolicy;
    if (options.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = options.gracePeriodSeconds;
    if (options.preconditions) body.preconditions = options.preconditions;
    if (options.dryRun) body.dryRun = ["All"];
    return this.#client.transport.requestJson<T | Status>({
      method: "DELETE",
      path: resourcePath(ref, { namespace: this.#namespace(ref, options.namespace), name }),
      body,
      signal: options.signal,
    });
  }

  /** A watch that resumes, relists on 410 and reports only actionable errors; see watch.ts. */
  watch(options: WatchOptions = {}): Watcher<T> {
    return new Watcher<T>(this.#watchSource(options), options);
  }

  /** A list+watch cache (started at once unless autoStart: false); see informer.ts. */
  informer(options: ResourceInformerOptions<T> = {}): Informer<T> {
    const drop = !options.keepManagedFields;
    // The bytes lose managedFields before parsing; a user transform also gets them dropped from what
    // the cutter leaves (a key spelt with escapes). Without one the store stays the watcher's memory.
    const transform = drop && options.transform ? withoutManagedFields(options.transform) : options.transform;
    return new Informer<T>(this.#watchSource(options, { cache: true, dropManagedFields: drop }), {
      ...options,
      transform,
    });
  }

  #namespace(ref: ResourceRef, explicit: string | undefined): string | undefined {
    if (!ref.namespaced) return undefined;
    return explicit || this.#client.namespace;
  }

  #collectionPath(ref: ResourceRef, options: Pick<ListOptions, "namespace" | "allNamespaces">): string {
    const namespace = options.allNamespaces ? undefined : this.#namespace(ref, options.namespace);
    return resourcePath(ref, { namespace });
  }

  async #listPage(
    ref: ResourceRef,
    options: ListOptions,
    page: PageRequest,
    signal?: AbortSignal,
    dropManagedFields = false,
  ): Promise<ObjectList<T>> {
    const path = this.#collectionPath(ref, options);
    const transport = this.#client.transport;
    // Informers, which drop managedFields anyway, have them cut from the bytes as they arrive: no text of
    // the whole page, no parsed tree of its largest part.
    let cutter: JsonCutter | undefined;
    try {
      const answer = await transport.requestJson<unknown>(
        {
          path,
          query: listQuery(options, page),
          accept: options.metadataOnly ? METADATA_LIST_ACCEPT : undefined,
          signal: signal ?? options.signal,
          ...(dropManagedFields ? { collectBody: () => (cutter = new JsonCutter(LIST_MANAGED_FIELDS)) } : {}),
        },
        dropManagedFields ? (text) => parseCut(cutter, text) : undefined,
      );
      const list = checkList<T>(answer, { method: "GET", path });
      return options.metadataOnly ? (toMetadataList(list) as unknown as ObjectList<T>) : list;
    } catch (error) {
      if (options.metadataOnly && isApiError(error) && error.code === 406) throw metadataNotSupported(error);
      throw error;
    }
  }

  /** One page's item count and list metadata, its items scanned as they arrive and never built. */
  async #countPage(ref: ResourceRef, options: ListOptions, page: PageRequest): Promise<CountedPage> {
    const path = this.#collectionPath(ref, options);
    let counter: ListItemCounter | undefined;
    const envelope = await this.#client.transport.requestJson<unknown>({
      path,
      query: listQuery(options, page),
      accept: options.metadataOnly ? METADATA_LIST_ACCEPT : undefined,
      signal: options.signal,
      collectBody: () => (counter = new ListItemCounter()),
    });
    const list = checkList(envelope, { method: "GET", path });
    // Items the scanner did not recognise as `items` (an escaped key) were parsed: count those too.
    return { metadata: list.metadata, count: (counter?.count ?? 0) + list.items.length };
  }

  /**
   * cache (informers): list pages share their repeated strings, since the objects are kept.
   * dropManagedFields: list pages and watch events are parsed without them (informers drop them anyway).
   */
  #watchSource(
    options: WatchOptions | ResourceInformerOptions<T>,
    { cache = false, dropManagedFields = false } = {},
  ): WatchSource<T> {
    const transport = this.#client.transport;
    let path = typeof this.#input === "string" ? this.#input : resourcePath(this.#input);
    return {
      get path() {
        return path;
      },
      list: async (page, signal) => {
        const ref = await this.ref();
        path = this.#collectionPath(ref, options);
        const list = await this.#listPage(ref, options, page, signal, dropManagedFields);
        if (cache) shareRepeatedStrings(list.items);
        return list;
      },
      watch: async (query, signal) => {
        const ref = await this.ref();
        path = this.#collectionPath(ref, options);
        const stream = await openWatchStream(transport, {
          path,
          query: {
            ...query,
            labelSelector: selectorString(options.labelSelector),
            fieldSelector: selectorString(options.fieldSelector),
          },
          accept: options.metadataOnly ? METADATA_ACCEPT : undefined,
          signal,
          inactivityTimeoutMs: options.inactivityTimeoutMs,
          ...(dropManagedFields ? { cut: EVENT_MANAGED_FIELDS } : {}),
        });
        return options.metadataOnly
          ? { events: asMetadataEvents(stream.events), close: stream.close }
          : stream;
      },
    };
  }
}

const PODS: ResourceRef = { group: "", version: "v1", resource: "pods", namespaced: true, kind: "Pod" };

/** Pods with their streaming subresources (log, exec, attach, portforward). */
export class PodClient extends ResourceClient<Pod> {
  readonly #client: KubeClient;

  constructor(client: KubeClient) {
    super(client, PODS);
    this.#client = client;
  }

  /** The container's log: iterate it for lines; chunks(), text(), readable() for the rest (pod-logs.ts). */
  logs(name: string, options: PodLogOptions = {}): PodLogs {
    return new PodLogs(this.#client.transport, this.#path(name, "log", options.namespace), options);
  }

  /** Runs a command to its end: its exit code and output (bounded by maxOutputBytes). */
  exec(name: string, command: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return runToEnd((stdin) => this.execStream(name, command, { ...options, stdin }), options);
  }

  /** Runs a command with its streams open (interactive use, tty, resize). */
  execStream(
    name: string,
    command: readonly string[],
    options: StreamSessionOptions = {},
  ): Promise<StreamSession> {
    const path = this.#path(name, "exec", options.namespace);
    return openStreamSession(this.#client.transport, path, command, options);
  }

  /** Attaches to a running container's streams until it ends (or close()): its output, as exec() gives it. */
  attach(name: string, options: ExecOptions = {}): Promise<ExecResult> {
    return runToEnd((stdin) => this.attachStream(name, { ...options, stdin }), options);
  }

  attachStream(name: string, options: StreamSessionOptions = {}): Promise<StreamSession> {
    const path = this.#path(name, "attach", options.namespace);
    return openStreamSession(this.#client.transport, path, undefined, options);
  }

  /** Listens on local ports and forwards each connection to the Pod (kubectl port-forward). */
  async portForward(
    name: string,
    ports: readonly PortSpec[],
    options: PortForwardOptions = {},
  ): Promise<PortForwarder> {
    // As kubectl: a Pod that is not running yet (or any more) is refused before anything listens.
    const pod = await this.get(name, { namespace: options.namespace, signal: options.signal });
    const phase = pod.status?.phase;
    if (phase !== "Running")
      throw new Error(`unable to forward port because pod is not running. Current status=${phase ?? ""}`);
    return listenPortForward((port) => this.portForwardStream(name, port, options), ports, options);
  }

  /** One connection to a port in the Pod, as a Duplex. */
  portForwardStream(name: string, port: number, options: PortForwardStreamOptions = {}): Promise<Duplex> {
    const path = this.#path(name, "portforward", options.namespace);
    return openPortForwardStream(this.#client.transport, path, port, options);
  }

  #path(name: string, subresource: string, namespace: string | undefined): string {
    return resourcePath(PODS, { namespace: namespace || this.#client.namespace, name, subresource });
  }
}

/** Servers that ignore `as=PartialObjectMetadata` send full objects; trim them so the shape is stable. */
async function* asMetadataEvents(events: AsyncIterable<RawWatchEvent>): AsyncGenerator<RawWatchEvent> {
  for await (const event of events) {
    if (event.type === "ADDED" || event.type === "MODIFIED" || event.type === "DELETED") {
      yield { type: event.type, object: toPartialObjectMetadata(event.object) };
    } else {
      yield event;
    }
  }
}

function listQuery(options: ListOptions, page: PageRequest): Record<string, string | number | undefined> {
  return {
    labelSelector: selectorString(options.labelSelector),
    fieldSelector: selectorString(options.fieldSelector),
    limit: page.limit,
    continue: page.continue,
    resourceVersion: page.resourceVersion,
    resourceVersionMatch: page.resourceVersion !== undefined ? page.resourceVersionMatch : undefined,
    timeoutSeconds: options.timeoutSeconds,
  };
}

function writeQuery(options: WriteOptions): Record<string, string | undefined> {
  return {
    dryRun: options.dryRun ? "All" : undefined,
    fieldManager: options.fieldManager,
    fieldValidation: options.fieldValidation,
  };
}

/** The API server rejects bodies without kind/apiVersion ("Object 'Kind' is missing"): fill them in. */
function withTypeMeta<O extends ApiObject>(ref: ResourceRef, object: O): O {
  if (object.apiVersion && object.kind) return object;
  return { ...object, apiVersion: object.apiVersion ?? apiVersionOf(ref), kind: object.kind ?? ref.kind };
}

/** The kept text of a cut body, parsed; a body that was not JSON throws the cutter's SyntaxError. */
function parseCut(cutter: JsonCutter | undefined, text: string): unknown {
  if (cutter?.error) throw cutter.error;
  return JSON.parse(text);
}
