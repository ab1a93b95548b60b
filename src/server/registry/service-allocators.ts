// Service ClusterIP and NodePort allocation: pkg/registry/core/service/ipallocator (a range over the
// service CIDR without its network and broadcast addresses), portallocator (30000-32767) and
// storage/alloc.go (which values a create/update claims, and the errors it returns).
//
// Which values are taken is derived from the stored Services, so a delete or a type change releases
// its values and a restart needs no repair pass: storage is the allocator's record. Values handed out
// to a write that has not reached storage yet are reserved, so concurrent writes never share them;
// the reservation ends when storage shows the owner's write (its resourceVersion moved), or after
// RESERVATION_MS for a write that failed (upstream's repair loop frees such leaks the same way).
import { isIPv4, isIPv6 } from "node:net";
import type { Service, ServicePort } from "kubernetes-types/core/v1.d.ts";
import { failure, Status } from "../../meta/status.ts";
import { ApiStatusError } from "../http/errors.ts";
import type { Store } from "../storage/index.ts";
import { goStringSlice } from "./go-format.ts";
import type { FieldCause } from "./types.ts";
import { child, goSyntax, index, invalid } from "./validation/field.ts";
import { validateClusterIPsRelatedFields } from "./validation/service.ts";

/** --service-cluster-ip-range (kubeadm's default); the `kubernetes` Service holds its first address. */
export const SERVICE_CLUSTER_IP_RANGE = "10.96.0.0/12";
/** --service-node-port-range. */
export const SERVICE_NODE_PORT_RANGE = { base: 30000, size: 2768 } as const; // 30000-32767

const RESERVATION_MS = 30_000;

// ipallocator/portallocator errors.
const IP_ALLOCATED = "provided IP is already allocated";
const PORT_ALLOCATED = "provided port is already allocated";
const RANGE_FULL = "range is full";
const ipNotInRange = (ip: string, range: string) =>
  `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${range}`;
const portNotInRange = (range: string) =>
  `provided port is not in the valid range. The range of valid ports is ${range}`;

type Spec = NonNullable<Service["spec"]>;

const ipToNumber = (ip: string) => ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
const numberToIP = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");

/** A pool of values [0, size) handed out as upstream's bitmap allocators do: a dynamic value is picked
 * at random above `offset` first (the lower band is kept for static requests), then below it. */
class Pool {
  readonly size: number;
  private readonly offset: number;

  constructor(size: number, offset: number) {
    this.size = size;
    this.offset = offset;
  }

  next(taken: (i: number) => boolean): number | undefined {
    for (const [from, to] of [
      [this.offset, this.size],
      [0, this.offset],
    ]) {
      const span = to - from;
      if (span <= 0) continue;
      const start = Math.floor(Math.random() * span);
      for (let k = 0; k < span; k++) {
        const i = from + ((start + k) % span);
        if (!taken(i)) return i;
      }
    }
    return undefined;
  }
}

/** calculateRangeOffset: min(max(min, size/step), max), or 0 for tiny ranges. */
function rangeOffset(size: number, min: number, max: number, step: number): number {
  if (size <= min) return 0;
  return Math.min(Math.max(min, Math.floor(size / step)), max);
}

class IPRange {
  readonly cidr: string;
  private readonly base: number; // the network address + 1
  readonly pool: Pool;

  constructor(cidr: string) {
    const [network, bits] = cidr.split("/");
    const total = 2 ** (32 - Number(bits));
    this.cidr = cidr;
    this.base = ipToNumber(network) + 1;
    this.pool = new Pool(total - 2, rangeOffset(total, 16, 256, 16));
  }

  offsetOf(ip: string): number | undefined {
    if (!isIPv4(ip)) return undefined;
    const i = ipToNumber(ip) - this.base;
    return i >= 0 && i < this.pool.size ? i : undefined;
  }

  ipAt(i: number): string {
    return numberToIP(this.base + i);
  }

  get first(): string {
    return this.ipAt(0);
  }
}

export const SERVICE_IP_RANGE = new IPRange(SERVICE_CLUSTER_IP_RANGE);
const PORTS = new Pool(SERVICE_NODE_PORT_RANGE.size, rangeOffset(SERVICE_NODE_PORT_RANGE.size, 16, 128, 32));
const PORT_RANGE_TEXT = `${SERVICE_NODE_PORT_RANGE.base}-${SERVICE_NODE_PORT_RANGE.base + SERVICE_NODE_PORT_RANGE.size - 1}`;

