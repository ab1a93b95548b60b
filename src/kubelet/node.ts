// The Node object the runtime registers and keeps fresh, like the kubelet's node status loop: Ready with
// a heartbeat, loopback addresses, nodeInfo (kubeletVersion names incluster) and the host's capacity,
// and the node Lease the kubelet renews in kube-node-lease.
import { readFileSync } from "node:fs";
import os from "node:os";
import type { Node, NodeCondition, NodeStatus } from "kubernetes-types/core/v1.d.ts";
import type { Logger } from "pino";
import { isAlreadyExists, type KubeClient } from "../client/index.ts";
import { microTime } from "../client/leader-election.ts";
import { rfc3339 } from "./clock.ts";
import { HOST_IP } from "./pod-ips.ts";

/** Same minor as the API server's /version; the suffix says which runtime this is. */
export const KUBELET_VERSION = "v1.33.0-incluster";
export const MAX_PODS = 110;

function osImage(): string {
  try {
    const release = readFileSync("/etc/os-release", "utf8");
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)?.[1] ?? os.type();
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

const ARCH: Record<string, string> = {
  x64: "amd64",
  arm64: "arm64",
  arm: "arm",
  ppc64: "ppc64le",
  s390x: "s390x",
};

export function nodeLabels(nodeName: string): Record<string, string> {
  const arch = ARCH[process.arch] ?? process.arch;
  return {
    "beta.kubernetes.io/arch": arch,
    "beta.kubernetes.io/os": process.platform,
    "kubernetes.io/arch": arch,
    "kubernetes.io/hostname": nodeName,
    "kubernetes.io/os": process.platform,
  };
}

function conditions(ready: boolean, previous: readonly NodeCondition[] = []): NodeCondition[] {
  const now = rfc3339();
  const make = (type: string, status: string, reason: string, message: string): NodeCondition => {
    const before = previous.find((c) => c.type === type);
    return {
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime:
        before?.status === status && before.lastTransitionTime ? before.lastTransitionTime : now,
    };
  };
  return [
    make("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    make("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    make("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ready
      ? make("Ready", "True", "KubeletReady", "kubelet is posting ready status")
      : make("Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."),
  ];
}

/** The node's capacity, also its allocatable (nothing is reserved); the Downward API's default limits. */
export function nodeCapacity(): Record<string, string> {
  return {
    cpu: String(os.availableParallelism()),
    memory: `${Math.floor(os.totalmem() / 1024)}Ki`,
    pods: String(MAX_PODS),
    "ephemeral-storage": "0",
  };
}

export function nodeStatus(nodeName: string, ready: boolean, previous?: NodeStatus): NodeStatus {
  const capacity = nodeCapacity();
  let machineID = "";
  try {
    machineID = readFileSync("/etc/machine-id", "utf8").trim();
  } catch {
    // not every host has one
  }
  return {
    capacity,
    allocatable: capacity,
    conditions: conditions(ready, previous?.conditions),
    addresses: [
      { type: "InternalIP", address: HOST_IP },
      { type: "Hostname", address: nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
    nodeInfo: {
      machineID,
      systemUUID: machineID,
      bootID: "",
      kernelVersion: os.release(),
      osImage: osImage(),
      containerRuntimeVersion: "incluster://0.1.0",
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: "",
      operatingSystem: process.platform,
      architecture: ARCH[process.arch] ?? process.arch,
    },
  };
}

/** The kubelet's node lease (component-helpers apimachinery/lease/controller.go with the kubelet's
 * defaults): a Lease named after the node in kube-node-lease, owned by the Node, renewed every quarter of
 * its 40 s duration; what the node lifecycle controller reads as the node's heartbeat. */
export const NODE_LEASE_NAMESPACE = "kube-node-lease";
export const NODE_LEASE_DURATION_SECONDS = 40;
const NODE_LEASE_RENEW_MS = (NODE_LEASE_DURATION_SECONDS * 1000) / 4;

export function nodeLease(node: Node, now: number) {
  const name = node.metadata?.name ?? "";
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name,
      namespace: NODE_LEASE_NAMESPACE,
      ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid: node.metadata?.uid ?? "" }],
    },
    spec: {
      holderIdentity: name,
      leaseDurationSeconds: NODE_LEASE_DURATION_SECONDS,
      renewTime: microTime(now),
    },
  };
}

/** Registers the Node, then refreshes its status every intervalMs and its Lease every 10 s until stop(). */
export class NodeRegistration {
  readonly name: string;
  readonly #client: KubeClient;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #leaseTimer: NodeJS.Timeout | undefined;
  #last: NodeStatus | undefined;

  constructor(client: KubeClient, name: string, log: Logger) {
    this.#client = client;
    this.name = name;
    this.#log = log;
  }

  async register(intervalMs: number): Promise<Node> {
    const nodes = this.#client.resource<Node>("nodes");
    let node: Node;
    try {
      node = await nodes.create({
        apiVersion: "v1",
        kind: "Node",
        metadata: { name: this.name, labels: nodeLabels(this.name) },
        spec: {},
      });
      this.#log.info({ node: this.name }, "registered the node");
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      node = await nodes.get(this.name);
      this.#log.info({ node: this.name }, "the node already exists; taking it over");
    }
    this.#last = node.status;
    await this.#post(true);
    this.#timer = setInterval(() => {
      this.#post(true).catch((error: Error) =>
        this.#log.warn({ err: error.message }, "node status update failed"),
      );
    }, intervalMs);
    this.#timer.unref();
    await this.#renewLease(node);
    this.#leaseTimer = setInterval(() => {
      this.#renewLease(node).catch((error: Error) =>
        this.#log.warn({ err: error.message }, "node lease renewal failed"),
      );
    }, NODE_LEASE_RENEW_MS);
    this.#leaseTimer.unref();
    return node;
  }

  /** Creates the node's Lease, or renews it (holder and renewTime) when it exists. */
  async #renewLease(node: Node): Promise<void> {
    const leases = this.#client.resource<Record<string, unknown>>("leases.coordination.k8s.io");
    const lease = nodeLease(node, Date.now());
    try {
      await leases.create(lease, { namespace: NODE_LEASE_NAMESPACE });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      await leases.patch(this.name, { spec: lease.spec }, "merge", { namespace: NODE_LEASE_NAMESPACE });
    }
  }

  /** Stops the heartbeat and marks the node's status Unknown (best effort), as the node controller would. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    clearInterval(this.#leaseTimer);
    await this.#post(false).catch(() => undefined);
  }

  async #post(ready: boolean): Promise<void> {
    const status = nodeStatus(this.name, ready, this.#last);
    await this.#client.requestJson({
      method: "PATCH",
      path: `/api/v1/nodes/${encodeURIComponent(this.name)}/status`,
      contentType: "application/merge-patch+json",
      body: { status },
      retries: ready ? undefined : 0,
      timeoutMs: ready ? undefined : 2000,
    });
    this.#last = status;
  }
}
