// What kube-apiserver does to a Service before validating it: the v1 defaults
// (pkg/apis/core/v1/defaults.go SetDefaults_Service), the strategy's normalizeClusterIPs and
// dropTypeDependentFields (pkg/registry/core/service/strategy.go), the REST storage's
// patchAllocatedValues (storage/storage.go), and the allocation itself (service-allocators.ts).
import type { Service, ServicePort } from "kubernetes-types/core/v1.d.ts";
import { SERVICE_IP_RANGE, type ServiceAllocators } from "./service-allocators.ts";

type Spec = NonNullable<Service["spec"]>;

const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;

export function prepareService(svc: Service, old: Service | undefined, allocators: ServiceAllocators): void {
  svc.spec ??= {};
  defaultService(svc.spec);
  if (!old) {
    (svc as { status?: unknown }).status = { loadBalancer: {} };
    // The `kubernetes` Service holds the range's first address (the apiserver's reconciler asks for it).
    if (svc.metadata?.namespace === "default" && svc.metadata?.name === "kubernetes" && !svc.spec.clusterIP)
      svc.spec.clusterIP = SERVICE_IP_RANGE.first;
  } else {
    const spec = old.spec ?? {};
    patchAllocatedValues(svc.spec, spec);
    dropTypeDependentFields(svc.spec, spec);
    // A Service that is no longer a LoadBalancer has no load balancer status (dropTypeDependentFields).
    if (svc.spec.type !== "LoadBalancer")
      (svc as { status?: unknown }).status = { ...svc.status, loadBalancer: {} };
  }
  normalizeClusterIPs(svc.spec, old?.spec);
  allocators.allocate(svc, old);
}

/** SetDefaults_Service. */
function defaultService(spec: Spec): void {
  if (!spec.sessionAffinity) spec.sessionAffinity = "None";
  if (spec.sessionAffinity === "None") delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === "ClientIP" && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds == null) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_AFFINITY_SECONDS } };
  }
  if (!spec.type) spec.type = "ClusterIP";
  for (const p of spec.ports ?? []) {
    if (!p.protocol) p.protocol = "TCP";
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === "") p.targetPort = p.port;
  }
  const externallyAccessible =
    spec.type === "LoadBalancer" ||
    spec.type === "NodePort" ||
    (spec.type === "ClusterIP" && (spec.externalIPs ?? []).length > 0);
  if (externallyAccessible && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = "Cluster";
  if (spec.type !== "ExternalName") spec.internalTrafficPolicy ??= "Cluster";
  if (spec.type === "LoadBalancer") spec.allocateLoadBalancerNodePorts ??= true;
}

const needsClusterIP = (spec: Spec) => spec.type !== "ExternalName";
const needsNodePort = (spec: Spec) => spec.type === "NodePort" || spec.type === "LoadBalancer";
const needsHCNodePort = (spec: Spec) =>
  spec.type === "LoadBalancer" && spec.externalTrafficPolicy === "Local";
const sameStrings = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  (a ?? []).length === (b ?? []).length && (a ?? []).every((v, i) => v === (b ?? [])[i]);

/** normalizeClusterIPs: keeps clusterIP and clusterIPs in step for clients that set only one. */
function normalizeClusterIPs(spec: Spec, old: Spec | undefined): void {
  if (!old) {
    if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
    return;
  }
  if (old.clusterIPs?.length && !spec.clusterIPs?.length && old.clusterIP === spec.clusterIP)
    spec.clusterIPs = old.clusterIPs;
  if ((old.clusterIP ?? "") !== (spec.clusterIP ?? "")) {
    if (old.clusterIP && !spec.clusterIP && sameStrings(old.clusterIPs, spec.clusterIPs))
      delete spec.clusterIPs;
    if (spec.clusterIP && sameStrings(old.clusterIPs, spec.clusterIPs)) spec.clusterIPs = [spec.clusterIP];
  }
}

/** patchAllocatedValues: a resubmitted manifest keeps the values allocated on its behalf. */
function patchAllocatedValues(spec: Spec, old: Spec): void {
  if (needsClusterIP(old) && needsClusterIP(spec)) {
    if (!spec.clusterIP && old.clusterIP) spec.clusterIP = old.clusterIP;
    if (!spec.clusterIPs?.length && old.clusterIPs?.length) spec.clusterIPs = old.clusterIPs;
  }
  if (needsNodePort(old) && needsNodePort(spec)) {
    const usedBy = (s: Spec) => new Set((s.ports ?? []).map((p) => p.nodePort ?? 0).filter((p) => p));
    const inNew = usedBy(spec);
    const used = new Set([...usedBy(old)].filter((p) => inNew.has(p)));
    const byName = new Map((old.ports ?? []).map((p) => [p.name ?? "", p.nodePort ?? 0]));
    for (const p of spec.ports ?? []) {
      const previous = byName.get(p.name ?? "") ?? 0;
      if (!p.nodePort && previous && !used.has(previous)) p.nodePort = previous;
    }
  }
  if (needsHCNodePort(old) && needsHCNodePort(spec) && !spec.healthCheckNodePort)
    spec.healthCheckNodePort = old.healthCheckNodePort;
}

/** dropTypeDependentFields: a type change wipes what the old type needed, unless the user changed it. */
function dropTypeDependentFields(spec: Spec, old: Spec): void {
  if (needsClusterIP(old) && !needsClusterIP(spec)) {
    if (old.clusterIP === spec.clusterIP && sameStrings(old.clusterIPs, spec.clusterIPs)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (sameStrings(old.ipFamilies, spec.ipFamilies)) delete spec.ipFamilies;
    if (old.ipFamilyPolicy === spec.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  const nodePorts = (s: Spec) => (s.ports ?? []).map((p: ServicePort) => p.nodePort ?? 0);
  if (needsNodePort(old) && !needsNodePort(spec) && sameNumbers(nodePorts(old), nodePorts(spec)))
    for (const p of spec.ports ?? []) delete p.nodePort;
  if (needsHCNodePort(old) && !needsHCNodePort(spec) && old.healthCheckNodePort === spec.healthCheckNodePort)
    delete spec.healthCheckNodePort;
  if (
    old.type === "LoadBalancer" &&
    spec.type !== "LoadBalancer" &&
    spec.allocateLoadBalancerNodePorts != null &&
    old.allocateLoadBalancerNodePorts === spec.allocateLoadBalancerNodePorts
  )
    delete spec.allocateLoadBalancerNodePorts;
  if (
    old.type === "LoadBalancer" &&
    spec.type !== "LoadBalancer" &&
    spec.loadBalancerClass != null &&
    old.loadBalancerClass === spec.loadBalancerClass
  )
    delete spec.loadBalancerClass;
  const accessible = (s: Spec) =>
    s.type === "LoadBalancer" ||
    s.type === "NodePort" ||
    (s.type === "ClusterIP" && (s.externalIPs ?? []).length > 0);
  if (accessible(old) && !accessible(spec) && old.externalTrafficPolicy === spec.externalTrafficPolicy)
    delete spec.externalTrafficPolicy;
}

const sameNumbers = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** SetDefaults_LoadBalancerStatus (LoadBalancerIPMode, on since 1.30): an ingress IP is a VIP unless said. */
export function defaultLoadBalancerStatus(svc: Service): void {
  for (const ingress of svc.status?.loadBalancer?.ingress ?? [])
    if (ingress.ip && ingress.ipMode == null) ingress.ipMode = "VIP";
}