const needsClusterIP = (spec: Spec) => spec.type !== "ExternalName";
const needsNodePort = (spec: Spec) => spec.type === "NodePort" || spec.type === "LoadBalancer";
/** shouldAllocateNodePorts. */
const allocatesNodePorts = (spec: Spec) =>
  spec.type === "NodePort" || (spec.type === "LoadBalancer" && spec.allocateLoadBalancerNodePorts !== false);
/** apiservice.NeedsHealthCheck. */
export const needsHealthCheck = (spec: Spec) =>
  spec.type === "LoadBalancer" && spec.externalTrafficPolicy === "Local";

function invalidService(name: string, causes: FieldCause[]): ApiStatusError {
  return new ApiStatusError(Status.invalid("Service", "", name, causes));
}

function internalError(message: string): ApiStatusError {
  return new ApiStatusError(
    failure(500, "InternalError", `Internal error occurred: ${message}`, {
      causes: [{ message }],
    }),
  );
}

interface Held {
  ips: Set<string>;
  ports: Set<number>;
}

interface Reservation {
  owner: string;
  /** The owner's stored resourceVersion when reserved ("" for a create). */
  baseRV: string;
  until: number;
}

export class ServiceAllocators {
  private readonly store: Store;
  private readonly now: () => number;
  /** Values handed to writes that storage does not show yet. */
  private readonly reservedIPs = new Map<string, Reservation>();
  private readonly reservedPorts = new Map<number, Reservation>();
  /** The write being allocated: its owner key and stored resourceVersion. */
  private current = { owner: "", baseRV: "" };

  constructor(store: Store, now: () => number = Date.now) {
    this.store = store;
    this.now = now;
  }

  /**
   * BeginCreate/BeginUpdate: claims the cluster IP and node ports `svc` needs (validated and
   * normalised already), filling in what was left to the server. Throws upstream's 422 for a taken or
   * out-of-range value, 500 when a range is full.
   */
  allocate(svc: Service, old?: Service): void {
    const spec = svc.spec ?? {};
    const name = svc.metadata?.name ?? "";
    initIPFamilyFields(spec, old?.spec, name);
    const owner = `${svc.metadata?.namespace ?? ""}/${name}`;
    this.current = { owner, baseRV: old?.metadata?.resourceVersion ?? "" };
    const held = this.heldByOthers(owner);
    if (needsClusterIP(spec)) this.allocateClusterIP(spec, old?.spec, name, owner, held);
    if (needsNodePort(spec) || needsHealthCheck(spec))
      this.allocateNodePorts(spec, old?.spec, name, owner, held);
  }

  private allocateClusterIP(
    spec: Spec,
    old: Spec | undefined,
    name: string,
    owner: string,
    held: Held,
  ): void {
    const ips = spec.clusterIPs ?? [];
    if (ips[0] === "None") return;
    // An update keeps its address (validation refuses a change); ExternalName → ClusterIP allocates.
    if (old && needsClusterIP(old) && ips[0] && ips[0] === (old.clusterIPs ?? [])[0]) return;
    const requested = ips[0] ?? "";
    if (!requested) {
      const i = SERVICE_IP_RANGE.pool.next((n) => this.ipTaken(SERVICE_IP_RANGE.ipAt(n), owner, held));
      if (i === undefined) throw internalError(`failed to allocate a serviceIP: ${RANGE_FULL}`);
      const ip = SERVICE_IP_RANGE.ipAt(i);
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
      this.reserve(this.reservedIPs, ip, owner);
      return;
    }
    const fail = (why: string) =>
      invalidService(name, [
        invalid(
          child("spec", "clusterIPs"),
          goSyntax(goStringSlice(ips)),
          `failed to allocate IP ${requested}: ${why}`,
        ),
      ]);
    if (SERVICE_IP_RANGE.offsetOf(requested) === undefined)
      throw fail(ipNotInRange(requested, SERVICE_IP_RANGE.cidr));
    if (this.ipTaken(requested, owner, held)) throw fail(IP_ALLOCATED);
    this.reserve(this.reservedIPs, requested, owner);
  }

