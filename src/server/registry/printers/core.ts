// printers.go for namespaces, serviceaccounts, secrets, configmaps, nodes and events.
import type { KubeObject } from "../../../meta/types.ts";
import { asList, asMap, asNumber, asString } from "../json-access.ts";
import type { PrinterTable } from "../tables.ts";
import { AGE_COLUMN, column, NAME_COLUMN, wide } from "./columns.ts";
import { age, nameOf, since } from "./format.ts";

const DOCS = {
  secretType:
    "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types",
  secretData:
    "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
  serviceAccountSecrets:
    'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a "kubernetes.io/enforce-mountable-secrets" annotation set to "true". This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret',
  configMapData:
    "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
  kubeletVersion: "Kubelet Version reported by the node.",
  addresses:
    "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/concepts/nodes/node/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).",
  osImage: "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
  kernelVersion: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
  containerRuntimeVersion:
    "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
  lastTimestamp: "The time at which the most recent occurrence of this event was recorded.",
  eventType: "Type of this event (Normal, Warning), new types could be added in the future",
  reason:
    "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
  involvedObject: "The object that this event is about.",
  fieldPath:
    'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
  source: "The component reporting this event. Should be a short machine understandable string.",
  message: "A human-readable description of the status of this operation.",
  firstTimestamp: "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
  count: "The number of times this event has occurred.",
};

const count = (v: unknown) => Object.keys(asMap(v)).length;

// ---- nodes ----

const NODE_ROLE_PREFIX = "node-role.kubernetes.io/";
const NODE_ROLE_LABEL = "kubernetes.io/role";

function nodeStatus(node: KubeObject): string {
  const ready = asList(asMap(node.status).conditions)
    .map(asMap)
    .filter((c) => c.type === "Ready")
    .at(-1);
  const status = ready ? [ready.status === "True" ? "Ready" : "NotReady"] : ["Unknown"];
  if (asMap(node.spec).unschedulable === true) status.push("SchedulingDisabled");
  return status.join(",");
}

/** findNodeRoles: node-role.kubernetes.io/<role> keys and kubernetes.io/role values, sorted and unique. */
function nodeRoles(node: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith(NODE_ROLE_PREFIX) && k.length > NODE_ROLE_PREFIX.length)
      roles.add(k.slice(NODE_ROLE_PREFIX.length));
    else if (k === NODE_ROLE_LABEL && v !== "") roles.add(v);
  }
  return [...roles].sort().join(",") || "<none>";
}

function nodeAddress(node: KubeObject, type: string): string {
  const found = asList(asMap(node.status).addresses)
    .map(asMap)
    .find((a) => a.type === type);
  return found ? asString(found.address) : "<none>";
}

// ---- events ----

/** formatEventSource: component (or reportingController), then ", host" (or reportingInstance) when set. */
function eventSource(event: KubeObject): string {
  const source = asMap(event.source);
  const component = asString(source.component) || asString(event.reportingComponent);
  const instance = asString(source.host) || asString(event.reportingInstance);
  return instance ? `${component}, ${instance}` : component;
}

function eventCells(event: KubeObject, now: number): unknown[] {
  const first = event.firstTimestamp ? since(event.firstTimestamp, now) : since(event.eventTime, now);
  let last = event.lastTimestamp ? since(event.lastTimestamp, now) : first;
  let times = asNumber(event.count);
  const series = event.series == null ? undefined : asMap(event.series);
  if (series) {
    last = since(series.lastObservedTime, now);
    times = asNumber(series.count);
  } else if (times === 0) {
    times = 1; // singleton events have no count in the new API
  }
  const involved = asMap(event.involvedObject);
  const kind = asString(involved.kind).toLowerCase();
  const target = asString(involved.name) ? `${kind}/${asString(involved.name)}` : kind;
  return [
    last,
    asString(event.type),
    asString(event.reason),
    target,
    asString(involved.fieldPath),
    eventSource(event),
    asString(event.message).trim(),
    first,
    times,
    nameOf(event),
  ];
}

export const CORE_PRINTERS: PrinterTable = {
  "/namespaces": {
    columns: [NAME_COLUMN, column("Status", "string", "The status of the namespace"), AGE_COLUMN],
    cells: (ns, now) => [nameOf(ns), asString(asMap(ns.status).phase), age(ns, now)],
  },
  "/serviceaccounts": {
    columns: [NAME_COLUMN, column("Secrets", "string", DOCS.serviceAccountSecrets), AGE_COLUMN],
    cells: (sa, now) => [nameOf(sa), asList(sa.secrets).length, age(sa, now)],
  },
  "/secrets": {
    columns: [
      NAME_COLUMN,
      column("Type", "string", DOCS.secretType),
      column("Data", "string", DOCS.secretData),
      AGE_COLUMN,
    ],
    cells: (secret, now) => [
      nameOf(secret),
      asString(secret.type) || "Opaque",
      count(secret.data),
      age(secret, now),
    ],
  },
  "/configmaps": {
    columns: [NAME_COLUMN, column("Data", "string", DOCS.configMapData), AGE_COLUMN],
    cells: (cm, now) => [nameOf(cm), count(cm.data) + count(cm.binaryData), age(cm, now)],
  },
  "/nodes": {
    columns: [
      NAME_COLUMN,
      column("Status", "string", "The status of the node"),
      column("Roles", "string", "The roles of the node"),
      AGE_COLUMN,
      column("Version", "string", DOCS.kubeletVersion),
      wide("Internal-IP", "string", DOCS.addresses),
      wide("External-IP", "string", DOCS.addresses),
      wide("OS-Image", "string", DOCS.osImage),
      wide("Kernel-Version", "string", DOCS.kernelVersion),
      wide("Container-Runtime", "string", DOCS.containerRuntimeVersion),
    ],
    cells(node, now) {
      const info = asMap(asMap(node.status).nodeInfo);
      return [
        nameOf(node),
        nodeStatus(node),
        nodeRoles(node),
        age(node, now),
        asString(info.kubeletVersion),
        nodeAddress(node, "InternalIP"),
        nodeAddress(node, "ExternalIP"),
        asString(info.osImage) || "<unknown>",
        asString(info.kernelVersion) || "<unknown>",
        asString(info.containerRuntimeVersion) || "<unknown>",
      ];
    },
  },
  "/events": {
    columns: [
      column("Last Seen", "string", DOCS.lastTimestamp),
      column("Type", "string", DOCS.eventType),
      column("Reason", "string", DOCS.reason),
      column("Object", "string", DOCS.involvedObject),
      wide("Subobject", "string", DOCS.fieldPath),
      wide("Source", "string", DOCS.source),
      column("Message", "string", DOCS.message),
      wide("First Seen", "string", DOCS.firstTimestamp),
      wide("Count", "string", DOCS.count),
      wide("Name", "string", NAME_COLUMN.description, "name"),
    ],
    cells: eventCells,
  },
};
