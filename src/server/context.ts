// Everything a request handler needs, built once by startServer().
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import type { UserInfo } from "../meta/types.ts";
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