  /** initNodePorts/updateNodePorts: ports with the same port number share one node port. */
  private allocateNodePorts(
    spec: Spec,
    old: Spec | undefined,
    name: string,
    owner: string,
    held: Held,
  ): void {
    const ports = spec.ports ?? [];
    const mine = new Set(old && (needsNodePort(old) || needsHealthCheck(old)) ? nodePortsOf(old) : []);
    const claim = (port: number, path: string) => {
      if (mine.has(port)) return;
      const why = this.portError(port, owner, held);
      if (why) throw invalidService(name, [invalid(path, port, why)]);
      this.reserve(this.reservedPorts, port, owner);
      mine.add(port);
    };
    const next = (what: string): number => {
      const i = PORTS.next(
        (n) =>
          this.portTaken(SERVICE_NODE_PORT_RANGE.base + n, owner, held) ||
          mine.has(SERVICE_NODE_PORT_RANGE.base + n),
      );
      if (i === undefined) throw internalError(`failed to allocate a ${what}: ${RANGE_FULL}`);
      const port = SERVICE_NODE_PORT_RANGE.base + i;
      this.reserve(this.reservedPorts, port, owner);
      mine.add(port);
      return port;
    };
    if (needsNodePort(spec)) {
      const byServicePort = new Map<number, number>();
      ports.forEach((p: ServicePort, i) => {
        if (!p.nodePort && !allocatesNodePorts(spec)) return;
        const path = child(index("spec.ports", i), "nodePort");
        const shared = byServicePort.get(p.port);
        if (p.nodePort) {
          if (p.nodePort !== shared) claim(p.nodePort, path);
        } else {
          // A later port with the same number may name the node port this one should share.
          const requested = shared ?? ports.slice(i).find((q) => q.port === p.port && q.nodePort)?.nodePort;
          if (requested) claim(requested, path);
          p.nodePort = requested ?? next("nodePort");
        }
        byServicePort.set(p.port, p.nodePort);
      });
    }
    if (needsHealthCheck(spec)) {
      if (spec.healthCheckNodePort) {
        const why = mine.has(spec.healthCheckNodePort)
          ? undefined
          : this.portError(spec.healthCheckNodePort, owner, held);
        if (why)
          throw internalError(
            `failed to allocate requested HealthCheck NodePort ${spec.healthCheckNodePort}: ${why}`,
          );
        this.reserve(this.reservedPorts, spec.healthCheckNodePort, owner);
      } else spec.healthCheckNodePort = next("HealthCheck NodePort");
    }
  }

  private portError(port: number, owner: string, held: Held): string | undefined {
    const i = port - SERVICE_NODE_PORT_RANGE.base;
    if (i < 0 || i >= SERVICE_NODE_PORT_RANGE.size) return portNotInRange(PORT_RANGE_TEXT);
    return this.portTaken(port, owner, held) ? PORT_ALLOCATED : undefined;
  }

  /** Values stored Services other than `owner` hold; ends the reservations storage now accounts for. */
  private heldByOthers(owner: string): Held {
    const held: Held = { ips: new Set(), ports: new Set() };
    const storedRV = new Map<string, string>();
    for (const e of this.store.list("services").items) {
      const svc = e.object() as Service;
      const key = `${svc.metadata?.namespace ?? ""}/${svc.metadata?.name ?? ""}`;
      storedRV.set(key, svc.metadata?.resourceVersion ?? "");
      if (key === owner) continue;
      const spec = svc.spec ?? {};
      if (needsClusterIP(spec)) for (const ip of spec.clusterIPs ?? []) held.ips.add(ip);
      for (const p of nodePortsOf(spec)) held.ports.add(p);
    }
    const now = this.now();
    for (const reserved of [this.reservedIPs, this.reservedPorts] as Map<unknown, Reservation>[])
      for (const [value, r] of reserved)
        if (r.until <= now || (storedRV.get(r.owner) ?? "") !== r.baseRV) reserved.delete(value);
    return held;
  }

  private ipTaken(ip: string, owner: string, held: Held): boolean {
    return held.ips.has(ip) || this.reservedByOther(this.reservedIPs, ip, owner);
  }

  private portTaken(port: number, owner: string, held: Held): boolean {
    return held.ports.has(port) || this.reservedByOther(this.reservedPorts, port, owner);
  }

  private reservedByOther<K>(reserved: Map<K, Reservation>, key: K, owner: string): boolean {
    const r = reserved.get(key);
    return r !== undefined && r.owner !== owner;
  }

