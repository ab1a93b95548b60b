// core/v1 Node: ValidateNode (validation/core.ts), printNode.

import type { KubeObject } from "../../../../meta/types.ts";
import { asList, asMap, asString } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN, wide } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { ResourceDef } from "../../types.ts";
import { validateNode } from "../../validation/core.ts";
import { fields } from "../fields.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";

const DOCS = {
  kubeletVersion: "Kubelet Version reported by the node.",
  addresses:
    "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/concepts/nodes/node/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).",
  osImage: "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
  kernelVersion: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
  containerRuntimeVersion:
    "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
};

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

export const node: ResourceDef = {
  group: "",
  version: "v1",
  resource: "nodes",
  singular: "node",
  kind: "Node",
  listKind: "NodeList",
  namespaced: false,
  shortNames: ["no"],
  verbs: CRUD,
  subresources: [{ name: "status", kind: "Node", verbs: GET_PATCH_UPDATE }],
  selectableFields: fields("spec.unschedulable"),
  generation: false, // node strategy.go never sets it
  returnsDeletedObject: true,
  statusKeepsMetadata: [], // nodeStatusStrategy keeps spec only
  validate: validateNode,
  printer: {
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
};
