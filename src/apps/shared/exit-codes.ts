// Exit codes that say what went wrong, so scripts and `kubectl get pods` (Error vs. Completed) can tell
// a missing Role from a missing kubeconfig without reading the log.
export const EXIT = {
  ok: 0,
  /** An unexpected error (a bug, a port already in use…). */
  failure: 1,
  /** Bad flags or arguments. */
  usage: 2,
  /** 403 from the API server: RBAC (or admission) denied the request. */
  forbidden: 3,
  /** 401: the API server did not accept the credentials. */
  unauthorized: 4,
  /** No usable configuration: not in a Pod and no kubeconfig, unreadable token file… */
  config: 5,
  /** The API server could not be reached, or answered with another error. */
  unavailable: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