  private reserve<K>(reserved: Map<K, Reservation>, key: K, owner: string): void {
    reserved.set(key, { owner, baseRV: this.current.baseRV, until: this.now() + RESERVATION_MS });
  }
}

/** collectServiceNodePorts plus the health check node port. */
function nodePortsOf(spec: Spec): number[] {
  const ports = (spec.ports ?? []).map((p) => p.nodePort ?? 0).filter((p) => p > 0);
  if (spec.healthCheckNodePort) ports.push(spec.healthCheckNodePort);
  return ports;
}

/**
 * alloc.go initIPFamilyFields on this single-stack IPv4 cluster: the ipFamilyPolicy default (the old
 * policy, RequireDualStack for a headless Service without selector, else SingleStack), the families
 * the cluster IPs imply, and the refusal of what needs IPv6.
 */
function initIPFamilyFields(spec: Spec, old: Spec | undefined, name: string): void {
  if (spec.type === "ExternalName") return;
  const headlessSelectorless = spec.clusterIP === "None" && Object.keys(spec.selector ?? {}).length === 0;
  spec.ipFamilyPolicy ??= old?.ipFamilyPolicy ?? (headlessSelectorless ? "RequireDualStack" : "SingleStack");
  const related = validateClusterIPsRelatedFields(spec);
  if (related.length) throw invalidService(name, related);
  const errs: FieldCause[] = [];
  const policy = spec.ipFamilyPolicy;
  const clusterIPs = spec.clusterIPs ?? [];
  const families = spec.ipFamilies ?? [];
  if (old && policy === "SingleStack") {
    if (sameStrings(old.clusterIPs, spec.clusterIPs) && clusterIPs.length > 1)
      spec.clusterIPs = clusterIPs.slice(0, 1);
    if (sameStrings(old.ipFamilies, spec.ipFamilies) && families.length > 1)
      spec.ipFamilies = families.slice(0, 1);
  }
  if (policy === "SingleStack") {
    if ((spec.clusterIPs ?? []).length === 2)
      errs.push(
        invalid(
          "spec.ipFamilyPolicy",
          policy,
          "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified",
        ),
      );
    if ((spec.ipFamilies ?? []).length === 2)
      errs.push(
        invalid(
          "spec.ipFamilyPolicy",
          policy,
          "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified",
        ),
      );
  }
  const inferred = [...(spec.ipFamilies ?? [])];
  (spec.clusterIPs ?? []).every((ip, i) => {
    if (ip === "None") return false;
    if (i >= inferred.length) {
      if (isIPv6(ip))
        errs.push(
          invalid(
            index("spec.clusterIPs", i),
            goSyntax(goStringSlice(spec.clusterIPs)),
            "IPv6 is not configured on this cluster",
          ),
        );
      else inferred.push("IPv4");
    }
    return true;
  });
  if (errs.length) throw invalidService(name, errs);
  if (inferred.length) spec.ipFamilies = inferred;
  if (headlessSelectorless) {
    spec.ipFamilies = spec.ipFamilies?.length ? spec.ipFamilies : ["IPv4"];
    if (spec.ipFamilies.length < 2 && policy !== "SingleStack")
      spec.ipFamilies = [...spec.ipFamilies, spec.ipFamilies[0] === "IPv4" ? "IPv6" : "IPv4"];
    return;
  }
  if (policy === "RequireDualStack")
    errs.push(
      invalid("spec.ipFamilyPolicy", policy, "this cluster is not configured for dual-stack services"),
    );
  (spec.ipFamilies ?? []).forEach((family, i) => {
    if (family !== "IPv4")
      errs.push(invalid(index("spec.ipFamilies", i), family, "not configured on this cluster"));
  });
  if (errs.length) throw invalidService(name, errs);
  if (!spec.ipFamilies?.length) spec.ipFamilies = ["IPv4"];
}

const sameStrings = (a: string[] | undefined, b: string[] | undefined) =>
  (a ?? []).length === (b ?? []).length && (a ?? []).every((v, i) => v === (b ?? [])[i]);

const perStore = new WeakMap<Store, ServiceAllocators>();

/** The allocators of a store (one per server: storage is their record, so they are created on first use). */
export function allocatorsFor(store: Store): ServiceAllocators {
  const known = perStore.get(store);
  if (known) return known;
  const allocators = new ServiceAllocators(store);
  perStore.set(store, allocators);
  return allocators;
}
