// Everything a request handler needs, built once by startServer().
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import type { UserInfo } from "../meta/types.ts";
import type { MetricsSource } from "../meta/usage.ts";
import type { Authenticator } from "./authn/index.ts";
import type { ServiceAccountTokenConfig } from "./authn/serviceaccount-tokens.ts";
import type { Authorizer } from "./authz/index.ts";
import type { ServerLimits } from "./http/limits.ts";
import type { LogSink } from "./log-sink.ts";
import type { Pki } from "./pki/index.ts";
import type { ResourceRegistry } from "./registry/resource-registry.ts";
import type { Store } from "./storage/index.ts";

export interface ServerContext {
  store: Store;
  registry: ResourceRegistry;
  pki: Pki;
  tokens: ServiceAccountTokenConfig;
  authn: Authenticator;
  authz: Authorizer;
  log: Logger;
  /** Request, connection and watch limits (ServerOptions.limits over defaultLimits()). */
  limits: ServerLimits;
  /** The non-blocking log destination, when the server made its own logger (the "log" health check). */
  logSink?: LogSink;
  /** The URL clients use (https://127.0.0.1:6443). */
  url: string;
  /** Random suffix source, replaceable in tests. */
  now: () => Date;
  /** Hooks for features served by other components (pod logs from the local runtime). */
  podLogs?: PodLogSource;
  /** Connections to ports of Pods the local runtime runs (pods/portforward). */
  podPortForward?: PodPortForwarder;
  /** pods/exec and pods/attach: the runtime of the Pod's node runs the command or attaches. */
  podExec?: PodExecSource;
  /** metrics.k8s.io: the usage the runtimes sampled (kubectl top); without it the group has no data. */
  metrics?: MetricsSource;
  audit?: (event: AuditRecord) => void;
}

export interface PodLogSource {
  read(
    namespace: string,
    pod: string,
    container: string | undefined,
    opts: {
      previous: boolean;
      tailLines?: number;
      limitBytes?: number;
      sinceTime?: Date;
      follow: boolean;
      timestamps: boolean;
      signal: AbortSignal;
    },
  ): Promise<AsyncIterable<string | Uint8Array> | string>;
}

/** The kubelet's side of pods/portforward. */
export interface PodPortForwarder {
  /** The Pod when this runtime runs it (same UID), else undefined (the kubelet's "pod does not exist"). */
  target(namespace: string, name: string, uid: string): PortForwardTarget | undefined;
}

export interface PortForwardTarget {
  /** How upstream's messages name the Pod (the kubelet passes the sandbox id; here the Pod's UID). */
  readonly id: string;
  /** A connection to the port inside the Pod's network; rejects with the runtime's reason. */
  connect(port: number): Promise<Duplex>;
}

/** The container a pods/exec or pods/attach request reaches. */
export interface ContainerTarget {
  node: string;
  namespace: string;
  pod: string;
  uid: string;
  container: string;
}

/** Which of the container's streams the client wants (tty: a terminal, stderr merged into stdout). */
export interface SessionStreams {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** A command running in a container, or an attachment to its main process. */
export interface ContainerSession {
  stdin?: NodeJS.WritableStream;
  stdout?: NodeJS.ReadableStream;
  stderr?: NodeJS.ReadableStream;
  /** The command's exit (exec), or the container's end (attach); `error` when it could not run. */
  done: Promise<{ exitCode: number } | { error: string }>;
  /** Ends the session early (the client went away): kills an exec'd command, detaches an attach. */
  close(): void;
  /** Sets the terminal's window (tty sessions: the client's resize stream); absent without a terminal. */
  resize?(size: { width: number; height: number }): void;
}

/** A session the runtime agreed to run; nothing runs until start() (the client's streams are open then). */
export interface PreparedSession {
  start(): ContainerSession;
}

/**
 * The runtime's side of pods/exec and pods/attach. A refusal before anything runs (the container is not
 * running, too many sessions) rejects with an error carrying the kubelet's HTTP `code`.
 */
export interface PodExecSource {
  exec(
    target: ContainerTarget,
    command: readonly string[],
    streams: SessionStreams,
  ): Promise<PreparedSession>;
  attach(target: ContainerTarget, streams: SessionStreams): Promise<PreparedSession>;
}

export type { MetricsSource };

export interface AuditRecord {
  user: UserInfo;
  verb: string;
  requestURI: string;
  code: number;
  objectRef?: {
    resource: string;
    namespace?: string;
    name?: string;
    apiGroup?: string;
    apiVersion?: string;
    subresource?: string;
  };
  sourceIPs: string[];
  userAgent?: string;
  stageTimestamp: string;
  requestReceivedTimestamp: string;
  decision?: "allow" | "forbid";
}
