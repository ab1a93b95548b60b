// Public API of incluster/client.
export {
  type ClientOptions,
  createClient,
  DEFAULT_FIELD_MANAGER,
  type DeleteOptions,
  type GetOptions,
  KubeClient,
  type PatchOptions,
  type PatchType,
  PodClient,
  ResourceClient,
  type ResourceInformerOptions,
  type WatchOptions,
  type WriteOptions,
} from "./api.ts";
export { Backoff, type BackoffOptions, fullJitter } from "./backoff.ts";
export {
  type CaProvider,
  type ClientCertificate,
  type ClusterConfig,
  ConfigError,
  type CredentialProvider,
  type LoadConfigOptions,
  loadConfig,
} from "./config.ts";
export {
  ApiError,
  ConnectionError,
  ForbiddenError,
  isAlreadyExists,
  isApiError,
  isConflict,
  isConnectionError,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  isResponseError,
  isTooManyRequests,
  isUnauthorized,
  ResponseError,
  UnauthorizedError,
} from "./errors.ts";
export { loadForbiddenFix } from "./explain-forbidden.ts";
export type { TokenDiagnosis } from "./explain-unauthorized.ts";
export { Informer, type InformerHealth, type InformerOptions, type InformerState } from "./informer.ts";
export {
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_RENEW_DEADLINE_MS,
  DEFAULT_RETRY_PERIOD_MS,
  type LeaderElectionOptions,
  type LeaderElectionState,
  LeaderElector,
} from "./leader-election.ts";
export {
  DEFAULT_PAGE_SIZE,
  type ListMeta,
  type ListOptions,
  type ObjectList,
  type PartialObjectMetadata,
  type Selector,
} from "./list.ts";
export {
  DEFAULT_MAX_OUTPUT_BYTES,
  DEFAULT_REMOTE_COMMAND_PROTOCOLS,
  type ExecOptions,
  type ExecResult,
  type RemoteCommandProtocol,
  type StreamSession,
  type StreamSessionOptions,
  type TerminalSize,
} from "./pod-exec.ts";
export { type PodLogOptions, PodLogs } from "./pod-logs.ts";
export type {
  PortForwarder,
  PortForwardOptions,
  PortForwardStreamOptions,
  PortSpec,
} from "./port-forward.ts";
export { DEFAULT_BURST, DEFAULT_QPS, TokenBucket } from "./rate-limit.ts";
export { parseResourceRef, type ResourceRef, UnknownResourceError } from "./resources.ts";
export type {
  AccessResult,
  CanIOptions,
  CreateTokenOptions,
  Identity,
  IssuedToken,
  Rules,
} from "./reviews.ts";
export { Store } from "./store.ts";
export {
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUT_MS,
  type HttpMethod,
  type RequestMetrics,
  type RequestOptions,
  type Response,
  type StreamResponse,
  Transport,
  type TransportOptions,
} from "./transport.ts";
export {
  type ApiObject,
  type BookmarkEvent,
  INITIAL_EVENTS_END,
  type ObjectEvent,
  type SyncedEvent,
  type WatchEvent,
  Watcher,
  type WatcherOptions,
  type WatchStatus,
} from "./watch.ts";
export { DEFAULT_INACTIVITY_TIMEOUT_MS } from "./watch-stream.ts";
