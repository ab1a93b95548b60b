// The request parameters of Kubernetes REST operations, in OpenAPI v3 form. Operations list
// them inline (not as $refs) because kubectl's server-side-validation probe
// (cli-runtime query_param_verifier_v3.go) reads parameter names straight off the PATCH
// operation and would not resolve a reference.
export interface Parameter {
  name: string;
  in: "query" | "path";
  description: string;
  required?: boolean;
  schema: { type: "string" | "integer" | "boolean"; uniqueItems: true };
}

function query(name: string, type: Parameter["schema"]["type"], description: string): Parameter {
  return { name, in: "query", description, schema: { type, uniqueItems: true } };
}

const PARAMETERS = {
  allowWatchBookmarks: query(
    "allowWatchBookmarks",
    "boolean",
    'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers may ignore it and send bookmarks at their discretion; clients must not assume bookmarks arrive at any interval.',
  ),
  continue: query(
    "continue",
    "string",
    "The continue option should be set when retrieving more results from the server. Its value is the continue token returned by the previous page of results; the other query parameters must be unchanged. An expired token yields 410 ResourceExpired.",
  ),
  dryRun: query(
    "dryRun",
    "string",
    "When present, indicates that modifications should not be persisted. The only valid value is All: all dry run stages are processed.",
  ),
  fieldManager: query(
    "fieldManager",
    "string",
    "fieldManager is a name associated with the actor or entity that is making these changes. At most 128 printable characters.",
  ),
  fieldSelector: query(
    "fieldSelector",
    "string",
    "A selector to restrict the list of returned objects by their fields. Defaults to everything.",
  ),
  fieldValidation: query(
    "fieldValidation",
    "string",
    "fieldValidation instructs the server how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Ignore drops them silently; Warn drops them and returns a warning for each; Strict fails the request with a BadRequest error listing them.",
  ),
  force: query(
    "force",
    "boolean",
    'Force is going to "force" Apply requests: the request re-acquires conflicting fields owned by other managers. Must be unset for non-apply patch requests.',
  ),
  gracePeriodSeconds: query(
    "gracePeriodSeconds",
    "integer",
    "The duration in seconds before the object should be deleted. Zero means delete immediately. If unset, the default grace period for the type is used.",
  ),
  ignoreStoreReadErrorWithClusterBreakingPotential: query(
    "ignoreStoreReadErrorWithClusterBreakingPotential",
    "boolean",
    "If set to true, the resource is removed from storage even if it cannot be read (unsafe deletion of corrupt objects).",
  ),
  labelSelector: query(
    "labelSelector",
    "string",
    "A selector to restrict the list of returned objects by their labels. Defaults to everything.",
  ),
  limit: query(
    "limit",
    "integer",
    "limit is the maximum number of responses to return for a list call. If more items exist, the server sets the continue field on the list metadata.",
  ),
  orphanDependents: query(
    "orphanDependents",
    "boolean",
    'Deprecated: please use the PropagationPolicy. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list.',
  ),
  pretty: query(
    "pretty",
    "string",
    "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
  ),
  propagationPolicy: query(
    "propagationPolicy",
    "string",
    "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'.",
  ),
  resourceVersion: query(
    "resourceVersion",
    "string",
    "resourceVersion sets a constraint on what resource versions a request may be served from. Defaults to unset.",
  ),
  resourceVersionMatch: query(
    "resourceVersionMatch",
    "string",
    "resourceVersionMatch determines how resourceVersion is applied to list calls: NotOlderThan or Exact.",
  ),
  sendInitialEvents: query(
    "sendInitialEvents",
    "boolean",
    'sendInitialEvents=true may be set together with watch=true. The watch stream then begins with synthetic ADDED events for the current state, followed by a BOOKMARK annotated "k8s.io/initial-events-end": "true".',
  ),
  timeoutSeconds: query(
    "timeoutSeconds",
    "integer",
    "Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.",
  ),
  watch: query(
    "watch",
    "boolean",
    "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.",
  ),
  container: query(
    "container",
    "string",
    "The container for which to stream logs. Defaults to the only container if there is one container in the pod.",
  ),
  follow: query("follow", "boolean", "Follow the log stream of the pod. Defaults to false."),
  limitBytes: query(
    "limitBytes",
    "integer",
    "If set, the number of bytes to read from the server before terminating the log output.",
  ),
  previous: query("previous", "boolean", "Return previous terminated container logs. Defaults to false."),
  sinceSeconds: query(
    "sinceSeconds",
    "integer",
    "A relative time in seconds before the current time from which to show logs.",
  ),
  tailLines: query("tailLines", "integer", "If set, the number of lines from the end of the logs to show."),
  timestamps: query(
    "timestamps",
    "boolean",
    "If true, add an RFC3339 or RFC3339Nano timestamp at the beginning of every line of log output.",
  ),
} satisfies Record<string, Parameter>;

export type ParameterName = keyof typeof PARAMETERS;

/** Query parameters per kind of operation, in upstream's (alphabetical) order. */
export const OPERATION_PARAMETERS = {
  list: [
    "allowWatchBookmarks",
    "continue",
    "fieldSelector",
    "labelSelector",
    "limit",
    "resourceVersion",
    "resourceVersionMatch",
    "sendInitialEvents",
    "timeoutSeconds",
    "watch",
  ],
  write: ["dryRun", "fieldManager", "fieldValidation"],
  patch: ["dryRun", "fieldManager", "fieldValidation", "force"],
  delete: [
    "dryRun",
    "gracePeriodSeconds",
    "ignoreStoreReadErrorWithClusterBreakingPotential",
    "orphanDependents",
    "propagationPolicy",
  ],
  deleteCollection: [
    "continue",
    "dryRun",
    "fieldSelector",
    "gracePeriodSeconds",
    "ignoreStoreReadErrorWithClusterBreakingPotential",
    "labelSelector",
    "limit",
    "orphanDependents",
    "propagationPolicy",
    "resourceVersion",
    "resourceVersionMatch",
    "sendInitialEvents",
    "timeoutSeconds",
  ],
  log: ["container", "follow", "limitBytes", "previous", "sinceSeconds", "tailLines", "timestamps"],
} satisfies Record<string, ParameterName[]>;

export function queryParameters(names: readonly ParameterName[]): Parameter[] {
  return names.map((n) => PARAMETERS[n]);
}

export function prettyParameter(): Parameter {
  return PARAMETERS.pretty;
}

export function pathParameter(name: "name" | "namespace", description: string): Parameter {
  return { name, in: "path", description, required: true, schema: { type: "string", uniqueItems: true } };
}
