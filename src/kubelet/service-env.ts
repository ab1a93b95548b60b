// Service environment variables ("service links"), as the kubelet injects them: which Services a Pod sees
// (pkg/kubelet/kubelet_pods.go getServiceEnvVarMap) and their variables (pkg/kubelet/envvars/envvars.go
// FromServices, Docker-link style included).
import type { Pod, Service } from "kubernetes-types/core/v1.d.ts";

/** The master Service the kubelet always injects (masterServices), from its namespace (masterServiceNamespace). */
const MASTER_SERVICE = "kubernetes";
const MASTER_SERVICE_NAMESPACE = "default";

/** v1helper.IsServiceIPSet: a ClusterIP that is neither empty nor "None" (headless). */
export function isServiceIPSet(service: Service): boolean {
  const ip = service.spec?.clusterIP ?? "";
  return ip !== "" && ip !== "None";
}

/** makeEnvVariableName: upper case, "-" becomes "_" (Service and port names are DNS-1035 labels). */
export function envVariableName(name: string): string {
  return name.replaceAll("-", "_").toUpperCase();
}

/** FromServices for one Service (which must have a ClusterIP and at least one port, as validation ensures). */
export function serviceVariables(service: Service): [string, string][] {
  const ports = service.spec?.ports ?? [];
  const ip = service.spec?.clusterIP ?? "";
  if (!isServiceIPSet(service) || ports.length === 0) return [];
  const prefix = envVariableName(service.metadata?.name ?? "");
  const host = ip.includes(":") ? `[${ip}]` : ip; // net.JoinHostPort
  const out: [string, string][] = [
    [`${prefix}_SERVICE_HOST`, ip],
    [`${prefix}_SERVICE_PORT`, String(ports[0].port)],
  ];
  for (const port of ports)
    if (port.name) out.push([`${prefix}_SERVICE_PORT_${envVariableName(port.name)}`, String(port.port)]);
  // makeLinkVariables: Docker's variables, the first port also as {SVC}_PORT.
  ports.forEach((port, i) => {
    const protocol = port.protocol || "TCP";
    const url = `${protocol.toLowerCase()}://${host}:${port.port}`;
    if (i === 0) out.push([`${prefix}_PORT`, url]);
    const portPrefix = `${prefix}_PORT_${port.port}_${protocol.toUpperCase()}`;
    out.push(
      [portPrefix, url],
      [`${portPrefix}_PROTO`, protocol.toLowerCase()],
      [`${portPrefix}_PORT`, String(port.port)],
      [`${portPrefix}_ADDR`, ip],
    );
  });
  return out;
}

/**
 * The service variables for a Pod: the master `kubernetes` Service always (even with `enableServiceLinks:
 * false`), and with service links (the default) every Service with a ClusterIP in the Pod's namespace; a
 * Service of the Pod's namespace named `kubernetes` takes the master's place, as upstream's map does.
 * `master` is the runtime's own variables for the `kubernetes` Service (kubernetesServiceEnv), which point
 * at the address Pods really reach the API server on.
 */
export function podServiceEnv(
  pod: Pod,
  servicesInNamespace: readonly Service[],
  master: ReadonlyMap<string, string>,
): Map<string, string> {
  const namespace = pod.metadata?.namespace ?? "default";
  const links = pod.spec?.enableServiceLinks ?? true;
  const seen = links
    ? servicesInNamespace.filter((s) => s.metadata?.namespace === namespace && isServiceIPSet(s))
    : [];
  const ownMaster =
    namespace !== MASTER_SERVICE_NAMESPACE && seen.some((s) => s.metadata?.name === MASTER_SERVICE);
  const env = new Map<string, string>(ownMaster ? [] : master);
  for (const service of seen) {
    if (namespace === MASTER_SERVICE_NAMESPACE && service.metadata?.name === MASTER_SERVICE) continue;
    for (const [name, value] of serviceVariables(service)) env.set(name, value);
  }
  return env;
}
